/**
 * The embeddable facade: `createEngine()` gives an Engine that owns (or borrows) a GPUDevice and
 * every GPU resource made through it; `engine.destroy()` releases all of them. Methods take plain
 * arrays, validate them at the boundary (InputError naming the problem), run on the GPU and return
 * plain arrays. Long operations take `RunOptions` (AbortSignal, progress).
 *
 * ```ts
 * const engine = await createEngine();               // or createEngine({ device: myDevice })
 * const z = await engine.random(1000, { seed: 1, dist: 'normal' });
 * const [mean, variance] = await engine.reduce('meanvar', z);
 * engine.destroy();
 * ```
 */
import { GpuContext, type AdapterReport } from '../gpu/context.js';
export type { AdapterReport } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { Reduce, type ReduceOp } from '../kernels/reduce.js';
import { RngFill, type Distribution } from '../kernels/rng_fill.js';
import { DATASETS, DATASET_DIM, makeDataset, makeMixtureDataset, uploadPoints, type Dataset, type DatasetName } from '../data/datasets.js';
import { LipschitzEstimator, type LipschitzCurve, type LipschitzCurveOptions } from '../lipschitz/estimator.js';
import { boundGrid, corollaryBound, scoreMatchingObjective, theoremBound, type BoundTerms, type Dynamics } from '../bound/bound.js';
import type { LipschitzMethod } from '../lipschitz/estimator.js';
import { networkSupremum, type NetworkSupOptions, type NetworkSupReport } from '../lipschitz/network_sup.js';
import { mlpLayout } from '../model/layout.js';
import type { ForwardProcess } from '../processes/process.js';
import { embedIndex } from '../processes/grid.js';
import { sinkhornBatch, type SinkhornOptions, type SinkhornResult } from '../transport/sinkhorn/index.js';
import type { CloudLike } from '../transport/input.js';
import { w2 as transportW2, W2_METHODS, type W2Options, type W2Result } from '../transport/w2.js';
export { chooseMethod as chooseW2Method, W2_METHODS, type W2Method, type W2Options, type W2Result } from '../transport/w2.js';
import type { MixtureDescription } from '../scores/mixture.js';
import { scoreMatchingErrors } from '../bound/score_error.js';
import { sample as runSampler, type SampleRunOptions, type SamplerOptions } from '../samplers/sampler.js';
import { ForwardSampler } from '../samplers/forward.js';
import type { NetworkScore } from '../model/network.js';
import { Trainer, type LossPoint, type TrainConfig } from '../train/trainer.js';
import { abortable, reportProgress, throwIfAborted, type RunOptions } from '../gpu/run.js';
import {
  checkBindingSize,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkSeed,
  checkFinite,
  checkSignal,
  toPoints,
  type NumericArray,
  type PointsInput,
} from '../gpu/validate.js';
import type { PointCloud } from '../gpu/points.js';
export type { PointCloud } from '../gpu/points.js';
import { selfcheck, type Check } from './selfcheck.js';
import { tuneKernels } from './tuning.js';
import { MODEL_SIZES, PlaygroundSession, type ModelSize, type SessionConfig } from './playground.js';
export { MODEL_SIZES, PlaygroundSession, type BoundReading, type Evaluation, type HistoryPoint, type ModelSize, type SessionConfig, type ThreeBounds, type ThreeWaysOptions } from './playground.js';
import { MONO_H } from '../kernels/flow_gauss_ratio.js';
import { GENERATOR_LOSSES } from '../flows/monoflow_generator.js';
import { createPreset, PRESET_KINDS, type FlowPreset, type PresetKind, type PresetOptions } from '../flows/presets.js';

/** A sampler's output with its samples also as a PointCloud. */
function withCloud<T extends { samples: Float32Array }>(out: T, n: number): T & { points: PointCloud } {
  return { ...out, points: { data: out.samples, n, d: out.samples.length / n } };
}

/** The `dim` to read a flat array of points with (a nested array or a PointCloud carries its own). */
function flatDim(points: PointsInput, dim: number): number | undefined {
  return points instanceof Float32Array || (ArrayBuffer.isView(points) || Array.isArray(points) ? typeof (points as ArrayLike<unknown>)[0] === 'number' : false) ? dim : undefined;
}

/** The library's defaults, exported once for the front ends (CLI, page) and embedders. */
export { TRAIN_DEFAULTS } from '../train/trainer.js';
export { SINKHORN_DEFAULTS, resolveSinkhorn } from '../transport/sinkhorn/index.js';
export { SLICED_DEFAULTS } from '../transport/w2.js';
export { SAMPLER_DEFAULTS } from '../samplers/sampler.js';
export { DEFAULT_FLOW_BLUR } from '../flows/w2_measure.js';

/** The choices the front ends offer, exported once with the entry points that take them. */
export { MONO_H, type MonoH } from '../kernels/flow_gauss_ratio.js';
export { GENERATOR_LOSSES, type GeneratorLoss } from '../flows/monoflow_generator.js';
export { PRESET_KINDS, PRESET_DEFAULTS, type FlowPreset, type PresetKind, type PresetOptions } from '../flows/presets.js';
export { flowFigure } from '../flows/plot.js';
export { runFlow, type FlowPoint, type FlowRunner, type FlowRunOptions } from '../flows/flow.js';
export type { TangentTime } from '../kernels/mlp_tangent.js';
import type { TangentTime } from '../kernels/mlp_tangent.js';
export type { Check } from './selfcheck.js';

export interface EngineOptions {
  /**
   * An application's own GPUDevice to run on. The engine never destroys it: `destroy()` releases
   * only the buffers and objects the engine made. Several engines may share one device.
   */
  device?: GPUDevice;
  /** Adapter info to report for a shared `device` (defaults to `device.adapterInfo`). */
  adapterInfo?: GPUAdapterInfo;
  /** Node only: 'lavapipe', 'swiftshader', 'nvidia', 'system', or a path to a Vulkan ICD JSON (default: automatic, see `wasserflow info`). */
  adapter?: string;
  powerPreference?: GPUPowerPreference;
  /** Byte cap of idle buffers the engine keeps for reuse (default 256 MiB). */
  poolBytes?: number;
}

export interface RandomOptions extends RunOptions {
  /** Seed (integer up to 2^53, or a bigint up to 2^64). One seed gives the same numbers on every run. */
  seed: number | bigint;
  /** 'uniform' in [0, 1) (default) or standard 'normal'. */
  dist?: Distribution;
  /** Counter stream: different streams of one seed are independent (default 0). */
  stream?: number;
}

export interface ReduceOptions extends RunOptions {
  /** Split the data into this many equal segments and reduce each (default 1). */
  segments?: number;
}

/** Options of `engine.lipschitz`: the estimator's options with the points given as plain arrays. */
export interface LipschitzOptions extends Omit<LipschitzCurveOptions, 'source'> {
  /** Points (n × dim): used as given, or as data samples noised to p_t when `noise` is true. */
  points: PointsInput;
  noise?: boolean;
}

/** Options of `engine.lipschitzSupremum`: the grid times and the search / certificate options. */
export interface LipschitzSupremumOptions extends Omit<NetworkSupOptions, 'signal' | 'onTime' | 'samples'>, RunOptions {
  /** One { alpha, sigma, step?, tau? } per grid time. */
  times: readonly TangentTime[];
  /** Samples per time (each n × dim, e.g. of p_t and q_t): the samples-only estimate and starts of the search. */
  samples?: readonly PointsInput[];
}

export interface BoundOptions extends RunOptions {
  process: ForwardProcess;
  /** Samples of p_0 (n × dim): where L_s is probed (noised to p_t) and J_DSM(t) is averaged. */
  data: PointsInput;
  /** The exact p_0 as a Gaussian mixture, when known: enables Theorem 1 with the exact J_SM(t). */
  mixture?: MixtureDescription;
  /** Grid times, strictly ascending in (0, T] (default: 32 uniform times from process.tMin to T). */
  times?: ArrayLike<number>;
  /** Points per time for L_s (default 1024; point p uses data row p mod n). */
  perTime?: number;
  /** L_s estimator: 'exact' (d ≤ 3, default there) or 'power'. */
  method?: LipschitzMethod;
  /** W2(p_T, q_T) (default 0: the sampler starts from the forward-noised data, q_T = p_T). */
  w2T?: number;
  /** 'sde' (reverse SDE, default) or 'ode' (probability-flow ODE). */
  dynamics?: Dynamics;
  seed?: number | bigint;
}

/** The W2 bound of a network, term by term (docs/theory.md says what each estimate promises). */
export interface BoundReport {
  times: Float64Array;
  /** L_s(t): max over the probed points — a lower estimate of the supremum. */
  ls: Float64Array;
  lowerEstimate: true;
  /** J_DSM(t) = E|s_θ(x_t, t) + z/σ_t|² and its standard error. */
  jdsm: Float64Array;
  jdsmStderr: Float64Array;
  /** J_SM(t) = E_{p_t}|∇log p_t − s_θ|² (with `mixture`) and its standard error. */
  jsm?: Float64Array;
  jsmStderr?: Float64Array;
  /** J = ½ ∫ g² J(t) dt over the grid, for J_DSM and (with `mixture`) J_SM. */
  objective: { jdsm: number; jsm?: number };
  /** Theorem 1 with the exact score error (with `mixture`). */
  theorem?: BoundTerms;
  /** Corollary 1 with J_DSM (valid for any data; J_DSM ≥ J_SM). */
  corollary: BoundTerms;
  note: string;
}

/** Options of `engine.sample`: the sampler's, with `init` also as a PointCloud or an array of points. */
export type EngineSampleOptions = Omit<SamplerOptions, 'init'> &
  SampleRunOptions & {
    init?: PointsInput | GPUBuffer;
    /**
     * Start from data instead of the prior: `n` points of this built-in dataset (drawn with seed + 1)
     * pushed to T by the exact forward kernel (noise seed + 2), so q_T = p_T as in the paper. Not with `init`.
     */
    fromData?: DatasetName;
  };

/** What `engine.sample` resolves with. */
export interface SampleResult {
  /** The samples as a PointCloud (n × d). */
  points: PointCloud;
  /** The same floats, n × d row-major. */
  samples: Float32Array;
  /** Steps run (the schedule's for 'ddpm'). */
  steps: number;
  /** Wall-clock milliseconds of the run and the samples' readback (not the set-up). */
  ms: number;
  /** With `captureEvery`: the particles every captureEvery steps. */
  trajectory?: { times: Float64Array; frames: Float32Array[] };
}

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

const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'max', 'logsumexp', 'meanvar'];
const DISTRIBUTIONS: readonly Distribution[] = ['uniform', 'normal'];

/** A wasserflow engine on one GPUDevice. Create with `createEngine()`; release with `destroy()`. */
export class Engine {
  private reduceKernel: Promise<Reduce> | undefined;
  private rngKernel: Promise<RngFill> | undefined;
  private destroyed = false;

  /** Use `createEngine()`. */
  constructor(
    /** The runtime underneath, for code that encodes its own kernels (see src/gpu/context.ts). */
    readonly ctx: GpuContext,
  ) {}

  /** The adapter: vendor, architecture, whether it is a software (CPU) adapter, features, limits. */
  get adapter(): AdapterReport {
    return this.ctx.adapter;
  }

  /** The GPUDevice the engine runs on. */
  get device(): GPUDevice {
    return this.ctx.device;
  }

  /** Resolves (never rejects) with a DeviceLostError when the device is lost. */
  get lost(): GpuContext['lost'] {
    return this.ctx.lost;
  }

  /** Buffers the engine holds right now (0 after `destroy()`; for leak checks). */
  get liveBuffers(): number {
    return this.ctx.liveBuffers;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  private alive(): void {
    if (this.destroyed) throw new InputError('this engine was destroyed: create a new one with createEngine()');
    this.ctx.check();
  }

  /**
   * `n` seeded random numbers from the counter-based Philox4x32-10 generator, computed on the GPU:
   * uniform in [0, 1) or standard normal. Bit-identical to the CPU twin `rngFillCpu`.
   */
  async random(n: number, options: RandomOptions): Promise<Float32Array> {
    this.alive();
    const opts: Partial<RandomOptions> = options ?? {};
    checkInteger('random: n', n, 1, Number.MAX_SAFE_INTEGER);
    checkBindingSize(`random: ${n} numbers`, n * 4, this.ctx.device.limits);
    const seed = checkSeed('random: seed', opts.seed);
    const dist = checkOneOf('random: dist', opts.dist ?? 'uniform', DISTRIBUTIONS);
    const stream = checkInteger('random: stream', opts.stream ?? 0, 0, 2 ** 32 - 1);
    const signal = checkSignal('random: signal', opts.signal);
    throwIfAborted(signal, 'random');
    this.rngKernel ??= RngFill.create(this.ctx);
    const rng = await abortable(this.rngKernel, signal, 'random');
    const buf = this.ctx.storage('engine:random', n * 4);
    try {
      const enc = this.ctx.device.createCommandEncoder({ label: 'engine:random' });
      const fill = rng.bind(buf, n, { seed, dist, stream });
      const pass = enc.beginComputePass({ label: 'engine:random' });
      rng.dispatch(pass, fill);
      pass.end();
      try {
        const out = await abortable(this.ctx.read(buf, 0, n * 4, enc), signal, 'random');
        opts.onProgress?.({ stage: 'random', done: n, total: n });
        return new Float32Array(out);
      } finally {
        fill.destroy();
      }
    } finally {
      this.ctx.destroyBuffer(buf);
    }
  }

  /**
   * Reduce `data` on the GPU: 'sum', 'max', 'logsumexp' (one number per segment), or 'meanvar'
   * ([mean, population variance] per segment, flattened). Accumulates in f32 with tree order.
   */
  async reduce(op: ReduceOp, data: NumericArray, opts: ReduceOptions = {}): Promise<Float64Array> {
    this.alive();
    checkOneOf('reduce: op', op, REDUCE_OPS);
    const segments = checkInteger('reduce: segments', opts.segments ?? 1, 1, this.ctx.device.limits.maxComputeWorkgroupsPerDimension);
    const values = toPoints('reduce: data', data, 1).data;
    if (values.length % segments !== 0) {
      throw new InputError(`reduce: data has ${values.length} values, not a multiple of segments = ${segments}`);
    }
    checkBindingSize(`reduce: ${values.length} values`, values.byteLength, this.ctx.device.limits);
    const signal = checkSignal('reduce: signal', opts.signal);
    throwIfAborted(signal, 'reduce');
    this.reduceKernel ??= Reduce.create(this.ctx);
    const kernel = await abortable(this.reduceKernel, signal, 'reduce');
    const input = this.ctx.storage('engine:reduce:input', values);
    try {
      const plan = await abortable(kernel.plan(op, input, values.length / segments, { segments }), signal, 'reduce');
      try {
        const out = await abortable(plan.run(), signal, 'reduce');
        opts.onProgress?.({ stage: 'reduce', done: 1, total: 1 });
        return out;
      } finally {
        plan.destroy();
      }
    } finally {
      this.ctx.destroyBuffer(input);
    }
  }

  /**
   * `n` points of a built-in dataset (clusters4, moons, …), or of any Gaussian mixture given as
   * { weights, means, covs }, drawn on the GPU from `seed`. `mixture` is the dataset's Gaussian
   * mixture where it has one, `exact` whether that mixture is exactly the data's law (false for the
   * clamped 2-D cluster).
   */
  async dataset(
    source: DatasetName | MixtureDescription,
    opts: { n?: number; seed?: number | bigint; name?: string } = {},
  ): Promise<PointCloud & { /** @deprecated Use `d`. */ readonly dim: number; mixture?: MixtureDescription; exact: boolean }> {
    this.alive();
    if (typeof source === 'string') checkOneOf('dataset: name', source, DATASETS);
    else if (typeof source !== 'object' || source === null) throw new InputError(`dataset: expected a dataset name (${DATASETS.join(', ')}) or a mixture { weights, means, covs }`);
    if (opts.n !== undefined) checkInteger('dataset: n', opts.n, 1, 1 << 26);
    if (opts.seed !== undefined) checkSeed('dataset: seed', opts.seed);
    const ds =
      typeof source === 'string'
        ? await makeDataset(this.ctx, source, opts)
        : await makeMixtureDataset(this.ctx, source, { ...(opts.n !== undefined ? { n: opts.n } : {}), ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.name !== undefined ? { name: opts.name } : {}) });
    try {
      return { data: await this.ctx.readF32(ds.data, 0, ds.n * ds.d), n: ds.n, d: ds.d, dim: ds.d, ...(ds.mixture ? { mixture: ds.mixture } : {}), exact: ds.exact };
    } finally {
      ds.destroy();
    }
  }

  /**
   * Start training a score network on `data` (a dataset name or `{ points }`): returns a
   * TrainingSession; call its `train(steps, { signal, onProgress })`. The points' dimension must
   * equal `config.spec.dim`.
   */
  async train(data: TrainingData, config: TrainingOptions): Promise<TrainingSession> {
    this.alive();
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
      ds = await makeDataset(this.ctx, data, { ...(config.n !== undefined ? { n: config.n } : {}), ...(dataSeed !== undefined ? { seed: dataSeed } : {}) });
    } else {
      if (typeof data !== 'object' || data === null || !('points' in data || 'data' in data)) {
        throw new InputError(`train: data must be a dataset name (${DATASETS.join(', ')}), a PointCloud { data, n, d } or { points }`);
      }
      const pts = 'points' in data ? toPoints('train: points', data.points, data.dim, dim) : toPoints('train: data', data, undefined, dim);
      checkBindingSize(`train: ${pts.n} points × ${pts.d} dims`, pts.data.byteLength, this.ctx.device.limits);
      ds = uploadPoints(this.ctx, 'train', pts.data, pts.d);
    }
    try {
      // n and dataSeed choose the data; the trainer (and its checkpoints) get the training options only.
      const { n: _n, dataSeed: _dataSeed, ...trainConfig } = config;
      return new TrainingSession(await Trainer.create(this.ctx, ds, trainConfig), ds);
    } catch (e) {
      ds.destroy();
      throw e;
    }
  }

  /**
   * Run a reverse-time sampler (reverse SDE, probability-flow ODE, Heun, DDPM ancestral) with the
   * exact mixture score or a network, from the prior or from `init` (a PointCloud, an array of
   * points, or a GPU buffer); resolves with the samples as a PointCloud `points` (and the same
   * floats as `samples`, n × d row-major) and, with `captureEvery`, the trajectory.
   */
  async sample(options: EngineSampleOptions): Promise<SampleResult> {
    this.alive();
    if (typeof options !== 'object' || options === null) throw new InputError('sample: options are required ({ process, score, n, ... })');
    let opts = options as SamplerOptions & SampleRunOptions;
    checkInteger('sample: n', opts.n, 1, 1 << 26);
    if (opts.steps !== undefined) checkInteger('sample: steps', opts.steps, 1, 1 << 24);
    if (opts.seed !== undefined) checkSeed('sample: seed', opts.seed);
    checkSignal('sample: signal', opts.signal);
    if (typeof (opts.process as { g2?: unknown } | undefined)?.g2 !== 'function') throw new InputError('sample: process must be a forward process (makeProcess(...), new VpLinear(), ...)');
    const score = opts.score as { kind?: unknown; mixture?: unknown; network?: unknown } | undefined;
    if (typeof score !== 'object' || score === null) throw new InputError("sample: score is required: { kind: 'exact', mixture } or { kind: 'network', network: { spec, params } }");
    if (score.kind !== 'exact' && score.kind !== 'network') throw new InputError(`sample: score.kind must be 'exact' or 'network', got ${JSON.stringify(score.kind)}`);
    if (score.kind === 'exact' && (typeof score.mixture !== 'object' || score.mixture === null)) throw new InputError('sample: score.mixture (weights, means, covs) is required for an exact score');
    if (score.kind === 'network' && (typeof score.network !== 'object' || score.network === null)) throw new InputError('sample: score.network ({ spec, params }) is required for a network score');
    const exact = opts.score.kind === 'exact' ? opts.score.mixture : undefined;
    const dim = opts.dim ?? (opts.score.kind === 'network' ? opts.score.network.spec?.dim : exact && 'eigenvalues' in exact ? exact.dim : exact?.means?.[0]?.length);
    const init = opts.init as unknown;
    if (init !== undefined) {
      const isBuffer = typeof init === 'object' && init !== null && typeof (init as GPUBuffer).size === 'number' && typeof (init as GPUBuffer).usage === 'number';
      if (!isBuffer) {
        // Float32Array, a flat number[] or one array per point: n points of the score's dimension.
        const pts = toPoints('sample: init', init, Array.isArray(init) && Array.isArray(init[0]) ? undefined : (dim ?? 1), dim);
        if (pts.n !== opts.n) throw new InputError(`sample: init has ${pts.n} points of dimension ${pts.d}, expected n = ${opts.n}`);
        opts = { ...opts, init: pts.data };
      }
    }
    if (opts.score?.kind === 'network') this.checkNetwork('sample', opts.score.network);
    const fromData = (options as { fromData?: DatasetName }).fromData;
    if (fromData !== undefined) {
      checkOneOf('sample: fromData', fromData, DATASETS);
      if (init !== undefined) throw new InputError('sample: give init or fromData, not both');
      if (dim !== undefined && DATASET_DIM[fromData] !== dim) throw new InputError(`sample: fromData ${fromData} has dimension ${DATASET_DIM[fromData]}, the score has ${dim}`);
    }
    throwIfAborted(opts.signal, 'sample');
    const { fromData: _fromData, ...samplerOpts } = opts as SamplerOptions & SampleRunOptions & { fromData?: DatasetName };
    if (fromData === undefined) return withCloud(await runSampler(this.ctx, samplerOpts), opts.n);
    const seed = opts.seed ?? 0;
    const offset = (k: number) => (typeof seed === 'bigint' ? seed + BigInt(k) : seed + k);
    const data = await makeDataset(this.ctx, fromData, { n: opts.n, seed: offset(1) });
    let forward: ForwardSampler | undefined;
    try {
      forward = await ForwardSampler.create(this.ctx, { process: opts.process, dim: data.d, n: opts.n, steps: 1 });
      await forward.marginal(data.data, opts.process.T, offset(2));
      return withCloud(await runSampler(this.ctx, { ...samplerOpts, init: forward.state }), opts.n);
    } finally {
      forward?.destroy();
      data.destroy();
    }
  }

  /**
   * L_s(t), the one-sided Lipschitz constant of a network's score at each grid time, estimated on
   * the GPU at `perTime` points per time: a LOWER estimate of the supremum (see docs/theory.md).
   * The points are `points` as given (`noise: false`), or samples of p_t made from them
   * (`noise: true`: α_t·x + σ_t·ε); point p of a time uses row p mod (number of points).
   */
  async lipschitz(network: NetworkScore, opts: LipschitzOptions): Promise<LipschitzCurve> {
    this.alive();
    const layout = this.checkNetwork('lipschitz', network);
    if (typeof opts !== 'object' || opts === null || !Array.isArray(opts.times) || opts.times.length === 0) {
      throw new InputError('lipschitz: times (one { alpha, sigma, step?, tau? } per grid time) must be a non-empty array');
    }
    checkInteger('lipschitz: perTime', opts.perTime, 1, 1 << 22);
    const pts = toPoints('lipschitz: points', opts.points, flatDim(opts.points, layout.spec.dim), layout.spec.dim);
    checkBindingSize(`lipschitz: ${pts.n} points`, pts.data.byteLength, this.ctx.device.limits);
    checkSignal('lipschitz: signal', opts.signal);
    throwIfAborted(opts.signal, 'lipschitz');
    const maxPoints = Math.max(opts.perTime, Math.min(opts.perTime * opts.times.length, 1 << 16));
    const est = await LipschitzEstimator.create(this.ctx, layout, { maxPoints, maxTimes: opts.times.length });
    const owned: GPUBuffer[] = [];
    try {
      const params = network.params instanceof Float32Array ? (owned.push(this.ctx.storage('engine:lipschitz:params', network.params)), owned[0]!) : network.params;
      const source = this.ctx.storage('engine:lipschitz:points', pts.data);
      owned.push(source);
      const { points: _points, noise, ...rest } = opts;
      return await est.curve(params, { ...rest, source: { buffer: source, count: pts.n, noise: noise ?? false } });
    } finally {
      for (const b of owned) this.ctx.destroyBuffer(b);
      est.destroy();
    }
  }

  /**
   * L_s(t) = sup_x λ_max(½(J + Jᵀ)) of a network's score at each grid time: `ls`, a LOWER estimate
   * (GPU multi-start projected ascent over a box at any d, float64 re-evaluation at its argmax, with
   * `lsSamples` the samples alone beside it), and at d ≤ 3 `certified`, an UPPER bound (host
   * branch-and-bound seeded with every value found, so never below `ls`) over `certifiedRegion`:
   * at d ≤ 2 by default (region 'plane') over all of ℝ^d — the box [−box, box]^d and the outside of
   * the ball of radius `box` — and null, with the sound but open `certifiedLoose`, when a part did not
   * close to `tol` within the budget (`secondsPerTime`, `boxesPerTime` per part); at d = 3, or with
   * region 'box', over the box only: the box doubles while the argmax sits on its edge and `edge`
   * says when it still does (then the supremum over ℝ^d may exceed `certified`). Above d = 3
   * `certified` is null with `certifiedReason`.
   * Progress: stage 'lipschitz-supremum', times done.
   */
  async lipschitzSupremum(network: NetworkScore, opts: LipschitzSupremumOptions): Promise<NetworkSupReport> {
    this.alive();
    const layout = this.checkNetwork('lipschitzSupremum', network);
    if (typeof opts !== 'object' || opts === null || !Array.isArray(opts.times) || opts.times.length === 0) {
      throw new InputError('lipschitzSupremum: times (one { alpha, sigma, step?, tau? } per grid time) must be a non-empty array');
    }
    checkSignal('lipschitzSupremum: signal', opts.signal);
    throwIfAborted(opts.signal, 'lipschitzSupremum');
    const d = layout.spec.dim;
    if (opts.samples !== undefined && (!Array.isArray(opts.samples) || opts.samples.length !== opts.times.length)) {
      throw new InputError(`lipschitzSupremum: samples must hold one point set per time (${opts.times.length})`);
    }
    const samples = opts.samples?.map((s, m) => toPoints(`lipschitzSupremum: samples[${m}]`, s, flatDim(s, d), d).data);
    const params = network.params instanceof Float32Array ? network.params : await this.ctx.readF32(network.params, 0, layout.size);
    checkFinite('lipschitzSupremum: network.params', params);
    const { samples: _s, signal, onProgress: _p, times, ...rest } = opts;
    return networkSupremum(this.ctx, layout, params, times, {
      ...rest,
      ...(samples ? { samples } : {}),
      ...(signal ? { signal } : {}),
      onTime: (done, total) => reportProgress(opts, { stage: 'lipschitz-supremum', done, total }),
    });
  }

  /**
   * W2 between two point clouds (arrays of points, or `{ data, d, weights? }` with data a
   * Float32Array or a GPU buffer; weights non-negative, normalised): `method: 'auto'` (default) runs the
   * exact solver where it is faster and the GPU debiased Sinkhorn divergence S_ε above (the result's
   * `method` and `reason` say which and why); or `method: 'exact' | 'sinkhorn' | 'exact1d' | 'sliced'`.
   * Progress: stage 'sinkhorn' at each convergence check.
   */
  async w2(x: CloudLike, y: CloudLike, opts: W2Options = {}): Promise<W2Result> {
    this.alive();
    if (opts.method !== undefined) checkOneOf('w2: method', opts.method, W2_METHODS);
    checkSignal('w2: signal', opts.signal);
    this.checkCloudFits('w2: X', x);
    this.checkCloudFits('w2: Y', y);
    throwIfAborted(opts.signal, 'w2');
    return transportW2(this.ctx, x, y, opts);
  }

  /**
   * Many Sinkhorn problems solved together on the GPU (one dispatch per iteration for all of
   * them): one SinkhornResult per problem, in order. All problems share the dimension.
   */
  async w2Batch(problems: readonly { x: CloudLike; y: CloudLike }[], opts: SinkhornOptions = {}): Promise<SinkhornResult[]> {
    this.alive();
    if (!Array.isArray(problems) || problems.length === 0) throw new InputError('w2Batch: problems must be a non-empty array of { x, y }');
    checkSignal('w2Batch: signal', opts.signal);
    let total = 0;
    problems.forEach((p, k) => {
      total += this.checkCloudFits(`w2Batch: X[${k}]`, p?.x) + this.checkCloudFits(`w2Batch: Y[${k}]`, p?.y);
    });
    // The batched solver keeps every problem's points in one buffer.
    checkBindingSize(`w2Batch: ${problems.length} problems`, total, this.ctx.device.limits);
    throwIfAborted(opts.signal, 'w2Batch');
    return sinkhornBatch(this.ctx, problems, opts);
  }

  /** Bytes of a cloud's points; refuses clouds that one storage binding cannot hold. */
  private checkCloudFits(name: string, c: unknown): number {
    let floats = 0;
    if (Array.isArray(c)) floats = c.length * ((c[0] as ArrayLike<number> | undefined)?.length ?? 0);
    else if (typeof c === 'object' && c !== null && 'd' in c) {
      const pc = c as { data?: unknown; d: number; n?: number };
      floats = pc.n !== undefined ? pc.n * pc.d : pc.data instanceof Float32Array ? pc.data.length : 0;
    } else throw new InputError(`${name} must be an array of points or { data, d, n?, weights? }, got ${c === null ? 'null' : typeof c}`);
    checkBindingSize(`${name} (${floats} floats)`, floats * 4, this.ctx.device.limits);
    return floats * 4;
  }

  /**
   * Evaluate the W2 bound of Kwon et al. for a network (docs/theory.md): L_s(t) on the GPU at
   * `perTime` points of p_t per grid time, J_DSM(t) (and J_SM(t) with an exact `mixture`) by Monte
   * Carlo on the GPU, then I(t), Theorem 1 and Corollary 1 in float64. Progress: stage 'bound',
   * done 1..3 (L_s, score errors, bound).
   */
  async bound(network: NetworkScore, opts: BoundOptions): Promise<BoundReport> {
    this.alive();
    const layout = this.checkNetwork('bound', network);
    if (typeof opts !== 'object' || opts === null || typeof opts.process?.g2 !== 'function') {
      throw new InputError('bound: process must be a forward process (makeProcess(...), new VpLinear(), ...)');
    }
    const { process } = opts;
    const dim = layout.spec.dim;
    const pts = toPoints('bound: data', opts.data, flatDim(opts.data, dim), dim);
    checkBindingSize(`bound: ${pts.n} points`, pts.data.byteLength, this.ctx.device.limits);
    const T = process.T;
    const times = opts.times !== undefined ? Float64Array.from(opts.times) : Float64Array.from({ length: 32 }, (_, i) => process.tMin + ((T - process.tMin) * i) / 31);
    if (times.length < 2) throw new InputError(`bound: times needs at least 2 grid times, got ${times.length}`);
    times.forEach((t, i) => {
      if (!(Number.isFinite(t) && t > 0 && t <= T)) throw new InputError(`bound: times[${i}] = ${t} must be in (0, ${T}]`);
      if (i > 0 && !(t > times[i - 1]!)) throw new InputError(`bound: times must be strictly ascending (times[${i}] = ${t} after ${times[i - 1]})`);
    });
    const perTime = checkInteger('bound: perTime', opts.perTime ?? 1024, 1, 1 << 20);
    const w2T = checkNumber('bound: w2T', opts.w2T ?? 0, { min: 0 });
    const dynamics = checkOneOf('bound: dynamics', opts.dynamics ?? 'sde', ['sde', 'ode'] as const);
    if (opts.seed !== undefined) checkSeed('bound: seed', opts.seed);
    const signal = checkSignal('bound: signal', opts.signal);
    throwIfAborted(signal, 'bound');

    const steps = layout.spec.time.kind === 'step' ? layout.spec.time.steps : 0;
    const tangentTimes = Array.from(times, (t) => ({ alpha: process.alpha(t), sigma: process.sigma(t), step: embedIndex(t, T, steps), tau: t / T }));
    const curve = await this.lipschitz(network, {
      times: tangentTimes,
      points: pts.data,
      noise: true,
      perTime,
      ...(opts.method ? { method: opts.method } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(signal ? { signal } : {}),
    });
    reportProgress(opts, { stage: 'bound', done: 1, total: 3 });
    throwIfAborted(signal, 'bound');
    const errors = await abortable(
      scoreMatchingErrors(this.ctx, {
        process,
        network,
        data: pts.data,
        dim,
        times,
        ...(opts.mixture ? { mixture: opts.mixture } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      }),
      signal,
      'bound',
    );
    reportProgress(opts, { stage: 'bound', done: 2, total: 3 });
    const grid = boundGrid(process, times, curve.ls);
    const jdsm = scoreMatchingObjective(grid, errors.jdsm);
    const report: BoundReport = {
      times,
      ls: curve.ls,
      lowerEstimate: true,
      jdsm: errors.jdsm,
      jdsmStderr: errors.jdsmStderr,
      objective: { jdsm },
      corollary: corollaryBound(grid, jdsm, w2T, dynamics),
      note:
        `${curve.note} The integrals run over the grid [${times[0]}, ${times[times.length - 1]}] (trapezoidal rule); ` +
        'J(t) are Monte Carlo estimates (standard errors given). See docs/theory.md.',
    };
    if (errors.jsm && errors.jsmStderr) {
      report.jsm = errors.jsm;
      report.jsmStderr = errors.jsmStderr;
      report.objective.jsm = scoreMatchingObjective(grid, errors.jsm);
      report.theorem = theoremBound(grid, errors.jsm, w2T, dynamics);
    }
    reportProgress(opts, { stage: 'bound', done: 3, total: 3, metrics: { bound: report.corollary.bound, ...(report.theorem ? { theorem: report.theorem.bound } : {}) } });
    return report;
  }

  /**
   * Run real kernels (Philox RNG, reductions) on `n` numbers and compare them with their CPU twins:
   * one Check per kernel (`ok`, a one-line `detail`, milliseconds).
   */
  async selfcheck(opts: { n?: number; seed?: number } = {}): Promise<Check[]> {
    this.alive();
    const n = checkInteger('selfcheck: n', opts.n ?? 1_000_003, 1, 50_000_000);
    const seed = checkInteger('selfcheck: seed', opts.seed ?? 1, 0, Number.MAX_SAFE_INTEGER);
    return selfcheck(this.ctx, n, seed);
  }

  /**
   * A playground run (the page's Playground tab): a score network trained on `data` (n × d points,
   * d ≤ 4) and evaluated at log-spaced steps — samples q0 from the forward-noised data, L_s(t), W2(p0, q0)
   * and the bound. `session.run({ signal, onLoss, onEvaluation })`; `destroy()` (or the engine's) frees it.
   */
  async playground(data: PointCloud & { name?: string }, config: SessionConfig): Promise<PlaygroundSession> {
    this.alive();
    if (typeof config !== 'object' || config === null || typeof config.process?.g2 !== 'function') throw new InputError('playground: config.process must be a forward process');
    checkOneOf('playground: model', config.model, Object.keys(MODEL_SIZES) as ModelSize[]);
    checkInteger('playground: steps', config.steps, 1, 10_000_000);
    const pts = toPoints('playground: data', data, undefined, undefined);
    checkInteger('playground: dimension', pts.d, 1, 4);
    checkBindingSize(`playground: ${pts.n} points`, pts.data.byteLength, this.ctx.device.limits);
    const ds = uploadPoints(this.ctx, data.name ?? 'points', pts.data, pts.d);
    try {
      return await PlaygroundSession.create(this.ctx, ds, config, (network, o) => this.lipschitzSupremum(network, o));
    } catch (e) {
      ds.destroy();
      throw e;
    }
  }

  /**
   * Tune every per-adapter kernel now (each also tunes itself at its first use) and report the
   * choices: where they are cached (null: memory only), the choice and timings per kernel, warnings.
   */
  async tune(): Promise<{ cache: string | null; kernels: GpuContext['tuner']['choices']; warnings: GpuContext['tuner']['warnings'] }> {
    this.alive();
    await tuneKernels(this.ctx);
    const t = this.ctx.tuner;
    return { cache: t.location ?? null, kernels: t.choices, warnings: t.warnings };
  }

  /**
   * One of the demonstration flows of DESIGN.md (2-D Gaussians: MonoFlow with the exact ratio, with a
   * discriminator on particles or with a generator, rectified flow, Brownian and Schrödinger bridges,
   * heat and VP flows), ready to advance: `preset.flow.advance(steps)` returns a FlowPoint (W2 to the
   * target along virtual time). `preset.destroy()` (or the engine's) frees it.
   */
  async flow(kind: PresetKind, opts: PresetOptions = {}): Promise<FlowPreset> {
    this.alive();
    checkOneOf('flow: kind', kind, PRESET_KINDS);
    if (opts.n !== undefined) checkInteger('flow: n', opts.n, 2, 4_000_000);
    if (opts.steps !== undefined) checkInteger('flow: steps', opts.steps, 1, 1_000_000);
    if (opts.seed !== undefined) checkInteger('flow: seed', opts.seed, 0, Number.MAX_SAFE_INTEGER);
    if (opts.h !== undefined) checkOneOf('flow: h', opts.h, MONO_H);
    if (opts.genLoss !== undefined) checkOneOf('flow: genLoss', opts.genLoss, GENERATOR_LOSSES);
    if (opts.genSteps !== undefined) checkInteger('flow: genSteps', opts.genSteps, 1, 256);
    if (opts.trainSteps !== undefined) checkInteger('flow: trainSteps', opts.trainSteps, 1, 10_000_000);
    if (opts.w2 !== undefined) checkOneOf('flow: w2', opts.w2, ['auto', 'sinkhorn', 'moment'] as const);
    if (opts.blur !== undefined) checkNumber('flow: blur', opts.blur, { min: 1e-4, max: 1 });
    if (opts.shift !== undefined) checkNumber('flow: shift', opts.shift);
    if (opts.eps !== undefined) checkNumber('flow: eps', opts.eps, { min: 1e-6, max: 10 });
    if (opts.lr !== undefined) checkNumber('flow: lr', opts.lr, { min: 1e-8, max: 10 });
    if (opts.optimizer !== undefined) checkOneOf('flow: optimizer', opts.optimizer, ['adam', 'sgd'] as const);
    if (opts.loss !== undefined) checkOneOf('flow: loss', opts.loss, ['gan', 'regression'] as const);
    if (opts.generatorSteps !== undefined) checkInteger('flow: generatorSteps', opts.generatorSteps, 1, 10_000);
    if (opts.discSteps !== undefined) checkInteger('flow: discSteps', opts.discSteps, 1, 256);
    if (opts.genLr !== undefined) checkNumber('flow: genLr', opts.genLr, { min: 1e-8, max: 1 });
    if (opts.lossEvery !== undefined) checkInteger('flow: lossEvery', opts.lossEvery, 1, Number.MAX_SAFE_INTEGER);
    if (opts.method !== undefined) checkOneOf('flow: method', opts.method, ['heun', 'euler'] as const);
    if (opts.sigma !== undefined) checkNumber('flow: sigma', opts.sigma, { min: 0, max: 100 });
    if (opts.T !== undefined) checkNumber('flow: T', opts.T, { min: 1e-6, max: 1e4 });
    return createPreset(this.ctx, kind, opts);
  }

  private checkNetwork(what: string, net: NetworkScore) {
    if (typeof net !== 'object' || net === null || typeof net.spec !== 'object') throw new InputError(`${what}: network must be { spec, params }`);
    const layout = mlpLayout(net.spec);
    if (net.params instanceof Float32Array) {
      if (net.params.length !== layout.size) throw new InputError(`${what}: network.params has ${net.params.length} floats, the spec needs ${layout.size}`);
      checkFinite(`${what}: network.params`, net.params);
    }
    return layout;
  }

  /**
   * Release every GPU resource the engine made (buffers, pooled buffers) and, if the engine
   * acquired its device, the device. A shared `device` stays usable by the app. Idempotent.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.ctx.destroy();
  }
}

/**
 * W2 between two point clouds on the host, without a device: the CPU methods ('exact', 'exact1d',
 * 'sliced', or 'auto' where its adapter-free rules choose one of them; see `chooseW2Method`). The GPU
 * Sinkhorn divergence needs an Engine: `engine.w2`.
 */
export async function hostW2(x: CloudLike, y: CloudLike, opts: W2Options = {}): Promise<W2Result> {
  if (opts.method !== undefined) checkOneOf('w2: method', opts.method, W2_METHODS);
  if (opts.method === 'sinkhorn') throw new InputError("w2: method 'sinkhorn' runs on the GPU: use engine.w2 (createEngine())");
  checkSignal('w2: signal', opts.signal);
  throwIfAborted(opts.signal, 'w2');
  return transportW2(null, x, y, opts);
}

/**
 * Create an engine: on `options.device` if given (an app's own GPUDevice, never destroyed by the
 * engine), else on a newly acquired device (browser: `navigator.gpu`; Node: the `webgpu` package,
 * SwiftShader by default). Rejects with NoAdapterError when there is no WebGPU.
 */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  if (options.device !== undefined && (typeof options.device !== 'object' || options.device === null || !('queue' in options.device))) {
    throw new InputError(`createEngine: device must be a GPUDevice, got ${String(options.device)}`);
  }
  if (options.poolBytes !== undefined) checkInteger('createEngine: poolBytes', options.poolBytes, 0, Number.MAX_SAFE_INTEGER);
  const ctx = await GpuContext.create(options);
  return new Engine(ctx);
}
