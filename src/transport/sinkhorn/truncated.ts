/**
 * Truncation of far pairs in the solver (src/transport/truncation.ts has the bounds): the kept
 * column ranges of every block (`KeptSet`, per solve, built on the host from the current
 * potentials) and the block-sparse softmin's task tables on the GPU (`SparseTables`, allocated at
 * the first truncated solve and kept by the solver).
 */
import type { GpuContext } from '../../gpu/context.js';
import { packSparseTasks, SinkhornSoftminSparse, SPARSE_TASK_WORDS, SPARSE_TILE_ROWS, type SparseTask } from '../../kernels/sinkhorn_softmin_sparse.js';
import { keptRanges, keptSubset, SideCache, type KeptRanges } from '../kept_ranges.js';
import { blockOf, potentialAt, TABLE_ALIGN, taskTables, type BlockKind, type Layout, type TableKey } from './tables.js';

/**
 * The kept set is built with τ + this margin (in units of ε) from potentials that still move (those
 * of the previous level, or of a check before convergence), and checked at τ with the final ones.
 */
const TRUNCATE_MARGIN = 2;
/** At the final ε, the kept set is checked at the 1st, (1 + this)th, ... marginal-error check. */
const KEPT_CHECK_EVERY = 4;
/** A level runs block-sparse only when it keeps at most this fraction of the pairs. */
const SPARSE_MAX_FRACTION = 0.6;
/** After this many rebuilds at the final ε the potentials keep moving: finish dense. */
const MAX_REBUILDS = 8;

/** Where the problems are and which copies hold the current potentials. */
export interface Placement {
  layouts: readonly Layout[];
  total: number;
  d: number;
  debias: boolean;
}

const kindsOf = (debias: boolean): BlockKind[] => (debias ? ['xy', 'yx', 'xx', 'yy'] : ['xy', 'yx']);

/** The block-sparse softmin's kernel, task tables and column ranges on the GPU. */
export class SparseTables {
  private ranges: GPUBuffer | undefined;
  private binds: Record<TableKey, GPUBindGroup> | undefined;
  private readonly levelBinds = new Map<number, GPUBindGroup>();

  private constructor(
    private readonly ctx: GpuContext,
    private readonly at: Placement,
    readonly kernel: SinkhornSoftminSparse,
    private readonly tasks: GPUBuffer,
    /** Word offset, task count and kept pairs of every table in `tasks`. */
    private readonly layout: Record<TableKey, { at: number; count: number; pairs: number }>,
  ) {}

  static async create(ctx: GpuContext, at: Placement): Promise<SparseTables> {
    const kernel = await SinkhornSoftminSparse.create(ctx, at.d);
    const { tables } = sparseTaskTables(at, null);
    const layout = {} as Record<TableKey, { at: number; count: number; pairs: number }>;
    let bytes = 0;
    for (const [name, list] of tables) {
      layout[name] = { at: bytes / 4, count: list.length, pairs: 0 };
      bytes += Math.ceil((list.length * SPARSE_TASK_WORDS * 4) / TABLE_ALIGN) * TABLE_ALIGN;
    }
    return new SparseTables(ctx, at, kernel, ctx.storage('sinkhorn:sparse-tasks', bytes), layout);
  }

  /** Upload the tables and ranges of the kept sets `kept[p][kind]`. */
  write(kept: KeptRanges[][]): void {
    const ctx = this.ctx;
    const { tables, ranges } = sparseTaskTables(this.at, kept);
    const words = new Uint32Array(this.tasks.size / 4);
    for (const [name, list] of tables) {
      packSparseTasks(list, words, this.layout[name].at);
      let pairs = 0;
      for (const t of list) for (let q = t.rangeOff; q < t.rangeOff + t.rangeCount; q++) pairs += t.n * (ranges[2 * q + 1]! - ranges[2 * q]!);
      this.layout[name].pairs = pairs;
    }
    ctx.write(this.tasks, words);
    if (!this.ranges || this.ranges.size < ranges.byteLength) {
      if (this.ranges) ctx.destroyBuffer(this.ranges);
      // Grown by half again, so a few rebuilds with more ranges do not reallocate every time.
      this.ranges = ctx.storage('sinkhorn:sparse-ranges', Math.ceil((ranges.byteLength * 1.5) / 16) * 16);
      const binds = {} as Record<TableKey, GPUBindGroup>;
      for (const [name] of tables) binds[name] = this.kernel.taskBindGroup(ctx, `sinkhorn:sparse:${name}`, this.tasks, this.layout[name].at * 4, this.layout[name].count, this.ranges);
      this.binds = binds;
    }
    ctx.write(this.ranges, ranges);
  }

  /** The kernel's bind group of ε level `level` (its uniform and the solver's buffers). */
  levelBind(level: number, uniform: GPUBuffer, buffers: { pts: GPUBuffer; logw: GPUBuffer; pot: GPUBuffer; err: GPUBuffer }): GPUBindGroup {
    let bind = this.levelBinds.get(level);
    if (!bind) {
      bind = this.kernel.mainBindGroup(this.ctx, `sinkhorn:sparse-level${level}`, uniform, buffers.pts, buffers.logw, buffers.pot, buffers.err);
      this.levelBinds.set(level, bind);
    }
    return bind;
  }

  /** Dispatch table `name`; returns the pair evaluations it costs. */
  dispatch(pass: GPUComputePassEncoder, level: GPUBindGroup, name: TableKey): number {
    this.kernel.dispatch(pass, level, this.binds![name], this.layout[name].count);
    return this.layout[name].pairs;
  }

  get buffers(): GPUBuffer[] {
    return [this.tasks, ...(this.ranges ? [this.ranges] : [])];
  }

  destroy(): void {
    this.ctx.destroyBuffer(this.tasks);
    if (this.ranges) this.ctx.destroyBuffer(this.ranges);
  }
}

/**
 * The sparse task tables, one task per row tile, in the same tables as the dense ones;
 * `kept[p][kind]` gives each row tile's column ranges (null: only count the tasks).
 */
function sparseTaskTables(at: Placement, kept: KeptRanges[][] | null): { tables: [TableKey, SparseTask[]][]; ranges: Uint32Array } {
  const T = at.total;
  const kinds = kindsOf(at.debias);
  // Ranges of all blocks in one array; rangeBase[p][kind] is where a block's ranges start.
  const rangeBase: number[][] = [];
  let total = 0;
  const parts: Uint32Array[] = [];
  at.layouts.forEach((_, p) => {
    rangeBase.push(
      kinds.map((_k, q) => {
        const start = total;
        const r = kept?.[p]![q]!.ranges ?? new Uint32Array(0);
        parts.push(r);
        total += r.length / 2;
        return start;
      }),
    );
  });
  const ranges = new Uint32Array(Math.max(2, 2 * total));
  let o = 0;
  for (const r of parts) (ranges.set(r, o), (o += r.length));
  const tables = taskTables(at.layouts.length, at.debias, (p, kind, from, to): SparseTask[] => {
    const b = blockOf(at.layouts[p]!, kind);
    const q = kinds.indexOf(kind);
    const k = kept?.[p]![q];
    const out: SparseTask[] = [];
    for (let t = 0; t * SPARSE_TILE_ROWS < b.rowsN; t++) {
      const r0 = b.rows + t * SPARSE_TILE_ROWS;
      out.push({
        rowOff: r0,
        n: Math.min(SPARSE_TILE_ROWS, b.rowsN - t * SPARSE_TILE_ROWS),
        colOff: b.cols,
        rangeOff: rangeBase[p]![q]! + (k ? k.off[t]! : 0),
        rangeCount: k ? k.off[t + 1]! - k.off[t]! : 1,
        colPot: potentialAt(T, from, b.self, b.cols),
        oldPot: potentialAt(T, from, b.self, r0),
        outPot: potentialAt(T, to, b.self, r0),
        colLogw: b.cols,
        rowLogw: r0,
        errOff: (b.self ? T : 0) + r0,
        selfTerm: b.self,
      });
    }
    return out;
  });
  return { tables, ranges };
}

/**
 * The kept pairs of one solve: built at the start of each level where it pays, checked and rebuilt
 * at the final ε. `sparse` says whether the current level runs block-sparse.
 */
export class KeptSet {
  sparse = false;
  private used: KeptRanges[][] | undefined;
  sparseLevels = 0;
  rebuilds = 0;
  keptFraction = 1;
  private checks = 0;

  constructor(
    readonly tau: number,
    private readonly pts: Float32Array,
    private readonly at: Placement,
    private readonly schedule: readonly number[],
    private readonly diameter: number,
  ) {}

  /** The kept column ranges of every block at `level` from potentials `pot` (copies as given), with τ + margin. */
  private build(pot: Float32Array, level: number, margin: number, copies: { cross: number; self: number }): { kept: KeptRanges[][]; fraction: number } {
    const { d, total: T } = this.at;
    let pairs = 0;
    let all = 0;
    // The blocks X/Y and Y/X (and X/X, Y/Y) share their sides' summaries.
    const cache = new SideCache(this.pts, d);
    const kept = this.at.layouts.map((l) =>
      kindsOf(this.at.debias).map((kind) => {
        const b = blockOf(l, kind);
        const base = b.self ? (2 * copies.self + 1) * T : 2 * copies.cross * T;
        all += b.rowsN * b.colsN;
        const r = keptRanges(this.pts, d, { at: b.rows, n: b.rowsN, pot, potAt: base + b.rows }, { at: b.cols, n: b.colsN, pot, potAt: base + b.cols }, SPARSE_TILE_ROWS, (this.tau + margin) * this.schedule[level]!, cache);
        pairs += r.pairs;
        return r;
      }),
    );
    return { kept, fraction: pairs / all };
  }

  /** Whether the kept set is worth building at `level` (else the level runs dense): τε under 1/16 of the squared diameter. */
  worthBuilding(level: number): boolean {
    const ok = 16 * (this.tau + TRUNCATE_MARGIN) * this.schedule[level]! <= this.diameter * this.diameter;
    if (!ok) this.sparse = false;
    return ok;
  }

  /**
   * At the start of a level: build the kept set from the potentials so far (those of the previous
   * level) and run the level sparse when it keeps at most SPARSE_MAX_FRACTION of the pairs.
   */
  enterLevel(level: number, pot: Float32Array, copies: { cross: number; self: number }, tables: SparseTables): void {
    const { kept, fraction } = this.build(pot, level, TRUNCATE_MARGIN, copies);
    this.keptFraction = fraction;
    this.sparse = false;
    if (fraction <= SPARSE_MAX_FRACTION) {
      tables.write(kept);
      this.used = kept;
      this.sparse = true;
      this.sparseLevels++;
    }
  }

  /** Whether the check at the final ε (marginal error `converged` or not) should re-check the kept set. */
  dueForCheck(converged: boolean): boolean {
    this.checks++;
    return this.sparse && this.used !== undefined && (converged || this.checks % KEPT_CHECK_EVERY === 1);
  }

  /**
   * Check the kept set against the kept set of the current potentials at τ (no margin): at
   * convergence (the result must be the dense one to e^{-τ}) and every few checks before (a kept set
   * built from poor potentials, e.g. those of the previous level, can drop pairs that matter and
   * stall the iteration above tol). If a dropped tile pair may now hold a slack under τε, rebuild
   * from the current potentials (or, after MAX_REBUILDS, finish dense) and return false.
   */
  recheck(pot: Float32Array, level: number, copies: { cross: number; self: number }, tables: SparseTables): boolean {
    const { kept: now } = this.build(pot, level, 0, copies);
    if (now.every((ks, p) => ks.every((k, q) => keptSubset(k, this.used![p]![q]!)))) return true;
    this.rebuilds++;
    if (this.rebuilds > MAX_REBUILDS) {
      this.sparse = false;
    } else {
      const { kept, fraction } = this.build(pot, level, TRUNCATE_MARGIN, copies);
      tables.write(kept);
      this.used = kept;
      this.keptFraction = fraction;
    }
    return false;
  }
}
