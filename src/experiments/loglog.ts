/**
 * `experiment loglog` (Fig. 2 of Kwon et al. 2022) and `experiment lipschitz-control` (Fig. 3):
 * train the paper's network on the DDPM schedule (n = 10), starting from a bad model (the first
 * steps maximise the loss), and at every checkpoint record log W2(p_0, q_0) against log J_DSM with
 * the bound line log W ≤ ½ log J + ½ log(2 Σ β_i I_i²) evaluated with the estimated L_s (BoundMonitor).
 * lipschitz-control repeats it with weight clipping 0.1 (and spectral normalisation when the trainer
 * supports it) and compares the bound lines' intercepts.
 */
import { BoundMonitor, type MonitorRecord } from '../bound/monitor.js';
import { makeDataset, type DatasetName } from '../data/datasets.js';
import { DdpmSigmoid } from '../processes/process.js';
import { discreteBound } from '../bound/bound.js';
import { networkSupremum, noisedSamples } from '../lipschitz/network_sup.js';
import { Trainer } from '../train/trainer.js';
import { writeFigure } from '../plot/write.js';
import { lipschitzControlTitle, logLogFigure, logLogTitle } from './figures.js';
import { supremumProgress, ensureDir, fmt, linearFit, paperTraining, writeJson, writeText, type ExperimentContext } from './common.js';
import { describeW2, w2Legend } from './w2.js';

export interface LogLogSizes {
  steps: number;
  every: number;
  maximizeSteps: number;
  /** q_0 particles = data points (one x_T per data point). */
  samplePoints: number;
  lsPoints: number;
  dataPoints: number;
  /**
   * Seconds per step for the certificate at the final weights (0: skip it), per part: at d ≤ 2 the
   * certificate covers ℝ^d as the box [−1.5, 1.5]^d and the outside of the ball of radius 1.5, each
   * with this budget.
   */
  certSeconds?: number;
}

export function logLogSizes(full: boolean): LogLogSizes {
  return full
    ? { steps: 20_000, every: 500, maximizeSteps: 2000, samplePoints: 4000, lsPoints: 4096, dataPoints: 4000, certSeconds: 30 }
    : { steps: 1200, every: 100, maximizeSteps: 200, samplePoints: 1500, lsPoints: 256, dataPoints: 1500, certSeconds: 4 };
}

/** The sizes with the certificate's budget from `--cert-seconds`, when given. */
const withCertSeconds = (sizes: LogLogSizes, ex: ExperimentContext): LogLogSizes => (ex.certSeconds !== undefined ? { ...sizes, certSeconds: ex.certSeconds } : sizes);

export interface RunSeries {
  dataset: DatasetName;
  variant: string;
  records: MonitorRecord[];
  /**
   * At the final weights: the bound line's intercept with the best lower estimate and with the
   * certified L_s (host float64) over `certifiedRegion` — 'R^d' at d ≤ 2 (the box [−1.5, 1.5]^d and the
   * outside of the ball of radius 1.5), else the final box.
   */
  final?: {
    interceptSamples: number;
    interceptPaper: number;
    interceptLower: number;
    /** With the certified upper bounds (closed or not: every one is sound over `certifiedRegion`). */
    interceptCertified: number;
    /** What the certified values cover: 'R^d', or 'box' (each step's final box, `boxes`). */
    certifiedRegion: string;
    /** Steps whose certificate closed to the gap target (within max(5% of |best lower|, 10⁻³) of it) (over ℝ^d: both parts). */
    certifiedConverged: number;
    /** Steps whose argmax stayed on the edge of the final search box (region 'box': the certificate covers only the box there). */
    edges: number;
    boxes: number[];
    ls: number[];
    lsSamples: number[];
    lsSearch: number[];
    /** Sound upper bounds per step over `certifiedRegion` (`certified`, or the open `certifiedLoose` where the gap target was not met). */
    lsCertified: number[];
    /** Relative gap (upper − best lower)/|best lower| per step. */
    certifiedRelGap: number[];
    /** Region 'R^d': the two parts' bounds per step (the box, the outside of the ball) and whether each closed. */
    certInner?: { upper: number; converged: boolean }[];
    certOutside?: { upper: number; converged: boolean }[];
    lsPaper: number[];
    steps: number;
    /** Budget per step and part (seconds) and the certificate's seconds spent per step. */
    certSeconds: number;
    certSpent: number[];
    startsPerSecond: number;
  };
  violations: { step: number; w2: number; bound: number }[];
  trainSeconds: number;
}

/** Train one configuration with the monitor on. */
export async function monitoredRun(ex: ExperimentContext, dataset: DatasetName, sizes: LogLogSizes, variant: { name: string; weightClip?: number; spectralNorm?: boolean }): Promise<RunSeries> {
  const { ctx } = ex;
  const process = new DdpmSigmoid({ steps: 10 });
  const data = await makeDataset(ctx, dataset, { n: sizes.dataPoints, seed: ex.seed });
  const cfg = paperTraining(process, data.d, { maximizeSteps: sizes.maximizeSteps, seed: ex.seed, ...(variant.weightClip ? { weightClip: variant.weightClip } : {}), ...(variant.spectralNorm ? { spectralNorm: true } : {}) });
  const trainer = await Trainer.create(ctx, data, cfg);
  const monitor = await BoundMonitor.create(ctx, trainer, {
    process,
    data: { buffer: data.data, n: data.n, dim: data.d, ...(data.mixture ? { mixture: data.mixture } : {}), exact: data.exact },
    w2: ex.w2,
    lsPoints: sizes.lsPoints,
    seed: ex.seed,
    log: ex.log,
  });
  const t0 = performance.now();
  try {
    const records = await monitor.run(sizes.steps, sizes.every, {
      ...(ex.signal ? { signal: ex.signal } : {}),
      onRecord: (r) =>
        ex.log(
          `${dataset}${variant.name ? `/${variant.name}` : ''} step ${r.step}: J_DSM ${fmt(r.jdsm)}${r.jsm !== undefined ? ` J_SM ${fmt(r.jsm)}` : ''} W2 ${fmt(r.w2)} (sliced ${fmt(r.w2Sliced)}) bound ${fmt(r.bound)} max L_s ${fmt(Math.max(...r.ls))} [${Object.entries(r.timings).map(([k, v]) => `${k} ${v.toFixed(1)}s`).join(' ')}]`,
        ),
    });
    const violations = records.filter((r) => r.w2 > r.bound).map((r) => ({ step: r.step, w2: r.w2, bound: r.bound }));
    const trainSeconds = (performance.now() - t0) / 1000;
    if (!sizes.certSeconds) return { dataset, variant: variant.name, records: [...records], violations, trainSeconds };
    // The final weights three ways: best lower estimate and certified upper bound per step.
    const layout = trainer.mlp.layout;
    const params = await ctx.readF32(trainer.mlp.params, 0, layout.size);
    const times = Array.from({ length: process.steps }, (_, k) => ({ alpha: Math.sqrt(process.alphaBars[k]!), sigma: Math.sqrt(1 - process.alphaBars[k]!), step: k }));
    const certSeconds = sizes.certSeconds;
    // Samples of p_t (float64) seed the GPU search and give the samples-only value beside it.
    const host = await ctx.readF32(data.data, 0, data.n * data.d);
    const samples = noisedSamples(host, data.d, times, Math.min(sizes.lsPoints, 1024), ex.seed, 98);
    const onPhase = supremumProgress(ex, `${dataset}${variant.name ? `/${variant.name}` : ''}`, process.steps, certSeconds, data.d);
    const sup = await networkSupremum(ctx, layout, params, times, { box: 1.5, secondsPerTime: certSeconds, samples, paper: true, seed: ex.seed, onPhase, ...(ex.signal ? { signal: ex.signal } : {}) });
    const rows = sup.rows;
    const last = records[records.length - 1]!;
    const lower = rows.map((r, k) => Math.max(r.ls, last.ls[k]!));
    // Over ℝ^d (d ≤ 2) an open certificate is still a sound upper bound (`certifiedLoose`): the
    // intercept with it is a bound too, only a looser one; the closed steps are counted apart.
    const plane = rows.every((r) => r.certifiedRegion?.startsWith('R^'));
    const certified = rows.map((r) => r.certified ?? (plane ? r.certifiedLoose : undefined) ?? null);
    const final = {
      interceptSamples: last.intercept,
      interceptPaper: discreteBound(process.betas, rows.map((r) => r.paper!), last.jdsm, 0).intercept,
      interceptLower: discreteBound(process.betas, lower, last.jdsm, 0).intercept,
      interceptCertified: certified.every((c): c is number => c !== null) ? discreteBound(process.betas, certified, last.jdsm, 0).intercept : NaN,
      certifiedRegion: plane ? `R^${data.d}` : 'box',
      certifiedConverged: rows.filter((r) => r.converged).length,
      edges: rows.filter((r) => r.edge).length,
      boxes: rows.map((r) => r.box),
      ls: lower,
      lsSamples: rows.map((r) => r.lsSamples ?? NaN),
      lsSearch: rows.map((r) => r.lsSearch),
      lsCertified: certified.map((c) => c ?? NaN),
      certifiedRelGap: rows.map((r) => r.relGap ?? NaN),
      ...(plane
        ? {
            certInner: rows.map((r) => ({ upper: r.certInner!.upper, converged: r.certInner!.converged })),
            certOutside: rows.map((r) => ({ upper: r.certOutside!.upper, converged: r.certOutside!.converged })),
          }
        : {}),
      lsPaper: rows.map((r) => r.paper!),
      steps: process.steps,
      certSeconds,
      certSpent: rows.map((r) => r.certSeconds ?? 0),
      startsPerSecond: sup.startsPerSecond,
    };
    return { dataset, variant: variant.name, records: [...records], violations, trainSeconds, final };
  } finally {
    monitor.destroy();
    trainer.destroy();
    data.destroy();
  }
}

const list = (xs: readonly number[]) => xs.map((x) => fmt(x, 3)).join(', ');

/** ℝ^d as printed, from a region 'R^d'. */
const space = (region: string) => (region === 'R^1' ? 'ℝ' : region === 'R^2' ? 'ℝ²' : `ℝ^${region.slice(2)}`);

/** The final weights three ways: what each L_s is, and the certified values with the region they cover. */
function finalSummary(f: NonNullable<RunSeries['final']>): string {
  const head = `at the final weights, per DDPM step, L_s from samples only ${list(f.lsSamples)}, from the GPU search ${list(f.lsSearch)}, best lower estimate ${list(f.ls)}, `;
  const tail = `the paper's estimator ${list(f.lsPaper)}; `;
  if (f.certifiedRegion.startsWith('R^')) {
    const R = space(f.certifiedRegion);
    const gaps = f.certifiedRelGap.map((g) => `${fmt(100 * g, 2)}%`).join(', ');
    const openIn = f.certInner?.filter((c) => !c.converged).length ?? 0;
    const openOut = f.certOutside?.filter((c) => !c.converged).length ?? 0;
    const open = f.steps - f.certifiedConverged;
    return (
      head +
      `certified upper bound over all of ${R} (float64 branch-and-bound over the box [−1.5, 1.5]${f.certifiedRegion === 'R^1' ? '' : '²'} and over the outside of the ball of radius 1.5, ${f.certSeconds} s per step and part, ${fmt(Math.min(...f.certSpent), 2)}–${fmt(Math.max(...f.certSpent), 2)} s per step spent) ${list(f.lsCertified)}: ` +
      `${f.certifiedConverged}/${f.steps} steps closed to the gap target (within max(5% of |best lower|, 10⁻³) of it)${open > 0 ? `; at the other ${open} the budget ran out with these larger, still sound bounds (open: the box at ${openIn}, the outside at ${openOut} steps)` : ''}; gaps to the best lower estimate ${gaps}; ` +
      tail +
      `three bounds: the intercept ½ log(2 Σ β I²) is ${fmt(f.interceptPaper, 3)} with the paper's estimator, ${fmt(f.interceptSamples, 3)} with the samples-only L_s, ${fmt(f.interceptLower, 3)} with the best lower estimate (what the bound would be if it were the supremum) and ${fmt(f.interceptCertified, 3)} with the certified L_s over ${R} — only the last is a bound; `
    );
  }
  return (
    head +
    `certified over each step's final box only ${list(f.lsCertified)} (${f.certifiedConverged}/${f.steps} steps within 5% in ${f.certSeconds} s per step and box; final boxes [−B, B]^d with B = ${list(f.boxes)}${f.edges > 0 ? `; at ${f.edges} steps the argmax stays on the final box's edge` : ''}: the supremum outside the boxes is not covered), ` +
    tail +
    `the intercept ½ log(2 Σ β I²) is ${fmt(f.interceptPaper, 3)} with the paper's estimator, ${fmt(f.interceptSamples, 3)} with the samples-only L_s, ${fmt(f.interceptLower, 3)} with the best lower estimate and ${fmt(f.interceptCertified, 3)} with the values certified over the boxes — none of them is a bound over ℝ^d; `
  );
}

function runSummary(r: RunSeries): string[] {
  const fit = linearFit(
    r.records.map((x) => Math.log(x.jdsm)),
    r.records.map((x) => Math.log(x.w2)),
  );
  const last = r.records[r.records.length - 1]!;
  const intercepts = r.records.map((x) => x.intercept);
  return [
    `- **${r.dataset}${r.variant ? ` (${r.variant})` : ''}**: ${r.records.length} checkpoints in ${fmt(r.trainSeconds, 3)} s; ` +
      `J_DSM ${fmt(Math.min(...r.records.map((x) => x.jdsm)), 3)}…${fmt(Math.max(...r.records.map((x) => x.jdsm)), 3)}; ` +
      `final W2 ${fmt(last.w2, 3)} (sliced ${fmt(last.w2Sliced, 3)}), final bound ${fmt(last.bound, 3)}; ` +
      `fitted slope of log W2 on log J_DSM ${fmt(fit.slope, 3)} (the bound's slope is ½); ` +
      `bound intercept ½ log(2 Σ β I²) ${fmt(Math.min(...intercepts), 3)}…${fmt(Math.max(...intercepts), 3)} with L_s from samples of p_t, q_t and a grid${last.interceptPaper !== undefined ? ` (with the paper's own 10×10-grid estimator ${fmt(Math.min(...r.records.map((x) => x.interceptPaper!)), 3)}…${fmt(Math.max(...r.records.map((x) => x.interceptPaper!)), 3)}, final ${fmt(last.interceptPaper, 3)})` : ''}; ` +
      `max L_s over steps at the end ${fmt(Math.max(...last.ls), 3)}; ` +
      (r.final ? finalSummary(r.final) : '') +
      (r.violations.length === 0
        ? 'W2 ≤ bound at every checkpoint.'
        : `**W2 > bound at ${r.violations.length} checkpoints** (steps ${r.violations.map((v) => v.step).join(', ')}): a finding about the L_s estimator (a lower estimate of the supremum) or the minibatch J_DSM, not hidden.`),
  ];
}

/** `experiment loglog`: 4 clusters, 1 cluster, moons. */
export async function runLogLog(ex: ExperimentContext, datasets: DatasetName[] = ['clusters4', 'cluster2d', 'moons']): Promise<RunSeries[]> {
  ensureDir(ex.out);
  const sizes = withCertSeconds(logLogSizes(ex.full), ex);
  const runs: RunSeries[] = [];
  for (const d of datasets) {
    const r = await monitoredRun(ex, d, sizes, { name: '' });
    runs.push(r);
    await writeFigure(ex.out, `loglog-${d}`, logLogFigure([r], logLogTitle(d), w2Legend(ex.w2)));
  }
  writeJson(ex.out, 'loglog.json', { experiment: 'loglog', sizes, seed: ex.seed, adapter: ex.ctx.adapter.description || ex.ctx.adapter.vendor, w2Method: w2Legend(ex.w2), runs });
  const lines = [
    '# experiment loglog (Kwon et al. 2022, Fig. 2)',
    '',
    `Paper setup: DDPM sigmoid schedule n = 10, the paper's network (3×64 softplus, per-step embedding, ε), AdamW 1e-3, clip 1, batch 128, first ${sizes.maximizeSteps} steps maximise the loss. ${sizes.steps} steps, a checkpoint every ${sizes.every}. ${describeW2(ex.w2)}, on ${sizes.samplePoints} samples vs ${sizes.dataPoints} data points; the paper's sliced W2 on 128 vs 128 alongside. L_s per step: exact top eigenvalue of ½(J + Jᵀ) (d = 2) at ${sizes.lsPoints} samples of p_t, the ${sizes.samplePoints} samples of q_t and a 10×10 grid — a lower estimate of the supremum.`,
    '',
    'The paper finds the points (log J, log W) of a training run under the line ½ log J + ½ log(2 Σ β_i I_i²), following its slope ½ as the model improves. Here:',
    '',
    ...runs.flatMap(runSummary),
    '',
    `Figures: ${runs.map((r) => `loglog-${r.dataset}.svg`).join(', ')} (each with .png and .figure.json); data: loglog.json.`,
  ];
  writeText(ex.out, 'SUMMARY.md', lines.join('\n') + '\n');
  return runs;
}

/** `experiment lipschitz-control`: the same training with spectral normalisation and with weight clipping 0.1 (Fig. 3). */
export async function runLipschitzControl(ex: ExperimentContext, dataset: DatasetName = 'clusters4'): Promise<RunSeries[]> {
  ensureDir(ex.out);
  const sizes = withCertSeconds(logLogSizes(ex.full), ex);
  const runs: RunSeries[] = [];
  for (const v of [{ name: 'plain' }, { name: 'spectral norm', spectralNorm: true }, { name: 'weight clip 0.1', weightClip: 0.1 }]) runs.push(await monitoredRun(ex, dataset, sizes, v));
  await writeFigure(ex.out, 'lipschitz-control', logLogFigure(runs, lipschitzControlTitle(dataset), w2Legend(ex.w2)));
  writeJson(ex.out, 'lipschitz-control.json', { experiment: 'lipschitz-control', sizes, seed: ex.seed, w2Method: w2Legend(ex.w2), runs });
  const ic = runs.map((r) => Math.max(...r.records.map((x) => x.intercept)));
  const lines = [
    '# experiment lipschitz-control (Kwon et al. 2022, Fig. 3)',
    '',
    'The paper: spectral normalisation and weight clipping (0.1) keep L_s small, which lowers the bound line ½ log J + ½ log(2 Σ β_i I_i²). Three runs from the same seed: plain, spectral normalisation of every hidden weight matrix (one power-iteration step per training step), weight clipping to [−0.1, 0.1] after every step.',
    '',
    ...runs.flatMap(runSummary),
    '',
    `Largest bound-line intercept: ${runs.map((r, i) => `${r.variant} ${fmt(ic[i], 4)}`).join(', ')}.`,
    ...runs.slice(1).map((r, i) => `- ${r.variant}: ${ic[i + 1]! < ic[0]! ? 'lowers the line, as in the paper' : 'does NOT lower the line in this run (differs from the paper)'}.`),
    '',
    'Figure: lipschitz-control.svg; data: lipschitz-control.json.',
  ];
  writeText(ex.out, 'SUMMARY.md', lines.join('\n') + '\n');
  return runs;
}
