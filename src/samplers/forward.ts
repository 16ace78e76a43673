/**
 * Forward-process simulation on the GPU: exact marginal samples x_t = α_t x_0 + σ_t z of p_t from a
 * cloud of p_0 samples, and Euler–Maruyama on dx = a(t) x dt + g(t) dw from 0 to T with optional
 * trajectory capture (for the bound's p_t samples, plots and tests). Buffers are allocated once per
 * ForwardSampler; every call only writes parameters and encodes dispatches.
 */
import { type RunOptions, throwIfAborted, abortable, reportProgress } from '../gpu/run.js';
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { checkBindingSize, checkInteger } from '../gpu/validate.js';
import { ForwardParams, ForwardSampleKernel, STREAM } from '../kernels/forward_sample.js';
import { PARAM_SLOT } from '../kernels/reverse_sample.js';
import type { ForwardProcess } from '../processes/process.js';
import { MAX_DIM } from '../model/layout.js';
import { splitSeed } from '../rng/philox.js';
import { samplerTable, uniformGrid } from '../processes/grid.js';

/** Largest data dimension of the samplers (forward and reverse): the network's limit. */
export const MAX_SAMPLER_DIM = MAX_DIM;

/**
 * Check a particle count and dimension against the samplers' limits: d in 1..MAX_SAMPLER_DIM, and
 * n × d floats in one storage binding of this device. `what` names the caller in errors.
 */
export function checkDims(ctx: GpuContext, what: string, n: number, dim: number): void {
  checkInteger(`${what}: dimension`, dim, 1, MAX_SAMPLER_DIM);
  checkInteger(`${what}: particle count n`, n, 1);
  checkBindingSize(`${what}: n = ${n} particles × d = ${dim}`, n * dim * 4, ctx.device.limits);
}

export interface ForwardSamplerOptions {
  process: ForwardProcess;
  /** Data dimension 1..MAX_SAMPLER_DIM. */
  dim: number;
  /** Number of particles. */
  n: number;
  /** Euler–Maruyama steps from 0 to T (default 1000). */
  steps?: number;
  /** Keep the particles every `captureEvery` EM steps (frame 0 is the start), default 0. */
  captureEvery?: number;
  /** EM steps per dispatch (default: all). */
  stepsPerDispatch?: number;
}

export class ForwardSampler {
  /** Ascending EM grid 0 = t_0 < … < t_N = T. */
  readonly times: Float64Array;
  readonly steps: number;
  /** The particles (n × dim). */
  readonly state: GPUBuffer;
  readonly capture: GPUBuffer | undefined;
  readonly frames: number;
  private readonly owned: GPUBuffer[] = [];
  private readonly table: GPUBuffer;
  private readonly params: GPUBuffer;
  private readonly noCapture: GPUBuffer;
  private readonly chunks: { begin: number; end: number }[] = [];

  private constructor(
    private readonly ctx: GpuContext,
    readonly opts: ForwardSamplerOptions,
    private readonly kernel: ForwardSampleKernel,
  ) {
    const { process, dim, n } = opts;
    this.times = uniformGrid(process, opts.steps ?? 1000, 0);
    this.steps = this.times.length - 1;
    const every = opts.captureEvery ?? 0;
    this.frames = every > 0 ? Math.floor(this.steps / every) + 1 : 0;
    const own = (b: GPUBuffer) => (this.owned.push(b), b);
    this.table = own(ctx.storage('forward:table', samplerTable(process, this.times)));
    this.state = own(ctx.storage('forward:particles', n * dim * 4));
    const captureBytes = this.frames * n * dim * 4;
    if (captureBytes > ctx.device.limits.maxStorageBufferBindingSize) throw new InputError(`forward trajectory needs ${captureBytes} bytes; raise captureEvery`);
    this.capture = this.frames > 0 ? own(ctx.storage('forward:trajectory', captureBytes)) : undefined;
    this.noCapture = own(ctx.storage('forward:no-capture', 16));
    const per = opts.stepsPerDispatch ?? this.steps;
    for (let b = 0; b < this.steps; b += per) this.chunks.push({ begin: b, end: Math.min(this.steps, b + per) });
    this.params = own(ctx.createBuffer({ label: 'forward:params', size: PARAM_SLOT * (this.chunks.length + 1), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }));
  }

  static async create(ctx: GpuContext, opts: ForwardSamplerOptions): Promise<ForwardSampler> {
    const { dim, n } = opts;
    checkDims(ctx, 'forward sampler', n, dim);
    const every = opts.captureEvery ?? 0;
    if (!Number.isInteger(every) || every < 0) throw new InputError(`captureEvery must be a non-negative integer, got ${every}`);
    const per = opts.stepsPerDispatch ?? 1;
    if (!Number.isInteger(per) || per < 1) throw new InputError(`stepsPerDispatch must be a positive integer, got ${per}`);
    return new ForwardSampler(ctx, opts, await ForwardSampleKernel.create(ctx, dim));
  }

  private source(data: Float32Array | GPUBuffer): { buffer: GPUBuffer; temp: boolean } {
    const count = this.opts.n * this.opts.dim;
    if (data instanceof Float32Array) {
      if (data.length !== count) throw new InputError(`data has ${data.length} floats, expected n × d = ${this.opts.n} × ${this.opts.dim}`);
      for (const v of data) if (!Number.isFinite(v)) throw new InputError('data contains NaN or Inf');
      return { buffer: this.ctx.storage('forward:data', data), temp: true };
    }
    if (data.size < count * 4) throw new InputError(`data buffer has ${data.size} bytes, expected ${count * 4}`);
    return { buffer: data, temp: false };
  }

  private bindGroup(src: GPUBuffer, capture: GPUBuffer): GPUBindGroup {
    return this.kernel.bind({ params: this.params, table: this.table, src, x: this.state, capture });
  }

  /** Exact samples of p_t: state = α_t·data + σ_t·z (noise stream 'marginal', counter (p, 0)). */
  async marginal(data: Float32Array | GPUBuffer, t: number, seed: number | bigint = 0): Promise<void> {
    const p = this.opts.process;
    if (!(Number.isFinite(t) && t >= 0 && t <= p.T)) throw new InputError(`t must be in [0, ${p.T}], got ${t}`);
    const src = this.source(data);
    const [lo, hi] = splitSeed(seed);
    this.ctx.write(this.params, ForwardParams.pack({ n: this.opts.n, seed_lo: lo, seed_hi: hi, alpha: p.alpha(t), sigma: p.sigma(t), stream: STREAM.marginal }));
    const enc = this.ctx.device.createCommandEncoder({ label: 'forward:marginal' });
    const pass = enc.beginComputePass({ label: 'forward_sample:marginal' });
    this.kernel.encode(pass, 'marginal', this.bindGroup(src.buffer, this.noCapture), 0, this.opts.n);
    pass.end();
    this.ctx.submit(enc.finish());
    if (src.temp) {
      await this.ctx.flush();
      this.ctx.destroyBuffer(src.buffer);
    }
  }

  /** Euler–Maruyama from data at t = 0 to T (noise stream 'forwardEm', counter (p, step)). */
  async simulate(data: Float32Array | GPUBuffer, o: RunOptions & { seed?: number | bigint } = {}): Promise<void> {
    throwIfAborted(o.signal, 'forward simulation');
    const src = this.source(data);
    try {
      const [lo, hi] = splitSeed(o.seed ?? 0);
      const buf = new Uint8Array(PARAM_SLOT * (this.chunks.length + 1));
      this.chunks.forEach((c, i) => {
        const packed = ForwardParams.pack({
          n: this.opts.n,
          step_begin: c.begin,
          step_end: c.end,
          seed_lo: lo,
          seed_hi: hi,
          capture_every: this.opts.captureEvery ?? 0,
          stream: STREAM.forwardEm,
        });
        buf.set(new Uint8Array(packed), PARAM_SLOT * (i + 1));
      });
      this.ctx.write(this.params, buf.buffer);
      const bind = this.bindGroup(src.buffer, this.capture ?? this.noCapture);
      const bytes = this.opts.n * this.opts.dim * 4;
      let enc = this.ctx.device.createCommandEncoder({ label: 'forward:em' });
      enc.copyBufferToBuffer(src.buffer, 0, this.state, 0, bytes);
      if (this.capture) enc.copyBufferToBuffer(src.buffer, 0, this.capture, 0, bytes);
      const interactive = o.signal !== undefined || o.onProgress !== undefined;
      for (let i = 0; i < this.chunks.length; i++) {
        const pass = enc.beginComputePass({ label: 'forward_sample:em' });
        this.kernel.encode(pass, 'em', bind, PARAM_SLOT * (i + 1), this.opts.n);
        pass.end();
        if (interactive) {
          this.ctx.submit(enc.finish());
          await abortable(this.ctx.flush(), o.signal, 'forward simulation');
          reportProgress(o, { stage: 'forward', done: this.chunks[i]!.end, total: this.steps });
          throwIfAborted(o.signal, 'forward simulation');
          enc = this.ctx.device.createCommandEncoder({ label: 'forward:em' });
        }
      }
      this.ctx.submit(enc.finish());
      if (src.temp) await this.ctx.flush();
    } finally {
      if (src.temp) this.ctx.destroyBuffer(src.buffer);
    }
  }

  read(): Promise<Float32Array> {
    return this.ctx.readF32(this.state);
  }

  /** Frames f = 0..frames−1 at times[f·captureEvery]. */
  async readTrajectory(): Promise<{ times: Float64Array; frames: Float32Array[] }> {
    if (!this.capture) throw new InputError('no trajectory: create the forward sampler with captureEvery > 0');
    const all = await this.ctx.readF32(this.capture);
    const per = this.opts.n * this.opts.dim;
    const every = this.opts.captureEvery ?? 0;
    return {
      times: Float64Array.from({ length: this.frames }, (_, f) => this.times[f * every]!),
      frames: Array.from({ length: this.frames }, (_, f) => all.slice(f * per, (f + 1) * per)),
    };
  }

  destroy(): void {
    for (const b of this.owned) this.ctx.destroyBuffer(b);
    this.owned.length = 0;
  }
}

/**
 * Exact samples of p_t from a cloud of p_0 samples on the GPU: out = α_t·data + σ_t·z, z from Philox
 * counter (particle, 0, stream 'marginal') under `seed`. Writes into `out` when given (n × dim floats),
 * else into a new buffer that the caller destroys with ctx.destroyBuffer. One submit, no readback.
 */
export async function forwardMarginal(
  ctx: GpuContext,
  o: { process: ForwardProcess; data: GPUBuffer; n: number; dim: number; t: number; seed?: number | bigint; out?: GPUBuffer },
): Promise<GPUBuffer> {
  const { process, n, dim, t } = o;
  checkDims(ctx, 'forwardMarginal', n, dim);
  if (!(Number.isFinite(t) && t >= 0 && t <= process.T)) throw new InputError(`forwardMarginal: t must be in [0, ${process.T}], got ${t}`);
  if (o.data.size < n * dim * 4) throw new InputError(`forwardMarginal: data buffer has ${o.data.size} bytes, expected ${n * dim * 4}`);
  if (o.out && (o.out.size < n * dim * 4 || o.out === o.data)) throw new InputError('forwardMarginal: out must be a distinct buffer of n × dim floats');
  const kernel = await ForwardSampleKernel.create(ctx, dim);
  const out = o.out ?? ctx.storage('forward:marginal', n * dim * 4);
  const params = ctx.createBuffer({ label: 'forward:marginal-params', size: PARAM_SLOT, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const dummy = ctx.storage('forward:no-capture', 16);
  try {
    const [lo, hi] = splitSeed(o.seed ?? 0);
    ctx.write(params, ForwardParams.pack({ n, seed_lo: lo, seed_hi: hi, alpha: process.alpha(t), sigma: process.sigma(t), stream: STREAM.marginal }));
    const bind = kernel.bind({ params, table: o.data, src: o.data, x: out, capture: dummy });
    const enc = ctx.device.createCommandEncoder({ label: 'forward:marginal' });
    const pass = enc.beginComputePass({ label: 'forward_sample:marginal' });
    kernel.encode(pass, 'marginal', bind, 0, n);
    pass.end();
    ctx.submit(enc.finish());
    await ctx.flush();
    return out;
  } catch (e) {
    if (!o.out) ctx.destroyBuffer(out);
    throw e;
  } finally {
    ctx.destroyBuffer(params);
    ctx.destroyBuffer(dummy);
  }
}
