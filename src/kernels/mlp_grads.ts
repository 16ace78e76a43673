/**
 * Owner of shaders/mlp_grads.wgsl: every parameter gradient of the MLP in one dispatch, as a list
 * of jobs (8×8 dW tiles, 4-row db strips, (step, 4-row) de strips). Three shapes, tuned per adapter
 * by src/train/mlp.ts: 'tile' (one job per invocation), 'sg' (one job per workgroup: a dW job is
 * 8 rows × 2·WG columns with dU shared by subgroupShuffle; needs subgroups of ≥ 8 lanes), and
 * 'sg16' / 'sg32' (as 'sg' with 16 / 32 rows, so each gathered X vec4 serves 2× / 4× the rows; a
 * block of ≤ 8 remaining rows, as the 2-output last layer, runs the 8-row code). On lavapipe the
 * 16- and 32-row shapes made the gradient kernel 1.7–2.1× faster than 'sg' (widths 64 to 1024,
 * batch 256 to 4096; docs/training.md, "Layer kernel shapes").
 */
import source from '../../shaders/mlp_grads.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, read, rw, uniform } from '../gpu/bindings.js';
import { grid2d, workgroups } from '../gpu/dispatch.js';
import type { MlpLayout } from '../model/layout.js';
import type { Workspace } from '../model/workspace.js';

export const MlpGradsParams = new ParamsLayout('MlpGradsParams', { njobs: 'u32', nsegments: 'u32', bs: 'u32' });
const WG = 64;

/** A shape of the gradient kernel (see the file comment). All sum each entry in the same order. */
export interface GradsVariant {
  kind: 'tile' | 'sg' | 'sg16' | 'sg32';
  wg: number;
}

export const DEFAULT_GRADS_VARIANT: GradsVariant = { kind: 'tile', wg: WG };

export function gradsVariantName(v: GradsVariant): string {
  return `${v.kind}-wg${v.wg}`;
}

/** A subgroup shape's dW job: rows of dW per workgroup, columns per invocation. */
function sgShape(v: GradsVariant): { rows: number; cols: number } {
  return v.kind === 'sg32' ? { rows: 32, cols: 2 } : v.kind === 'sg16' ? { rows: 16, cols: 2 } : { rows: 8, cols: 2 };
}

/**
 * The gradient-kernel shapes the tuner times on this device. The 16- and 32-row shapes run one
 * subgroup per workgroup: on lavapipe (8 lanes) no workgroup of 32 won a tuner run (docs/training.md),
 * and each candidate costs a compile (seconds on a CPU driver) and six timed runs at first use.
 */
export function gradsCandidates(ctx: GpuContext): GradsVariant[] {
  const all: GradsVariant[] = [DEFAULT_GRADS_VARIANT];
  if (ctx.subgroupMinSize >= 8) {
    const wide = Math.max(8, ctx.subgroupMinSize);
    all.push({ kind: 'sg', wg: 32 }, { kind: 'sg', wg: 64 }, { kind: 'sg16', wg: wide }, { kind: 'sg32', wg: wide });
  }
  return all.filter((v) => v.wg <= ctx.device.limits.maxComputeInvocationsPerWorkgroup);
}

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

/**
 * The job segments (one row of 12 u32 per segment, as `struct Segment` in the shader) and the job
 * count. With a subgroup variant ('sg', 'sg16', 'sg32'), jobs are workgroups: a segment starts at a
 * workgroup index, a dW segment has ⌈out/R⌉·⌈in/(2·wg)⌉ of them (R = 8, 16 or 32 rows), and a db or
 * de segment ⌈n/wg⌉ for its n per-invocation jobs (njobs keeps n there).
 */
export function gradsPlan(layout: MlpLayout, ws: Workspace, variant: GradsVariant = DEFAULT_GRADS_VARIANT): { words: Uint32Array; segments: number; jobs: number } {
  const rows: number[][] = [];
  let jobs = 0;
  const sg = variant.kind !== 'tile'; // one job per workgroup
  const { rows: dwRows, cols } = sgShape(variant);
  layout.layers.forEach((l, i) => {
    const xOff = i === 0 ? ws.x : ws.h[i - 1]!;
    const scale = layout.scaleOffset + i;
    const add = (kind: number, n: number, gOff: number) => {
      const units = !sg ? n : kind === 0 ? Math.ceil(l.out / dwRows) * Math.ceil(l.in / (cols * variant.wg)) : Math.ceil(n / variant.wg);
      rows.push([jobs, kind, l.in, l.out, gOff, ws.du[i]!, xOff, scale, Math.max(0, ws.dv[i]!), ws.u[i]!, kind === 0 && sg ? units : n, 0]);
      jobs += units;
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
    readonly variant: GradsVariant,
  ) {}

  static async create(ctx: GpuContext, variant: GradsVariant = DEFAULT_GRADS_VARIANT): Promise<MlpGradsKernel> {
    const pl = MlpGradsBindings.pipelineLayout(ctx.device);
    const sg = variant.kind !== 'tile';
    const pipeline = await ctx.pipelines.get({
      kernel: 'mlp_grads',
      source,
      layout: pl,
      prelude: [...(sg ? ['enable subgroups;'] : []), MlpGradsBindings.wgsl],
      defines: { SG: sg },
      constants: { WG: variant.wg, ...(sg ? { SG_ROWS: sgShape(variant).rows, SG_COLS: sgShape(variant).cols } : {}) },
    });
    return new MlpGradsKernel(ctx, pipeline, variant);
  }

  /** Buffers for one model + workspace: the plan and its uniform. */
  prepare(layout: MlpLayout, ws: Workspace): MlpGradsPlan {
    const p = gradsPlan(layout, ws, this.variant);
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
    pass.dispatchWorkgroups(...(this.variant.kind !== 'tile' ? grid2d(jobs) : workgroups(jobs, this.variant.wg)));
  }
}

export interface MlpGradsPlan {
  plan: GPUBuffer;
  ubuf: GPUBuffer;
  jobs: number;
}
