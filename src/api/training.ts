/**
 * `engine.train`: where training data comes from, the options, and the TrainingSession it returns.
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import type { RunOptions } from '../gpu/run.js';
import { checkBindingSize, checkInteger, checkOneOf, checkSeed, checkSignal, toPoints, type PointsInput } from '../gpu/validate.js';
import type { PointCloud } from '../gpu/points.js';
import { DATASETS, DATASET_DIM, makeDataset, uploadPoints, type Dataset, type DatasetName } from '../data/datasets.js';
import type { NetworkScore } from '../model/network.js';
import { Trainer, type LossPoint, type TrainConfig } from '../train/trainer.js';

/** Where training data comes from: a built-in dataset (drawn on the GPU), a PointCloud, or `{ points }`. */
export type TrainingData = DatasetName | PointCloud | { points: PointsInput; dim?: number };

export interface TrainingOptions extends TrainConfig {
  /** Points to draw for a built-in dataset (default: the dataset's own size). */
  n?: number;
  /** Seed of the drawn dataset (default: `seed`). */
  dataSeed?: number | bigint;
}

/**
 * A score model being trained on the engine's device: `train(steps, { signal, onProgress })` as
 * often as wanted, `network()` for its current weights (to sample with or to estimate L_s),
 * `destroy()` (or the engine's) to free it. `trainer` is the full Trainer (checkpoints, EMA, …).
 */
export class TrainingSession {
  /** Use `engine.train()`. */
  constructor(
    readonly trainer: Trainer,
    private readonly data: Dataset,
  ) {}

  /** Train `steps` more steps; resolves with the losses read back (every `lossEvery` steps). */
  train(steps: number, opts: RunOptions = {}): Promise<LossPoint[]> {
    checkInteger('train: steps', steps, 1, Number.MAX_SAFE_INTEGER);
    checkSignal('train: signal', opts.signal);
    return this.trainer.train(steps, opts);
  }

  /** The current weights as a NetworkScore (`which`: the raw parameters or their EMA). */
  async network(which: 'params' | 'ema' = 'params'): Promise<NetworkScore> {
    return { spec: this.trainer.config.spec, params: await this.trainer.readParams(which) };
  }

  /** The training points' count and dimension (`dim` is the deprecated name of `d`). */
  get points(): { n: number; d: number; dim: number } {
    return { n: this.data.n, d: this.data.d, dim: this.data.d };
  }

  destroy(): void {
    this.trainer.destroy();
    this.data.destroy();
  }
}

/**
 * Start training a score network on `data` (a dataset name or `{ points }`): returns a
 * TrainingSession; call its `train(steps, { signal, onProgress })`. The points' dimension must
 * equal `config.spec.dim`.
 */
export async function startTraining(ctx: GpuContext, data: TrainingData, config: TrainingOptions): Promise<TrainingSession> {
  if (typeof config !== 'object' || config === null || typeof config.spec !== 'object' || config.spec === null) {
    throw new InputError('train: config.spec (the network: dim, hidden, activation, time, output) is required');
  }
  if (typeof config.process?.g2 !== 'function') throw new InputError('train: config.process must be a forward process (makeProcess(...), new VpLinear(), ...)');
  checkInteger('train: batch', config.batch, 1, 1 << 22);
  if (config.seed !== undefined) checkSeed('train: seed', config.seed);
  const dim = config.spec.dim;
  let ds: Dataset;
  if (typeof data === 'string') {
    checkOneOf('train: dataset', data, DATASETS);
    if (DATASET_DIM[data] !== dim) throw new InputError(`train: dataset '${data}' has dimension ${DATASET_DIM[data]} but spec.dim = ${dim}`);
    if (config.n !== undefined) checkInteger('train: n', config.n, 1, 1 << 26);
    const dataSeed = config.dataSeed ?? config.seed;
    ds = await makeDataset(ctx, data, { ...(config.n !== undefined ? { n: config.n } : {}), ...(dataSeed !== undefined ? { seed: dataSeed } : {}) });
  } else {
    if (typeof data !== 'object' || data === null || !('points' in data || 'data' in data)) {
      throw new InputError(`train: data must be a dataset name (${DATASETS.join(', ')}), a PointCloud { data, n, d } or { points }`);
    }
    const pts = 'points' in data ? toPoints('train: points', data.points, data.dim, dim) : toPoints('train: data', data, undefined, dim);
    checkBindingSize(`train: ${pts.n} points × ${pts.d} dims`, pts.data.byteLength, ctx.device.limits);
    ds = uploadPoints(ctx, 'train', pts.data, pts.d);
  }
  try {
    // n and dataSeed choose the data; the trainer (and its checkpoints) get the training options only.
    const { n: _n, dataSeed: _dataSeed, ...trainConfig } = config;
    return new TrainingSession(await Trainer.create(ctx, ds, trainConfig), ds);
  } catch (e) {
    ds.destroy();
    throw e;
  }
}
