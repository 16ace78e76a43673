/**
 * Owner of shaders/mixture_score_nd.wgsl: the exact score (and log-density) of a Gaussian mixture at
 * any dimension, one invocation per point, with points and scores at offsets and strides inside
 * one buffer. Bind group: 0 params (uniform, dynamic offset), 1 mixture (packMixtureNd),
 * 2 sampler table (α, σ of row `row`), 3 work (rw).
 */
import source from '../../shaders/mixture_score_nd.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { bindLayout, groupsFor } from '../gpu/bindings.js';
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

export class MixtureScoreNdKernel {
  private constructor(
    readonly layout: GPUBindGroupLayout,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext, dim: number): Promise<MixtureScoreNdKernel> {
    const layout = bindLayout(ctx.device, 'mixture_score_nd', ['dyn', 'read', 'read', 'rw']);
    const pl = ctx.device.createPipelineLayout({ label: 'mixture_score_nd', bindGroupLayouts: [layout] });
    const pipeline = await ctx.pipelines.get({ kernel: 'mixture_score_nd', source, layout: pl, prelude: [MixtureNdParams.wgsl, `const ND: u32 = ${dim}u;`], constants: { WG } });
    return new MixtureScoreNdKernel(layout, pipeline);
  }

  encode(pass: GPUComputePassEncoder, bind: GPUBindGroup, slotOffset: number, n: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [slotOffset]);
    const [x, y] = groupsFor(n, WG);
    pass.dispatchWorkgroups(x, y);
  }
}
