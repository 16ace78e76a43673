/** The playground page: acquires the adapter, shows it, and runs the runtime self-check. */
import { GpuContext } from '../gpu/context.js';
import { selfcheck, type Check } from '../gpu/selfcheck.js';

interface PageState {
  ready: boolean;
  adapter?: GpuContext['adapter'];
  checks?: Check[];
  error?: string;
}

const state: PageState = { ready: false };
(window as unknown as { __wasserflow: PageState }).__wasserflow = state;

async function start(): Promise<void> {
  const adapterEl = document.getElementById('adapter')!;
  try {
    const ctx = await GpuContext.create();
    const a = ctx.adapter;
    state.adapter = a;
    adapterEl.textContent = `adapter: ${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ')}` +
      (a.isSoftware ? ' — software adapter: kernels run on the CPU, about 50× slower than a GPU' : '');
    if (a.isSoftware) adapterEl.classList.add('warn');
    const checks = await selfcheck(ctx, 262_147, 1);
    state.checks = checks;
    const body = document.querySelector('#checks tbody')!;
    for (const c of checks) {
      const tr = document.createElement('tr');
      for (const [text, cls] of [[c.name, ''], [c.ok ? 'ok' : 'FAIL', c.ok ? 'ok' : 'fail'], [c.detail, ''], [c.ms.toFixed(0), '']] as const) {
        const td = document.createElement('td');
        td.textContent = text;
        if (cls) td.className = cls;
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
  } catch (e) {
    state.error = (e as Error).message;
    adapterEl.textContent = `WebGPU unavailable: ${state.error}`;
    adapterEl.classList.add('error');
  } finally {
    state.ready = true;
  }
}

void start();
