/** Owner of shaders/dsm_batch.wgsl: draw one DSM minibatch (x_t, target, λ, step index) on the GPU. */
import source from '../../shaders/dsm_batch.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { bindLayout, groupsFor } from '../gpu/bindings.js';
import { StepParams } from '../model/step.js';

export const DsmBatchParams = new ParamsLayout('DsmBatchParams', {
  batch: 'u32',
  bs: 'u32',
  dim: 'u32',
  n_points: 'u32',
  m_coef: 'u32',
  fourier: 'u32',
  x_off: 'u32',
  tgt_off: 'u32',
  lam_off: 'u32',
  inv_t: 'f32',
  seed_lo: 'u32',
  seed_hi: 'u32',
});
export type DsmBatchFields = Parameters<typeof DsmBatchParams.pack>[0];
const WG = 64;

export interface DsmBatchVariant {
  discrete: boolean;
  antithetic: boolean;
  /** OUTPUT_CODE of the parameterisation. */
  output: number;
}

export class DsmBatchKernel {
  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: GPUBindGroupLayout,
    readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext, v: DsmBatchVariant): Promise<DsmBatchKernel> {
    const layout = bindLayout(ctx.device, 'dsm_batch', ['uniform', 'dyn', 'read', 'read', 'rw', 'rw']);
    const pl = ctx.device.createPipelineLayout({ label: 'dsm_batch', bindGroupLayouts: [layout] });
    const pipeline = await ctx.pipelines.get({
      kernel: 'dsm_batch',
      source,
      layout: pl,
      prelude: [DsmBatchParams.wgsl, StepParams.wgsl],
      constants: { WG, DISCRETE: v.discrete ? 1 : 0, ANTITHETIC: v.antithetic ? 1 : 0, OUT: v.output },
    });
    return new DsmBatchKernel(ctx, layout, pipeline);
  }

  bind(b: { ubuf: GPUBuffer; step: GPUBufferBinding; data: GPUBuffer; coef: GPUBuffer; acts: GPUBuffer; tidx: GPUBuffer }): GPUBindGroup {
    return this.ctx.device.createBindGroup({
      label: 'dsm_batch',
      layout: this.layout,
      entries: [{ buffer: b.ubuf }, b.step, { buffer: b.data }, { buffer: b.coef }, { buffer: b.acts }, { buffer: b.tidx }].map((resource, binding) => ({ binding, resource })),
    });
  }

  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, stepOffset: number, bs: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [stepOffset]);
    const [x, y] = groupsFor(bs, WG);
    pass.dispatchWorkgroups(x, y);
  }
}
