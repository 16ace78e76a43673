/** Owner of shaders/flow_rectified_batch.wgsl: rectified-flow minibatches into the MLP workspace. */
import source from '../../shaders/flow_rectified_batch.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, read, rw, uniform, type Resources } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { StepParams } from '../model/step.js';

export const RectifiedBatchParams = new ParamsLayout('RectifiedBatchParams', {
  batch: 'u32', bs: 'u32', dim: 'u32', n0: 'u32', n1: 'u32', fourier: 'u32', x_off: 'u32', tgt_off: 'u32', lam_off: 'u32', seed_lo: 'u32', seed_hi: 'u32',
});
const WG = 64;

export const RectifiedBatchBindings = new Bindings('flow_rectified_batch', {
  bp: uniform(RectifiedBatchParams),
  /** This step's StepParams (dynamic offset). */
  st: uniform(StepParams, { dynamic: true }),
  /** x0 cloud (n0 × dim). */
  src: read('array<f32>'),
  /** x1 cloud (n1 × dim). */
  dst: read('array<f32>'),
  /** The velocity MLP's workspace. */
  acts: rw('array<f32>'),
});

export class FlowRectifiedBatch {
  private constructor(
    private readonly ctx: GpuContext,
    readonly pipeline: GPUComputePipeline,
  ) {}

  /** `paired`: draw x0 and x1 with the same index (a reflow coupling) instead of independently. */
  static async create(ctx: GpuContext, paired: boolean): Promise<FlowRectifiedBatch> {
    const pl = RectifiedBatchBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({
      kernel: 'flow_rectified_batch', source, layout: pl, prelude: [RectifiedBatchBindings.wgsl], constants: { WG, PAIRED: paired ? 1 : 0 },
    });
    return new FlowRectifiedBatch(ctx, pipeline);
  }

  /** Buffers by the names of RectifiedBatchBindings. */
  bind(b: Resources<typeof RectifiedBatchBindings>): GPUBindGroup {
    return RectifiedBatchBindings.bind(this.ctx.device, b);
  }

  /** One invocation per workspace column (bs). */
  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, stepOffset: number, bs: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [stepOffset]);
    pass.dispatchWorkgroups(...workgroups(bs, WG));
  }
}
