/**
 * Owner of shaders/mixture_score_nd.wgsl: the exact score (and log-density) of a Gaussian mixture at
 * any dimension, one invocation per point, with points and scores at offsets and strides inside
 * one buffer. Bind group: 0 params (uniform, dynamic offset), 1 mixture (packMixtureNd),
 * 2 sampler table (α, σ of row `row`), 3 work (rw), 4 scratch (rw, n·d floats).
 */
import source from '../../shaders/mixture_score_nd.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, read, rw, uniform, type Resources } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { ParamsLayout } from '../gpu/params.js';

export const MixtureNdParams = new ParamsLayout('MixtureNdParams', {
  n: 'u32',
  row: 'u32',
  comps: 'u32',
  stride: 'u32',
  x_off: 'u32',
  x_sp: 'u32',
  x_sj: 'u32',
  s_off: 'u32',
  s_sp: 'u32',
  s_sj: 'u32',
  logp_off: 'u32',
});

/** `logp_off` value meaning "no log-density output". */
export const NO_LOGP = 0xffffffff;
const WG = 64;

export const MixtureNdBindings = new Bindings('mixture_score_nd', {
  /** This row's MixtureNdParams (dynamic offset). */
  mp: uniform(MixtureNdParams, { dynamic: true }),
  /** packMixtureNd's components. */
  mixture: read('array<f32>'),
  table: read('array<vec4<f32>>'),
  /** Points in, scores (and log-densities) out, at the strides of the params. */
  work: rw('array<f32>'),
  /** Per point i, ND floats at i·ND: C⁻¹(x − αμ_k) in the eigenbasis (n·ND floats at least). */
  scratch: rw('array<f32>'),
});

export class MixtureScoreNdKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext, dim: number): Promise<MixtureScoreNdKernel> {
    const pl = MixtureNdBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({ kernel: 'mixture_score_nd', source, layout: pl, prelude: [MixtureNdBindings.wgsl, `const ND: u32 = ${dim}u;`], constants: { WG } });
    return new MixtureScoreNdKernel(ctx.device, pipeline);
  }

  /** Buffers by the names of MixtureNdBindings. */
  bind(b: Resources<typeof MixtureNdBindings>): GPUBindGroup {
    return MixtureNdBindings.bind(this.device, b);
  }

  encode(pass: GPUComputePassEncoder, bind: GPUBindGroup, slotOffset: number, n: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [slotOffset]);
    pass.dispatchWorkgroups(...workgroups(n, WG));
  }
}
