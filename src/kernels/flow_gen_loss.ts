/**
 * Owner of shaders/flow_gen_loss.wgsl: MonoFlow's generator loss (c/2)Σ||g − y||² against a target
 * cloud and its gradient into the generator head's dU (the 'direct' and 'regression' losses), and the
 * copy of the generator's output into that row-major cloud ('emit').
 */
import source from '../../shaders/flow_gen_loss.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, rw, uniform, type Resources } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';

export const GenLossParams = new ParamsLayout('GenLossParams', { n: 'u32', bs: 'u32', dim: 'u32', out_off: 'u32', dout_off: 'u32', c: 'f32' });
const WG = 64;

export const GenLossBindings = new Bindings('flow_gen_loss', {
  gp: uniform(GenLossParams),
  /** The generator plan's workspace. */
  acts: rw('array<f32>'),
  /** Target cloud, n × dim row-major ('emit' writes it). */
  target_y: rw('array<f32>'),
  /** Per-column loss accumulator (bs floats). */
  loss_acc: rw('array<f32>'),
});

export class FlowGenLoss {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly loss: GPUComputePipeline,
    private readonly emit: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext): Promise<FlowGenLoss> {
    const pl = GenLossBindings.pipelineLayout(ctx.device);
    const make = (stage: number) => ctx.pipelines.get({ kernel: 'flow_gen_loss', source, layout: pl, prelude: [GenLossBindings.wgsl], constants: { WG, STAGE: stage } });
    const [loss, emit] = await Promise.all([make(0), make(1)]);
    return new FlowGenLoss(ctx, loss, emit);
  }

  /** Buffers by the names of GenLossBindings. */
  bind(b: Resources<typeof GenLossBindings>): GPUBindGroup {
    return GenLossBindings.bind(this.ctx.device, b);
  }

  /**
   * 'loss': dU and J against the target; 'emit': target ← the head output. One invocation per
   * workspace column (bs, padding included: padding columns get dU = 0).
   */
  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, bs: number, stage: 'loss' | 'emit' = 'loss'): void {
    pass.setPipeline(stage === 'loss' ? this.loss : this.emit);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(...workgroups(bs, WG));
  }
}
