/**
 * Owner of shaders/sinkhorn_softmin_sparse.wgsl: the block-sparse streamed softmin (Sinkhorn
 * half-iteration over the column ranges kept by the truncation of far pairs). Bind group 0 is the
 * dense kernel's (parameters, points, log-weights, potentials, errors: the same buffers, so a solver
 * switches between dense and sparse levels freely); bind group 1 holds a task table (one task per
 * row tile of at most SPARSE_TILE_ROWS rows, bound at a 256-byte aligned offset) and the CSR column
 * ranges the tasks point into.
 */
import source from '../../shaders/sinkhorn_softmin_sparse.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { Bindings, read } from '../gpu/bindings.js';
import { packTaskTable, SoftminKernel, softminPipeline, TASK_WORDS, type SoftminTaskTail } from './sinkhorn_softmin.js';

/** Invocations per workgroup (one workgroup per row tile); each handles 4 rows. */
export const SPARSE_WG = 16;
/** Rows of one tile (one task, one workgroup). */
export const SPARSE_TILE_ROWS = SPARSE_WG * 4;

/** Group 1 of the sparse kernel (group 0 is SoftminMainBindings). */
export const SparseTaskBindings = new Bindings(
  'sinkhorn_softmin_sparse:tasks',
  {
    /** One task per row tile, bound at a 256-byte aligned offset. */
    tasks: read('array<Task>'),
    /** Column ranges [x, y) relative to the task's column block. */
    ranges: read('array<vec2<u32>>'),
  },
  1,
);

/** One sparse task (the WGSL `Task` of the sparse kernel, 12 u32). Offsets in elements; ranges relative to colOff. */
export interface SparseTask extends SoftminTaskTail {
  rowOff: number;
  n: number;
  colOff: number;
  rangeOff: number;
  rangeCount: number;
}
export const SPARSE_TASK_WORDS = TASK_WORDS;
export const SPARSE_TASK_BYTES = SPARSE_TASK_WORDS * 4;

export function packSparseTasks(tasks: readonly SparseTask[], out: Uint32Array, at = 0): void {
  for (const t of tasks) {
    if (t.n < 1 || t.n > SPARSE_TILE_ROWS) throw new InputError(`sinkhorn_softmin_sparse: a task has ${t.n} rows (1 to ${SPARSE_TILE_ROWS})`);
    if (t.rangeCount < 1) throw new InputError('sinkhorn_softmin_sparse: a task has no column range');
  }
  packTaskTable(tasks, (t) => [t.rowOff, t.n, t.colOff, t.rangeOff, t.rangeCount], out, at);
}

export class SinkhornSoftminSparse extends SoftminKernel {
  /** The sparse softmin pipeline for points of dimension `d` (compiled once per d, cached). */
  static async create(ctx: GpuContext, d: number): Promise<SinkhornSoftminSparse> {
    return new SinkhornSoftminSparse(d, await softminPipeline(ctx, 'sinkhorn_softmin_sparse', source, d, SparseTaskBindings, SPARSE_WG));
  }

  /** Tasks [byteOffset, + count tasks) of `tasks` and the whole `ranges` buffer (vec2<u32> each). */
  taskBindGroup(ctx: GpuContext, label: string, tasks: GPUBuffer, byteOffset: number, count: number, ranges: GPUBuffer): GPUBindGroup {
    return SparseTaskBindings.bind(ctx.device, { tasks: { buffer: tasks, offset: byteOffset, size: count * SPARSE_TASK_BYTES }, ranges }, label);
  }

  /** Encode one dispatch of a task table (`count` row tiles) into an open pass. */
  dispatch(pass: GPUComputePassEncoder, main: GPUBindGroup, tasks: GPUBindGroup, count: number): void {
    this.encode(pass, main, tasks, 1, count);
  }
}
