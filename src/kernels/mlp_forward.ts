/**
 * Owner of shaders/mlp_forward.wgsl: one fused linear (+ per-step embedding + activation) layer on
 * a feature-major batch. Also defines MlpLayerParams and the bind group layout shared with
 * mlp_backward (uniform slot by dynamic offset, params, workspace, step indices).
 */
import source from '../../shaders/mlp_forward.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { bindLayout, groupsFor } from '../model/bindings.js';

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

/** Register tile for `rows` output rows: TO rows × 2 vec4 of samples per invocation. */
export function layerTile(rows: number): { TO: number; TB: number } {
  return { TO: Math.min(8, rows), TB: 2 };
}

/** Bind group layout of mlp_forward / mlp_backward: [MlpLayerParams (dynamic), params, workspace, tidx]. */
export function mlpLayerBindLayout(device: GPUDevice): GPUBindGroupLayout {
  return bindLayout(device, 'mlp_layer', ['dyn', 'read', 'rw', 'read']);
}

export interface LayerVariant {
  act: number;
  emb: boolean;
  hidden: boolean;
  rows: number;
}

export class MlpForwardKernel {
  private constructor(
    readonly pipeline: GPUComputePipeline,
    readonly tile: { TO: number; TB: number },
  ) {}

  static async create(ctx: GpuContext, layout: GPUBindGroupLayout, v: LayerVariant): Promise<MlpForwardKernel> {
    const pl = ctx.device.createPipelineLayout({ label: 'mlp_forward', bindGroupLayouts: [layout] });
    const tile = layerTile(v.rows);
    const pipeline = await ctx.pipelines.get({
      kernel: 'mlp_forward',
      source,
      layout: pl,
      prelude: [MlpLayerParams.wgsl],
      constants: { ...tile, ACT: v.act, EMB: v.emb ? 1 : 0, HIDDEN: v.hidden ? 1 : 0, WG: LAYER_WG },
    });
    return new MlpForwardKernel(pipeline, tile);
  }

  /** Dispatch for a layer of `rows` outputs over a batch stride `bs` (bind group already set). */
  dispatch(pass: GPUComputePassEncoder, rows: number, bs: number): void {
    pass.setPipeline(this.pipeline);
    const inv = Math.ceil(rows / this.tile.TO) * (bs / 4 / this.tile.TB);
    const [x, y] = groupsFor(inv, LAYER_WG);
    pass.dispatchWorkgroups(x, y);
  }
}
