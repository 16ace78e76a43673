/**
 * Owner of shaders/sinkhorn_softmin.wgsl: the streamed log-domain softmin (Sinkhorn half-iteration)
 * over a table of tasks. Bind group 0 holds the per-level parameters (ε, relaxation) and the shared
 * buffers (points, log-weights, potentials, marginal errors); bind group 1 a task table, bound at a
 * 256-byte aligned offset of one tasks buffer so one solver keeps several tables (Jacobi parities,
 * alternating phases) and switches between them without writing anything.
 */
import source from '../../shaders/sinkhorn_softmin.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, pipelineLayout, read, rw, uniform } from '../gpu/bindings.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';

/** Invocations per workgroup; each handles ROWS rows. */
export const SOFTMIN_WG = 64;
export const SOFTMIN_ROWS = 4;
/** Largest dimension compiled (points are f32 rows of this length). */
export const MAX_DIM = 64;

export const SoftminParams = new ParamsLayout('SoftminParams', {
  eps: 'f32',
  inv_eps: 'f32',
  omega_cross: 'f32',
  omega_self: 'f32',
  /**
   * Where the low parts of the potentials start in `pot` (elements): potential k is
   * pot[k] + pot[lo_off + k] (shaders/lib/softmin_finish.wgsl).
   */
  lo_off: 'u32',
  /**
   * Always 0: OR-ed into the bits of the pair exponent's partial sums so that no optimiser can
   * reorder them (shaders/lib/softmin_finish.wgsl, `opaque`); it is a uniform, unknown at compile time.
   */
  zero: 'u32',
});

/** Group 0 of both softmin kernels (shaders/lib/softmin_rows.wgsl): the same buffers, dense or sparse. */
export const SoftminMainBindings = new Bindings('sinkhorn_softmin:main', {
  params: uniform(SoftminParams),
  /** Every point of the problem, D vec4s per 4 points (see costs4Source). */
  pts: read('array<vec4<f32>>'),
  logw: read('array<vec4<f32>>'),
  /** Potentials, read as columns and written as rows: high parts, then the low parts from `lo_off`. */
  pot: rw('array<vec4<f32>>'),
  /** Marginal errors per task row block. */
  err: rw('array<vec4<f32>>'),
});

/** Group 1 of the dense kernel: a task table, bound at a 256-byte aligned offset. */
export const SoftminTaskBindings = new Bindings('sinkhorn_softmin:tasks', { tasks: read('array<Task>') }, 1);

/**
 * The fields every softmin task ends with, in this order, in the WGSL `Task` structs of the dense,
 * sparse and stored kernels: the potentials read (columns), kept (old) and written (rows), the
 * columns' and rows' log-weights, the marginal-error slot, and whether it is a debiasing self term.
 */
export interface SoftminTaskTail {
  colPot: number;
  oldPot: number;
  outPot: number;
  colLogw: number;
  rowLogw: number;
  errOff: number;
  selfTerm: boolean;
}

/** One dense softmin task (the WGSL `Task` struct of shaders/lib/softmin_dense.wgsl, 12 u32). Offsets are in elements, not bytes. */
export interface SoftminTask extends SoftminTaskTail {
  rowOff: number;
  n: number;
  colOff: number;
  m: number;
  /**
   * Column chunks S of the tiled kernel (shaders/sinkhorn_softmin_tiled.wgsl), the same for every
   * task of a table (default 1; the streamed kernel ignores it).
   */
  split?: number;
}
/** Words of a task of any softmin kernel (its own leading fields, the shared tail, zero padding). */
export const TASK_WORDS = 12;
export const TASK_BYTES = TASK_WORDS * 4;

/**
 * Pack a task table of any softmin kernel: each task is `head(task)` (the kernel's own leading fields),
 * then the shared tail, zero-padded to TASK_WORDS u32, from word `at` on.
 */
export function packTaskTable<T extends SoftminTaskTail>(tasks: readonly T[], head: (t: T) => readonly number[], out: Uint32Array, at = 0, trailer: (t: T) => readonly number[] = () => []): void {
  tasks.forEach((t, k) => {
    const o = at + k * TASK_WORDS;
    const words = [...head(t), t.colPot, t.oldPot, t.outPot, t.colLogw, t.rowLogw, t.errOff, t.selfTerm ? 1 : 0, ...trailer(t)];
    out.set(words, o);
    out.fill(0, o + words.length, o + TASK_WORDS);
  });
}

export function packTasks(tasks: readonly SoftminTask[], out: Uint32Array, at = 0): void {
  packTaskTable(tasks, (t) => [t.rowOff, t.n, t.colOff, t.m], out, at, (t) => [t.split ?? 1]);
}

/**
 * WGSL for `costs4(b, xr)` (or `name`, reading `array` instead of `pts`, e.g. a workgroup tile):
 * squared distances of the 4 points stored from vec4 index b (4 points of
 * dimension D = D vec4s, row-major) to the 4 rows in the lanes of xr, fully unrolled for this D so
 * every load is a vec4 and every index a constant (a loop over D with dynamic indexing measured
 * 1.6× slower on SwiftShader for d = 2).
 */
export function costs4Source(d: number, name = 'costs4', array = 'pts'): string {
  const lines = [`fn ${name}(b: u32, xr: array<vec4<f32>, ${d}>) -> Costs4 {`];
  for (let k = 0; k < d; k++) lines.push(`  let p${k} = ${array}[b + ${k}u];`);
  const comp = 'xyzw';
  const out: string[] = [];
  for (let u = 0; u < 4; u++) {
    let expr = '';
    for (let c = 0; c < d; c++) {
      const flat = u * d + c;
      const v = `p${Math.floor(flat / 4)}.${comp[flat % 4]}`;
      lines.push(`  let d${u}_${c} = xr[${c}] - ${v};`);
      expr = c === 0 ? `d${u}_0 * d${u}_0` : `fma(d${u}_${c}, d${u}_${c}, ${expr})`;
    }
    out.push(expr);
  }
  lines.push(`  return Costs4(${out.join(', ')});`, '}');
  return lines.join('\n');
}

/**
 * Pipeline and layouts of a softmin kernel, dense or block-sparse (shaders/lib/softmin_rows.wgsl):
 * group 0 (parameters, points, log-weights, potentials, errors) is the same for all, group 1 holds
 * the kernel's task bindings, `extra.groups` any further groups (the tiled kernel's partial sums),
 * `extra.prelude` further declarations. Compiled once per (kernel, d, wg), cached.
 */
export async function softminPipeline(
  ctx: GpuContext,
  kernel: string,
  source: string,
  d: number,
  tasks: Bindings<string>,
  wg: number,
  extra: { groups?: readonly Bindings<string>[]; prelude?: readonly string[] } = {},
): Promise<GPUComputePipeline> {
  if (!Number.isInteger(d) || d < 1 || d > MAX_DIM) throw new InputError(`sinkhorn: dimension must be an integer in [1, ${MAX_DIM}], got ${d}`);
  const groups = [SoftminMainBindings, tasks, ...(extra.groups ?? [])];
  const layout = pipelineLayout(ctx.device, kernel, groups);
  return ctx.pipelines.get({ kernel, source, layout, prelude: [...groups.map((g) => g.wgsl), `const D: u32 = ${d}u;`, costs4Source(d), ...(extra.prelude ?? [])], constants: { WG: wg } });
}

/** Group 1 of the dense kernels (streamed, tiled, combine): `count` tasks at a 256-byte aligned offset of `tasks`. */
export function softminTaskBindGroup(ctx: GpuContext, label: string, tasks: GPUBuffer, byteOffset: number, count: number): GPUBindGroup {
  return SoftminTaskBindings.bind(ctx.device, { tasks: { buffer: tasks, offset: byteOffset, size: count * TASK_BYTES } }, label);
}

/** Group 0 of either softmin kernel. */
export function softminMainBindGroup(ctx: GpuContext, label: string, params: GPUBuffer, pts: GPUBuffer, logw: GPUBuffer, pot: GPUBuffer, err: GPUBuffer): GPUBindGroup {
  return SoftminMainBindings.bind(ctx.device, { params, pts, logw, pot, err }, label);
}

/** What the dense and the sparse softmin kernels share: the pipeline for dimension `d`, group 0, one dispatch over a task table. */
export abstract class SoftminKernel {
  protected constructor(
    readonly d: number,
    readonly pipeline: GPUComputePipeline,
  ) {}

  mainBindGroup(ctx: GpuContext, label: string, params: GPUBuffer, pts: GPUBuffer, logw: GPUBuffer, pot: GPUBuffer, err: GPUBuffer): GPUBindGroup {
    return softminMainBindGroup(ctx, label, params, pts, logw, pot, err);
  }

  /** Encode one dispatch into an open pass: `groupsX` workgroups along x for each of `count` tasks. */
  protected encode(pass: GPUComputePassEncoder, main: GPUBindGroup, tasks: GPUBindGroup, groupsX: number, count: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, main);
    pass.setBindGroup(1, tasks);
    pass.dispatchWorkgroups(groupsX, count);
  }
}

export class SinkhornSoftmin extends SoftminKernel {
  /** The softmin pipeline for points of dimension `d` (compiled once per d, cached). */
  static async create(ctx: GpuContext, d: number): Promise<SinkhornSoftmin> {
    return new SinkhornSoftmin(d, await softminPipeline(ctx, 'sinkhorn_softmin', source, d, SoftminTaskBindings, SOFTMIN_WG));
  }

  taskBindGroup(ctx: GpuContext, label: string, tasks: GPUBuffer, byteOffset: number, count: number): GPUBindGroup {
    return softminTaskBindGroup(ctx, label, tasks, byteOffset, count);
  }

  /** Workgroups along x for tasks of at most `maxRows` rows. */
  static groupsX(maxRows: number): number {
    return Math.max(1, Math.ceil(maxRows / (SOFTMIN_WG * SOFTMIN_ROWS)));
  }

  /** Encode one dispatch of a task table (`count` tasks, rows up to `maxRows`) into an open pass. */
  dispatch(pass: GPUComputePassEncoder, main: GPUBindGroup, tasks: GPUBindGroup, count: number, maxRows: number): void {
    this.encode(pass, main, tasks, SinkhornSoftmin.groupsX(maxRows), count);
  }
}
