/** Owner of shaders/flow_disc_batch.wgsl: MonoFlow discriminator minibatches (half data, half particles). */
import source from '../../shaders/flow_disc_batch.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { bindLayout, groupsFor } from '../gpu/bindings.js';
import { StepParams } from '../model/step.js';

export const DiscBatchParams = new ParamsLayout('DiscBatchParams', {
  batch: 'u32', bs: 'u32', dim: 'u32', n_data: 'u32', n_particles: 'u32', x_off: 'u32', tgt_off: 'u32', lam_off: 'u32', seed_lo: 'u32', seed_hi: 'u32',
});
const WG = 64;

export class FlowDiscBatch {
  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: GPUBindGroupLayout,
    readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext): Promise<FlowDiscBatch> {
    const layout = bindLayout(ctx.device, 'flow_disc_batch', ['uniform', 'dyn', 'read', 'read', 'rw']);
    const pl = ctx.device.createPipelineLayout({ label: 'flow_disc_batch', bindGroupLayouts: [layout] });
    const pipeline = await ctx.pipelines.get({ kernel: 'flow_disc_batch', source, layout: pl, prelude: [DiscBatchParams.wgsl, StepParams.wgsl], constants: { WG } });
    return new FlowDiscBatch(ctx, layout, pipeline);
  }

  bind(b: { ubuf: GPUBuffer; step: GPUBufferBinding; data: GPUBuffer; particles: GPUBuffer; acts: GPUBuffer }): GPUBindGroup {
    return this.ctx.device.createBindGroup({
      label: 'flow_disc_batch',
      layout: this.layout,
      entries: [{ buffer: b.ubuf }, b.step, { buffer: b.data }, { buffer: b.particles }, { buffer: b.acts }].map((resource, binding) => ({ binding, resource })),
    });
  }

  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, stepOffset: number, bs: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [stepOffset]);
    const [x, y] = groupsFor(bs, WG);
    pass.dispatchWorkgroups(x, y);
  }
}
