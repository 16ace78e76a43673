/**
 * Owner of shaders/mlp_grads.wgsl: every parameter gradient of the MLP in one dispatch, as a list
 * of jobs (8×8 dW tiles, 4-row db strips, (step, 4-row) de strips).
 */
import source from '../../shaders/mlp_grads.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, read, rw, uniform } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import type { MlpLayout } from '../model/layout.js';
import type { Workspace } from '../model/workspace.js';

export const MlpGradsParams = new ParamsLayout('MlpGradsParams', { njobs: 'u32', nsegments: 'u32', bs: 'u32' });
const WG = 64;

export const MlpGradsBindings = new Bindings('mlp_grads', {
  gp: uniform(MlpGradsParams),
  params: read('array<f32>'),
  /** The MLP workspace after forward and backward. */
  acts: read('array<vec4<f32>>'),
  tidx: read('array<vec4<u32>>'),
  /** The job segments (gradsPlan). */
  plan: read('array<Segment>'),
  grads: rw('array<f32>'),
});

/** The job segments (one row of 12 u32 per segment, as `struct Segment` in the shader) and the job count. */
export function gradsPlan(layout: MlpLayout, ws: Workspace): { words: Uint32Array; segments: number; jobs: number } {
  const rows: number[][] = [];
  let jobs = 0;
  layout.layers.forEach((l, i) => {
    const xOff = i === 0 ? ws.x : ws.h[i - 1]!;
    const scale = layout.scaleOffset + i;
    const add = (kind: number, n: number, gOff: number) => {
      rows.push([jobs, kind, l.in, l.out, gOff, ws.du[i]!, xOff, scale, Math.max(0, ws.dv[i]!), ws.u[i]!, n, 0]);
      jobs += n;
    };
    add(0, Math.ceil(l.out / 8) * Math.ceil(l.in / 8), l.wOffset);
    add(1, Math.ceil(l.out / 4), l.bOffset);
    if (l.eOffset >= 0) add(2, layout.steps * Math.ceil(l.out / 4), l.eOffset);
  });
  return { words: Uint32Array.from(rows.flat()), segments: rows.length, jobs };
}

export class MlpGradsKernel {
  private constructor(
    private readonly ctx: GpuContext,
    readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext): Promise<MlpGradsKernel> {
    const pl = MlpGradsBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({ kernel: 'mlp_grads', source, layout: pl, prelude: [MlpGradsBindings.wgsl], constants: { WG } });
    return new MlpGradsKernel(ctx, pipeline);
  }

  /** Buffers for one model + workspace: the plan and its uniform. */
  prepare(layout: MlpLayout, ws: Workspace): MlpGradsPlan {
    const p = gradsPlan(layout, ws);
    const plan = this.ctx.storage('mlp_grads:plan', p.words);
    const ubuf = this.ctx.uniform('mlp_grads:params', MlpGradsParams.byteSize);
    this.ctx.write(ubuf, MlpGradsParams.pack({ njobs: p.jobs, nsegments: p.segments, bs: ws.bs }));
    return { plan, ubuf, jobs: p.jobs };
  }

  bind(p: MlpGradsPlan, params: GPUBuffer, acts: GPUBuffer, tidx: GPUBuffer, grads: GPUBuffer): GPUBindGroup {
    return MlpGradsBindings.bind(this.ctx.device, { gp: p.ubuf, params, acts, tidx, plan: p.plan, grads });
  }

  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, jobs: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(...workgroups(jobs, WG));
  }
}

export interface MlpGradsPlan {
  plan: GPUBuffer;
  ubuf: GPUBuffer;
  jobs: number;
}
