/**
 * Bind-group plumbing shared by the model and training kernels: explicit layouts whose uniforms may
 * use dynamic offsets, and `UniformSlots`, one uniform buffer holding many parameter blocks (one per
 * layer, or one per training step of a chunk) selected by dynamic offset. Written once, so encoding
 * a step allocates nothing.
 */
import type { GpuContext } from './context.js';
import type { ParamsLayout } from './params.js';

/** 'dyn': uniform with a dynamic offset; 'uniform'; 'read': read-only storage; 'rw': storage. */
export type SlotKind = 'dyn' | 'uniform' | 'read' | 'rw';

export function bindLayout(device: GPUDevice, label: string, kinds: readonly SlotKind[]): GPUBindGroupLayout {
  return device.createBindGroupLayout({
    label,
    entries: kinds.map((k, binding) => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer:
        k === 'dyn'
          ? { type: 'uniform' as const, hasDynamicOffset: true }
          : { type: k === 'uniform' ? ('uniform' as const) : k === 'read' ? ('read-only-storage' as const) : ('storage' as const) },
    })),
  });
}

/** Workgroups for `invocations` threads of size `wg`, split over x/y under the per-dimension cap. */
export function groupsFor(invocations: number, wg: number): [number, number] {
  const g = Math.max(1, Math.ceil(invocations / wg));
  if (g <= 65535) return [g, 1];
  const y = Math.ceil(g / 65535);
  return [Math.ceil(g / y), y];
}

/** `count` uniform blocks of one ParamsLayout in one buffer, each at a multiple of the offset alignment. */
export class UniformSlots<F extends string> {
  readonly buffer: GPUBuffer;
  readonly stride: number;
  private readonly staging: ArrayBuffer;
  private readonly block: ArrayBuffer;

  constructor(
    private readonly ctx: GpuContext,
    label: string,
    readonly params: ParamsLayout<F>,
    readonly count: number,
  ) {
    const align = ctx.device.limits.minUniformBufferOffsetAlignment;
    this.stride = Math.ceil(params.byteSize / align) * align;
    this.buffer = ctx.uniform(label, this.stride * count);
    this.staging = new ArrayBuffer(this.stride * count);
    this.block = new ArrayBuffer(params.byteSize);
  }

  /** Byte offset of slot i (the dynamic offset to pass to setBindGroup). */
  offset(i: number): number {
    return i * this.stride;
  }

  /** Pack slot i on the CPU; `upload()` sends every slot at once. */
  set(i: number, values: Partial<Record<F, number>>): void {
    new Uint8Array(this.block).fill(0);
    this.params.pack(values, this.block);
    new Uint8Array(this.staging, i * this.stride, this.params.byteSize).set(new Uint8Array(this.block));
  }

  upload(count = this.count): void {
    this.ctx.write(this.buffer, new Uint32Array(this.staging, 0, (this.stride * count) / 4));
  }

  /** The binding resource (size of one block) for a 'dyn' entry. */
  get resource(): GPUBufferBinding {
    return { buffer: this.buffer, offset: 0, size: this.params.byteSize };
  }

  destroy(): void {
    this.ctx.destroyBuffer(this.buffer);
  }
}
