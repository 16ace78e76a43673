/** Owner of shaders/flow_disc_batch.wgsl: MonoFlow discriminator minibatches (half data, half particles). */
import source from '../../shaders/flow_disc_batch.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, read, rw, uniform, type Resources } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { StepParams } from '../model/step.js';

export const DiscBatchParams = new ParamsLayout('DiscBatchParams', {
  batch: 'u32', bs: 'u32', dim: 'u32', n_data: 'u32', n_particles: 'u32', x_off: 'u32', tgt_off: 'u32', lam_off: 'u32', seed_lo: 'u32', seed_hi: 'u32',
});
const WG = 64;

export const DiscBatchBindings = new Bindings('flow_disc_batch', {
  bp: uniform(DiscBatchParams),
  /** This step's StepParams (dynamic offset). */
  st: uniform(StepParams, { dynamic: true }),
  data: read('array<f32>'),
  particles: read('array<f32>'),
  /** The discriminator's MLP workspace. */
  acts: rw('array<f32>'),
});

export class FlowDiscBatch {
  private constructor(
    private readonly ctx: GpuContext,
    readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext): Promise<FlowDiscBatch> {
    const pl = DiscBatchBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({ kernel: 'flow_disc_batch', source, layout: pl, prelude: [DiscBatchBindings.wgsl], constants: { WG } });
    return new FlowDiscBatch(ctx, pipeline);
  }

  /** Buffers by the names of DiscBatchBindings. */
  bind(b: Resources<typeof DiscBatchBindings>): GPUBindGroup {
    return DiscBatchBindings.bind(this.ctx.device, b);
  }

  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, stepOffset: number, bs: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [stepOffset]);
    pass.dispatchWorkgroups(...workgroups(bs, WG));
  }
}
