/**
 * A bounded pool of GPU buffers keyed by (usage, size). Buffers released to the pool are reused by
 * the next acquire of the same key; once the pool holds more than `maxBytes`, released buffers are
 * destroyed instead. Runs create their buffers once and release them at the end, never per step.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private pooledBytes = 0;

  constructor(
    private readonly create: (desc: GPUBufferDescriptor) => GPUBuffer,
    private readonly destroy: (buffer: GPUBuffer) => void,
    readonly maxBytes = 256 * 1024 * 1024,
  ) {}

  private static key(size: number, usage: number): string {
    return `${usage}:${size}`;
  }

  /** Bytes held by idle buffers. */
  get idleBytes(): number {
    return this.pooledBytes;
  }

  acquire(size: number, usage: number, label: string): GPUBuffer {
    const list = this.free.get(BufferPool.key(size, usage));
    const hit = list?.pop();
    if (hit) {
      this.pooledBytes -= hit.size;
      hit.label = label;
      return hit;
    }
    return this.create({ label, size, usage });
  }

  release(buffer: GPUBuffer): void {
    if (buffer.mapState !== 'unmapped' || this.pooledBytes + buffer.size > this.maxBytes) {
      this.destroy(buffer);
      return;
    }
    const key = BufferPool.key(buffer.size, buffer.usage);
    const list = this.free.get(key) ?? [];
    list.push(buffer);
    this.free.set(key, list);
    this.pooledBytes += buffer.size;
  }

  /** Destroy every idle buffer. */
  clear(): void {
    for (const list of this.free.values()) for (const b of list) this.destroy(b);
    this.free.clear();
    this.pooledBytes = 0;
  }
}
