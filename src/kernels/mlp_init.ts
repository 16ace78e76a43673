/**
 * Owner of shaders/mlp_init.wgsl: seeded initialisation of a flat MLP parameter buffer.
 * Schemes for weights W_l (fan_in = in_l, fan_out = out_l), all uniform:
 *   'xavier': ±√(6 / (fan_in + fan_out)), zero bias (Glorot & Bengio 2010)
 *   'he':     ±√(6 / fan_in), zero bias (He et al. 2015, for ReLU-like activations)
 *   'torch':  ±1/√fan_in for weights and biases (PyTorch's nn.Linear default)
 * Per-step embeddings U[0, 1) (the paper's code), layer scales 1.
 */
import source from '../../shaders/mlp_init.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, UniformBlock, read, rw, uniform } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import type { MlpLayout } from '../model/layout.js';
import { splitSeed } from '../rng/philox.js';

export const MlpInitParams = new ParamsLayout('MlpInitParams', { n: 'u32', nsegments: 'u32', seed_lo: 'u32', seed_hi: 'u32' });
export type InitScheme = 'xavier' | 'he' | 'torch';
const WG = 64;

export const MlpInitBindings = new Bindings('mlp_init', {
  ip: uniform(MlpInitParams),
  /** [start, kind, a] per segment (initSegments). */
  segs: read('array<InitSegment>'),
  params: rw('array<f32>'),
});

/** Segments [start, kind, a] covering [0, layout.size) in order (kind 0 uniform ±a, 1 U[0,1), 2 constant a). */
export function initSegments(layout: MlpLayout, scheme: InitScheme): { start: number; kind: number; a: number }[] {
  const segs: { start: number; kind: number; a: number }[] = [];
  let end = 0;
  const push = (start: number, n: number, kind: number, a: number) => {
    if (start > end) segs.push({ start: end, kind: 2, a: 0 }); // alignment padding
    segs.push({ start, kind, a });
    end = start + n;
  };
  for (const l of layout.layers) {
    const wa = scheme === 'xavier' ? Math.sqrt(6 / (l.in + l.out)) : scheme === 'he' ? Math.sqrt(6 / l.in) : 1 / Math.sqrt(l.in);
    push(l.wOffset, l.in * l.out, 0, wa);
    if (scheme === 'torch') push(l.bOffset, l.out, 0, 1 / Math.sqrt(l.in));
    else push(l.bOffset, l.out, 2, 0);
    if (l.eOffset >= 0) push(l.eOffset, layout.steps * l.out, 1, 0);
  }
  push(layout.scaleOffset, layout.layers.length, 2, 1);
  if (layout.size > end) segs.push({ start: end, kind: 2, a: 0 });
  return segs;
}

export class MlpInitKernel {
  private constructor(
    private readonly ctx: GpuContext,
    readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext): Promise<MlpInitKernel> {
    const pl = MlpInitBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({ kernel: 'mlp_init', source, layout: pl, prelude: [MlpInitBindings.wgsl], constants: { WG } });
    return new MlpInitKernel(ctx, pipeline);
  }

  /** Initialise `params` (layout.size floats) and wait for it. */
  async run(layout: MlpLayout, params: GPUBuffer, scheme: InitScheme, seed: number | bigint): Promise<void> {
    const segs = initSegments(layout, scheme);
    const words = new ArrayBuffer(segs.length * 16);
    const dv = new DataView(words);
    segs.forEach((s, i) => {
      dv.setUint32(16 * i, s.start, true);
      dv.setUint32(16 * i + 4, s.kind, true);
      dv.setFloat32(16 * i + 8, s.a, true);
    });
    const segBuf = this.ctx.storage('mlp_init:segments', new Uint32Array(words));
    const ip = new UniformBlock(this.ctx, 'mlp_init:params', MlpInitParams);
    const [lo, hi] = splitSeed(seed);
    ip.set({ n: layout.size, nsegments: segs.length, seed_lo: lo, seed_hi: hi });
    try {
      const bind = MlpInitBindings.bind(this.ctx.device, { ip: ip.buffer, segs: segBuf, params });
      await this.ctx.runPass('mlp_init', (pass) => {
        pass.setPipeline(this.pipeline);
        pass.setBindGroup(0, bind);
        pass.dispatchWorkgroups(...workgroups(layout.size, WG));
      });
    } finally {
      this.ctx.destroyBuffer(segBuf);
      ip.destroy();
    }
  }
}
