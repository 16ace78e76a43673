/** Owner of shaders/mlp_backward.wgsl: dU of a hidden layer from the next layer's dU (fused W_nᵀ·, act', embedding). */
import source from '../../shaders/mlp_backward.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { workgroups } from '../gpu/dispatch.js';
import { LAYER_WG, MlpLayerBindings, TILE_ROWS, TILE_SAMPLES } from './mlp_forward.js';

export class MlpBackwardKernel {
  private constructor(readonly pipeline: GPUComputePipeline) {}

  /** Bound with MlpLayerBindings; `rows` the width of the hidden layer. */
  static async create(ctx: GpuContext, v: { act: number; emb: boolean; rows: number }): Promise<MlpBackwardKernel> {
    const pl = MlpLayerBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({
      kernel: 'mlp_backward',
      source,
      layout: pl,
      prelude: [MlpLayerBindings.wgsl],
      constants: { ACT: v.act, EMB: v.emb ? 1 : 0, W4: v.rows % 4 === 0 ? 1 : 0, WG: LAYER_WG },
    });
    return new MlpBackwardKernel(pipeline);
  }

  dispatch(pass: GPUComputePassEncoder, rows: number, bs: number): void {
    pass.setPipeline(this.pipeline);
    const inv = Math.ceil(rows / TILE_ROWS) * (bs / TILE_SAMPLES);
    pass.dispatchWorkgroups(...workgroups(inv, LAYER_WG));
  }
}
