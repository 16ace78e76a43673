/**
 * The paper's experiments (and the Fashion-MNIST run) as one entry point on an Engine: what
 * `wasserflow experiment` calls. Each writes JSON, SVG/PNG figures and SUMMARY.md under `out`
 * (src/experiments/ holds the runs themselves).
 */
import type { Engine } from './engine.js';
import type { ExperimentContext } from '../experiments/common.js';
import { runFashion } from '../experiments/fashion.js';
import { runLipschitzControl, runLogLog } from '../experiments/loglog.js';
import { runLsVsT, runTSweep } from '../experiments/schedule.js';
import { transportW2 } from '../experiments/w2.js';
import { InputError } from '../gpu/errors.js';
import type { DatasetName } from '../data/datasets.js';

export { replotExperiment } from '../experiments/figures.js';

export const EXPERIMENTS = ['loglog', 'lipschitz-control', 'ls-vs-t', 't-sweep', '1d', 'fashion'] as const;
export type ExperimentName = (typeof EXPERIMENTS)[number];
/** The experiments' defaults: the W2 measurements' Sinkhorn blur and the seed. */
export const EXPERIMENT_DEFAULTS = { blur: 0.05, seed: 0 } as const;

export interface ExperimentOptions {
  /** Output directory (must exist and be writable). */
  out: string;
  /** The paper's sizes (long) instead of the quick ones. */
  full?: boolean;
  seed?: number;
  /** Sinkhorn blur of the W2 measurements (ε = blur²; default 0.05). */
  blur?: number;
  /** loglog: the datasets to run (default: the experiment's own set). */
  data?: readonly string[];
  /**
   * loglog, lipschitz-control, ls-vs-t, t-sweep, 1d: seconds per step and part for the L_s certificate
   * at the final weights (default: 4 quick / 30 full for loglog and lipschitz-control, 2 / 30 for
   * ls-vs-t, 0 / 20 for t-sweep). At d ≤ 2 it covers ℝ^d in two parts, the box and the outside.
   */
  certSeconds?: number;
  /** fashion: the labels kept. */
  classes?: readonly number[];
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** Run experiment `name` on the engine's device. */
export async function runExperiment(engine: Engine, name: ExperimentName, o: ExperimentOptions): Promise<void> {
  if (!EXPERIMENTS.includes(name)) throw new InputError(`unknown experiment '${String(name)}' (${EXPERIMENTS.join(', ')})`);
  const ctx = engine.ctx;
  const seed = o.seed ?? EXPERIMENT_DEFAULTS.seed;
  const ex: ExperimentContext = { ctx, out: o.out, full: o.full ?? false, seed, w2: transportW2(ctx, { blur: o.blur ?? EXPERIMENT_DEFAULTS.blur, seed }), log: o.log ?? (() => {}) };
  if (o.signal) ex.signal = o.signal;
  if (o.certSeconds !== undefined) {
    if (!(Number.isFinite(o.certSeconds) && o.certSeconds >= 0 && o.certSeconds <= 3600)) throw new InputError(`certSeconds must be in [0, 3600], got ${o.certSeconds}`);
    ex.certSeconds = o.certSeconds;
  }
  if (name === 'loglog') await runLogLog(ex, o.data as DatasetName[] | undefined);
  else if (name === '1d') await runLogLog(ex, ['cluster1d', 'clusters2-1d']);
  else if (name === 'fashion') await runFashion(ex, o.classes !== undefined ? { classes: [...o.classes] } : {});
  else if (name === 'lipschitz-control') await runLipschitzControl(ex);
  else if (name === 'ls-vs-t') await runLsVsT(ex);
  else await runTSweep(ex);
}
