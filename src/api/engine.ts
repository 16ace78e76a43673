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
import { InputError } from '../gpu/errors.js';
import { Reduce, type ReduceOp } from '../kernels/reduce.js';
import { RngFill, type Distribution } from '../kernels/rng_fill.js';
import { abortable, throwIfAborted, type RunOptions } from './run.js';
import { checkBindingSize, checkInteger, checkOneOf, checkSeed, checkSignal, toPoints, type NumericArray } from './validate.js';

export interface EngineOptions {
  /**
   * An application's own GPUDevice to run on. The engine never destroys it: `destroy()` releases
   * only the buffers and objects the engine made. Several engines may share one device.
   */
  device?: GPUDevice;
  /** Adapter info to report for a shared `device` (defaults to `device.adapterInfo`). */
  adapterInfo?: GPUAdapterInfo;
  /** Node only: 'swiftshader' (default), 'lavapipe', 'system', or a path to a Vulkan ICD JSON. */
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
      const params = rng.encode(enc, buf, n, { seed, dist, stream });
      try {
        const out = await abortable(this.ctx.read(buf, 0, n * 4, enc), signal, 'random');
        opts.onProgress?.({ stage: 'random', done: n, total: n });
        return new Float32Array(out);
      } finally {
        this.ctx.destroyBuffer(params);
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
