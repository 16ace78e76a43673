/**
 * Owner of shaders/sinkhorn_softmin_combine.wgsl: after a tiled softmin dispatch with its columns
 * split into S > 1 chunks (sinkhorn_softmin_tiled.ts), adds each row's S partial sums and finishes
 * the rows as the streamed kernel does. Same task tables and group 0; one invocation per 4 rows.
 */
import source from '../../shaders/sinkhorn_softmin_combine.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, read } from '../gpu/bindings.js';
import { SinkhornSoftmin, SoftminKernel, SoftminTaskBindings, softminPipeline, SOFTMIN_WG } from './sinkhorn_softmin.js';

/** Group 2 of the combine pass: the tiled kernel's partial sums, read. */
export const CombinePartialBindings = new Bindings('sinkhorn_softmin_combine:partial', { partial: read('array<vec4<f32>>') }, 2);

export class SinkhornSoftminCombine extends SoftminKernel {
  /** The combine pipeline for dimension `d` (the redo of out-of-range rows recomputes costs; compiled once per d, cached). */
  static async create(ctx: GpuContext, d: number): Promise<SinkhornSoftminCombine> {
    return new SinkhornSoftminCombine(d, await softminPipeline(ctx, 'sinkhorn_softmin_combine', source, d, SoftminTaskBindings, SOFTMIN_WG, { groups: [CombinePartialBindings] }));
  }

  partialBindGroup(ctx: GpuContext, label: string, partial: GPUBuffer): GPUBindGroup {
    return CombinePartialBindings.bind(ctx.device, { partial }, label);
  }

  /** Encode the combine pass of a table (`count` tasks, rows up to `maxRows`). */
  dispatch(pass: GPUComputePassEncoder, main: GPUBindGroup, tasks: GPUBindGroup, partial: GPUBindGroup, count: number, maxRows: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, main);
    pass.setBindGroup(1, tasks);
    pass.setBindGroup(2, partial);
    pass.dispatchWorkgroups(SinkhornSoftmin.groupsX(maxRows), count);
  }
}
