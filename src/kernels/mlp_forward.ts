/**
 * Owner of shaders/mlp_forward.wgsl: one fused linear (+ per-step embedding + activation) layer on
 * a feature-major batch. Also defines MlpLayerParams and the bind group layout shared with
 * mlp_backward (uniform slot by dynamic offset, params, workspace, step indices).
 */
import source from '../../shaders/mlp_forward.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, read, rw, uniform } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';

export const MlpLayerParams = new ParamsLayout('MlpLayerParams', {
  in_dim: 'u32',
  out_dim: 'u32',
  bs: 'u32',
  w_off: 'u32',
  b_off: 'u32',
  e_off: 'u32',
  scale_idx: 'u32',
  x_off: 'u32',
  u_off: 'u32',
  h_off: 'u32',
  du_off: 'u32',
  dv_off: 'u32',
  dnext_off: 'u32',
  slope: 'f32',
});
export type MlpLayerFields = Parameters<typeof MlpLayerParams.pack>[0];

export const LAYER_WG = 64;

/** Register tile of mlp_forward / mlp_backward: 8 rows × 8 samples (2 vec4) per invocation. */
export const TILE_ROWS = 8;
export const TILE_SAMPLES = 8;

/** Bindings shared by mlp_forward and mlp_backward. */
export const MlpLayerBindings = new Bindings('mlp_layer', {
  /** This layer's MlpLayerParams (dynamic offset: one UniformSlots slot per layer and direction). */
  lp: uniform(MlpLayerParams, { dynamic: true }),
  params: read('array<f32>'),
  /** The activation workspace (src/model/workspace.ts). */
  acts: rw('array<vec4<f32>>'),
  /** Discrete step index per sample. */
  tidx: read('array<u32>'),
  /** The same parameter buffer seen as vec4 (aligned weight rows). */
  params4: read('array<vec4<f32>>'),
});

export interface LayerVariant {
  act: number;
  emb: boolean;
  hidden: boolean;
  /** Inputs of the layer (W rows are vec4-aligned when a multiple of 4). */
  inputs: number;
}

export class MlpForwardKernel {
  private constructor(readonly pipeline: GPUComputePipeline) {}

  static async create(ctx: GpuContext, v: LayerVariant): Promise<MlpForwardKernel> {
    const pl = MlpLayerBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({
      kernel: 'mlp_forward',
      source,
      layout: pl,
      prelude: [MlpLayerBindings.wgsl],
      constants: { ACT: v.act, EMB: v.emb ? 1 : 0, HIDDEN: v.hidden ? 1 : 0, W4: v.inputs % 4 === 0 ? 1 : 0, WG: LAYER_WG },
    });
    return new MlpForwardKernel(pipeline);
  }

  /** Dispatch for a layer of `rows` outputs over a batch stride `bs` (bind group already set). */
  dispatch(pass: GPUComputePassEncoder, rows: number, bs: number): void {
    pass.setPipeline(this.pipeline);
    const inv = Math.ceil(rows / TILE_ROWS) * (bs / TILE_SAMPLES);
    pass.dispatchWorkgroups(...workgroups(inv, LAYER_WG));
  }
}
