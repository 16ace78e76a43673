/**
 * GPU time of a span of queue work that other modules encode and submit themselves (a training
 * chunk, a sampler run, a Sinkhorn solve): an empty compute pass writes a timestamp before the span
 * and another after it; queue order puts everything submitted in between inside. Needs the
 * adapter's timestamp-query feature (`enabled` is false otherwise and `read()` gives undefined).
 */
import type { GpuContext } from '../gpu/context.js';

export class GpuSpan {
  private readonly querySet: GPUQuerySet | undefined;
  private readonly resolveBuf: GPUBuffer | undefined;
  private open = false;
  private closed = false;

  constructor(private readonly ctx: GpuContext) {
    if (!ctx.hasTimestamps) return;
    this.querySet = ctx.device.createQuerySet({ label: 'gpu-span', type: 'timestamp', count: 2 });
    this.resolveBuf = ctx.createBuffer({ label: 'gpu-span:resolve', size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  }

  get enabled(): boolean {
    return this.querySet !== undefined;
  }

  private mark(index: 0 | 1): void {
    if (!this.querySet) return;
    const enc = this.ctx.device.createCommandEncoder({ label: `gpu-span:${index ? 'end' : 'begin'}` });
    const timestampWrites: GPUComputePassTimestampWrites = index === 0 ? { querySet: this.querySet, beginningOfPassWriteIndex: 0 } : { querySet: this.querySet, endOfPassWriteIndex: 1 };
    enc.beginComputePass({ label: 'gpu-span', timestampWrites }).end();
    if (index === 1 && this.resolveBuf) enc.resolveQuerySet(this.querySet, 0, 2, this.resolveBuf, 0);
    this.ctx.submit(enc.finish());
  }

  /** Mark the start of the span (submits a tiny command buffer). */
  begin(): void {
    this.mark(0);
    this.open = true;
    this.closed = false;
  }

  /** Mark the end of the span. */
  end(): void {
    if (!this.open) return;
    this.mark(1);
    this.open = false;
    this.closed = true;
  }

  /** Milliseconds of GPU time between begin() and end(), or undefined without timestamps. */
  async read(): Promise<number | undefined> {
    if (!this.resolveBuf || !this.closed) return undefined;
    this.closed = false;
    const t = new BigUint64Array(await this.ctx.read(this.resolveBuf, 0, 16));
    const ns = Number(t[1]! - t[0]!);
    return ns >= 0 ? ns / 1e6 : undefined;
  }

  destroy(): void {
    this.querySet?.destroy();
    if (this.resolveBuf) this.ctx.destroyBuffer(this.resolveBuf);
  }
}
