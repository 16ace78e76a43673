/**
 * Owner of shaders/sinkhorn_softmin_tiled.wgsl: the dense softmin of sinkhorn_softmin.ts shaped for
 * GPUs (column tiles in workgroup memory, columns split into `split` chunks along workgroup_id.z;
 * with split > 1 the chunks' partial sums are finished by sinkhorn_softmin_combine.ts). Same task
 * tables (shaders/lib/softmin_dense.wgsl, the `split` word set by the solver), same group 0.
 * Not yet timed on a GPU.
 */
import source from '../../shaders/sinkhorn_softmin_tiled.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, rw } from '../gpu/bindings.js';
import { InputError } from '../gpu/errors.js';
import { costs4Source, SOFTMIN_ROWS, SoftminKernel, SoftminTaskBindings, softminPipeline } from './sinkhorn_softmin.js';

/** Group 2 of the tiled kernel: the chunks' partial sums, partial[((err_off + i)/4)·S + c] (vec4: 4 rows). */
export const TiledPartialBindings = new Bindings('sinkhorn_softmin_tiled:partial', { partial: rw('array<vec4<f32>>') }, 2);

/** Workgroup memory the column tile may take (bytes): half of the 16 KiB every WebGPU device has, so two workgroups fit where only that is guaranteed. */
const TILE_BYTES = 8192;
/** Most columns per tile (at small d the bytes would allow more; longer tiles only mean fewer barriers). */
const TILE_MAX_COLUMNS = 256;
/** Largest column split. */
export const MAX_SPLIT = 64;

/**
 * Columns per tile at dimension d: 4 columns take (d + 2) vec4s of workgroup memory (d of points,
 * the potentials' grid parts and rests), at most TILE_BYTES in all, a multiple of 4.
 */
export function tileColumns(d: number): number {
  return Math.max(4, Math.min(TILE_MAX_COLUMNS, 4 * Math.floor(TILE_BYTES / (16 * (d + 2)))));
}

/**
 * The dense softmin's kernel shape (chosen per adapter by src/transport/sinkhorn/dense.ts):
 * - 'rows': shaders/sinkhorn_softmin.wgsl, 4 rows per invocation streaming every column from global
 *   memory (what CPU drivers want);
 * - 'tiled': this kernel with `wg` invocations per workgroup; `split` fixes the column chunks
 *   (tests, experiments), else each table gets autoSplit's.
 */
export type SoftminVariant = { kind: 'rows' } | { kind: 'tiled'; wg: number; split?: number };

/** Name of a variant, as in tuning records and WASSERFLOW_SOFTMIN: 'rows', 'tiled-wg64', 'tiled-wg128-s8'. */
export function softminVariantName(v: SoftminVariant): string {
  return v.kind === 'rows' ? 'rows' : `tiled-wg${v.wg}${v.split !== undefined ? `-s${v.split}` : ''}`;
}

/** Parse a variant name ('tiled' alone is 'tiled-wg64'). InputError on anything else. */
export function parseSoftminVariant(name: string): SoftminVariant {
  if (name === 'rows') return { kind: 'rows' };
  const m = /^tiled(?:-wg(\d+))?(?:-s(\d+))?$/.exec(name);
  const wg = m ? Number(m[1] ?? 64) : NaN;
  const split = m?.[2] !== undefined ? Number(m[2]) : undefined;
  if (!m || ![32, 64, 128, 256].includes(wg) || (split !== undefined && !(split >= 1 && split <= MAX_SPLIT))) {
    throw new InputError(`softmin kernel must be 'rows' or 'tiled[-wg32|64|128|256][-sS]' (S in 1..${MAX_SPLIT}), got '${name}'`);
  }
  return split === undefined ? { kind: 'tiled', wg } : { kind: 'tiled', wg, split };
}

/**
 * Workgroups the automatic split aims at per dispatch: enough to fill a large GPU (an H200 has 132
 * SMs, each holding 16+ workgroups of 64). A guess, not a measurement: no GPU has run this kernel yet.
 */
export const SPLIT_TARGET_GROUPS = 2048;
/** Fewest columns per chunk of the automatic split (shorter chunks spend more on loads and partials than they gain). */
export const SPLIT_MIN_COLUMNS = 256;

/**
 * The column split of a table: as many chunks as bring `groupsX`·`count` workgroups up to
 * SPLIT_TARGET_GROUPS, at most one per SPLIT_MIN_COLUMNS columns of the widest task (`maxCols`), at
 * most MAX_SPLIT, at least 1.
 */
export function autoSplit(groupsX: number, count: number, maxCols: number): number {
  const want = Math.ceil(SPLIT_TARGET_GROUPS / Math.max(1, groupsX * count));
  return Math.max(1, Math.min(MAX_SPLIT, want, Math.floor(maxCols / SPLIT_MIN_COLUMNS)));
}

export class SinkhornSoftminTiled extends SoftminKernel {
  private constructor(
    d: number,
    pipeline: GPUComputePipeline,
    readonly wg: number,
  ) {
    super(d, pipeline);
  }

  /** The tiled pipeline for dimension `d` and `wg` invocations per workgroup (compiled once per (d, wg), cached). */
  static async create(ctx: GpuContext, d: number, wg = 64): Promise<SinkhornSoftminTiled> {
    if (wg > ctx.device.limits.maxComputeInvocationsPerWorkgroup) throw new InputError(`sinkhorn_softmin_tiled: ${wg} invocations per workgroup, the device allows ${ctx.device.limits.maxComputeInvocationsPerWorkgroup}`);
    const tile = `const TILE: u32 = ${tileColumns(d)}u;`;
    const pipeline = await softminPipeline(ctx, 'sinkhorn_softmin_tiled', source, d, SoftminTaskBindings, wg, { groups: [TiledPartialBindings], prelude: [tile, costs4Source(d, 'costs4_tile', 'tile_pts')] });
    return new SinkhornSoftminTiled(d, pipeline, wg);
  }

  /** Workgroups along x for tasks of at most `maxRows` rows. */
  groupsX(maxRows: number): number {
    return Math.max(1, Math.ceil(maxRows / (this.wg * SOFTMIN_ROWS)));
  }

  /** Floats of the partial-sum buffer for tables of up to `split` chunks over `errSlots` rows (the `err` buffer's length). */
  static partialFloats(errSlots: number, split: number): number {
    return Math.max(4, Math.ceil(errSlots / 4) * 4 * split);
  }

  partialBindGroup(ctx: GpuContext, label: string, partial: GPUBuffer): GPUBindGroup {
    return TiledPartialBindings.bind(ctx.device, { partial }, label);
  }

  /**
   * Encode one dispatch of a task table whose tasks all carry `split` (rows up to `maxRows`): with
   * split > 1 the partial sums land in `partial` and sinkhorn_softmin_combine must follow.
   */
  dispatch(pass: GPUComputePassEncoder, main: GPUBindGroup, tasks: GPUBindGroup, partial: GPUBindGroup, count: number, maxRows: number, split: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, main);
    pass.setBindGroup(1, tasks);
    pass.setBindGroup(2, partial);
    pass.dispatchWorkgroups(this.groupsX(maxRows), count, split);
  }
}
