/** Owner of shaders/flow_rectified_batch.wgsl: rectified-flow minibatches into the MLP workspace. */
import source from '../../shaders/flow_rectified_batch.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { bindLayout, groupsFor } from '../gpu/bindings.js';
import { StepParams } from '../model/step.js';

export const RectifiedBatchParams = new ParamsLayout('RectifiedBatchParams', {
  batch: 'u32', bs: 'u32', dim: 'u32', n0: 'u32', n1: 'u32', fourier: 'u32', x_off: 'u32', tgt_off: 'u32', lam_off: 'u32', seed_lo: 'u32', seed_hi: 'u32',
});
const WG = 64;

export class FlowRectifiedBatch {
  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: GPUBindGroupLayout,
    readonly pipeline: GPUComputePipeline,
  ) {}

  /** `paired`: draw x0 and x1 with the same index (a reflow coupling) instead of independently. */
  static async create(ctx: GpuContext, paired: boolean): Promise<FlowRectifiedBatch> {
    const layout = bindLayout(ctx.device, 'flow_rectified_batch', ['uniform', 'dyn', 'read', 'read', 'rw']);
    const pl = ctx.device.createPipelineLayout({ label: 'flow_rectified_batch', bindGroupLayouts: [layout] });
    const pipeline = await ctx.pipelines.get({
      kernel: 'flow_rectified_batch', source, layout: pl, prelude: [RectifiedBatchParams.wgsl, StepParams.wgsl], constants: { WG, PAIRED: paired ? 1 : 0 },
    });
    return new FlowRectifiedBatch(ctx, layout, pipeline);
  }

  bind(b: { ubuf: GPUBuffer; step: GPUBufferBinding; src: GPUBuffer; dst: GPUBuffer; acts: GPUBuffer }): GPUBindGroup {
    return this.ctx.device.createBindGroup({
      label: 'flow_rectified_batch',
      layout: this.layout,
      entries: [{ buffer: b.ubuf }, b.step, { buffer: b.src }, { buffer: b.dst }, { buffer: b.acts }].map((resource, binding) => ({ binding, resource })),
    });
  }

  /** One invocation per workspace column (bs). */
  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, stepOffset: number, bs: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [stepOffset]);
    const [x, y] = groupsFor(bs, WG);
    pass.dispatchWorkgroups(x, y);
  }
}
