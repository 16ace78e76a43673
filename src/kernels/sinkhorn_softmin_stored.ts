/**
 * Owner of shaders/sinkhorn_softmin_stored.wgsl: the log-domain softmin (Sinkhorn half-iteration)
 * over a stored cost matrix (written by src/kernels/sqdist_tiles.ts), for high dimensions. Bind
 * group 0 is the streamed kernel's (SoftminMainBindings: the solver's per-level parameters,
 * log-weights, potentials and errors); bind group 1 holds a task table (bound at a 256-byte aligned
 * offset) and the one cost buffer its tasks read.
 */
import source from '../../shaders/sinkhorn_softmin_stored.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, pipelineLayout, read } from '../gpu/bindings.js';
import { packTaskTable, SoftminMainBindings, TASK_WORDS, type SoftminTaskTail } from './sinkhorn_softmin.js';

/** Invocations per workgroup; each handles 4 rows. */
export const STORED_WG = 64;
export const STORED_ROWS = 4;

/** Group 1: a task table and the cost buffer its tasks read. */
export const StoredTaskBindings = new Bindings(
  'sinkhorn_softmin_stored:tasks',
  {
    tasks: read('array<Task>'),
    /** Stored costs, column by column: C_ij = cost[costOff + j·ld + i]. */
    cost: read('array<vec4<f32>>'),
  },
  1,
);

/** One task (the WGSL `Task` struct, 12 u32). Offsets in elements; costOff, ld, the potential and log-weight offsets multiples of 4. */
export interface StoredTask extends SoftminTaskTail {
  n: number;
  m: number;
  costOff: number;
  ld: number;
}
export const STORED_TASK_WORDS = TASK_WORDS;
export const STORED_TASK_BYTES = STORED_TASK_WORDS * 4;

export function packStoredTasks(tasks: readonly StoredTask[], out: Uint32Array, at = 0): void {
  packTaskTable(tasks, (t) => [t.n, t.m, t.costOff, t.ld], out, at);
}

export class SinkhornSoftminStored {
  private constructor(readonly pipeline: GPUComputePipeline) {}

  /** The pipeline (one for every dimension: the cost is read, not computed). */
  static async create(ctx: GpuContext): Promise<SinkhornSoftminStored> {
    const layout = pipelineLayout(ctx.device, 'sinkhorn_softmin_stored', [SoftminMainBindings, StoredTaskBindings]);
    const pipeline = await ctx.pipelines.get({ kernel: 'sinkhorn_softmin_stored', source, layout, prelude: [SoftminMainBindings.wgsl, StoredTaskBindings.wgsl], constants: { WG: STORED_WG } });
    return new SinkhornSoftminStored(pipeline);
  }

  /** Group 1: `count` tasks at `byteOffset` of `tasks`, and the cost buffer they read. */
  taskBindGroup(ctx: GpuContext, label: string, tasks: GPUBuffer, byteOffset: number, count: number, cost: GPUBuffer): GPUBindGroup {
    return StoredTaskBindings.bind(ctx.device, { tasks: { buffer: tasks, offset: byteOffset, size: count * STORED_TASK_BYTES }, cost }, label);
  }

  /** Encode one dispatch of a task table (`count` tasks, rows up to `maxRows`) into an open pass. */
  dispatch(pass: GPUComputePassEncoder, main: GPUBindGroup, tasks: GPUBindGroup, count: number, maxRows: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, main);
    pass.setBindGroup(1, tasks);
    pass.dispatchWorkgroups(Math.max(1, Math.ceil(maxRows / (STORED_WG * STORED_ROWS))), count);
  }
}
