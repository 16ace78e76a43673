/**
 * The page: acquires the adapter (warning when it is a software fallback), wires the tabs, and
 * starts the playground, the benchmark tab and the runtime self-check. `window.__wasserflow`
 * exposes the page state to the browser tests and the headless benchmark runner.
 */
import { createEngine, type Engine } from '../api/engine.js';
import { initBenchTab } from './bench_tab.js';
import { initFlowsTab } from './flows_tab.js';
import { initPlayground } from './playground.js';
import { state } from './state.js';

function adapterText(a: Engine['adapter']): string {
  const name = [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') || '(unnamed adapter)';
  return `adapter: ${name}` + (a.isSoftware ? ' — software adapter: kernels run on the CPU, about 50× slower than on a GPU' : '');
}

function initTabs(): void {
  const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>('#tabs button'));
  const show = (name: string) => {
    for (const b of buttons) b.classList.toggle('active', b.dataset.tab === name);
    for (const s of Array.from(document.querySelectorAll<HTMLElement>('main > .tab'))) s.classList.toggle('active', s.id === name);
  };
  for (const b of buttons) b.addEventListener('click', () => {
    history.replaceState(null, '', `#${b.dataset.tab}`);
    show(b.dataset.tab!);
  });
  const initial = location.hash.slice(1);
  if (buttons.some((b) => b.dataset.tab === initial)) show(initial);
}

async function runSelfcheck(engine: Engine): Promise<void> {
  const checks = await engine.selfcheck({ n: 262_147, seed: 1 });
  state.checks = checks;
  const body = document.querySelector('#checks tbody')!;
  for (const c of checks) {
    const tr = document.createElement('tr');
    for (const [text, cls] of [[c.name, ''], [c.ok ? 'ok' : 'FAIL', c.ok ? 'ok' : 'fail'], [c.detail, ''], [c.ms.toFixed(0), 'num']] as const) {
      const td = document.createElement('td');
      td.textContent = text;
      if (cls) td.className = cls;
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}

/** Without WebGPU: the "how to enable WebGPU" panel, and every control disabled (none could run). */
function noWebGpu(): void {
  document.getElementById('no-webgpu')!.hidden = false;
  for (const c of Array.from(document.querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLSelectElement>('main button, main input, main select'))) c.disabled = true;
  for (const p of Array.from(document.querySelectorAll<HTMLElement>('main .plot'))) p.textContent = 'needs WebGPU (see above)';
}

async function start(): Promise<void> {
  initTabs();
  const adapterEl = document.getElementById('adapter')!;
  try {
    const engine = await createEngine();
    const a = engine.adapter;
    state.adapter = a;
    adapterEl.textContent = adapterText(a);
    if (a.isSoftware) adapterEl.classList.add('warn');
    void engine.lost.then((e) => {
      state.error = e.message;
      adapterEl.textContent = `${e.message} — reload the page to start again`;
      adapterEl.classList.add('error');
    });
    initBenchTab(engine);
    initFlowsTab(engine);
    await initPlayground(engine);
    await runSelfcheck(engine);
  } catch (e) {
    state.error = (e as Error).message;
    adapterEl.textContent = `WebGPU unavailable: ${state.error}`;
    adapterEl.classList.add('error');
    noWebGpu();
  } finally {
    state.ready = true;
  }
}

void start();
