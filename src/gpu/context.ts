/**
 * GpuContext: the one owner of a GPUDevice. It tracks every buffer it creates (so tests and
 * `destroy()` can prove nothing leaks), turns `device.lost` and `uncapturederror` into typed errors,
 * rejects every pending readback when the device is lost, and holds the buffer pool, the pipeline
 * cache and the optional GPU timer.
 */
import { acquireDevice, isNode, nodeTuningStoreFor, type AcquireOptions } from './device.js';
import { adapterKey, Tuner, type TuningStore } from './tuning.js';
import type { AdapterChoice } from './icd.js';
import { DeviceLostError, GpuValidationError, InputError } from './errors.js';
import { BufferPool } from './pool.js';
import { PipelineCache } from './pipelines.js';
import { Pacer, type Pace } from './pacing.js';

/** A readback started by GpuContext.readAhead: `wait` gives its bytes (the same promise each call). */
export interface PendingRead {
  wait(pace?: Pace): Promise<ArrayBuffer>;
}

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  /** True for CPU implementations (SwiftShader, lavapipe), where kernels run ~50× slower. */
  isSoftware: boolean;
  features: string[];
  limits: Record<string, number>;
  /** How the adapter was chosen (Node: option, environment or automatic; browser: by the browser). */
  choice?: AdapterChoice;
}

export interface ContextOptions extends AcquireOptions {
  /** Use an application's own device instead of acquiring one. The context never destroys it. */
  device?: GPUDevice;
  adapterInfo?: GPUAdapterInfo;
  /** Byte cap of idle buffers kept by the pool (default 256 MiB). */
  poolBytes?: number;
  /**
   * Where per-adapter tuning choices persist (src/gpu/tuning.ts). Default in Node: a JSON file under
   * ~/.cache/wasserflow (see nodeTuningStore); `false`: memory only.
   */
  tuningStore?: TuningStore | false;
  /**
   * Sleep through most of a paced readback's expected wait instead of polling (src/gpu/pacing.ts).
   * Default: on in Node on software adapters, where Dawn's polling takes a core from the driver.
   */
  pacing?: boolean;
}

type TypedArray = Float32Array | Uint32Array | Int32Array;

const LIMIT_NAMES = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
] as const;

export function describeAdapter(
  info: GPUAdapterInfo | undefined,
  device: GPUDevice,
  isFallback = false,
  choice?: AdapterChoice,
): AdapterReport {
  const limits: Record<string, number> = {};
  for (const n of LIMIT_NAMES) limits[n] = device.limits[n];
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const description = info?.description ?? '';
  const dev = info?.device ?? '';
  const text = `${vendor} ${architecture} ${description} ${dev}`.toLowerCase();
  const fallback = isFallback || Boolean((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter);
  return {
    vendor,
    architecture,
    device: dev,
    description,
    isFallbackAdapter: fallback,
    isSoftware: fallback || /swiftshader|llvmpipe|lavapipe|software|cpu/.test(text),
    features: [...device.features].map(String).sort(),
    limits,
    ...(choice ? { choice } : {}),
  };
}

export class GpuContext {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly adapter: AdapterReport;
  readonly hasTimestamps: boolean;
  readonly hasSubgroups: boolean;
  /** The adapter's smallest subgroup size (0 without subgroups or when the adapter does not say). */
  readonly subgroupMinSize: number;
  /** Per-adapter kernel tuning (choices shared by every context on the same adapter in this process). */
  readonly tuner: Tuner;

  private readonly live = new Set<GPUBuffer>();
  private readonly pending = new Set<(e: Error) => void>();
  private lostError: DeviceLostError | undefined;
  private firstUncaptured: GpuValidationError | undefined;
  private destroyed = false;
  /** performance.now() of the first submit since the last completed readback or flush. */
  private busySince: number | undefined;
  /** performance.now() when the last readback ahead (readAhead) came back. */
  private lastAhead = 0;
  private readonly pacing: boolean;
  private resolveLost!: (e: DeviceLostError) => void;
  private readonly onUncaptured: (ev: Event) => void;

  /** Resolves when the device is lost (never rejects). */
  readonly lost: Promise<DeviceLostError>;

  private constructor(
    readonly device: GPUDevice,
    info: GPUAdapterInfo | undefined,
    private readonly ownsDevice: boolean,
    poolBytes: number | undefined,
    isFallback: boolean,
    choice?: AdapterChoice,
    tuningStore?: TuningStore,
    pacing?: boolean,
  ) {
    this.adapter = describeAdapter(info, device, isFallback, choice);
    this.pacing = pacing ?? (isNode && this.adapter.isSoftware);
    this.tuner = Tuner.shared(adapterKey(this.adapter), tuningStore);
    this.hasTimestamps = device.features.has('timestamp-query');
    this.hasSubgroups = device.features.has('subgroups' as GPUFeatureName);
    const sgMin = (device as { adapterInfo?: { subgroupMinSize?: number } }).adapterInfo?.subgroupMinSize;
    this.subgroupMinSize = this.hasSubgroups && typeof sgMin === 'number' ? sgMin : 0;
    this.pipelines = new PipelineCache(device);
    this.pool = new BufferPool(
      (d) => this.createBuffer(d),
      (b) => this.destroyBuffer(b),
      poolBytes,
    );
    this.lost = new Promise<DeviceLostError>((resolve) => (this.resolveLost = resolve));
    GpuContext.watch(device).add(this);
    this.onUncaptured = (ev: Event) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      const err = new GpuValidationError(`uncaptured WebGPU error: ${e.message}`);
      this.firstUncaptured ??= err;
    };
    device.addEventListener('uncapturederror', this.onUncaptured);
  }

  // One device.lost handler per device, shared by the contexts on it: a context destroyed on an
  // app's long-lived device leaves no closure behind that would keep it (and its caches) alive.
  private static readonly watchers = new WeakMap<GPUDevice, Set<GpuContext>>();
  private static watch(device: GPUDevice): Set<GpuContext> {
    let contexts = GpuContext.watchers.get(device);
    if (!contexts) {
      const set = new Set<GpuContext>();
      contexts = set;
      GpuContext.watchers.set(device, set);
      void device.lost.then((info) => {
        for (const ctx of set) ctx.handleLost(info);
        set.clear();
      });
    }
    return contexts;
  }

  private handleLost(info: GPUDeviceLostInfo): void {
    const err = new DeviceLostError(info.reason ?? 'unknown', info.message ?? '');
    this.lostError = err;
    for (const reject of this.pending) reject(err);
    this.pending.clear();
    this.resolveLost(err);
  }

  /** Acquire a device (or wrap `options.device`) and build a context around it. */
  static async create(options: ContextOptions = {}): Promise<GpuContext> {
    const store = async (info: GPUAdapterInfo | undefined) =>
      options.tuningStore === false ? undefined : (options.tuningStore ?? (isNode ? await nodeTuningStoreFor(adapterKey(info ?? {})) : undefined));
    if (options.device) {
      const info = options.adapterInfo ?? options.device.adapterInfo;
      return new GpuContext(options.device, info, false, options.poolBytes, false, undefined, await store(info), options.pacing);
    }
    const { adapter, device, choice } = await acquireDevice(options);
    const fallback = Boolean((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter);
    return new GpuContext(device, adapter.info, true, options.poolBytes, fallback, choice, await store(adapter.info), options.pacing);
  }

  /** Throws the typed error if the device is lost, destroyed, or an uncaptured error happened. */
  check(): void {
    if (this.lostError) throw this.lostError;
    if (this.destroyed) throw new DeviceLostError('destroyed', 'this wasserflow context was destroyed');
    if (this.firstUncaptured) {
      const e = this.firstUncaptured;
      this.firstUncaptured = undefined;
      throw e;
    }
  }

  get isLost(): boolean {
    return this.lostError !== undefined;
  }

  /** Number of buffers created through this context and not yet destroyed (pooled ones included). */
  get liveBuffers(): number {
    return this.live.size;
  }

  createBuffer(desc: GPUBufferDescriptor): GPUBuffer {
    this.check();
    if (desc.size > this.device.limits.maxBufferSize) {
      throw new InputError(
        `buffer '${desc.label ?? ''}' needs ${desc.size} bytes, over this device's maxBufferSize ${this.device.limits.maxBufferSize}`,
      );
    }
    const b = this.device.createBuffer({ ...desc, size: Math.max(4, Math.ceil(desc.size / 4) * 4) });
    this.live.add(b);
    return b;
  }

  destroyBuffer(b: GPUBuffer): void {
    if (this.live.delete(b)) b.destroy();
  }

  /** A storage buffer (also COPY_SRC/COPY_DST) filled with `data` or zeroed to `byteSize`. */
  storage(label: string, data: TypedArray | number, extraUsage = 0): GPUBuffer {
    const size = typeof data === 'number' ? data : data.byteLength;
    const b = this.createBuffer({
      label,
      size: Math.max(4, size),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extraUsage,
    });
    if (typeof data !== 'number' && data.byteLength > 0) this.device.queue.writeBuffer(b, 0, data as Float32Array<ArrayBuffer>);
    return b;
  }

  /** A uniform buffer of `byteSize` bytes (COPY_DST). */
  uniform(label: string, byteSize: number): GPUBuffer {
    return this.createBuffer({ label, size: byteSize, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  write(buffer: GPUBuffer, data: TypedArray | ArrayBuffer, byteOffset = 0): void {
    this.check();
    this.device.queue.writeBuffer(buffer, byteOffset, data as ArrayBuffer);
  }

  /** Submit command buffers (checks for loss first). */
  submit(...commands: GPUCommandBuffer[]): void {
    this.check();
    this.device.queue.submit(commands);
    this.busySince ??= performance.now();
  }

  /**
   * A Pacer for one loop's readbacks (pass it with the units of work each readback waits for). It
   * sleeps only where this context paces (Node, software adapter, unless `pacing: false`).
   */
  pacer(): Pacer {
    return new Pacer(this.pacing);
  }

  /** Wait for `p` (a readback or a flush of the work busy since `since`), sleeping first when paced. */
  private async settle<T>(p: () => Promise<T>, since: number, pace: Pace | undefined): Promise<T> {
    if (pace) await pace.pacer.sleep(pace.units, since);
    const out = await (pace ? pace.pacer.poll(this.guard(p())) : this.guard(p()));
    pace?.pacer.settled(pace.units, since);
    this.busySince = undefined;
    return out;
  }

  /**
   * Wrap a GPU promise so that it rejects with DeviceLostError when the device is lost, instead of
   * hanging. Every readback goes through here.
   */
  guard<T>(p: Promise<T>): Promise<T> {
    if (this.lostError) return Promise.reject(this.lostError);
    return new Promise<T>((resolve, reject) => {
      const onLost = (e: Error) => reject(e);
      this.pending.add(onLost);
      p.then(
        (v) => {
          this.pending.delete(onLost);
          if (this.lostError) reject(this.lostError);
          else resolve(v);
        },
        (e: unknown) => {
          this.pending.delete(onLost);
          reject(this.lostError ?? e);
        },
      );
    });
  }

  /**
   * Copy `byteLength` bytes of `src` from `byteOffset` to the CPU. One submit, one map. With `pace`,
   * the JS thread first sleeps through most of the time its pacer expects the work to take.
   */
  async read(
    src: GPUBuffer,
    byteOffset = 0,
    byteLength = src.size - byteOffset,
    encoder?: GPUCommandEncoder,
    pace?: Pace,
  ): Promise<ArrayBuffer> {
    this.check();
    const size = Math.ceil(byteLength / 4) * 4;
    const staging = this.pool.acquire(size, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, `readback:${src.label}`);
    return this.mapped(staging, byteLength, async () => {
      const enc = encoder ?? this.device.createCommandEncoder({ label: 'readback' });
      enc.copyBufferToBuffer(src, byteOffset, staging, 0, size);
      this.submit(enc.finish());
      await this.settle(() => staging.mapAsync(GPUMapMode.READ), this.busySince!, pace);
    });
  }

  /**
   * Run `map` (which maps `staging`), copy out its first `byteLength` bytes and give the staging
   * buffer back to the pool, also when anything fails (destroyed instead once the device is lost).
   */
  private async mapped(staging: GPUBuffer, byteLength: number, map: () => Promise<void>): Promise<ArrayBuffer> {
    try {
      await map();
      const out = staging.getMappedRange().slice(0, byteLength);
      staging.unmap();
      this.check();
      return out;
    } catch (e) {
      if (staging.mapState === 'mapped') staging.unmap();
      throw e;
    } finally {
      if (this.lostError || this.destroyed) this.destroyBuffer(staging);
      else this.pool.release(staging);
    }
  }

  /**
   * Submit `encoder` with a copy of `byteLength` bytes of `src` and start mapping them without
   * waiting: more work may be submitted before the bytes are awaited (a readback that trails the
   * queue: the Sinkhorn solver's pipelined checks). `wait(pace)` first sleeps through most of the
   * time the pacer expects `units` of work to take from when the work before it was done.
   * Readbacks ahead come back in the order they were started; each must be awaited (its staging
   * buffer goes back to the pool then), which `wait` allows once.
   */
  readAhead(src: GPUBuffer, byteOffset: number, byteLength: number, encoder: GPUCommandEncoder): PendingRead {
    this.check();
    const size = Math.ceil(byteLength / 4) * 4;
    const staging = this.pool.acquire(size, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, `readahead:${src.label}`);
    let mapping: Promise<undefined>;
    try {
      encoder.copyBufferToBuffer(src, byteOffset, staging, 0, size);
      this.submit(encoder.finish());
      mapping = this.guard(staging.mapAsync(GPUMapMode.READ));
    } catch (e) {
      this.pool.release(staging);
      throw e;
    }
    const submitted = performance.now();
    mapping.catch(() => undefined); // handed on by wait()
    let result: Promise<ArrayBuffer> | undefined;
    const wait = (pace?: Pace) =>
      this.mapped(staging, byteLength, async () => {
        // This copy's work starts when the work queued before it is done (or when it was submitted).
        const since = Math.max(submitted, this.lastAhead);
        if (pace) await pace.pacer.sleep(pace.units, since);
        await (pace ? pace.pacer.poll(mapping) : mapping);
        pace?.pacer.settled(pace.units, since);
        this.lastAhead = performance.now();
      });
    return { wait: (pace?: Pace) => (result ??= wait(pace)) };
  }

  async readF32(src: GPUBuffer, offsetFloats = 0, count = src.size / 4 - offsetFloats): Promise<Float32Array> {
    return new Float32Array(await this.read(src, offsetFloats * 4, count * 4));
  }

  async readU32(src: GPUBuffer, offsetWords = 0, count = src.size / 4 - offsetWords): Promise<Uint32Array> {
    return new Uint32Array(await this.read(src, offsetWords * 4, count * 4));
  }

  /** Encode one compute pass with `encode`, submit it and wait for it (one-shot kernels: init, fills). */
  async runPass(label: string, encode: (pass: GPUComputePassEncoder) => void): Promise<void> {
    const enc = this.device.createCommandEncoder({ label });
    const pass = enc.beginComputePass({ label });
    encode(pass);
    pass.end();
    this.submit(enc.finish());
    await this.flush();
  }

  /** Wait until all submitted work is done (rejects on device loss); `pace` as for `read`. */
  async flush(pace?: Pace): Promise<void> {
    this.check();
    await this.settle(() => this.device.queue.onSubmittedWorkDone(), this.busySince ?? performance.now(), pace);
    this.check();
  }

  /** Validate a bind group / pipeline creation block synchronously-ish: returns the first error. */
  async scoped<T>(fn: () => T): Promise<T> {
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    const out = fn();
    const oom = await this.device.popErrorScope();
    const val = await this.device.popErrorScope();
    const err = oom ?? val;
    if (err) throw new GpuValidationError(err.message);
    return out;
  }

  /** Release every buffer this context created; destroy the device if the context acquired it. */
  destroy(): void {
    if (this.destroyed) return;
    this.pool.clear();
    for (const b of this.live) b.destroy();
    this.live.clear();
    this.destroyed = true;
    const err = new DeviceLostError('destroyed', 'this wasserflow context was destroyed');
    for (const reject of this.pending) reject(err);
    this.pending.clear();
    this.device.removeEventListener('uncapturederror', this.onUncaptured);
    // A borrowed device outlives this context: stop watching it. An owned one is destroyed now,
    // and `lost` resolves with reason 'destroyed'.
    if (this.ownsDevice) this.device.destroy();
    else GpuContext.watchers.get(this.device)?.delete(this);
  }
}
