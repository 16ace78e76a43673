/**
 * Optional GPU timing with timestamp queries. `passTimestamps(label)` returns the
 * `timestampWrites` for a compute pass (or undefined when the adapter has no timestamp-query);
 * `resolve(encoder)` copies the results; `read()` returns milliseconds per label, summed.
 */
import type { GpuContext } from './context.js';

export class GpuTimer {
  private readonly querySet: GPUQuerySet | undefined;
  private readonly resolveBuf: GPUBuffer | undefined;
  private labels: string[] = [];

  constructor(
    private readonly ctx: GpuContext,
    readonly capacity = 64,
  ) {
    if (!ctx.hasTimestamps) return;
    this.querySet = ctx.device.createQuerySet({ label: 'timer', type: 'timestamp', count: 2 * capacity });
    this.resolveBuf = ctx.createBuffer({
      label: 'timer:resolve',
      size: 16 * capacity,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
  }

  get enabled(): boolean {
    return this.querySet !== undefined;
  }

  passTimestamps(label: string): GPUComputePassTimestampWrites | undefined {
    if (!this.querySet || this.labels.length >= this.capacity) return undefined;
    const i = this.labels.length;
    this.labels.push(label);
    return { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  resolve(encoder: GPUCommandEncoder): void {
    if (!this.querySet || !this.resolveBuf || this.labels.length === 0) return;
    encoder.resolveQuerySet(this.querySet, 0, 2 * this.labels.length, this.resolveBuf, 0);
  }

  /** Milliseconds per label since the last read; resets the labels. */
  async read(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!this.resolveBuf || this.labels.length === 0) return out;
    const n = this.labels.length;
    const raw = new BigUint64Array(await this.ctx.read(this.resolveBuf, 0, 16 * n));
    for (let i = 0; i < n; i++) {
      const ns = Number(raw[2 * i + 1]! - raw[2 * i]!);
      const label = this.labels[i]!;
      out.set(label, (out.get(label) ?? 0) + ns / 1e6);
    }
    this.labels = [];
    return out;
  }

  destroy(): void {
    this.querySet?.destroy();
    if (this.resolveBuf) this.ctx.destroyBuffer(this.resolveBuf);
  }
}
