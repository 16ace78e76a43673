/**
 * Owner of shaders/flow_gen_loss.wgsl: MonoFlow's generator loss (c/2)Σ||g − y||² against a target
 * cloud and its gradient into the generator head's dU (the 'direct' and 'regression' losses), and the
 * copy of the generator's output into that row-major cloud ('emit').
 */
import source from '../../shaders/flow_gen_loss.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { bindLayout, groupsFor } from '../gpu/bindings.js';

export const GenLossParams = new ParamsLayout('GenLossParams', { n: 'u32', bs: 'u32', dim: 'u32', out_off: 'u32', dout_off: 'u32', c: 'f32' });
const WG = 64;

export class FlowGenLoss {
  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: GPUBindGroupLayout,
    private readonly loss: GPUComputePipeline,
    private readonly emit: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext): Promise<FlowGenLoss> {
    const layout = bindLayout(ctx.device, 'flow_gen_loss', ['uniform', 'rw', 'rw', 'rw']);
    const pl = ctx.device.createPipelineLayout({ label: 'flow_gen_loss', bindGroupLayouts: [layout] });
    const make = (stage: number) => ctx.pipelines.get({ kernel: 'flow_gen_loss', source, layout: pl, prelude: [GenLossParams.wgsl], constants: { WG, STAGE: stage } });
    const [loss, emit] = await Promise.all([make(0), make(1)]);
    return new FlowGenLoss(ctx, layout, loss, emit);
  }

  /** acts: the generator plan's workspace; target: n × dim row-major; lossAcc: bs floats. */
  bind(b: { ubuf: GPUBuffer; acts: GPUBuffer; target: GPUBuffer; lossAcc: GPUBuffer }): GPUBindGroup {
    return this.ctx.device.createBindGroup({
      label: 'flow_gen_loss',
      layout: this.layout,
      entries: [b.ubuf, b.acts, b.target, b.lossAcc].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
  }

  /**
   * 'loss': dU and J against the target; 'emit': target ← the head output. One invocation per
   * workspace column (bs, padding included: padding columns get dU = 0).
   */
  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, bs: number, stage: 'loss' | 'emit' = 'loss'): void {
    pass.setPipeline(stage === 'loss' ? this.loss : this.emit);
    pass.setBindGroup(0, bind);
    const [x, y] = groupsFor(bs, WG);
    pass.dispatchWorkgroups(x, y);
  }
}
