/**
 * Owner of shaders/sinkhorn_plan_moments.wgsl: per-row barycentric projection and transport cost of
 * an entropic plan given by its potentials, streamed over the columns. Used once per solve for the
 * gradient with respect to the points and for the linear cost <π, C>.
 */
import source from '../../shaders/sinkhorn_plan_moments.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, read, rw, uniform } from '../gpu/bindings.js';
import { ParamsLayout } from '../gpu/params.js';

const WG = 64;
/** lo_off: where the low parts of the two-part potentials start in `pot` (shaders/lib/softmin_finish.wgsl). */
export const MomentParams = new ParamsLayout('MomentParams', { eps: 'f32', inv_eps: 'f32', lo_off: 'u32' });

export const MomentBindings = new Bindings('sinkhorn_plan_moments', {
  params: uniform(MomentParams),
  /** Points, row-major (D floats each). */
  pts: read('array<f32>'),
  logw: read('array<f32>'),
  pot: read('array<f32>'),
  tasks: read('array<MomentTask>'),
  /** d + 1 floats per row. */
  out: rw('array<f32>'),
});

/** One row block: rows [rowOff, rowOff + n) against columns [colOff, colOff + m). Offsets in elements. */
export interface MomentTask {
  rowOff: number;
  n: number;
  colOff: number;
  m: number;
  colPot: number;
  rowPot: number;
  colLogw: number;
  /** Output offset in floats; each row writes d + 1 floats. */
  outOff: number;
}
export const MOMENT_TASK_WORDS = 8;

export class SinkhornPlanMoments {
  private constructor(
    readonly d: number,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext, d: number): Promise<SinkhornPlanMoments> {
    const pipeline = await ctx.pipelines.get({
      kernel: 'sinkhorn_plan_moments',
      source,
      layout: MomentBindings.pipelineLayout(ctx.device),
      prelude: [MomentBindings.wgsl, `const D: u32 = ${d}u;`],
      constants: { WG },
    });
    return new SinkhornPlanMoments(d, pipeline);
  }

  static pack(tasks: readonly MomentTask[]): Uint32Array {
    const out = new Uint32Array(Math.max(1, tasks.length) * MOMENT_TASK_WORDS);
    tasks.forEach((t, k) => out.set([t.rowOff, t.n, t.colOff, t.m, t.colPot, t.rowPot, t.colLogw, t.outOff], k * MOMENT_TASK_WORDS));
    return out;
  }

  bindGroup(ctx: GpuContext, params: GPUBuffer, pts: GPUBuffer, logw: GPUBuffer, pot: GPUBuffer, tasks: GPUBuffer, out: GPUBuffer): GPUBindGroup {
    return MomentBindings.bind(ctx.device, { params, pts, logw, pot, tasks, out });
  }

  encode(encoder: GPUCommandEncoder, bind: GPUBindGroup, taskCount: number, maxRows: number): void {
    const pass = encoder.beginComputePass({ label: 'sinkhorn_plan_moments' });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(Math.max(1, Math.ceil(maxRows / WG)), taskCount);
    pass.end();
  }
}
