/**
 * The experiments' figures, built from exactly what each experiment writes to its JSON (so that
 * `replotExperiment(dir)` re-renders committed results without re-running them), drawn by the one
 * plotting module (src/plot/).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PALETTE, type FigureSeries, type FigureSpec } from '../plot/figure.js';
import { writeFigure } from '../plot/write.js';
import type { FlowPoint } from '../flows/flow.js';
import { flowFigure } from '../flows/plot.js';

/** One checkpoint of a monitored run, as in loglog.json / lipschitz-control.json. */
export interface CheckpointRecord {
  step: number;
  jdsm: number;
  w2: number;
  bound: number;
  /** ½ log(2 Σ β_i I_i²) of this checkpoint's model: its bound line is log W = ½ log J + intercept. */
  intercept: number;
}

export interface RunRecords {
  dataset: string;
  variant: string;
  records: readonly CheckpointRecord[];
}

const sci = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1).replace('e+', 'e') : String(Number(v.toPrecision(3)))).replace('-', '−');

/**
 * log–log figure of W2(p0, q0) and the bound against J_DSM: W2 as filled markers, each checkpoint's
 * bound as open markers of the same colour, and the bound line W = e^c·√J of the final model (the
 * model the figure is about; each bad-model checkpoint has its own, higher line, whose value at its
 * own J is its open marker). Bounds far above every W2 (the bad start's, up to 10^40) would squash
 * the trained checkpoints into one corner: the y axis stops at 30 × the largest W2 and a note
 * counts the bounds above it. `w2Method` names how W2 was measured in the legend (w2Legend in
 * src/experiments/w2.ts; JSON written before it was recorded was measured by Sinkhorn).
 */
export function logLogFigure(runs: readonly RunRecords[], title: string, w2Method = 'Sinkhorn'): FigureSpec {
  const series: FigureSeries[] = [];
  const many = runs.length > 1;
  const allJ = runs.flatMap((r) => r.records.map((x) => x.jdsm)).filter((v) => v > 0);
  const jLo = Math.min(...allJ);
  const jHi = Math.max(...allJ);
  const w2Max = Math.max(...runs.flatMap((r) => r.records.map((x) => x.w2)).filter(Number.isFinite));
  const yMax = 30 * w2Max;
  let above = 0;
  let aboveMax = 0;
  runs.forEach((r, k) => {
    const tag = many ? `${r.variant || r.dataset}: ` : '';
    const [cW, cB] = many ? [PALETTE[k % PALETTE.length]!, PALETTE[k % PALETTE.length]!] : [PALETTE[0], PALETTE[1]];
    const last = r.records[r.records.length - 1]!;
    for (const x of r.records) {
      if (x.bound > yMax) {
        above++;
        aboveMax = Math.max(aboveMax, x.bound);
      }
    }
    series.push({ name: `${tag}W2(p0, q0), ${w2Method}`, x: r.records.map((x) => x.jdsm), y: r.records.map((x) => x.w2), mark: 'points', shape: 'circle', color: cW, size: 4.5 });
    series.push({ name: `${tag}bound at each checkpoint`, x: r.records.map((x) => x.jdsm), y: r.records.map((x) => x.bound), mark: 'points', shape: many ? 'ring' : 'diamond', color: cB, size: 4.5 });
    const c = last.intercept;
    const xs = Array.from({ length: 2 }, (_, i) => (i === 0 ? jLo : jHi));
    series.push({ name: `${tag}bound line of the final model, W = e^c·√J, c = ${sci(c)}`, x: xs, y: xs.map((j) => Math.exp(c + 0.5 * Math.log(j))), mark: 'line', dash: true, color: cB });
  });
  const spec: FigureSpec = {
    title,
    x: { label: 'J_DSM (denoising score-matching error)', log: true },
    y: { label: 'W2(p0, q0)', log: true, max: yMax },
    series,
  };
  if (above > 0) spec.note = `${above === 1 ? 'One bound value' : `${above} bound values`} of the bad-model start (up to ${sci(aboveMax)}) ${above === 1 ? 'lies' : 'lie'} above the top of the plot.`;
  return spec;
}

/**
 * L_s(t) against the step: the network's (a lower estimate over samples and a grid), the exact
 * score's supremum over x and its maximum over the same kind of points, on an asinh axis (both
 * signs, six orders of magnitude between the supremum at small t and −1).
 */
export function lsVsTFigure(d: { T: number; steps: readonly number[]; networkLs: readonly number[]; networkLower?: readonly number[]; networkCertified?: readonly number[]; certifiedRegion?: string; exactSup?: readonly number[]; exactAtSamples?: readonly number[]; exactLs?: readonly number[] }): FigureSpec {
  const series: FigureSeries[] = [{ name: 'network, max over samples + grid (lower estimate)', x: d.steps, y: d.networkLs, mark: 'line+points', color: PALETTE[0] }];
  if (d.networkLower) series.push({ name: 'network, best lower estimate (GPU search)', x: d.steps, y: d.networkLower, mark: 'line', color: PALETTE[3] });
  if (d.networkCertified && d.networkCertified.every(Number.isFinite)) series.push({ name: `network, certified upper bound (${d.certifiedRegion?.startsWith('R^') ? `over ℝ${d.certifiedRegion === 'R^1' ? '' : '²'}` : 'box'})`, x: d.steps, y: d.networkCertified, mark: 'line', dash: [6, 3], color: PALETTE[4] });
  if (d.exactSup) series.push({ name: 'exact score, supremum over x', x: d.steps, y: d.exactSup, mark: 'line', color: PALETTE[1] });
  const atSamples = d.exactAtSamples ?? d.exactLs;
  if (atSamples) series.push({ name: 'exact score, max over samples + grid', x: d.steps, y: atSamples, mark: 'line', dash: [2, 3], color: PALETTE[2] });
  series.push({ name: '−1 (the Gaussian limit)', x: [d.steps[0] ?? 1, d.T], y: [-1, -1], mark: 'line', dash: true, color: '#555555', size: 1.5 });
  return {
    title: `One-sided Lipschitz constant L_s(t), DDPM T = ${d.T}, 4 clusters`,
    x: { label: 'step t' },
    y: { label: 'L_s(t) (asinh scale)', asinh: true },
    series,
  };
}

/**
 * The offset I(T)·W2(p_T, N(0, I)) against T and W2(p0, q0), on a log axis. No "paper" series: the
 * figures once quoted for it (67/59/15/4/1.6) are not in the paper's released code and could not be
 * confirmed (DESIGN.md).
 */
export function tSweepFigure(d: { rows: readonly { T: number; w2: number; offset: number }[] }): FigureSpec {
  const T = d.rows.map((r) => r.T);
  return {
    title: 'The offset I(T)·W2(p_T, N(0, I)) falls with T (4 clusters)',
    x: { label: 'T (DDPM steps)' },
    y: { label: 'value', log: true },
    series: [
      { name: 'I(T)·W2(p_T, N(0, I)), here', x: T, y: d.rows.map((r) => r.offset), mark: 'line+points', color: PALETTE[0] },
      { name: 'W2(p0, q0) with q_T = p_T, here', x: T, y: d.rows.map((r) => r.w2), mark: 'line+points', shape: 'triangle', color: PALETTE[2] },
    ],
  };
}

/**
 * Re-render the figures of an experiment's output folder from its JSON (loglog.json,
 * lipschitz-control.json, ls-vs-t.json, t-sweep.json, and flow traces from `wasserflow flow --out`):
 * SVG, figure spec and PNG. Returns the files written.
 */
export async function replotExperiment(dir: string): Promise<string[]> {
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
  const out: string[] = [];
  if (existsSync(join(dir, 'loglog.json'))) {
    const j = read('loglog.json') as { runs: RunRecords[]; w2Method?: string };
    for (const r of j.runs) out.push(...(await writeFigure(dir, `loglog-${r.dataset}`, logLogFigure([r], logLogTitle(r.dataset), j.w2Method))));
  }
  if (existsSync(join(dir, 'lipschitz-control.json'))) {
    const j = read('lipschitz-control.json') as { runs: RunRecords[]; w2Method?: string };
    out.push(...(await writeFigure(dir, 'lipschitz-control', logLogFigure(j.runs, lipschitzControlTitle(j.runs[0]?.dataset ?? ''), j.w2Method))));
  }
  if (existsSync(join(dir, 'ls-vs-t.json'))) out.push(...(await writeFigure(dir, 'ls-vs-t', lsVsTFigure(read('ls-vs-t.json') as unknown as Parameters<typeof lsVsTFigure>[0]))));
  // Flow traces written by `wasserflow flow --out` (a JSON with a trace).
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.figure.json'))) {
    const r = read(f) as { kind?: string; trace?: FlowPoint[]; w2Method?: string; generator?: { loss: string; steps: number } };
    if (!Array.isArray(r.trace) || !r.kind) continue;
    const name = f.replace(/\.json$/, '');
    const what = r.generator ? `MonoFlow with a generator, ${r.generator.loss} loss, ${r.generator.steps} generator step${r.generator.steps > 1 ? 's' : ''} per round` : `wasserflow flow ${r.kind}`;
    out.push(...(await writeFigure(dir, name, flowFigure(`${what} (${name})`, r.trace, r.w2Method ?? ''))));
  }
  if (existsSync(join(dir, 't-sweep.json'))) out.push(...(await writeFigure(dir, 't-sweep', tSweepFigure(read('t-sweep.json') as unknown as Parameters<typeof tSweepFigure>[0]))));
  return out;
}

export const logLogTitle = (dataset: string) => `W2(p0, q0) and the bound during training: ${dataset} (DDPM, n = 10)`;
export const lipschitzControlTitle = (dataset: string) => `Lipschitz control lowers the bound line: ${dataset}`;
