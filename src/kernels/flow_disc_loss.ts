/** Owner of shaders/flow_disc_loss.wgsl: the discriminator's logistic loss and its output gradient. */
import source from '../../shaders/flow_disc_loss.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, rw, uniform, type Resources } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';

export const DiscLossParams = new ParamsLayout('DiscLossParams', { batch: 'u32', bs: 'u32', dim: 'u32', out_off: 'u32', tgt_off: 'u32', lam_off: 'u32', dout_off: 'u32' });
const WG = 64;

export const DiscLossBindings = new Bindings('flow_disc_loss', {
  lp: uniform(DiscLossParams),
  /** The discriminator's MLP workspace (output in, dOutput out). */
  acts: rw('array<f32>'),
  /** Per-column loss accumulator (bs floats). */
  loss_acc: rw('array<f32>'),
});

export class FlowDiscLoss {
  private constructor(
    private readonly ctx: GpuContext,
    readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext): Promise<FlowDiscLoss> {
    const pl = DiscLossBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({ kernel: 'flow_disc_loss', source, layout: pl, prelude: [DiscLossBindings.wgsl], constants: { WG } });
    return new FlowDiscLoss(ctx, pipeline);
  }

  /** Buffers by the names of DiscLossBindings. */
  bind(b: Resources<typeof DiscLossBindings>): GPUBindGroup {
    return DiscLossBindings.bind(this.ctx.device, b);
  }

  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, bs: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(...workgroups(bs, WG));
  }
}
