/**
 * Owner of shaders/spectral_norm.wgsl: per-step power iteration setting each layer's scale
 * s_l = 1/σ_max(W_l) (entry `power`, before the forward pass) and the gradient correction through
 * σ (entry `correct`, after the gradients); `scale` recomputes s from the stored u, v without
 * updating them. One workgroup per layer; one dispatch each.
 */
import source from '../../shaders/spectral_norm.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, read, rw, uniform, type Resources } from '../gpu/bindings.js';
import type { MlpLayout } from '../model/layout.js';
import { rngFillCpu } from '../rng/philox.js';

export const SnParams = new ParamsLayout('SnParams', { nlayers: 'u32' });

export const SpectralNormBindings = new Bindings('spectral_norm', {
  sp: uniform(SnParams),
  /** The MLP's flat parameters (its layer scales are written). */
  params: rw('array<f32>'),
  /** u, v of every layer (spectralState). */
  state: rw('array<f32>'),
  /** Per layer: w offset, in, out, u offset, v offset, scale index (SnLayer). */
  layers: read('array<SnLayer>'),
  grads: rw('array<f32>'),
});

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
    readonly power: GPUComputePipeline,
    readonly correct: GPUComputePipeline,
    readonly scale: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext): Promise<SpectralNormKernel> {
    const pl = SpectralNormBindings.pipelineLayout(ctx.device);
    const get = (entryPoint: string) => ctx.pipelines.get({ kernel: 'spectral_norm', source, entryPoint, layout: pl, prelude: [SpectralNormBindings.wgsl] });
    const [power, correct, scale] = await Promise.all([get('power'), get('correct'), get('scale')]);
    return new SpectralNormKernel(ctx, power, correct, scale);
  }

  bind(b: Resources<typeof SpectralNormBindings>): GPUBindGroup {
    return SpectralNormBindings.bind(this.ctx.device, b);
  }

  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, which: 'power' | 'correct' | 'scale', nlayers: number): void {
    pass.setPipeline(this[which]);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(nlayers);
  }
}
