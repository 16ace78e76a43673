/**
 * The solver's dense softmin (every pair of every block; the truncated and the stored-cost paths have
 * their own): its task tables in one buffer and the kernel shape that runs them, either the streamed
 * kernel ('rows', shaders/sinkhorn_softmin.wgsl: what CPU drivers want) or the tiled one
 * (shaders/sinkhorn_softmin_tiled.wgsl, plus shaders/sinkhorn_softmin_combine.wgsl when a table's
 * columns are split: meant for GPUs, not yet timed on one). Both compute the same sums; with a split
 * they are added in another order (f32 rounding apart, not bit for bit).
 *
 * Which one: `SinkhornShape.softmin` or, in Node, $WASSERFLOW_SOFTMIN (a variant name: 'rows',
 * 'tiled', 'tiled-wg128', 'tiled-wg64-s4'); else the tuner (src/gpu/tuning.ts) times one alternating
 * iteration of each candidate on this solver's tables (scratch buffers) at the first solver of its
 * class, key `sinkhorn_softmin:d<d>-n<max rows, a power of 2>-p<problems>`. The tiled candidates are
 * offered on hardware adapters only: on CPU drivers barriers and workgroup memory cost more than they
 * save (DESIGN.md), so lavapipe and SwiftShader keep the streamed kernel without a search.
 */
import type { GpuContext } from '../../gpu/context.js';
import { nodeEnv } from '../../gpu/device.js';
import { bestTime, type Tuner } from '../../gpu/tuning.js';
import { GpuTimer } from '../../gpu/timing.js';
import { packTasks, SinkhornSoftmin, softminMainBindGroup, SoftminParams, softminTaskBindGroup, TASK_WORDS, type SoftminTask } from '../../kernels/sinkhorn_softmin.js';
import { autoSplit, parseSoftminVariant, SinkhornSoftminTiled, softminVariantName, type SoftminVariant } from '../../kernels/sinkhorn_softmin_tiled.js';
import { SinkhornSoftminCombine } from '../../kernels/sinkhorn_softmin_combine.js';
import { blockOf, potentialAt, TABLE_ALIGN, tableKey, taskTables, type Layout, type TableKey } from './tables.js';

/** The environment variable that forces the dense softmin's kernel shape (Node). */
export const SOFTMIN_ENV = 'WASSERFLOW_SOFTMIN';

/** The variant forced by $WASSERFLOW_SOFTMIN, or undefined (browser, or unset). InputError on a bad name. */
export function softminOverride(): SoftminVariant | undefined {
  const v = nodeEnv(SOFTMIN_ENV);
  return v ? parseSoftminVariant(v) : undefined;
}

/** The shapes the tuner times on this adapter: the streamed kernel, and on hardware two tiled shapes. */
export function softminCandidates(ctx: GpuContext): SoftminVariant[] {
  const all: SoftminVariant[] = [{ kind: 'rows' }];
  if (!ctx.adapter.isSoftware) all.push({ kind: 'tiled', wg: 64 }, { kind: 'tiled', wg: 128 });
  return all.filter((v) => v.kind === 'rows' || v.wg <= ctx.device.limits.maxComputeInvocationsPerWorkgroup);
}

/** The dense task tables of a batch laid out by layoutProblems: one task per block. */
export function denseTables(layouts: readonly Layout[], total: number, debias: boolean): [TableKey, SoftminTask[]][] {
  const T = total;
  return taskTables(layouts.length, debias, (p, kind, from, to): SoftminTask[] => {
    const b = blockOf(layouts[p]!, kind);
    return [{ rowOff: b.rows, n: b.rowsN, colOff: b.cols, m: b.colsN, colPot: potentialAt(T, from, b.self, b.cols), oldPot: potentialAt(T, from, b.self, b.rows), outPot: potentialAt(T, to, b.self, b.rows), colLogw: b.cols, rowLogw: b.rows, errOff: (b.self ? T : 0) + b.rows, selfTerm: b.self }];
  });
}

interface Table {
  bind: GPUBindGroup;
  count: number;
  pairs: number;
  maxRows: number;
  split: number;
}

/** What the solver knows of its problem when it picks the dense softmin. */
export interface DenseProblem {
  d: number;
  problems: number;
  /** Points of the layout (the potentials' and the errors' stride). */
  total: number;
  tables: readonly [TableKey, SoftminTask[]][];
}

/** The task tables of a solver and the kernels that run them. */
export class DenseSoftmin {
  private constructor(
    readonly variant: SoftminVariant,
    private readonly tasks: GPUBuffer,
    private readonly tables: Record<TableKey, Table>,
    private readonly rows: SinkhornSoftmin | undefined,
    private readonly tiled: { kernel: SinkhornSoftminTiled; combine: SinkhornSoftminCombine; partial: GPUBuffer; write: GPUBindGroup; read: GPUBindGroup } | undefined,
    private readonly ctx: GpuContext,
  ) {}

  /** The kernel shape's name (as in tuning records and $WASSERFLOW_SOFTMIN). */
  get name(): string {
    return softminVariantName(this.variant);
  }

  /**
   * The dense softmin for `problem`: forced by `o.asked` or $WASSERFLOW_SOFTMIN, else the fastest of
   * `o.candidates` (default softminCandidates) by `o.tuner` (default the context's).
   */
  static async choose(ctx: GpuContext, problem: DenseProblem, o: { asked?: string | undefined; candidates?: readonly SoftminVariant[]; tuner?: Tuner } = {}): Promise<DenseSoftmin> {
    const candidates = o.candidates ?? softminCandidates(ctx);
    const forced = o.asked !== undefined ? parseSoftminVariant(o.asked) : softminOverride();
    if (forced) return DenseSoftmin.create(ctx, problem, forced);
    if (candidates.length === 1) return DenseSoftmin.create(ctx, problem, candidates[0]!);
    const p2 = (x: number) => 2 ** Math.ceil(Math.log2(Math.max(1, x)));
    const maxRows = Math.max(...problem.tables.flatMap(([, list]) => list.map((t) => t.n)));
    const chosen = await (o.tuner ?? ctx.tuner).choose(
      `sinkhorn_softmin:d${problem.d}-n${p2(maxRows)}-p${problem.problems}`,
      candidates.map((v) => ({ name: softminVariantName(v), value: v })),
      (v) => timeIteration(ctx, problem, v),
      ctx.hasTimestamps ? 'gpu-timestamps' : 'wall-clock',
    );
    return DenseSoftmin.create(ctx, problem, chosen);
  }

  /** The tables of `problem` packed for `variant` (each table's split in its tasks), and its kernels. */
  static async create(ctx: GpuContext, problem: DenseProblem, variant: SoftminVariant): Promise<DenseSoftmin> {
    const { d, total: T } = problem;
    const rows = variant.kind === 'rows' ? await SinkhornSoftmin.create(ctx, d) : undefined;
    const kernel = variant.kind === 'tiled' ? await SinkhornSoftminTiled.create(ctx, d, variant.wg) : undefined;
    const combine = variant.kind === 'tiled' ? await SinkhornSoftminCombine.create(ctx, d) : undefined;
    const offsets: number[] = [];
    const splits: number[] = [];
    let bytes = 0;
    for (const [, list] of problem.tables) {
      offsets.push(bytes);
      bytes += Math.ceil((list.length * TASK_WORDS * 4) / TABLE_ALIGN) * TABLE_ALIGN;
      const maxRows = Math.max(...list.map((t) => t.n));
      const maxCols = Math.max(...list.map((t) => t.m));
      splits.push(kernel ? (variant.kind === 'tiled' && variant.split !== undefined ? variant.split : autoSplit(kernel.groupsX(maxRows), list.length, maxCols)) : 1);
    }
    const words = new Uint32Array(bytes / 4);
    problem.tables.forEach(([, list], k) => packTasks(list.map((t) => ({ ...t, split: splits[k]! })), words, offsets[k]! / 4));
    const tasks = ctx.storage('sinkhorn:tasks', words);
    const tables = {} as Record<TableKey, Table>;
    problem.tables.forEach(([name, list], k) => {
      const bind = softminTaskBindGroup(ctx, `sinkhorn:tasks:${name}`, tasks, offsets[k]!, list.length);
      tables[name] = { bind, count: list.length, pairs: list.reduce((s, t) => s + t.n * t.m, 0), maxRows: Math.max(...list.map((t) => t.n)), split: splits[k]! };
    });
    let tiled: DenseSoftmin['tiled'];
    if (kernel && combine) {
      // Errors (and so partial-sum rows) are 2T: the cross and the self rows.
      const partial = ctx.storage('sinkhorn:partial-sums', 4 * SinkhornSoftminTiled.partialFloats(2 * T, Math.max(...splits)));
      tiled = { kernel, combine, partial, write: kernel.partialBindGroup(ctx, 'sinkhorn:partial-sums', partial), read: combine.partialBindGroup(ctx, 'sinkhorn:partial-sums', partial) };
    }
    return new DenseSoftmin(variant, tasks, tables, rows, tiled, ctx);
  }

  /** Encode the softmin of table `key` into an open pass; returns its pair evaluations. */
  dispatch(pass: GPUComputePassEncoder, main: GPUBindGroup, key: TableKey): number {
    const t = this.tables[key];
    if (this.rows) {
      this.rows.dispatch(pass, main, t.bind, t.count, t.maxRows);
    } else {
      const k = this.tiled!;
      k.kernel.dispatch(pass, main, t.bind, k.write, t.count, t.maxRows, t.split);
      if (t.split > 1) k.combine.dispatch(pass, main, t.bind, k.read, t.count, t.maxRows);
    }
    return t.pairs;
  }

  /** The column split of each table (1 for the streamed kernel). */
  get splits(): Readonly<Record<TableKey, number>> {
    return Object.fromEntries(Object.entries(this.tables).map(([k, t]) => [k, (t as Table).split])) as Record<TableKey, number>;
  }

  get buffers(): GPUBuffer[] {
    return [this.tasks, ...(this.tiled ? [this.tiled.partial] : [])];
  }

  destroy(): void {
    for (const b of this.buffers) this.ctx.destroyBuffer(b);
  }
}

/**
 * Pairs per task the search times at most: each task keeps its rows and its first
 * max(TUNE_MIN_COLUMNS, TUNE_PAIRS / rows) columns (N = 10^6 would take seconds per iteration even
 * on a GPU, times 3 candidates × 2 rounds × 3 runs). The rows, which decide how full the GPU is,
 * stay; the per-pair costs of the shapes do not depend on the column count past a few tiles.
 */
const TUNE_PAIRS = 2 ** 27;
const TUNE_MIN_COLUMNS = 1024;

/**
 * Best time (ms) of one alternating iteration ('xRowsAndSelf' then 'yRows', copies 0) of `variant`
 * on scratch buffers shaped like the solver's (zero points and potentials: every exponent 0, every
 * row on the fast path, as near convergence), columns capped as TUNE_PAIRS says.
 */
async function timeIteration(ctx: GpuContext, problem: DenseProblem, variant: SoftminVariant): Promise<number> {
  const T = problem.total;
  const tables = problem.tables.map(([k, list]): [TableKey, SoftminTask[]] => [k, list.map((t) => ({ ...t, m: Math.min(t.m, Math.max(TUNE_MIN_COLUMNS, Math.floor(TUNE_PAIRS / t.n))) }))]);
  const dense = await DenseSoftmin.create(ctx, { ...problem, tables }, variant);
  const bufs = [ctx.uniform('tune:softmin-params', SoftminParams.byteSize), ctx.storage('tune:pts', T * problem.d * 4), ctx.storage('tune:logw', T * 4), ctx.storage('tune:pot', 8 * T * 4), ctx.storage('tune:err', 2 * T * 4)] as const;
  const timer = ctx.hasTimestamps ? new GpuTimer(ctx, 1) : undefined;
  try {
    ctx.write(bufs[0], SoftminParams.pack({ eps: 1, inv_eps: 1, omega_cross: 1, omega_self: 0.5, lo_off: 4 * T }));
    const main = softminMainBindGroup(ctx, 'tune:softmin', bufs[0], bufs[1], bufs[2], bufs[3], bufs[4]);
    return await bestTime(async () => {
      const enc = ctx.device.createCommandEncoder({ label: 'tune:sinkhorn_softmin' });
      const t0 = performance.now();
      const tw = timer?.passTimestamps('pass');
      const pass = enc.beginComputePass({ label: 'tune:sinkhorn_softmin', ...(tw ? { timestampWrites: tw } : {}) });
      dense.dispatch(pass, main, tableKey('xRowsAndSelf', 0, 0));
      dense.dispatch(pass, main, tableKey('yRows', 0, 0));
      pass.end();
      if (timer) {
        timer.resolve(enc);
        ctx.submit(enc.finish());
        return (await timer.read()).get('pass') ?? 0;
      }
      await ctx.read(bufs[4], 0, 4, enc);
      return performance.now() - t0;
    }, 2);
  } finally {
    timer?.destroy();
    for (const b of bufs) ctx.destroyBuffer(b);
    dense.destroy();
  }
}
