/** Owner of shaders/dsm_loss.wgsl: weighted DSM loss, its output gradient and a running loss sum. */
import source from '../../shaders/dsm_loss.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, rw, uniform, type Resources } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { StepParams } from '../model/step.js';

export const DsmLossParams = new ParamsLayout('DsmLossParams', { batch: 'u32', bs: 'u32', dim: 'u32', out_off: 'u32', tgt_off: 'u32', lam_off: 'u32', dout_off: 'u32' });
export type DsmLossFields = Parameters<typeof DsmLossParams.pack>[0];
const WG = 64;

export const DsmLossBindings = new Bindings('dsm_loss', {
  lp: uniform(DsmLossParams),
  /** This step's StepParams (dynamic offset). */
  st: uniform(StepParams, { dynamic: true }),
  /** The MLP workspace: output and target in, dOutput out. */
  acts: rw('array<vec4<f32>>'),
  /** Running loss sum per column. */
  loss_acc: rw('array<vec4<f32>>'),
});

export class DsmLossKernel {
  private constructor(
    private readonly ctx: GpuContext,
    readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext): Promise<DsmLossKernel> {
    const pl = DsmLossBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({ kernel: 'dsm_loss', source, layout: pl, prelude: [DsmLossBindings.wgsl], constants: { WG } });
    return new DsmLossKernel(ctx, pipeline);
  }

  bind(b: Resources<typeof DsmLossBindings>): GPUBindGroup {
    return DsmLossBindings.bind(this.ctx.device, b);
  }

  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, stepOffset: number, dim: number, bs: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [stepOffset]);
    pass.dispatchWorkgroups(...workgroups((dim * bs) / 4, WG));
  }
}
