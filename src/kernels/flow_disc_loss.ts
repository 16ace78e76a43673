/** Owner of shaders/flow_disc_loss.wgsl: the discriminator's logistic loss and its output gradient. */
import source from '../../shaders/flow_disc_loss.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { bindLayout, groupsFor } from '../gpu/bindings.js';

export const DiscLossParams = new ParamsLayout('DiscLossParams', { batch: 'u32', bs: 'u32', dim: 'u32', out_off: 'u32', tgt_off: 'u32', lam_off: 'u32', dout_off: 'u32' });
const WG = 64;

export class FlowDiscLoss {
  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: GPUBindGroupLayout,
    readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext): Promise<FlowDiscLoss> {
    const layout = bindLayout(ctx.device, 'flow_disc_loss', ['uniform', 'rw', 'rw']);
    const pl = ctx.device.createPipelineLayout({ label: 'flow_disc_loss', bindGroupLayouts: [layout] });
    const pipeline = await ctx.pipelines.get({ kernel: 'flow_disc_loss', source, layout: pl, prelude: [DiscLossParams.wgsl], constants: { WG } });
    return new FlowDiscLoss(ctx, layout, pipeline);
  }

  bind(b: { ubuf: GPUBuffer; acts: GPUBuffer; lossAcc: GPUBuffer }): GPUBindGroup {
    return this.ctx.device.createBindGroup({
      label: 'flow_disc_loss',
      layout: this.layout,
      entries: [b.ubuf, b.acts, b.lossAcc].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
  }

  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, bs: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind);
    const [x, y] = groupsFor(bs, WG);
    pass.dispatchWorkgroups(x, y);
  }
}
