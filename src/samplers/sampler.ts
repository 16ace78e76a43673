/**
 * Reverse-time samplers over a batch of particles on the GPU (DESIGN.md "samplers"):
 *
 *   dx = (f(x,t) − ½(g(t)² + σ_t²) s(x,t)) dt + σ_t dw̄,   from T down to tEnd,
 *
 * 'em': Euler–Maruyama with σ_t = λ·g (λ = 1, the default, is the reverse SDE; λ ∈ [0, 1] interpolates
 * to the probability-flow ODE); 'ode': the same with λ = 0 (Euler); 'heun': Heun's method on the ODE;
 * 'ddpm': the paper's ancestral sampler on the discrete schedule's integer grid.
 * The score comes from the exact Gaussian mixture or from a network, interchangeably.
 *
 * Two paths compute the same updates with the same noise: the fused kernel (shaders/reverse_sample.wgsl:
 * score and update in one dispatch for whole chunks of steps, points in vec4, d ≤ 4 and networks up to
 * FUSED_MAX_WIDTH wide) and the general path (src/samplers/general.ts: any d up to MAX_SAMPLER_DIM,
 * batched MLP layers or the d-dimensional mixture kernel, one step per dispatch). `path: 'auto'` picks
 * the fused kernel where it applies.
 *
 * A `ReverseSampler` allocates everything once (particles, table, parameter slots, capture) and then
 * runs any number of times: each run is chunks of `stepsPerDispatch` steps per dispatch, all chunks in
 * one submit unless progress or cancellation is requested (then one submit and one wait per chunk), and
 * no readback until the caller asks for the samples.
 */
import { type RunOptions, throwIfAborted, abortable, reportProgress } from '../gpu/run.js';
import type { GpuContext } from '../gpu/context.js';
import type { Pacer } from '../gpu/pacing.js';
import { InputError } from '../gpu/errors.js';
import { ForwardParams, ForwardSampleKernel, STREAM } from '../kernels/forward_sample.js';
import { PARAM_SLOT, REVERSE_KERNEL_KINDS, ReverseParams, ReverseSampleKernel, reverseKernelCandidates, type ReverseKernelKind, type SamplerCode } from '../kernels/reverse_sample.js';
import { bestTime } from '../gpu/tuning.js';
import { TUNE_MIN_MACS } from '../train/mlp.js';
import type { MlpLayout } from '../model/layout.js';
import { DdpmSigmoid, type ForwardProcess } from '../processes/process.js';
import { splitSeed } from '../rng/philox.js';
import { MIXTURE_VEC4_MAX_DIM, packMixture, prepareMixture, type MixtureDescription, type PreparedMixture } from '../scores/mixture.js';
import { checkDims } from './forward.js';
import { GeneralStepper } from './general.js';
import { networkLayout, type NetworkScore } from '../model/network.js';
import { SAMPLER_ROW_FLOATS, samplerTable, uniformGrid } from '../processes/grid.js';

export type SamplerKind = 'em' | 'ode' | 'heun' | 'ddpm';
export type { ReverseKernelKind };
export const SAMPLER_KINDS: readonly SamplerKind[] = ['em', 'ode', 'heun', 'ddpm'];

/** The samplers' defaults, written once (the front ends print and derive from them). */
export const SAMPLER_DEFAULTS = { sampler: 'em' as SamplerKind, steps: 1000, lambda: 1 } as const;

/** Widest network layer the fused vec4 kernel evaluates (its per-invocation arrays grow with it). */
export const FUSED_MAX_WIDTH = 512;

/** Where the score s(x, t) comes from. */
export type ScoreSource =
  | { kind: 'exact'; mixture: MixtureDescription | PreparedMixture }
  | { kind: 'network'; network: NetworkScore };

/** 'auto' (default): the fused kernel where it applies (d ≤ 4, layers ≤ FUSED_MAX_WIDTH), else 'general'. */
export type SamplerPath = 'auto' | 'fused' | 'general';

export interface SamplerOptions {
  process: ForwardProcess;
  score: ScoreSource;
  /** Number of particles. */
  n: number;
  /** Data dimension (1..MAX_SAMPLER_DIM); taken from the score source when omitted. */
  dim?: number;
  sampler?: SamplerKind;
  /** σ_t = λ·g for 'em' (default 1). */
  lambda?: number;
  /** Number of steps (default 1000; 'ddpm' always uses the schedule's n steps). */
  steps?: number;
  /**
   * Time at which integration stops (default 0 for the exact score, `process.tMin` for a network, whose
   * ε-parameterised score diverges as σ → 0). Ignored by 'ddpm'.
   */
  tEnd?: number;
  /** Keep the particles every `captureEvery` steps (frame 0 is the start), default 0 = no trajectory. */
  captureEvery?: number;
  /** Steps per dispatch (fused path) or per submit when interactive (default: all of them). */
  stepsPerDispatch?: number;
  /** Which kernels run the steps (default 'auto'). */
  path?: SamplerPath;
  /** General path: largest block of particles processed at once (default: what fits one binding). */
  maxBlock?: number;
  /**
   * Fused path with a network score: the kernel shape ('tile', 'sg' or 'sg8', src/kernels/reverse_sample.ts).
   * Default: tuned for the adapter when a step does at least TUNE_MIN_MACS multiply-adds, else 'tile'.
   * Every shape gives the same samples up to float32 rounding (same noise, sums in the same order; 'sg8' fuses the multiply-adds).
   */
  fusedKernel?: ReverseKernelKind;
}

export interface SampleRunOptions extends RunOptions {
  seed?: number | bigint;
  /** Start cloud at T (n × d floats or a GPU buffer of them); default: the prior N(0, priorStd² I). */
  init?: Float32Array | GPUBuffer;
}

function sourceDim(score: ScoreSource): number {
  if (score.kind === 'exact') return 'eigenvalues' in score.mixture ? score.mixture.dim : (score.mixture.means[0]?.length ?? 0);
  return score.network.spec.dim;
}

interface Fused {
  kernel: ReverseSampleKernel;
  params: GPUBuffer;
  bind: GPUBindGroup;
}


/** Particles the fused-kernel search times (see tuneFused). */
const TUNE_PARTICLES = 1 << 14;

/**
 * The fused kernel shape for a network score, chosen by the tuner (key reverse_sample:<sampler>:
 * <widest layer, particles up to TUNE_PARTICLES, each rounded up to a power of 2>) from wall-clock
 * timings of 2 steps on the run's own buffers (the particles are overwritten: every run starts with its init).
 */
async function tuneFused(
  ctx: GpuContext,
  code: SamplerCode,
  network: MlpLayout,
  n: number,
  steps: number,
  make: (kind: ReverseKernelKind) => Promise<ReverseSampleKernel>,
  buffers: { table: GPUBuffer; weights?: GPUBuffer; mixture?: GPUBuffer; x: GPUBuffer; capture: GPUBuffer },
  candidates: ReverseKernelKind[],
  own: (b: GPUBuffer) => GPUBuffer,
): Promise<ReverseKernelKind> {
  const p2 = (x: number) => 2 ** Math.ceil(Math.log2(Math.max(1, x)));
  // Timed on at most TUNE_PARTICLES particles and 2 steps: the search stays well under a second at
  // the paper's size, and a million-particle run is not timed a dozen times over; its class is
  // the capped one (the shapes' costs per particle do not depend on n past a few workgroups per core).
  const tn = Math.min(n, TUNE_PARTICLES);
  const params = own(ctx.createBuffer({ label: 'sampler:tune-params', size: PARAM_SLOT, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }));
  ctx.write(params, ReverseParams.pack({ n: tn, step_begin: 0, step_end: Math.min(steps, 2), total_steps: steps, seed_lo: 0, seed_hi: 0, lambda: 1, capture_every: 0 }));
  return ctx.tuner.choose(
    `reverse_sample:${code}:w${p2(network.maxWidth)}-n${p2(tn)}`,
    candidates.map((k) => ({ name: k, value: k })),
    async (kind) => {
      const kernel = await make(kind);
      const bind = kernel.bind({ params, table: buffers.table, weights: buffers.weights!, x: buffers.x, capture: buffers.capture });
      return bestTime(async () => {
        const enc = ctx.device.createCommandEncoder({ label: 'tune:reverse_sample' });
        const t0 = performance.now();
        const pass = enc.beginComputePass({ label: 'tune:reverse_sample' });
        kernel.encode(pass, bind, 0, tn);
        pass.end();
        await ctx.read(buffers.x, 0, 4, enc);
        return performance.now() - t0;
      }, 2);
    },
  );
}

export class ReverseSampler {
  /** Ascending time grid t_0 = tEnd < … < t_N = T. */
  readonly times: Float64Array;
  readonly steps: number;
  readonly dim: number;
  readonly n: number;
  /** The particles (n × dim floats); after a run, the samples at tEnd. */
  readonly state: GPUBuffer;
  /** Trajectory frames (frames × n × dim), when captureEvery > 0. */
  readonly capture: GPUBuffer | undefined;
  readonly frames: number;
  readonly captureEvery: number;
  /** The kernels that run the steps. */
  readonly path: 'fused' | 'general';
  /** The fused kernel's shape ('tile', 'sg' or 'sg8'); undefined on the general path. */
  get fusedKernel(): ReverseKernelKind | undefined {
    return this.fused?.kernel.kind;
  }
  private readonly owned: GPUBuffer[] = [];
  /** Runs submitted by `run` and not yet read, and when the first of them was submitted. */
  private pendingRuns = 0;
  /** Sleeps through most of `read`'s wait after `run` instead of polling (src/gpu/pacing.ts); units: runs. */
  private readonly pacer: Pacer;
  /** The same for the per-chunk waits of a run with progress or a signal; units: steps. */
  private readonly chunkPacer: Pacer;
  private readonly chunks: { begin: number; end: number }[] = [];
  private readonly priorParams: GPUBuffer;
  private readonly fwdBind: GPUBindGroup;

  private constructor(
    private readonly ctx: GpuContext,
    private readonly opts: SamplerOptions,
    private readonly fwd: ForwardSampleKernel,
    private readonly lambda: number,
    times: Float64Array,
    private readonly table: GPUBuffer,
    state: GPUBuffer,
    capture: GPUBuffer | undefined,
    owned: GPUBuffer[],
    private readonly fused: Fused | undefined,
    private readonly general: GeneralStepper | undefined,
  ) {
    this.n = opts.n;
    this.dim = opts.dim!;
    this.times = times;
    this.steps = times.length - 1;
    this.captureEvery = opts.captureEvery ?? 0;
    this.frames = this.captureEvery > 0 ? Math.floor(this.steps / this.captureEvery) + 1 : 0;
    this.state = state;
    this.capture = capture;
    this.path = fused ? 'fused' : 'general';
    this.pacer = ctx.pacer();
    this.chunkPacer = ctx.pacer();
    this.owned.push(...owned);
    const own = (b: GPUBuffer) => (this.owned.push(b), b);
    const per = opts.stepsPerDispatch ?? this.steps;
    for (let b = 0; b < this.steps; b += per) this.chunks.push({ begin: b, end: Math.min(this.steps, b + per) });
    this.priorParams = own(ctx.createBuffer({ label: 'sampler:prior-params', size: PARAM_SLOT, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }));
    // The prior draw reads nothing: the table stands in for the source; its capture slot is a dummy.
    this.fwdBind = fwd.bind({ params: this.priorParams, table: this.table, src: this.table, x: this.state, capture: own(ctx.storage('sampler:prior-no-capture', 16)) });
  }

  /** Validate options, compile (or fetch cached) pipelines, allocate the buffers of a run. */
  static async create(ctx: GpuContext, opts: SamplerOptions): Promise<ReverseSampler> {
    const { process, score, n } = opts;
    const kind = opts.sampler ?? SAMPLER_DEFAULTS.sampler;
    if (!SAMPLER_KINDS.includes(kind)) throw new InputError(`sampler must be one of ${SAMPLER_KINDS.join(', ')}, got '${String(kind)}'`);
    if (!Number.isInteger(n) || n < 1) throw new InputError(`particle count n must be a positive integer, got ${n}`);
    const dim = opts.dim ?? sourceDim(score);
    checkDims(ctx, 'sampler', n, dim);
    let lambda = opts.lambda ?? SAMPLER_DEFAULTS.lambda;
    if (kind === 'ode' || kind === 'heun') {
      if (opts.lambda !== undefined && opts.lambda !== 0) throw new InputError(`--lambda applies to the 'em' sampler ('${kind}' is deterministic)`);
      lambda = 0;
    }
    if (!(Number.isFinite(lambda) && lambda >= 0 && lambda <= 1)) throw new InputError(`lambda must be in [0, 1], got ${lambda}`);
    let times: Float64Array;
    if (kind === 'ddpm') {
      if (!(process instanceof DdpmSigmoid)) throw new InputError(`the 'ddpm' sampler needs the discrete DDPM schedule (process 'ddpm'), got ${process.label}`);
      if (opts.steps !== undefined && opts.steps !== process.steps) throw new InputError(`the 'ddpm' sampler takes the schedule's ${process.steps} steps, got steps = ${opts.steps}`);
      times = uniformGrid(process, process.steps, 0);
    } else {
      const tEnd = opts.tEnd ?? (score.kind === 'exact' ? 0 : process.tMin);
      times = uniformGrid(process, opts.steps ?? SAMPLER_DEFAULTS.steps, tEnd);
    }
    const steps = times.length - 1;
    const captureEvery = opts.captureEvery ?? 0;
    if (!Number.isInteger(captureEvery) || captureEvery < 0) throw new InputError(`captureEvery must be a non-negative integer, got ${captureEvery}`);
    const per = opts.stepsPerDispatch ?? steps;
    if (!Number.isInteger(per) || per < 1) throw new InputError(`stepsPerDispatch must be a positive integer, got ${per}`);
    const frames = captureEvery > 0 ? Math.floor(steps / captureEvery) + 1 : 0;
    const captureBytes = frames * n * dim * 4;
    const limit = ctx.device.limits.maxStorageBufferBindingSize;
    if (captureBytes > limit) throw new InputError(`trajectory capture needs ${captureBytes} bytes, over the device's storage binding limit (${limit} bytes); raise captureEvery`);
    const pathOpt = opts.path ?? 'auto';
    if (!['auto', 'fused', 'general'].includes(pathOpt)) throw new InputError(`path must be 'auto', 'fused' or 'general', got '${String(pathOpt)}'`);

    let network: MlpLayout | undefined;
    let prepared: PreparedMixture | undefined;
    if (score.kind === 'exact') {
      prepared = 'eigenvalues' in score.mixture ? score.mixture : prepareMixture(score.mixture);
      if (prepared.dim !== dim) throw new InputError(`mixture dimension ${prepared.dim} does not match dim ${dim}`);
    } else if (score.kind === 'network') {
      network = networkLayout(score.network, dim);
    } else {
      throw new InputError(`score source must be 'exact' or 'network'`);
    }
    const fusable = dim <= MIXTURE_VEC4_MAX_DIM && (!network || network.maxWidth <= FUSED_MAX_WIDTH);
    if (pathOpt === 'fused' && !fusable) throw new InputError(`path 'fused' takes d <= ${MIXTURE_VEC4_MAX_DIM} and layers <= ${FUSED_MAX_WIDTH} wide (got d = ${dim}${network ? `, widest layer ${network.maxWidth}` : ''})`);
    const useFused = pathOpt === 'fused' || (pathOpt === 'auto' && fusable);
    const embedSteps = network?.steps ?? 0;

    const owned: GPUBuffer[] = [];
    const own = (b: GPUBuffer) => (owned.push(b), b);
    try {
      let sourceBuffer: GPUBuffer | undefined;
      if (network && score.kind === 'network') {
        if (score.network.params instanceof Float32Array) sourceBuffer = own(ctx.storage('sampler:weights', score.network.params.subarray(0, network.size)));
        else sourceBuffer = score.network.params;
      } else if (useFused) {
        sourceBuffer = own(ctx.storage('sampler:mixture', packMixture(prepared!)));
      }
      const tableData = samplerTable(process, times, embedSteps);
      const table = own(ctx.storage('sampler:table', tableData));
      const state = own(ctx.storage('sampler:particles', n * dim * 4));
      const capture = frames > 0 ? own(ctx.storage('sampler:trajectory', captureBytes)) : undefined;
      const captureBinding = capture ?? own(ctx.storage('sampler:no-trajectory', 16));
      const fwd = await ForwardSampleKernel.create(ctx, dim);
      let fused: Fused | undefined;
      let general: GeneralStepper | undefined;
      if (useFused) {
        const code: SamplerCode = kind === 'ddpm' ? 'ddpm' : kind === 'heun' ? 'heun' : 'em';
        const make = (kind: ReverseKernelKind) => ReverseSampleKernel.create(ctx, { dim, sampler: code, ...(network ? { network, kind } : {}), stream: STREAM.reverse });
        const chunks = Math.ceil(steps / per);
        const params = own(ctx.createBuffer({ label: 'sampler:params', size: PARAM_SLOT * chunks, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }));
        const scoreSource = network ? { weights: sourceBuffer! } : { mixture: sourceBuffer! };
        let shape: ReverseKernelKind = 'tile';
        if (network) {
          const candidates = reverseKernelCandidates(ctx);
          if (opts.fusedKernel !== undefined) {
            if (!REVERSE_KERNEL_KINDS.includes(opts.fusedKernel)) throw new InputError(`fusedKernel must be one of ${REVERSE_KERNEL_KINDS.join(', ')}, got '${String(opts.fusedKernel)}'`);
            if (!candidates.includes(opts.fusedKernel)) throw new InputError(`fusedKernel '${opts.fusedKernel}' needs subgroups of at least 8 lanes, which this adapter lacks`);
            shape = opts.fusedKernel;
          } else if (candidates.length > 1 && n * network.layers.reduce((s, l) => s + l.in * l.out, 0) >= TUNE_MIN_MACS) {
            shape = await tuneFused(ctx, code, network, n, steps, make, { table, ...scoreSource, x: state, capture: captureBinding }, candidates, own);
          }
        }
        const kernel = await make(shape);
        const bind = kernel.bind({ params, table, ...scoreSource, x: state, capture: captureBinding });
        fused = { kernel, params, bind };
      } else {
        const sigmas = Float32Array.from({ length: times.length }, (_, r) => tableData[r * SAMPLER_ROW_FLOATS + 2]!);
        general = await GeneralStepper.create(ctx, {
          dim,
          n,
          kind: kind === 'ode' ? 'em' : kind,
          lambda,
          times,
          sigmas,
          table,
          state,
          capture: captureBinding,
          captureEvery,
          score: network ? { kind: 'network', layout: network, params: sourceBuffer! } : { kind: 'exact', mixture: prepared! },
          stream: STREAM.reverse,
          ...(opts.maxBlock !== undefined ? { maxBlock: opts.maxBlock } : {}),
        });
      }
      return new ReverseSampler(ctx, { ...opts, dim }, fwd, lambda, times, table, state, capture, owned, fused, general);
    } catch (e) {
      for (const b of owned) ctx.destroyBuffer(b);
      throw e;
    }
  }

  /** Write the parameters of a run with this seed. */
  private writeParams(seed: number | bigint): void {
    const [lo, hi] = splitSeed(seed);
    this.ctx.write(this.priorParams, ForwardParams.pack({ n: this.n, seed_lo: lo, seed_hi: hi, sigma: this.opts.process.priorStd, stream: STREAM.prior }));
    if (this.general) {
      this.general.writeParams(seed);
      return;
    }
    const buf = new ArrayBuffer(PARAM_SLOT * this.chunks.length);
    const view = new Uint8Array(buf);
    this.chunks.forEach((c, i) => {
      const p = ReverseParams.pack({
        n: this.n,
        step_begin: c.begin,
        step_end: c.end,
        total_steps: this.steps,
        seed_lo: lo,
        seed_hi: hi,
        lambda: this.lambda,
        capture_every: this.captureEvery,
      });
      view.set(new Uint8Array(p), PARAM_SLOT * i);
    });
    this.ctx.write(this.fused!.params, buf);
  }

  /** Validate and upload a start cloud, or encode the prior draw. */
  private encodeInit(enc: GPUCommandEncoder, init: Float32Array | GPUBuffer | undefined): void {
    const bytes = this.n * this.dim * 4;
    if (init === undefined) {
      const pass = enc.beginComputePass({ label: 'sampler:prior' });
      this.fwd.encode(pass, 'prior', this.fwdBind, 0, this.n);
      pass.end();
    } else if (init instanceof Float32Array) {
      if (init.length !== this.n * this.dim) throw new InputError(`init has ${init.length} floats, expected n × d = ${this.n} × ${this.dim}`);
      for (const v of init) if (!Number.isFinite(v)) throw new InputError('init contains NaN or Inf');
      this.ctx.write(this.state, init);
    } else {
      if (init.size < bytes) throw new InputError(`init buffer has ${init.size} bytes, expected ${bytes}`);
      enc.copyBufferToBuffer(init, 0, this.state, 0, bytes);
    }
    if (this.capture) enc.copyBufferToBuffer(this.state, 0, this.capture, 0, bytes);
  }

  /** Work units of a run: (block, chunk) pairs, in order. */
  private units(): { block: number; chunk: number }[] {
    const blocks = this.general ? this.general.blocks.length : 1;
    return Array.from({ length: blocks * this.chunks.length }, (_, i) => ({ block: Math.floor(i / this.chunks.length), chunk: i % this.chunks.length }));
  }

  private encodeUnit(pass: GPUComputePassEncoder, u: { block: number; chunk: number }): void {
    const c = this.chunks[u.chunk]!;
    if (this.general) this.general.encode(pass, u.block, c.begin, c.end);
    else this.fused!.kernel.encode(pass, this.fused!.bind, PARAM_SLOT * u.chunk, this.n);
  }

  /**
   * Encode a whole run (init + every chunk) into `enc`, for callers that batch runs themselves
   * (benchmarks). Writes the parameters now.
   */
  encodeRun(enc: GPUCommandEncoder, seed: number | bigint = 0, init?: Float32Array | GPUBuffer): void {
    this.writeParams(seed);
    this.encodeInit(enc, init);
    const pass = enc.beginComputePass({ label: 'reverse_sample' });
    for (const u of this.units()) this.encodeUnit(pass, u);
    pass.end();
  }

  /** Run the sampler; the samples stay on the GPU in `state` (read them with `read`). */
  async run(o: SampleRunOptions = {}): Promise<void> {
    throwIfAborted(o.signal, 'sample');
    const seed = o.seed ?? 0;
    const interactive = o.signal !== undefined || o.onProgress !== undefined;
    if (!interactive) {
      const enc = this.ctx.device.createCommandEncoder({ label: 'sample' });
      this.encodeRun(enc, seed, o.init);
      this.ctx.submit(enc.finish());
      this.pendingRuns++;
      return;
    }
    this.pendingRuns = 0;
    this.writeParams(seed);
    let enc = this.ctx.device.createCommandEncoder({ label: 'sample:init' });
    this.encodeInit(enc, o.init);
    this.ctx.submit(enc.finish());
    const units = this.units();
    for (let i = 0; i < units.length; i++) {
      throwIfAborted(o.signal, 'sample');
      enc = this.ctx.device.createCommandEncoder({ label: 'sample:chunk' });
      const pass = enc.beginComputePass({ label: 'reverse_sample' });
      this.encodeUnit(pass, units[i]!);
      pass.end();
      this.ctx.submit(enc.finish());
      const c = this.chunks[units[i]!.chunk]!;
      await abortable(this.ctx.flush({ pacer: this.chunkPacer, units: c.end - c.begin }), o.signal, 'sample');
      // Progress in steps of the whole run (blocks run one after another).
      const done = units[i]!.block * this.steps + this.chunks[units[i]!.chunk]!.end;
      reportProgress(o, { stage: 'sample', done: Math.round((done * this.steps) / (this.steps * (units.length / this.chunks.length))), total: this.steps });
    }
  }

  /**
   * The particles (n × dim). After `run` without progress, the readback is paced: on a software
   * adapter the JS thread sleeps through most of the runs' expected time instead of polling.
   */
  async read(): Promise<Float32Array> {
    const units = this.pendingRuns;
    this.pendingRuns = 0;
    return new Float32Array(await this.ctx.read(this.state, 0, this.state.size, undefined, { pacer: this.pacer, units }));
  }

  /** Trajectory frames: frame f holds the particles at times[N − f·captureEvery]. */
  async readTrajectory(): Promise<{ times: Float64Array; frames: Float32Array[] }> {
    if (!this.capture) throw new InputError('no trajectory: create the sampler with captureEvery > 0');
    this.pendingRuns = 0;
    const all = await this.ctx.readF32(this.capture);
    const per = this.n * this.dim;
    const frames = Array.from({ length: this.frames }, (_, f) => all.slice(f * per, (f + 1) * per));
    const times = Float64Array.from({ length: this.frames }, (_, f) => this.times[this.steps - f * this.captureEvery]!);
    return { times, frames };
  }

  destroy(): void {
    this.general?.destroy();
    for (const b of this.owned) this.ctx.destroyBuffer(b);
    this.owned.length = 0;
  }
}

/**
 * One-shot convenience: build a sampler, run it, read the samples (and trajectory), free everything.
 * `steps` is the number of steps run; `ms` the wall-clock time of the run and the samples' readback
 * (not the sampler's set-up).
 */
export async function sample(
  ctx: GpuContext,
  opts: SamplerOptions & SampleRunOptions,
): Promise<{ samples: Float32Array; steps: number; ms: number; trajectory?: { times: Float64Array; frames: Float32Array[] } }> {
  const s = await ReverseSampler.create(ctx, opts);
  try {
    const t0 = performance.now();
    await s.run(opts);
    const samples = await s.read();
    const ms = performance.now() - t0;
    if (s.capture) return { samples, steps: s.steps, ms, trajectory: await s.readTrajectory() };
    return { samples, steps: s.steps, ms };
  } finally {
    s.destroy();
  }
}
