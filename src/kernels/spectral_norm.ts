/**
 * Owner of shaders/spectral_norm.wgsl: per-step power iteration setting each layer's scale
 * s_l = 1/σ_max(W_l) (entry `power`, before the forward pass) and the gradient correction through
 * σ (entry `correct`, after the gradients); `scale` recomputes s from the stored u, v without
 * updating them. One workgroup per layer; one dispatch each.
 */
import source from '../../shaders/spectral_norm.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { bindLayout } from '../gpu/bindings.js';
import type { MlpLayout } from '../model/layout.js';
import { rngFillCpu } from '../rng/philox.js';

export const SnParams = new ParamsLayout('SnParams', { nlayers: 'u32' });

/** Offsets of each layer's u (out) and v (in) in the state buffer, and its initial contents. */
export function spectralState(layout: MlpLayout, seed: number | bigint): { layers: Uint32Array; state: Float32Array } {
  const layers = new Uint32Array(8 * layout.layers.length);
  let off = 0;
  layout.layers.forEach((l, i) => {
    layers.set([l.wOffset, l.in, l.out, off, off + l.out, layout.scaleOffset + i, 0, 0], 8 * i);
    off += l.out + l.in;
  });
  // Random unit start vectors from the seeded Philox stream 0x5ec7 (normals, then normalised).
  const state = rngFillCpu(off, seed, 0x5ec7, 'normal');
  layout.layers.forEach((l, i) => {
    for (const [o, n] of [[layers[8 * i + 3]!, l.out], [layers[8 * i + 4]!, l.in]] as const) {
      let s = 0;
      for (let k = 0; k < n; k++) s += state[o + k]! ** 2;
      for (let k = 0; k < n; k++) state[o + k] = state[o + k]! / Math.sqrt(s);
    }
  });
  return { layers, state };
}

export class SpectralNormKernel {
  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: GPUBindGroupLayout,
    readonly power: GPUComputePipeline,
    readonly correct: GPUComputePipeline,
    readonly scale: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext): Promise<SpectralNormKernel> {
    const layout = bindLayout(ctx.device, 'spectral_norm', ['uniform', 'rw', 'rw', 'read', 'rw']);
    const pl = ctx.device.createPipelineLayout({ label: 'spectral_norm', bindGroupLayouts: [layout] });
    const get = (entryPoint: string) => ctx.pipelines.get({ kernel: 'spectral_norm', source, entryPoint, layout: pl, prelude: [SnParams.wgsl] });
    const [power, correct, scale] = await Promise.all([get('power'), get('correct'), get('scale')]);
    return new SpectralNormKernel(ctx, layout, power, correct, scale);
  }

  bind(b: { ubuf: GPUBuffer; params: GPUBuffer; state: GPUBuffer; layers: GPUBuffer; grads: GPUBuffer }): GPUBindGroup {
    return this.ctx.device.createBindGroup({
      label: 'spectral_norm',
      layout: this.layout,
      entries: [b.ubuf, b.params, b.state, b.layers, b.grads].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
  }

  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, which: 'power' | 'correct' | 'scale', nlayers: number): void {
    pass.setPipeline(this[which]);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(nlayers);
  }
}
