/**
 * The embeddable facade: `createEngine()` gives an Engine that owns (or borrows) a GPUDevice and
 * every GPU resource made through it; `engine.destroy()` releases all of them. Methods take plain
 * arrays, validate them at the boundary (InputError naming the problem), run on the GPU and return
 * plain arrays. Long operations take `RunOptions` (AbortSignal, progress). Training, sampling and the
 * bound live in ./training.ts, ./sampling.ts and ./bound_report.ts; the engine checks it is alive
 * and delegates.
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
import { DATASETS, makeDataset, makeMixtureDataset, uploadPoints, type DatasetName } from '../data/datasets.js';
import type { LipschitzCurve } from '../lipschitz/estimator.js';
import type { NetworkSupReport } from '../lipschitz/network_sup.js';
import { sinkhornBatch, type SinkhornOptions, type SinkhornResult } from '../transport/sinkhorn/index.js';
import type { CloudLike } from '../transport/input.js';
import { w2 as transportW2, W2_METHODS, type W2Options, type W2Result } from '../transport/w2.js';
export { chooseMethod as chooseW2Method, W2_METHODS, type W2Method, type W2Options, type W2Result } from '../transport/w2.js';
import type { MixtureDescription } from '../scores/mixture.js';
import type { NetworkScore } from '../model/network.js';
import { abortable, throwIfAborted, type RunOptions } from '../gpu/run.js';
import { checkBindingSize, checkInteger, checkNumber, checkOneOf, checkSeed, checkSignal, toPoints, type NumericArray } from '../gpu/validate.js';
import type { PointCloud } from '../gpu/points.js';
export type { PointCloud } from '../gpu/points.js';
import { selfcheck, type Check } from './selfcheck.js';
import { kernelOverrides, tuneKernels } from './tuning.js';
import { estimateLipschitz, lipschitzSupremumOf, type LipschitzOptions, type LipschitzSupremumOptions } from './lipschitz.js';
export type { LipschitzOptions, LipschitzSupremumOptions } from './lipschitz.js';
import { startTraining, type TrainingData, type TrainingOptions, type TrainingSession } from './training.js';
export { TrainingSession, type TrainingData, type TrainingOptions } from './training.js';
import { sampleWith, type EngineSampleOptions, type SampleResult } from './sampling.js';
export type { EngineSampleOptions, SampleResult } from './sampling.js';
import { evaluateBound, type BoundOptions, type BoundReport } from './bound_report.js';
export type { BoundOptions, BoundReport } from './bound_report.js';
import { MODEL_SIZES, PlaygroundSession, type ModelSize, type SessionConfig } from './playground.js';
export { MODEL_SIZES, PlaygroundSession, type BoundReading, type Evaluation, type HistoryPoint, type ModelSize, type SessionConfig, type ThreeBounds, type ThreeWaysOptions } from './playground.js';
import { MONO_H } from '../kernels/flow_gauss_ratio.js';
import { GENERATOR_LOSSES } from '../flows/monoflow_generator.js';
import { createPreset, PRESET_KINDS, type FlowPreset, type PresetKind, type PresetOptions } from '../flows/presets.js';
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
  /** Seed (integer up to 2^53, or a bigint up to 2^64), required: there is no default. One seed gives the same numbers on every run. */
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
    return startTraining(this.ctx, data, config);
  }

  /**
   * Run a reverse-time sampler (reverse SDE, probability-flow ODE, Heun, DDPM ancestral) with the
   * exact mixture score or a network, from the prior or from `init` (a PointCloud, an array of
   * points, or a GPU buffer); resolves with the samples as a PointCloud `points` (and the same
   * floats as `samples`, n × d row-major) and, with `captureEvery`, the trajectory.
   */
  async sample(options: EngineSampleOptions): Promise<SampleResult> {
    this.alive();
    return sampleWith(this.ctx, options);
  }

  /**
   * L_s(t), the one-sided Lipschitz constant of a network's score at each grid time, estimated on
   * the GPU at `perTime` points per time: a LOWER estimate of the supremum (see docs/theory.md).
   * The points are `points` as given (`noise: false`), or samples of p_t made from them
   * (`noise: true`: α_t·x + σ_t·ε); point p of a time uses row p mod (number of points).
   */
  async lipschitz(network: NetworkScore, opts: LipschitzOptions): Promise<LipschitzCurve> {
    this.alive();
    return estimateLipschitz(this.ctx, network, opts);
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
    return lipschitzSupremumOf(this.ctx, network, opts);
  }

  /**
   * W2 between two point clouds (arrays of points, or `{ data, d, weights? }` with data a
   * Float32Array, a Float64Array or a GPU buffer; weights non-negative, normalised; float64 values
   * are used as given by the CPU methods and centred before rounding to f32 by the Sinkhorn): `method: 'auto'` (default) runs the
   * exact solver where it is faster and the GPU debiased Sinkhorn divergence S_ε above (the result's
   * `method` and `reason` say which and why); or `method: 'exact' | 'sinkhorn' | 'exact1d' | 'sliced'`.
   * Progress: stage 'sinkhorn' at each convergence check; stage 'exact' (done: simplex pivots) every
   * ~50 ms of the exact solver, which gives the event loop a turn then (so `signal` cancels it).
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
      floats = pc.n !== undefined ? pc.n * pc.d : pc.data instanceof Float32Array || pc.data instanceof Float64Array ? pc.data.length : 0;
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
    return evaluateBound(this.ctx, network, opts, (net, o) => this.lipschitz(net, o));
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
   * choices: where they are cached (null: memory only), the choice and timings per kernel, warnings,
   * and the shapes forced by the environment instead (`overrides`, e.g. WASSERFLOW_SOFTMIN).
   */
  async tune(): Promise<{ cache: string | null; kernels: GpuContext['tuner']['choices']; warnings: GpuContext['tuner']['warnings']; overrides: Record<string, string> }> {
    this.alive();
    await tuneKernels(this.ctx);
    const t = this.ctx.tuner;
    return { cache: t.location ?? null, kernels: t.choices, warnings: t.warnings, overrides: kernelOverrides() };
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
 * a hardware GPU, else Mesa's lavapipe, else SwiftShader: `wasserflow info` says which). Rejects
 * with NoAdapterError when there is no WebGPU.
 */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  if (options.device !== undefined && (typeof options.device !== 'object' || options.device === null || !('queue' in options.device))) {
    throw new InputError(`createEngine: device must be a GPUDevice, got ${String(options.device)}`);
  }
  if (options.poolBytes !== undefined) checkInteger('createEngine: poolBytes', options.poolBytes, 0, Number.MAX_SAFE_INTEGER);
  const ctx = await GpuContext.create(options);
  return new Engine(ctx);
}
