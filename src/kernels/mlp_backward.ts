/** Owner of shaders/mlp_backward.wgsl: dU of a hidden layer from the next layer's dU (fused W_nᵀ·, act', embedding). */
import source from '../../shaders/mlp_backward.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { DEFAULT_LAYER_VARIANT, layerGroups, layerPipelineParts, MlpLayerBindings, type LayerKernelVariant } from './mlp_forward.js';

export class MlpBackwardKernel {
  private constructor(
    readonly pipeline: GPUComputePipeline,
    readonly variant: LayerKernelVariant,
  ) {}

  /** Bound with MlpLayerBindings; `rows` the width of the hidden layer; `kv` the kernel shape (mlp_forward.ts). */
  static async create(ctx: GpuContext, v: { act: number; emb: boolean; rows: number }, kv: LayerKernelVariant = DEFAULT_LAYER_VARIANT): Promise<MlpBackwardKernel> {
    if (kv.kind === 'wg') throw new InputError("mlp_backward: the workgroup-memory shape 'wg' is forward-only");
    const pl = MlpLayerBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({
      kernel: 'mlp_backward',
      source,
      layout: pl,
      ...layerPipelineParts(kv),
      constants: { ACT: v.act, EMB: v.emb ? 1 : 0, W4: v.rows % 4 === 0 ? 1 : 0, WG: kv.wg },
    });
    return new MlpBackwardKernel(pipeline, kv);
  }

  dispatch(pass: GPUComputePassEncoder, rows: number, bs: number): void {
    pass.setPipeline(this.pipeline);
    pass.dispatchWorkgroups(...layerGroups(this.variant, rows, bs));
  }
}
