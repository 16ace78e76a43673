/**
 * The benchmark tab: runs the whole suite (bench/suite.ts) on the page's device and shows the
 * table. Python peers are reached through `window.__wasserflowPeer`, which only the headless runner
 * (bench/headless.ts) provides; `window.__wasserflowBench.run()` is what that runner calls.
 */
import { runSuite, toMarkdown, type BenchReport } from '../../bench/suite.js';
import { CEILING_LABELS, type BenchResult, type PeerTiming } from '../../bench/harness.js';
import type { Engine } from '../api/engine.js';
import { state } from './state.js';

type PeerBridge = (script: string, argsJson: string) => Promise<string>;

export interface BenchApi {
  run(opts?: { quick?: boolean; filter?: string; noPeers?: boolean }): Promise<BenchReport>;
  markdown(r: BenchReport): string;
}

function cell(tr: HTMLTableRowElement, text: string, cls = ''): void {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

export function initBenchTab(engine: Engine): BenchApi {
  const ctx = engine.ctx;
  const button = document.getElementById('bench-run') as HTMLButtonElement;
  const stopButton = document.getElementById('bench-stop') as HTMLButtonElement;
  const quick = document.getElementById('bench-quick') as HTMLInputElement;
  const status = document.getElementById('bench-status')!;
  const tableDiv = document.getElementById('bench-table')!;
  const logEl = document.getElementById('bench-log')!;
  let running: Promise<BenchReport> | undefined;
  let abort: AbortController | undefined;

  const table = document.createElement('table');
  table.innerHTML = '<thead><tr><th>benchmark</th><th>size</th><th>ours</th><th>unit</th><th>median ms</th><th>first ms</th><th>runs</th><th>share of ceiling</th><th>peers (ours / peer)</th></tr></thead><tbody></tbody>';
  const body = table.querySelector('tbody')!;

  const addRow = (r: BenchResult) => {
    const tr = document.createElement('tr');
    tr.dataset.id = r.id;
    cell(tr, r.name);
    cell(tr, r.size);
    cell(tr, fmt(r.value), 'num');
    cell(tr, r.unit);
    cell(tr, r.timing.medianMs.toFixed(1), 'num');
    cell(tr, r.timing.firstMs.toFixed(0), 'num');
    cell(tr, String(r.timing.runs), 'num');
    cell(tr, r.share === undefined ? '—' : `${(100 * r.share).toFixed(1)}% ${CEILING_LABELS[(r.ceilingOf ?? r.ceiling)!.kind]}`, 'num');
    cell(tr, r.peers.map((p) => `${p.name}: ${fmt(p.value)} (×${fmt(p.ratio)})`).join('; ') || '—');
    body.appendChild(tr);
  };

  const run = (opts: { quick?: boolean; filter?: string; noPeers?: boolean } = {}): Promise<BenchReport> => {
    if (running) return running;
    button.disabled = true;
    stopButton.disabled = false;
    abort = new AbortController();
    const signal = abort.signal;
    body.replaceChildren();
    tableDiv.replaceChildren(table);
    logEl.textContent = '';
    status.textContent = 'starting…';
    const bridge = (globalThis as { __wasserflowPeer?: PeerBridge }).__wasserflowPeer;
    const t0 = performance.now();
    // Count and ETA: the mean time per finished benchmark times those left (benchmarks differ, so "about").
    const onBench = (p: { title: string; index: number; total: number }) => {
      const elapsed = (performance.now() - t0) / 1000;
      const eta = p.index > 0 ? ` — about ${Math.max(1, Math.round(((p.total - p.index) * elapsed) / p.index / 60))} min left` : '';
      status.textContent = `${p.index + 1} of ${p.total}: ${p.title} (${elapsed.toFixed(0)} s so far${eta})`;
      state.bench = { running: true, index: p.index, total: p.total };
    };
    const log = (m: string) => {
      logEl.textContent += `${m}\n`;
      console.log(m);
    };
    running = runSuite(
      {
        ctx,
        adapter: ctx.adapter,
        env: 'browser',
        log,
        signal,
        peer: async (script, args) => (bridge ? (JSON.parse(await bridge(script, JSON.stringify(args))) as PeerTiming[]) : []),
      },
      {
        quick: opts.quick ?? quick.checked,
        // Without the headless runner's bridge no Python peer can run here: say so, don't wait on one.
        noPeers: opts.noPeers ?? !bridge,
        env: 'chromium',
        runtime: navigator.userAgent.match(/(Headless)?Chrom(e|ium)\/[\d.]+/)?.[0] ?? navigator.userAgent,
        ...(opts.filter ? { filter: opts.filter } : {}),
        onResult: addRow,
        onBench,
      },
    ).then(
      (report) => {
        for (const f of report.failures) {
          // The benchmark Stop interrupted is not a failure: say where the run stopped instead.
          const stopped = signal.aborted && /cancel|abort/i.test(f.error);
          const tr = document.createElement('tr');
          cell(tr, f.id);
          cell(tr, stopped ? 'stopped here (not finished)' : `FAILED: ${f.error}`, stopped ? 'stopped' : 'fail');
          body.appendChild(tr);
        }
        const secs = ((performance.now() - t0) / 1000).toFixed(0);
        status.textContent = signal.aborted
          ? `stopped after ${report.results.length} rows (${secs} s)`
          : `done: ${report.results.length} rows in ${secs} s${report.failures.length ? `, ${report.failures.length} failed` : ''}`;
        return report;
      },
    ).finally(() => {
      button.disabled = false;
      stopButton.disabled = true;
      state.bench = { ...state.bench, running: false };
      running = undefined;
    });
    return running;
  };

  stopButton.addEventListener('click', () => {
    abort?.abort();
    status.textContent += ' — stopping after the current benchmark…';
  });
  button.addEventListener('click', () => {
    void run().catch((e: unknown) => {
      status.textContent = `failed: ${(e as Error).message}`;
    });
  });
  const api: BenchApi = { run, markdown: toMarkdown };
  (globalThis as unknown as { __wasserflowBench: BenchApi }).__wasserflowBench = api;
  return api;
}
