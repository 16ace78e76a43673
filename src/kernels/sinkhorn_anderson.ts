/**
 * Owner of shaders/sinkhorn_anderson.wgsl: Anderson acceleration of the alternating Sinkhorn
 * iteration on the X potentials, one workgroup per problem of a batch, dispatched after each x-row
 * softmin. Its history lives in one buffer of (5 + 2·ANDERSON_MEMORY)·total floats and its count of
 * iterations in `state` (one u32 per problem; clear it to restart).
 */
import source from '../../shaders/sinkhorn_anderson.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, read, rw, uniform } from '../gpu/bindings.js';
import { ParamsLayout } from '../gpu/params.js';

/** Columns of the history (MEM in the shader). */
export const ANDERSON_MEMORY = 8;
/** Invocations per workgroup (the shader's workgroup memory holds 44 partial sums for at most 64). */
const WG = 64;

export const AndersonParams = new ParamsLayout('AndersonParams', {
  /** Points of the batch (the potentials' stride between copies and kinds). */
  total: 'u32',
  /** Where the low parts of the potentials start (elements). */
  lo_off: 'u32',
  /** Offset of the cross potentials' copy being iterated (2·copy·total). */
  cross: 'u32',
});

export const AndersonBindings = new Bindings('sinkhorn_anderson', {
  params: uniform(AndersonParams),
  /** (first X point, n) of each problem. */
  problems: read('array<vec2<u32>>'),
  logw: read('array<f32>'),
  pot: rw('array<f32>'),
  hist: rw('array<f32>'),
  /** Iterations since the last reset, per problem. */
  state: rw('array<u32>'),
});

export class SinkhornAnderson {
  private constructor(readonly pipeline: GPUComputePipeline) {}

  static async create(ctx: GpuContext): Promise<SinkhornAnderson> {
    const layout = AndersonBindings.pipelineLayout(ctx.device);
    return new SinkhornAnderson(await ctx.pipelines.get({ kernel: 'sinkhorn_anderson', source, layout, prelude: [AndersonBindings.wgsl], constants: { WG } }));
  }

  /** Floats of the history buffer for a batch of `total` points. */
  static historyFloats(total: number): number {
    return (5 + 2 * ANDERSON_MEMORY) * total;
  }

  bind(ctx: GpuContext, label: string, b: { params: GPUBuffer; problems: GPUBuffer; logw: GPUBuffer; pot: GPUBuffer; hist: GPUBuffer; state: GPUBuffer }): GPUBindGroup {
    return AndersonBindings.bind(ctx.device, b, label);
  }

  /** One Anderson step for each of `problems` problems, into an open pass. */
  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, problems: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(problems);
  }
}
