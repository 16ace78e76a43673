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

/**
 * A shape of the layer kernels (mlp_forward, mlp_backward), chosen per adapter and problem size by
 * src/train/mlp.ts through the tuner:
 * - 'tile': each invocation computes 8 rows × 8 samples (2 vec4), rows and samples from the flat
 *   invocation index; every lane loads its own weights.
 * - 'sg': each invocation computes 8 rows × 4 samples (1 vec4); the rows are the workgroup's
 *   (workgroup_id.y), and the weights of a chunk of 8 inputs are loaded one per lane and shared by
 *   subgroupShuffle (forward with rows of a multiple of 4 inputs: a vec4 of weights per lane, a
 *   chunk of 32 inputs). On CPU drivers a lane-varying load is a gather, so this reads weights 8×
 *   (32×) less often (lavapipe: about 2-3× faster at 128×128 × 4096). Needs subgroups of ≥ 8 lanes.
 * - 'wg' (forward only, for GPUs): 32 outputs × 64 samples per workgroup of 16×8 invocations from
 *   workgroup-memory tiles of W and X (barriers are costly on CPU drivers: not offered there).
 * All sum each output in the same order.
 */
export interface LayerKernelVariant {
  kind: 'tile' | 'sg' | 'wg';
  /** Invocations per workgroup. */
  wg: number;
}

export const DEFAULT_LAYER_VARIANT: LayerKernelVariant = { kind: 'tile', wg: LAYER_WG };

export function layerVariantName(v: LayerKernelVariant): string {
  return `${v.kind}-wg${v.wg}`;
}

/**
 * The layer-kernel shapes this device can run for a stage (subgroup shapes need subgroups of at
 * least 8 lanes; the workgroup-memory shape is forward-only and offered on hardware adapters).
 */
export function layerCandidates(ctx: GpuContext, stage: 'forward' | 'backward' = 'forward'): LayerKernelVariant[] {
  const all: LayerKernelVariant[] = [DEFAULT_LAYER_VARIANT, { kind: 'tile', wg: 128 }];
  if (ctx.subgroupMinSize >= 8) all.push({ kind: 'sg', wg: 64 }, { kind: 'sg', wg: 256 });
  if (stage === 'forward' && !ctx.adapter.isSoftware) all.push(WG_LAYER_VARIANT);
  return all.filter((v) => v.wg <= ctx.device.limits.maxComputeInvocationsPerWorkgroup);
}

/** The workgroup-memory forward shape (16×8 invocations). */
export const WG_LAYER_VARIANT: LayerKernelVariant = { kind: 'wg', wg: 128 };

/** Pipeline spec parts shared by mlp_forward and mlp_backward for a variant. */
export function layerPipelineParts(v: LayerKernelVariant): { prelude: string[]; defines: Record<string, boolean> } {
  return { prelude: [...(v.kind === 'sg' ? ['enable subgroups;'] : []), MlpLayerBindings.wgsl], defines: { SG: v.kind === 'sg', WGMEM: v.kind === 'wg' } };
}

/** Workgroups of a layer dispatch: `rows` outputs (or features) over a batch stride `bs`. */
export function layerGroups(v: LayerKernelVariant, rows: number, bs: number): [number, number] {
  if (v.kind === 'sg') return [Math.ceil(bs / 4 / v.wg), Math.ceil(rows / 8)];
  if (v.kind === 'wg') return [Math.ceil(bs / 64), Math.ceil(rows / 32)];
  return workgroups(Math.ceil(rows / TILE_ROWS) * (bs / TILE_SAMPLES), v.wg);
}

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
  private constructor(
    readonly pipeline: GPUComputePipeline,
    readonly variant: LayerKernelVariant,
  ) {}

  static async create(ctx: GpuContext, v: LayerVariant, kv: LayerKernelVariant = DEFAULT_LAYER_VARIANT): Promise<MlpForwardKernel> {
    const pl = MlpLayerBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({
      kernel: 'mlp_forward',
      source,
      layout: pl,
      ...layerPipelineParts(kv),
      constants: { ACT: v.act, EMB: v.emb ? 1 : 0, HIDDEN: v.hidden ? 1 : 0, W4: v.inputs % 4 === 0 ? 1 : 0, WG: kv.wg },
    });
    return new MlpForwardKernel(pipeline, kv);
  }

  /** Dispatch for a layer of `rows` outputs over a batch stride `bs` (bind group already set). */
  dispatch(pass: GPUComputePassEncoder, rows: number, bs: number): void {
    pass.setPipeline(this.pipeline);
    pass.dispatchWorkgroups(...layerGroups(this.variant, rows, bs));
  }
}
