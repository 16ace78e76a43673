/**
 * Entropic optimal transport between point clouds with a streamed log-domain Sinkhorn on the GPU.
 *
 * Problem (cost C(x, y) = |x - y|², so OT_0 = W2²):
 *   OT_ε(α, β) = min_π <π, C> + ε KL(π | a ⊗ b)   over couplings π of a (on X) and b (on Y)
 *             = max_{f,g} <a, f> + <b, g>          at the fixed point of
 *   f_i = -ε log Σ_j b_j exp((g_j - C_ij)/ε),  g_j = -ε log Σ_i a_i exp((f_i - C_ij)/ε),
 * with the plan π_ij = a_i b_j exp((f_i + g_j - C_ij)/ε). The debiased Sinkhorn divergence
 *   S_ε = OT_ε(α, β) - ½ OT_ε(α, α) - ½ OT_ε(β, β) = <a, f - f_aa> + <b, g - g_bb>
 * is the default estimate of W2² (Feydy et al. 2019): its bias is O(ε²) instead of O(ε log 1/ε).
 *
 * Algorithm (after geomloss's sinkhorn_divergence / sinkhorn_loop, with changes measured in
 * bench/sinkhorn.bench.ts):
 *  - the clouds are centred first (W2² and OT_ε split exactly into |m_X - m_Y|² plus the centred
 *    problem), which keeps the f32 potentials small for clouds far apart;
 *  - coarse start (src/transport/multiscale.ts): the clouds binned on a grid of at most 96 cells,
 *    that small problem solved in float64 on the CPU, its potentials extended to every point by one
 *    softmin; the fine annealing starts at the coarse ε (this settles the offsets between separated
 *    clusters, which otherwise stall the final level, and skips the coarse levels of the fine solve);
 *  - ε-scaling: ε runs from diameter² (or the coarse ε) down to blur² by factors scaling²
 *    (geomloss's epsilon_schedule), with `levelIterations` symmetric averaged updates per level
 *    (f ← ½(f + T(g)), g ← ½(g + T(f)), all four potentials at once, in one dispatch);
 *  - at the final ε, alternating updates with over-relaxation f ← (1-ω) f + ω T(g): ω starts at 1
 *    and is raised towards the SOR optimum ω = 2/(1 + sqrt(1 - θ)) (Lehmann et al. 2021, "A note on
 *    overrelaxation in the Sinkhorn algorithm"), θ the plain rate inferred at every check from the
 *    rate measured at the current ω; (ω - 1) is halved whenever the error grows. On 1500 points of
 *    the tight 4-cluster data against a Gaussian cloud (blur 0.05) this takes the final level from
 *    941 iterations (θ fixed from the first two checks, ω = 1.24) to 151 (ω → 1.9);
 *  - truncation of far pairs for large problems (option `truncate`, src/transport/truncation.ts and
 *    shaders/sinkhorn_softmin_sparse.wgsl): points ordered by a k-d tree, the coarse levels solved
 *    on the tree's leaves by a nested solver, the fine levels block-sparse over the tile pairs whose
 *    bound of C - f - g is under τε (N = 10^4 of the benchmark: 29% of the pairs kept at the final ε);
 *  - the L1 marginal error Σ a_i |π1_i/a_i - 1| + Σ b_j |πᵀ1_j/b_j - 1| is written by the softmin
 *    kernel itself and reduced and read every `checkEvery` iterations; nothing else is read until the
 *    end. fp32 floors it near 1e-5, so `tol` should stay above ~3e-5.
 */
import { abortable, reportProgress, throwIfAborted, type RunOptions } from '../gpu/run.js';
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { Reduce, type ReducePlan } from '../kernels/reduce.js';
import { packTasks, SinkhornSoftmin, SoftminParams, TASK_WORDS, type SoftminTask } from '../kernels/sinkhorn_softmin.js';
import { MomentParams, SinkhornPlanMoments, type MomentTask } from '../kernels/sinkhorn_plan_moments.js';
import { packSparseTasks, SinkhornSoftminSparse, SPARSE_TASK_WORDS, SPARSE_TILE_ROWS, type SparseTask } from '../kernels/sinkhorn_softmin_sparse.js';
import { coarseStart, type CoarseStart } from './multiscale.js';
import { keptRanges, keptSubset, spatialOrder, tiledSoftmin, TILE, type KeptRanges } from './truncation.js';
import { positive, sameDim, toCloud, type Cloud, type CloudLike } from './input.js';

/**
 * Options of sinkhorn(). Progress (RunOptions.onProgress) is reported at each convergence check as
 * `{ stage: 'sinkhorn', done: iterations, total: maxIterations, metrics: { marginalError,
 * selfMarginalError, eps, omega } }`; `signal` cancels at the next check with CancelledError.
 */
export interface SinkhornOptions extends RunOptions {
  /**
   * Target blur σ (length units of the points): the final ε is σ² for the cost |x - y|².
   * Default 0.01·diameter. geomloss's convention differs (cost |x - y|²/2, ε = σ²/... ); here
   * ε = blur² exactly.
   */
  blur?: number;
  /** The final ε directly (overrides `blur`). */
  eps?: number;
  /** ε-scaling factor on the blur per level, in (0, 1); default 0.5 (ε shrinks 4× per level). */
  scaling?: number;
  /** Diameter of the data for the first ε (default: the bounding-box diagonal of the centred clouds). */
  diameter?: number;
  /** Return the debiased divergence S_ε as w2sq (default true); false returns OT_ε itself. */
  debias?: boolean;
  /** Stop when the L1 marginal error is below this (default 1e-4; fp32 floors it near 1e-5). */
  tol?: number;
  /** Cap on softmin iterations in total (default 5000). */
  maxIterations?: number;
  /** Read the marginal error back every this many iterations (default 10). */
  checkEvery?: number;
  /** Symmetric averaged updates per annealing level before its first check (default 3). */
  levelIterations?: number;
  /**
   * Each annealing level iterates until its own marginal error is below this (checked every
   * `checkEvery` iterations, at most `levelMaxIterations` per level). Default Infinity: a fixed
   * `levelIterations` per level (geomloss's schedule). Nearly converged levels hand the next one
   * potentials whose offsets between separated groups of points are right, which the coarse start
   * (`multiscale`) already does more cheaply; measured on smooth clouds, 1e-2 costs 10-40% more
   * iterations.
   */
  levelTol?: number;
  /** Cap on the iterations of one annealing level (default 200). */
  levelMaxIterations?: number;
  /**
   * Start from a coarse problem (grid cells of the clouds, solved in float64 on the CPU) instead of
   * ε = diameter² (default true, for clouds of a few hundred points and more; GPU-resident clouds
   * are read back once for it). It settles the potential offsets between separated clusters of
   * unequal mass, which plain annealing leaves to thousands of slow iterations at small ε
   * (src/transport/multiscale.ts).
   */
  multiscale?: boolean;
  /**
   * Truncation of far pairs (src/transport/truncation.ts): the points are ordered by a k-d tree and,
   * at each ε level where it pays, the softmin runs block-sparse over the column tiles whose lower
   * bound of C_ij - f_i - g_j is at most τ·ε (τ this value), so each softmin equals the dense one to
   * a relative e^{-τ}; the kept set is re-checked with the current potentials at the final ε (every
   * few checks and at convergence) and rebuilt when they moved. Single problems of 2048+ points per
   * cloud also replace the coarse levels by a nested solve on the k-d tree leaves (`truncation.leaves`
   * in the result). Default: τ = 12 (e^{-12} ≈ 6e-6, under the default tol) when n·m ≥ 4·10^6 and
   * d ≤ 3 with the clouds on the host (or read back), else off; `false` turns it off.
   */
  truncate?: number | false;
  /** Updates at the final ε: 'alternating' with adaptive over-relaxation (default) or 'symmetric'. */
  finalUpdates?: 'alternating' | 'symmetric';
  /** Fixed over-relaxation ω in [1, 2) at the final ε instead of the adaptive choice. */
  omega?: number;
  /** Compute the gradient of the returned w2sq with respect to X's points (default false). */
  grad?: boolean;
  /** Compute <π, C>, the transport cost of the entropic plan (default false; implied by grad). */
  linearCost?: boolean;
  /** Return the dense plan (float32, n×m row-major) when n·m <= 1e7 (default false). */
  plan?: boolean;
}

export interface SinkhornResult {
  /** sqrt(max(w2sq, 0)). */
  w2: number;
  /** The W2² estimate: S_ε when debiased (default), else OT_ε. */
  w2sq: number;
  /** OT_ε(α, β), the entropic transport value (dual objective at the final potentials). */
  ot: number;
  /** S_ε(α, β) (undefined when debias is false). */
  divergence: number | undefined;
  /** <π, C> of the entropic plan (when grad or linearCost was asked). */
  linearCost: number | undefined;
  /** Dual potentials of OT_ε(α, β) (f on X, g on Y) and, when debiased, of OT_ε(α, α) and OT_ε(β, β). */
  potentials: { f: Float32Array; g: Float32Array; fSelf?: Float32Array; gSelf?: Float32Array };
  /** Gradient of w2sq with respect to X (n×d row-major), when asked. */
  grad: Float32Array | undefined;
  /** The plan π (n×m row-major, entries sum to 1), when asked and small. */
  plan: Float32Array | undefined;
  eps: number;
  blur: number;
  diameter: number;
  levels: number;
  /** Softmin iterations (each updates every potential once). */
  iterations: number;
  /** Final L1 marginal error of the cross problem (and of the self problems). */
  marginalError: number;
  selfMarginalError: number | undefined;
  converged: boolean;
  omega: number;
  /**
   * Softmin pair evaluations (cost and exp) of this solve, all problems of the batch together: n·m
   * per dense softmin, the kept pairs per block-sparse one (the exact max-pass redo of rows whose
   * fast sum left the f32 range and the nested leaf solve are not counted).
   */
  pairEvaluations: number;
  /**
   * Truncation of far pairs, when used: τ, the kept fraction of the pairs at the final ε (all four
   * problems of a debiased solve together), the levels that ran block-sparse and the rebuilds of
   * the kept set at the final ε after a check with the current potentials failed.
   */
  truncation:
    | {
        tau: number;
        keptFraction: number;
        sparseLevels: number;
        rebuilds: number;
        /** The nested solve on the k-d tree leaves that replaced the coarse levels (points per cloud, its iterations, the ε it reached). */
        leaves?: { points: number; iterations: number; eps: number };
      }
    | undefined;
  ms: number;
}

/** geomloss's ε schedule for cost |x-y|²: diameter² ... blur² by factors scaling². */
export function epsilonSchedule(diameter: number, blur: number, scaling: number): number[] {
  const out = [diameter * diameter];
  const step = 2 * Math.log(scaling);
  for (let e = 2 * Math.log(diameter) + step; e > 2 * Math.log(blur); e += step) out.push(Math.exp(e));
  out.push(blur * blur);
  return out;
}

export interface SinkhornShape {
  d: number;
  /** Sizes (n, m) of each problem of the batch. */
  sizes: readonly { n: number; m: number }[];
  debias: boolean;
}

/** Where problem p lives: X points at [xs, xs + n), Y at [ys, ys + m); both blocks padded to 4 points. */
interface Layout {
  xs: number;
  ys: number;
  n: number;
  m: number;
  /** Padded points of the problem (the X and Y blocks). */
  span: number;
}

const pad4 = (k: number) => Math.ceil(k / 4) * 4;

const ALIGN = 256;
/** Task tables: J{c}{s} symmetric (cross c → 1-c, self s → 1-s), A{c}{s} X-rows in place + self, B{c} Y-rows. */
type TableName = `J${0 | 1}${0 | 1}` | `A${0 | 1}${0 | 1}` | `B${0 | 1}` | `X${0 | 1}`;
const PLAN_LIMIT = 1e7;
/** Rows and columns (point offsets and counts) of one kind of block of a problem. */
function blockOf(l: Layout, kind: Kind): { rows: number; rowsN: number; cols: number; colsN: number; self: boolean } {
  switch (kind) {
    case 'xy':
      return { rows: l.xs, rowsN: l.n, cols: l.ys, colsN: l.m, self: false };
    case 'yx':
      return { rows: l.ys, rowsN: l.m, cols: l.xs, colsN: l.n, self: false };
    case 'xx':
      return { rows: l.xs, rowsN: l.n, cols: l.xs, colsN: l.n, self: true };
    case 'yy':
      return { rows: l.ys, rowsN: l.m, cols: l.ys, colsN: l.m, self: true };
  }
}

/** Default τ of the truncation of far pairs, and the problem size from which it is on by default. */
export const TRUNCATE_TAU = 12;
export const TRUNCATE_MIN_PAIRS = 4e6;
/**
 * The kept set is built with τ + this margin (in units of ε) from potentials that still move (those
 * of the previous level, or of a check before convergence), and checked at τ with the final ones.
 */
const TRUNCATE_MARGIN = 2;
/** At the final ε, the kept set is checked at the 1st, (1 + this)th, ... marginal-error check. */
const KEPT_CHECK_EVERY = 4;
/** The leaf start needs this many points in each cloud (64 leaves). */
const LEAF_MIN_POINTS = 64 * TILE;
/** A level runs block-sparse only when it keeps at most this fraction of the pairs. */
const SPARSE_MAX_FRACTION = 0.6;
/** Kinds of block of the truncation: rows X / columns Y, Y/X, and the self problems X/X, Y/Y. */
type Kind = 'xy' | 'yx' | 'xx' | 'yy';

const permute = (src: Float32Array, order: Uint32Array, d: number): Float32Array => {
  const out = new Float32Array(order.length * d);
  for (let k = 0; k < order.length; k++) for (let c = 0; c < d; c++) out[k * d + c] = src[order[k]! * d + c]!;
  return out;
};
/** The values of sorted position k put back at the caller's index order[k]. */
const unsort = (src: ArrayLike<number>, order: Uint32Array | undefined, width = 1): Float32Array => {
  const out = new Float32Array(src.length);
  if (!order) {
    out.set(src);
    return out;
  }
  for (let k = 0; k < order.length; k++) for (let c = 0; c < width; c++) out[order[k]! * width + c] = src[k * width + c]!;
  return out;
};

/**
 * A Sinkhorn solver for fixed sizes: it allocates its GPU buffers, task tables and pipelines once and
 * can solve many problems of the same shape (e.g. particles that move every step) with no further
 * allocation except the small uniforms of new ε levels. Call destroy() when done.
 */
export class SinkhornSolver {
  private readonly layouts: Layout[];
  readonly total: number;
  private readonly maxRows: number;
  private readonly pts: GPUBuffer;
  private readonly logw: GPUBuffer;
  private readonly pot: GPUBuffer;
  private readonly err: GPUBuffer;
  private readonly tasks: GPUBuffer;
  private readonly gather: GPUBuffer;
  private readonly tables: Record<TableName, { bind: GPUBindGroup; count: number; pairs: number }>;
  private readonly levelParams: GPUBuffer[] = [];
  private readonly levelBinds: GPUBindGroup[] = [];
  private readonly reducePlans: ReducePlan[];
  private moments: SinkhornPlanMoments | undefined;
  /** Block-sparse softmin state (created at the first truncated solve). */
  private sparse:
    | {
        kernel: SinkhornSoftminSparse;
        tasks: GPUBuffer;
        ranges: GPUBuffer | undefined;
        /** Word offset, task count and kept pairs of every table in `tasks`. */
        layout: Record<TableName, { at: number; count: number; pairs: number }>;
        binds: Record<TableName, GPUBindGroup> | undefined;
      }
    | undefined;
  private destroyed = false;

  private constructor(
    private readonly ctx: GpuContext,
    readonly shape: SinkhornShape,
    private readonly softmin: SinkhornSoftmin,
    reduce: Reduce,
    plans: ReducePlan[] | undefined,
  ) {
    const { d, sizes, debias } = shape;
    let start = 0;
    // Every block starts at a multiple of 4 points: the softmin loads 4 points / potentials as vec4s.
    this.layouts = sizes.map(({ n, m }) => {
      const l = { xs: start, ys: start + pad4(n), n, m, span: pad4(n) + pad4(m) };
      start += l.span;
      return l;
    });
    const T = (this.total = start);
    this.maxRows = Math.max(...sizes.map((s) => Math.max(s.n, s.m)));
    this.pts = ctx.storage('sinkhorn:points', T * d * 4);
    this.logw = ctx.storage('sinkhorn:logw', T * 4);
    // Potentials indexed like the points: [copy c][kind k: 0 cross, 1 self][point].
    this.pot = ctx.storage('sinkhorn:potentials', 4 * T * 4);
    this.err = ctx.storage('sinkhorn:marginal-error', 2 * T * 4);
    const P = sizes.length;
    const segs = debias ? 2 : 1;
    this.gather = ctx.storage('sinkhorn:errors', P * segs * 16);
    void reduce;
    this.reducePlans = plans ?? [];

    // Task tables (see shaders/sinkhorn_softmin.wgsl): J(c) symmetric Jacobi from copy c to 1-c;
    // A(s) X-rows of the cross problem in place (copy 0) and the self problems s → 1-s; B Y-rows.
    const pot = (c: number, k: number, i: number) => (2 * c + k) * T + i;
    const cross = (l: Layout, xRows: boolean, from: number, to: number): SoftminTask => {
      const { xs, ys } = l;
      return xRows
        ? { rowOff: xs, n: l.n, colOff: ys, m: l.m, colPot: pot(from, 0, ys), oldPot: pot(from, 0, xs), outPot: pot(to, 0, xs), colLogw: ys, rowLogw: xs, errOff: xs, selfTerm: false }
        : { rowOff: ys, n: l.m, colOff: xs, m: l.n, colPot: pot(from, 0, xs), oldPot: pot(from, 0, ys), outPot: pot(to, 0, ys), colLogw: xs, rowLogw: ys, errOff: ys, selfTerm: false };
    };
    const self = (l: Layout, xRows: boolean, from: number, to: number): SoftminTask => {
      const s = xRows ? l.xs : l.ys;
      const len = xRows ? l.n : l.m;
      return { rowOff: s, n: len, colOff: s, m: len, colPot: pot(from, 1, s), oldPot: pot(from, 1, s), outPot: pot(to, 1, s), colLogw: s, rowLogw: s, errOff: T + s, selfTerm: true };
    };
    const selfTasks = (s: number) => (debias ? this.layouts.flatMap((l) => [self(l, true, s, 1 - s), self(l, false, s, 1 - s)]) : []);
    // Every parity combination gets its own table, so switching update kinds never copies.
    const tableList: [TableName, SoftminTask[]][] = [];
    for (const c of [0, 1]) {
      for (const s of [0, 1]) {
        tableList.push([`J${c}${s}` as TableName, [...this.layouts.flatMap((l) => [cross(l, true, c, 1 - c), cross(l, false, c, 1 - c)]), ...selfTasks(s)]]);
        tableList.push([`A${c}${s}` as TableName, [...this.layouts.map((l) => cross(l, true, c, c)), ...selfTasks(s)]]);
      }
      tableList.push([`B${c}` as TableName, this.layouts.map((l) => cross(l, false, c, c))]);
      // X rows of the cross problem alone: once the self problems have converged at the final ε
      // (they do not depend on the cross problem), they are frozen and each iteration costs half.
      tableList.push([`X${c}` as TableName, this.layouts.map((l) => cross(l, true, c, c))]);
    }
    const offsets: number[] = [];
    let bytes = 0;
    for (const [, list] of tableList) {
      offsets.push(bytes);
      bytes += Math.ceil((list.length * TASK_WORDS * 4) / ALIGN) * ALIGN;
    }
    const words = new Uint32Array(bytes / 4);
    tableList.forEach(([, list], k) => packTasks(list, words, offsets[k]! / 4));
    this.tasks = ctx.storage('sinkhorn:tasks', words);
    const tables = {} as Record<TableName, { bind: GPUBindGroup; count: number; pairs: number }>;
    tableList.forEach(([name, list], k) => {
      tables[name] = { bind: softmin.taskBindGroup(ctx, `sinkhorn:tasks:${name}`, this.tasks, offsets[k]!, list.length), count: list.length, pairs: list.reduce((s, t) => s + t.n * t.m, 0) };
    });
    this.tables = tables;
  }

  /** Bytes of GPU memory this solver holds (O(N + M): no N×M buffer exists). */
  get gpuBytes(): number {
    const sparse = this.sparse ? [this.sparse.tasks, ...(this.sparse.ranges ? [this.sparse.ranges] : [])] : [];
    return [this.pts, this.logw, this.pot, this.err, this.tasks, this.gather, ...this.levelParams, ...sparse].reduce((s, b) => s + b.size, 0);
  }

  /** Allocate a solver for a batch of problems of the given sizes in dimension d. */
  static async create(ctx: GpuContext, shape: SinkhornShape): Promise<SinkhornSolver> {
    if (shape.sizes.length === 0) throw new InputError('sinkhorn: no problems given');
    for (const { n, m } of shape.sizes) {
      if (!(n >= 1 && m >= 1)) throw new InputError(`sinkhorn: empty cloud (sizes ${n} and ${m})`);
    }
    const softmin = await SinkhornSoftmin.create(ctx, shape.d);
    const reduce = await Reduce.create(ctx);
    const solver = new SinkhornSolver(ctx, shape, softmin, reduce, undefined);
    try {
      const segs = shape.debias ? 2 : 1;
      for (const l of solver.layouts) {
        solver.reducePlans.push(await reduce.plan('sum', solver.err, l.span, { segments: segs, inOffset: l.xs, inStride: solver.total }));
      }
    } catch (e) {
      solver.destroy();
      throw e;
    }
    return solver;
  }

  private readonly sparseLevelBinds: GPUBindGroup[] = [];

  /**
   * The coarse levels on the k-d tree leaves (geomloss's multiscale scheme): each run of TILE sorted
   * points becomes one point (weighted centroid, total mass), that problem is solved by a nested
   * solver down to ε_x, the smallest ε of the schedule still at least 4 r̄² (r̄² the mean squared
   * distance of a point to its leaf centroid in the median leaf: below that the leaves no longer
   * resolve the plan; the median, as a leaf that straddles two separated groups would set a large
   * ε_x, and the fine levels after it could no longer settle the offsets between the groups), and its potentials are extended to every point by one
   * float64 softmin at ε_x (`tiledSoftmin`: each leaf of points skips the centres out of reach). The fine solve then starts at the next ε. Single problems only.
   */
  private async leafStart(
    pts: Float32Array,
    logw: Float32Array,
    diameter: number,
    blur: number,
    scaling: number,
    options: SinkhornOptions,
  ): Promise<{ init: Float32Array; schedule: number[]; info: { points: number; iterations: number; eps: number } } | undefined> {
    const d = this.shape.d;
    const l = this.layouts[0]!;
    const T = this.total;
    const leaves = (at: number, n: number) => {
      const count = Math.ceil(n / TILE);
      const c = new Float32Array(count * d);
      const w = new Float64Array(count);
      const r2 = new Float64Array(count);
      for (let L = 0; L < count; L++) {
        const sum = new Float64Array(d);
        for (let i = L * TILE; i < Math.min(n, (L + 1) * TILE); i++) {
          const wi = Math.exp(logw[at + i]!);
          w[L] = w[L]! + wi;
          for (let k = 0; k < d; k++) sum[k] = sum[k]! + wi * pts[(at + i) * d + k]!;
        }
        for (let k = 0; k < d; k++) c[L * d + k] = sum[k]! / w[L]!;
        for (let i = L * TILE; i < Math.min(n, (L + 1) * TILE); i++) {
          for (let k = 0; k < d; k++) r2[L] = r2[L]! + (Math.exp(logw[at + i]!) / w[L]!) * (pts[(at + i) * d + k]! - c[L * d + k]!) ** 2;
        }
      }
      // The median leaf (a leaf that straddles two separated groups must not set the scale).
      const sorted = r2.slice().sort();
      return { c, w, count, r2: sorted[count >> 1]! };
    };
    const X = leaves(l.xs, l.n);
    const Y = leaves(l.ys, l.m);
    const full = epsilonSchedule(Math.max(diameter, blur), blur, scaling);
    const floor = 4 * Math.max(X.r2, Y.r2);
    let kx = -1;
    for (let k = 0; k < full.length; k++) if (full[k]! >= floor) kx = k;
    if (kx < 1) return undefined;
    const epsX = full[kx]!;
    const debias = this.shape.debias;
    const nested = await SinkhornSolver.create(this.ctx, { d, sizes: [{ n: X.count, m: Y.count }], debias });
    let r: SinkhornResult;
    try {
      [r] = (await nested.solve([{ x: { data: X.c, d, weights: X.w }, y: { data: Y.c, d, weights: Y.w } }], {
        blur: Math.sqrt(epsX),
        diameter,
        scaling,
        tol: options.tol ?? 1e-4,
        levelIterations: options.levelIterations,
        ...(options.signal ? { signal: options.signal } : {}),
      })) as [SinkhornResult];
    } finally {
      nested.destroy();
    }
    const init = new Float32Array(4 * T);
    const extend = (at: number, n: number, C: typeof X, pot: Float32Array, out: number) => {
      const f = new Float64Array(n);
      tiledSoftmin(pts.subarray(at * d, (at + n) * d), n, C.c, C.w, Float64Array.from(pot), d, epsX, f);
      init.set(f, out);
    };
    extend(l.xs, l.n, Y, r.potentials.g, l.xs);
    extend(l.ys, l.m, X, r.potentials.f, l.ys);
    if (debias) {
      extend(l.xs, l.n, X, r.potentials.fSelf!, T + l.xs);
      extend(l.ys, l.m, Y, r.potentials.gSelf!, T + l.ys);
    }
    const schedule = kx + 1 < full.length ? full.slice(kx + 1) : [blur * blur];
    return { init, schedule, info: { points: Math.max(X.count, Y.count), iterations: r.iterations, eps: epsX } };
  }

  /** The sparse kernel's level bind group (same buffers as levelBind). */
  private sparseLevelBind(level: number): GPUBindGroup {
    this.levelBind(level);
    while (this.sparseLevelBinds.length <= level) {
      const k = this.sparseLevelBinds.length;
      this.sparseLevelBinds.push(this.sparse!.kernel.mainBindGroup(this.ctx, `sinkhorn:sparse-level${k}`, this.levelParams[k]!, this.pts, this.logw, this.pot, this.err));
    }
    return this.sparseLevelBinds[level]!;
  }

  /**
   * The sparse task tables, one task per row tile, in the same parity tables as the dense ones;
   * `kept[p][kind]` gives each row tile's column ranges (null: only count the tasks).
   */
  private sparseTaskTables(kept: KeptRanges[][] | null): { tables: [TableName, SparseTask[]][]; ranges: Uint32Array } {
    const T = this.total;
    const debias = this.shape.debias;
    const kinds: Kind[] = debias ? ['xy', 'yx', 'xx', 'yy'] : ['xy', 'yx'];
    // Ranges of all blocks in one array; rangeBase[p][kind] is where a block's ranges start.
    const rangeBase: number[][] = [];
    let total = 0;
    const parts: Uint32Array[] = [];
    this.layouts.forEach((_, p) => {
      rangeBase.push(
        kinds.map((_k, q) => {
          const at = total;
          const r = kept?.[p]![q]!.ranges ?? new Uint32Array(0);
          parts.push(r);
          total += r.length / 2;
          return at;
        }),
      );
    });
    const ranges = new Uint32Array(Math.max(2, 2 * total));
    let o = 0;
    for (const r of parts) (ranges.set(r, o), (o += r.length));
    const pot = (c: number, self: boolean, i: number) => (2 * c + (self ? 1 : 0)) * T + i;
    const tasksOf = (p: number, kind: Kind, from: number, to: number): SparseTask[] => {
      const l = this.layouts[p]!;
      const b = blockOf(l, kind);
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
          colPot: pot(from, b.self, b.cols),
          oldPot: pot(from, b.self, r0),
          outPot: pot(to, b.self, r0),
          colLogw: b.cols,
          rowLogw: r0,
          errOff: (b.self ? T : 0) + r0,
          selfTerm: b.self,
        });
      }
      return out;
    };
    const P = this.layouts.map((_, p) => p);
    const selfTasks = (s: number) => (debias ? P.flatMap((p) => [...tasksOf(p, 'xx', s, 1 - s), ...tasksOf(p, 'yy', s, 1 - s)]) : []);
    const tables: [TableName, SparseTask[]][] = [];
    for (const c of [0, 1]) {
      for (const s of [0, 1]) {
        tables.push([`J${c}${s}` as TableName, [...P.flatMap((p) => [...tasksOf(p, 'xy', c, 1 - c), ...tasksOf(p, 'yx', c, 1 - c)]), ...selfTasks(s)]]);
        tables.push([`A${c}${s}` as TableName, [...P.flatMap((p) => tasksOf(p, 'xy', c, c)), ...selfTasks(s)]]);
      }
      tables.push([`B${c}` as TableName, P.flatMap((p) => tasksOf(p, 'yx', c, c))]);
      tables.push([`X${c}` as TableName, P.flatMap((p) => tasksOf(p, 'xy', c, c))]);
    }
    return { tables, ranges };
  }

  /** Upload the sparse tables and ranges for the kept sets `kept[p][kind]` (allocating on first use). */
  private async writeSparse(kept: KeptRanges[][]): Promise<void> {
    const ctx = this.ctx;
    if (!this.sparse) {
      const kernel = await SinkhornSoftminSparse.create(ctx, this.shape.d);
      const { tables } = this.sparseTaskTables(null);
      const layout = {} as Record<TableName, { at: number; count: number; pairs: number }>;
      let bytes = 0;
      for (const [name, list] of tables) {
        layout[name] = { at: bytes / 4, count: list.length, pairs: 0 };
        bytes += Math.ceil((list.length * SPARSE_TASK_WORDS * 4) / ALIGN) * ALIGN;
      }
      this.sparse = { kernel, tasks: ctx.storage('sinkhorn:sparse-tasks', bytes), ranges: undefined, layout, binds: undefined };
    }
    const sp = this.sparse;
    const { tables, ranges } = this.sparseTaskTables(kept);
    const words = new Uint32Array(sp.tasks.size / 4);
    for (const [name, list] of tables) {
      packSparseTasks(list, words, sp.layout[name].at);
      let pairs = 0;
      for (const t of list) for (let q = t.rangeOff; q < t.rangeOff + t.rangeCount; q++) pairs += t.n * (ranges[2 * q + 1]! - ranges[2 * q]!);
      sp.layout[name].pairs = pairs;
    }
    ctx.write(sp.tasks, words);
    if (!sp.ranges || sp.ranges.size < ranges.byteLength) {
      if (sp.ranges) ctx.destroyBuffer(sp.ranges);
      // Grown by half again, so a few rebuilds with more ranges do not reallocate every time.
      sp.ranges = ctx.storage('sinkhorn:sparse-ranges', Math.ceil((ranges.byteLength * 1.5) / 16) * 16);
      const binds = {} as Record<TableName, GPUBindGroup>;
      for (const [name] of tables) binds[name] = sp.kernel.taskBindGroup(ctx, `sinkhorn:sparse:${name}`, sp.tasks, sp.layout[name].at * 4, sp.layout[name].count, sp.ranges);
      sp.binds = binds;
    }
    ctx.write(sp.ranges, ranges);
  }

  private levelBind(level: number): GPUBindGroup {
    while (this.levelParams.length <= level) {
      const k = this.levelParams.length;
      const u = this.ctx.uniform(`sinkhorn:level${k}`, SoftminParams.byteSize);
      this.levelParams.push(u);
      this.levelBinds.push(this.softmin.mainBindGroup(this.ctx, `sinkhorn:level${k}`, u, this.pts, this.logw, this.pot, this.err));
    }
    return this.levelBinds[level]!;
  }

  private writeLevel(level: number, eps: number, omegaCross: number): void {
    this.levelBind(level);
    this.ctx.write(this.levelParams[level]!, SoftminParams.pack({ eps, inv_eps: 1 / eps, omega_cross: omegaCross, omega_self: 0.5 }));
  }

  /**
   * Solve every problem of the batch. `problems[p]` gives X and Y (sizes as in the shape).
   * Float32Array inputs are validated and centred on the CPU; GPU buffers are read back once (for
   * the diameter and the coarse start), or, with `diameter` given and `multiscale: false`, copied on
   * the GPU and used as they are (no readback; a host cloud of a mixed pair is then uploaded as is).
   */
  async solve(problems: readonly { x: CloudLike; y: CloudLike }[], options: SinkhornOptions = {}): Promise<SinkhornResult[]> {
    const t0 = performance.now();
    const ctx = this.ctx;
    if (this.destroyed) throw new InputError('sinkhorn: this solver was destroyed');
    if (problems.length !== this.layouts.length) throw new InputError(`sinkhorn: ${problems.length} problems for a solver of ${this.layouts.length}`);
    checkOptions(options);
    const d = this.shape.d;
    const debias = this.shape.debias;
    if (options.debias !== undefined && options.debias !== debias) throw new InputError(`sinkhorn: this solver was created with debias = ${debias}`);
    const T = this.total;

    // Inputs: validate, centre (host) or copy (GPU), weights.
    const clouds = problems.map((pr, p) => {
      const sfx = problems.length > 1 ? `[${p}]` : '';
      const x = toCloud(`X${sfx}`, pr.x);
      const y = toCloud(`Y${sfx}`, pr.y);
      sameDim(x, y);
      if (x.d !== d) throw new InputError(`sinkhorn: points of dimension ${x.d} for a solver of dimension ${d}`);
      const l = this.layouts[p]!;
      if (x.n !== l.n || y.n !== l.m) throw new InputError(`sinkhorn: problem ${p} has sizes ${x.n}, ${y.n}; the solver was made for ${l.n}, ${l.m}`);
      return { x, y };
    });
    // Host copies are needed for the diameter and for the coarse start (a readback of n·d floats,
    // small next to the solve); with multiscale: false and a diameter, GPU clouds stay on the GPU.
    const needHost = options.diameter === undefined || options.multiscale !== false;
    // Truncation of far pairs needs the points on the host (to sort them and bound the tiles).
    const pairsMax = Math.max(...this.layouts.map((l) => l.n * l.m));
    const tau = options.truncate === false ? undefined : (options.truncate ?? (d <= 3 && pairsMax >= TRUNCATE_MIN_PAIRS ? TRUNCATE_TAU : undefined));
    const truncOn = tau !== undefined && (needHost || clouds.every((c) => c.x.host && c.y.host));
    const ptsHost = truncOn ? new Float32Array(T * d) : undefined;
    const enc0 = ctx.device.createCommandEncoder({ label: 'sinkhorn:upload' });
    const logw = new Float32Array(T);
    const prep = await Promise.all(
      clouds.map(async ({ x, y }, p) => {
        const l = this.layouts[p]!;
        const hx = x.host ?? (needHost ? await ctx.readF32(x.gpu!, 0, x.n * d) : undefined);
        const hy = y.host ?? (needHost ? await ctx.readF32(y.gpu!, 0, y.n * d) : undefined);
        let shift: Float64Array = new Float64Array(d);
        let mx: Float64Array = new Float64Array(d);
        let my: Float64Array = new Float64Array(d);
        let diameter = options.diameter ?? 0;
        let centred: { cx: Float32Array; cy: Float32Array } | undefined;
        let orderX: Uint32Array | undefined;
        let orderY: Uint32Array | undefined;
        if (hx && hy) {
          mx = weightedMean(hx, x.weights, d);
          my = weightedMean(hy, y.weights, d);
          shift = mx.map((v, c) => v - my[c]!);
          const cx = centre(hx, mx, d);
          const cy = centre(hy, my, d);
          if (options.diameter === undefined) diameter = bboxDiagonal(cx, cy, d);
          centred = { cx, cy };
          if (ptsHost) {
            // Ordered by a k-d tree: every tile of consecutive points is a compact box.
            orderX = spatialOrder(cx, x.n, d);
            orderY = spatialOrder(cy, y.n, d);
            ptsHost.set(permute(cx, orderX, d), l.xs * d);
            ptsHost.set(permute(cy, orderY, d), l.ys * d);
            ctx.write(this.pts, ptsHost.subarray(l.xs * d, (l.xs + l.span) * d), l.xs * d * 4);
          } else {
            ctx.write(this.pts, cx, l.xs * d * 4);
            ctx.write(this.pts, cy, l.ys * d * 4);
          }
        } else {
          // At least one cloud is GPU-resident and a diameter was given: no readback, no centring
          // (shift 0). A host cloud of a mixed pair is written as it is.
          const place = (c: Cloud, h: Float32Array | undefined, at: number) => {
            if (h) ctx.write(this.pts, h, at * d * 4);
            else enc0.copyBufferToBuffer(c.gpu!, 0, this.pts, at * d * 4, c.n * d * 4);
          };
          place(x, hx, l.xs);
          place(y, hy, l.ys);
        }
        for (let i = 0; i < l.n; i++) logw[l.xs + i] = Math.log(x.weights[orderX ? orderX[i]! : i]!);
        for (let j = 0; j < l.m; j++) logw[l.ys + j] = Math.log(y.weights[orderY ? orderY[j]! : j]!);
        return { x, y, hx, hy, mx, my, shift, diameter, centred, orderX, orderY };
      }),
    );
    ctx.write(this.logw, logw);

    // A zero diameter (e.g. one point against one point, after centring) would give ε = 0: floor it.
    const diameter = Math.max(...prep.map((q) => q.diameter), 1e-6);
    const blur = options.eps !== undefined ? Math.sqrt(options.eps) : (options.blur ?? 0.01 * diameter);
    const scaling = options.scaling ?? 0.5;
    // Leaf start (with truncation): the coarse levels solved by a nested solver on the k-d tree
    // leaves (TILE points each), its potentials extended to every point, the fine levels after.
    const leaf = truncOn && options.multiscale !== false && this.layouts.length === 1 && Math.min(this.layouts[0]!.n, this.layouts[0]!.m) >= LEAF_MIN_POINTS
      ? await this.leafStart(ptsHost!, logw, diameter, blur, scaling, options)
      : undefined;
    // Coarse-to-fine start (src/transport/multiscale.ts) when every cloud is on the host.
    let coarse: (CoarseStart | undefined)[] = [];
    if (!leaf && options.multiscale !== false && prep.every((q) => q.centred)) {
      coarse = prep.map((q) => coarseStart(q.centred!.cx, q.x.weights, q.centred!.cy, q.y.weights, d, diameter, blur, debias));
      if (!coarse.every((c) => c)) coarse = [];
    }
    const eps0 = coarse.length ? Math.max(...coarse.map((c) => c!.eps)) : undefined;
    if (eps0 !== undefined) {
      // Potentials [copy 0][cross | self][point] from the coarse solve; the rest zero.
      const init = new Float32Array(4 * T);
      const place = (src: Float64Array, at: number, order: Uint32Array | undefined) => {
        for (let k = 0; k < src.length; k++) init[at + k] = src[order ? order[k]! : k]!;
      };
      coarse.forEach((c, p) => {
        const l = this.layouts[p]!;
        const { orderX, orderY } = prep[p]!;
        place(c!.f, l.xs, orderX);
        place(c!.g, l.ys, orderY);
        if (debias) {
          place(c!.fSelf!, T + l.xs, orderX);
          place(c!.gSelf!, T + l.ys, orderY);
        }
      });
      ctx.write(this.pot, init);
    } else if (leaf) {
      ctx.write(this.pot, leaf.init);
    } else {
      enc0.clearBuffer(this.pot);
    }
    const schedule = leaf ? leaf.schedule : eps0 === undefined ? epsilonSchedule(Math.max(diameter, blur), blur, scaling) : eps0 <= blur * blur * (1 + 1e-9) ? [blur * blur] : epsilonSchedule(Math.sqrt(eps0), blur, scaling);
    const L = schedule.length;
    if (!(schedule[L - 1]! >= 1e-30)) throw new InputError(`sinkhorn: ε = ${schedule[L - 1]} is below the f32 range (blur too small)`);
    const eps = schedule[L - 1]!;
    const levelIterations = options.levelIterations ?? 3;
    const levelTol = options.levelTol ?? Infinity;
    const levelMaxIterations = options.levelMaxIterations ?? 200;
    const tol = options.tol ?? 1e-4;
    const maxIterations = options.maxIterations ?? 5000;
    const K = options.checkEvery ?? 10;
    const finalMode = options.finalUpdates ?? 'alternating';
    for (let k = 0; k < L - 1; k++) this.writeLevel(k, schedule[k]!, 0.5);
    let omega = options.omega ?? 1;
    const finalOmega = (w: number) => (finalMode === 'symmetric' ? 0.5 : w);
    this.writeLevel(L - 1, eps, finalOmega(omega));

    // Parities: where the cross (cp) and self (sp) potentials currently are.
    let cp = 0;
    let sp = 0;
    const groupsRows = this.maxRows;
    const bit = (v: number) => (v === 0 ? 0 : 1);
    let selfFrozen = false;
    let pairEvaluations = 0;

    // Truncation of far pairs (src/transport/truncation.ts): the kept column ranges of every kind of
    // block, built on the host from the current potentials; `sparseNow` while the level runs sparse.
    let sparseNow = false;
    let used: KeptRanges[][] | undefined;
    let sparseLevels = 0;
    let rebuilds = 0;
    let keptFraction = 1;
    const kinds: Kind[] = debias ? ['xy', 'yx', 'xx', 'yy'] : ['xy', 'yx'];
    const buildKept = (potHost: Float32Array, level: number, margin: number): { kept: KeptRanges[][]; fraction: number } => {
      let pairs = 0;
      let all = 0;
      const kept = this.layouts.map((l) =>
        kinds.map((kind) => {
          const b = blockOf(l, kind);
          const base = b.self ? (2 * sp + 1) * T : 2 * cp * T;
          all += b.rowsN * b.colsN;
          const r = keptRanges(ptsHost!, d, { at: b.rows, n: b.rowsN, pot: potHost, potAt: base + b.rows }, { at: b.cols, n: b.colsN, pot: potHost, potAt: base + b.cols }, SPARSE_TILE_ROWS, (tau! + margin) * schedule[level]!);
          pairs += r.pairs;
          return r;
        }),
      );
      return { kept, fraction: pairs / all };
    };
    const readPot = async (enc: GPUCommandEncoder) => new Float32Array(await abortable(ctx.read(this.pot, 0, this.pot.size, enc), options.signal, 'sinkhorn'));
    // At the start of a level: build the kept set from the potentials so far (those of the previous
    // level) and run the level sparse when it keeps at most SPARSE_MAX_FRACTION of the pairs. Skipped
    // while ε is so large that the kept set is surely dense (τε at least the squared diameter / 16).
    const enterLevel = async (enc: GPUCommandEncoder, level: number): Promise<GPUCommandEncoder> => {
      sparseNow = false;
      if (!truncOn || 16 * (tau! + TRUNCATE_MARGIN) * schedule[level]! > diameter * diameter) return enc;
      const { kept, fraction } = buildKept(await readPot(enc), level, TRUNCATE_MARGIN);
      keptFraction = fraction;
      if (fraction <= SPARSE_MAX_FRACTION) {
        await this.writeSparse(kept);
        used = kept;
        sparseNow = true;
        sparseLevels++;
      }
      return ctx.device.createCommandEncoder({ label: 'sinkhorn:level' });
    };
    // Encode `count` iterations at `level` with the given update kind into `enc`.
    const encodeIters = (enc: GPUCommandEncoder, level: number, count: number, kind: 'symmetric' | 'alternating') => {
      const pass = enc.beginComputePass({ label: `sinkhorn:level${level}` });
      const main = this.levelBind(level);
      const sparseMain = sparseNow ? this.sparseLevelBind(level) : undefined;
      const run = (name: TableName) => {
        if (sparseMain) {
          const sp_ = this.sparse!;
          sp_.kernel.dispatch(pass, sparseMain, sp_.binds![name], sp_.layout[name].count);
          pairEvaluations += sp_.layout[name].pairs;
        } else {
          const t = this.tables[name];
          this.softmin.dispatch(pass, main, t.bind, t.count, groupsRows);
          pairEvaluations += t.pairs;
        }
      };
      for (let k = 0; k < count; k++) {
        if (kind === 'symmetric') {
          run(`J${bit(cp)}${bit(sp)}`);
          cp = 1 - cp;
        } else {
          run(selfFrozen ? (`X${bit(cp)}` as const) : (`A${bit(cp)}${bit(sp)}` as const));
          run(`B${bit(cp)}`);
        }
        if (this.shape.debias && !(selfFrozen && kind === 'alternating')) sp = 1 - sp;
      }
      pass.end();
    };
    const segs = debias ? 2 : 1;
    const readErrors = async (enc: GPUCommandEncoder): Promise<{ cross: number; self: number }> => {
      this.reducePlans.forEach((plan, p) => {
        plan.encode(enc);
        enc.copyBufferToBuffer(plan.result, 0, this.gather, p * segs * 16, segs * 16);
      });
      const v = new Float32Array(await abortable(ctx.read(this.gather, 0, this.layouts.length * segs * 16, enc), options.signal, 'sinkhorn'));
      let cross = 0;
      let self = 0;
      for (let p = 0; p < this.layouts.length; p++) {
        cross = Math.max(cross, v[p * segs * 4]!);
        if (debias) self = Math.max(self, v[(p * segs + 1) * 4]!);
      }
      // NaN is never below tol: report it as infinite.
      return { cross: Number.isNaN(cross) ? Infinity : cross, self: Number.isNaN(self) ? Infinity : self };
    };

    // 1. ε-scaling: `levelIterations` symmetric updates per level, then more until the level's
    // marginal error is below levelTol (a check costs one small readback).
    let iterations = 0;
    let enc = enc0;
    for (let k = 0; k < L - 1 && iterations < maxIterations; k++) {
      enc = await enterLevel(enc, k);
      let done = Math.min(levelIterations, maxIterations - iterations);
      encodeIters(enc, k, done, 'symmetric');
      iterations += done;
      if (!Number.isFinite(levelTol)) continue;
      for (;;) {
        throwIfAborted(options.signal, 'sinkhorn');
        const e = await readErrors(enc);
        enc = ctx.device.createCommandEncoder({ label: 'sinkhorn:anneal' });
        const worst = Math.max(e.cross, debias ? e.self : 0);
        reportProgress(options, { stage: 'sinkhorn', done: iterations, total: maxIterations, metrics: { marginalError: e.cross, eps: schedule[k]!, omega: 0.5, level: k } });
        const c = Math.min(K, levelMaxIterations - done, maxIterations - iterations);
        if (worst <= levelTol || c <= 0) break;
        encodeIters(enc, k, c, 'symmetric');
        iterations += c;
        done += c;
      }
    }
    // 2. Final ε: iterate to tolerance, reading the error every K iterations.
    let errs = { cross: Infinity, self: Infinity };
    let prev: number | undefined;
    let converged = false;
    const fixedOmega = options.omega !== undefined;
    enc = await enterLevel(enc, L - 1);
    let checks = 0;
    for (;;) {
      throwIfAborted(options.signal, 'sinkhorn');
      const c = Math.min(K, maxIterations - iterations);
      if (c > 0) {
        encodeIters(enc, L - 1, c, finalMode);
        iterations += c;
      }
      errs = await readErrors(enc);
      const worst = Math.max(errs.cross, debias ? errs.self : 0);
      const metrics: Record<string, number> = { marginalError: errs.cross, eps, omega: finalOmega(omega) };
      if (debias) metrics.selfMarginalError = errs.self;
      reportProgress(options, { stage: 'sinkhorn', done: iterations, total: maxIterations, metrics });
      let keptOk = true;
      checks++;
      if (sparseNow && used && (worst <= tol || checks % KEPT_CHECK_EVERY === 1)) {
        // Check the kept set against the kept set of the current potentials at τ (no margin): at
        // convergence (the result must be the dense one to e^{-τ}) and every few checks before (a
        // kept set built from poor potentials, e.g. those of the previous level, can drop pairs that
        // matter and stall the iteration above tol). If a dropped tile pair may now hold a slack
        // under τε, rebuild from the current potentials and go on.
        const pot = await readPot(ctx.device.createCommandEncoder({ label: 'sinkhorn:check-kept' }));
        const { kept: now } = buildKept(pot, L - 1, 0);
        const ok = now.every((ks, p) => ks.every((k, q) => keptSubset(k, used![p]![q]!)));
        if (!ok) {
          keptOk = false;
          rebuilds++;
          if (rebuilds > 8) {
            sparseNow = false; // the potentials keep moving: finish dense
          } else {
            const { kept, fraction } = buildKept(pot, L - 1, TRUNCATE_MARGIN);
            await this.writeSparse(kept);
            used = kept;
            keptFraction = fraction;
          }
          if (iterations < maxIterations) {
            prev = undefined;
            enc = ctx.device.createCommandEncoder({ label: 'sinkhorn:iterate' });
            continue;
          }
        }
      }
      if (worst <= tol && keptOk) {
        converged = true;
        break;
      }
      if (c === 0 || iterations >= maxIterations) break;
      if (debias && finalMode === 'alternating' && errs.self <= tol / 10) selfFrozen = true;
      // Over-relaxation. The measured per-iteration rate λ at the current ω gives the rate θ of plain
      // (ω = 1) alternating updates through the SOR relation (λ + ω - 1)² = λ ω² θ, and θ the optimal
      // ω* = 2/(1 + sqrt(1 - θ)). ω only moves up this way (early checks see the fast transient and
      // underestimate θ; later ones correct it); while λ ≈ ω - 1 the iteration is at or past the
      // optimum and ω stays. When the error grows, ω backs off halfway towards 1. A change of ω
      // perturbs the error for a few iterations, so the check after a change only sets the baseline.
      let changed = false;
      if (finalMode === 'alternating' && !fixedOmega && prev !== undefined && Number.isFinite(errs.cross)) {
        const lambda = Math.pow(errs.cross / prev, 1 / c);
        if (errs.cross > prev) {
          omega = 1 + (omega - 1) / 2;
          if (omega < 1.02) omega = 1;
          changed = true;
        } else if (lambda > omega - 1 + 0.02) {
          const theta = Math.min(0.99999, (lambda + omega - 1) ** 2 / (lambda * omega * omega));
          const best = Math.min(1.95, 2 / (1 + Math.sqrt(1 - theta)));
          if (best > omega + 0.01) {
            omega = best;
            changed = true;
          }
        }
        if (changed) this.writeLevel(L - 1, eps, omega);
      }
      prev = changed ? undefined : errs.cross;
      enc = ctx.device.createCommandEncoder({ label: 'sinkhorn:iterate' });
    }

    // 3. Potentials (float64 on the CPU) and values.
    const potHost = await ctx.readF32(this.pot);
    const results: SinkhornResult[] = [];
    let moments: Float32Array | undefined;
    if (options.grad || options.linearCost) moments = await this.planMoments(eps, cp, sp);
    let momentOff = 0;
    prep.forEach((q, p) => {
      const l = this.layouts[p]!;
      const { x, y } = q;
      const dm2 = q.shift.reduce((s, v) => s + v * v, 0);
      // Potentials back in the caller's order (the solver may hold the points sorted).
      const fc = unsort(potHost.subarray(2 * cp * T + l.xs, 2 * cp * T + l.xs + l.n), q.orderX);
      const gc = unsort(potHost.subarray(2 * cp * T + l.ys, 2 * cp * T + l.ys + l.m), q.orderY);
      let ot = dm2;
      for (let i = 0; i < l.n; i++) ot += x.weights[i]! * fc[i]!;
      for (let j = 0; j < l.m; j++) ot += y.weights[j]! * gc[j]!;
      let divergence: number | undefined;
      let fSelf: Float32Array | undefined;
      let gSelf: Float32Array | undefined;
      if (debias) {
        const base = (2 * sp + 1) * T;
        fSelf = unsort(potHost.subarray(base + l.xs, base + l.xs + l.n), q.orderX);
        gSelf = unsort(potHost.subarray(base + l.ys, base + l.ys + l.m), q.orderY);
        let s = ot;
        for (let i = 0; i < l.n; i++) s -= x.weights[i]! * fSelf[i]!;
        for (let j = 0; j < l.m; j++) s -= y.weights[j]! * gSelf[j]!;
        divergence = s;
      }
      // Potentials of the uncentred problem: f_i = f̃_i + 2<x̃_i, Δ> + |Δ|²/2, g_j = g̃_j - 2<ỹ_j, Δ> + |Δ|²/2.
      const f = new Float32Array(l.n);
      const g = new Float32Array(l.m);
      for (let i = 0; i < l.n; i++) f[i] = fc[i]! + (q.hx ? 2 * dotCentred(q.hx, i, q.mx, q.shift, d) : 0) + dm2 / 2;
      for (let j = 0; j < l.m; j++) g[j] = gc[j]! - (q.hy ? 2 * dotCentred(q.hy, j, q.my, q.shift, d) : 0) + dm2 / 2;
      let grad: Float32Array | undefined;
      let linearCost: number | undefined;
      if (moments) {
        const ab = unsort(moments.subarray(momentOff, momentOff + l.n * (d + 1)), q.orderX, d + 1);
        const aa = unsort(moments.subarray(momentOff + l.n * (d + 1), momentOff + 2 * l.n * (d + 1)), q.orderX, d + 1);
        momentOff += 2 * l.n * (d + 1);
        linearCost = dm2;
        for (let i = 0; i < l.n; i++) linearCost += x.weights[i]! * ab[i * (d + 1) + d]!;
        // Centred cost <π̃, C̃> = <π, C> - |Δ|²; the cross term vanishes since both clouds are centred.
        if (options.grad) {
          grad = new Float32Array(l.n * d);
          const xs = q.hx ? centre(q.hx, q.mx, d) : undefined;
          for (let i = 0; i < l.n; i++) {
            for (let c = 0; c < d; c++) {
              const baryAb = ab[i * (d + 1) + c]!;
              const other = debias ? aa[i * (d + 1) + c]! : xs ? xs[i * d + c]! : NaN;
              grad[i * d + c] = 2 * x.weights[i]! * (other - baryAb + q.shift[c]!);
            }
          }
          if (!debias && !xs) throw new InputError('sinkhorn: the gradient of a GPU-resident cloud needs debias or the host points');
        }
      }
      let plan: Float32Array | undefined;
      if (options.plan) {
        if (l.n * l.m > PLAN_LIMIT) throw new InputError(`sinkhorn: the plan has ${l.n}×${l.m} entries, over the limit of ${PLAN_LIMIT}`);
        if (!q.hx || !q.hy) throw new InputError('sinkhorn: the plan needs the points on the host (give Float32Arrays or a diameter-free call)');
        plan = densePlan(q.hx, q.hy, x.weights, y.weights, f, g, eps, d);
      }
      const w2sq = debias ? divergence! : ot;
      if (!Number.isFinite(w2sq)) {
        throw new InputError('sinkhorn: non-finite result (NaN/Inf in GPU-resident inputs, or blur too small for f32)');
      }
      results.push({
        w2: Math.sqrt(Math.max(0, w2sq)),
        w2sq,
        ot,
        divergence,
        linearCost,
        potentials: debias ? { f, g, fSelf: fSelf!, gSelf: gSelf! } : { f, g },
        grad,
        plan,
        eps,
        blur,
        diameter,
        levels: L,
        iterations,
        marginalError: errs.cross,
        selfMarginalError: debias ? errs.self : undefined,
        converged,
        omega: finalOmega(omega),
        pairEvaluations,
        truncation: truncOn
          ? { tau: tau!, keptFraction: sparseLevels > 0 ? keptFraction : 1, sparseLevels, rebuilds, ...(leaf ? { leaves: leaf.info } : {}) }
          : undefined,
        ms: 0,
      });
    });
    const ms = performance.now() - t0;
    for (const r of results) r.ms = ms;
    return results;
  }

  /** Row moments (barycentre, cost) of the ab plan and, when debiased, of the aa plan, for each X. */
  private async planMoments(eps: number, cp: number, sp: number): Promise<Float32Array> {
    const ctx = this.ctx;
    const d = this.shape.d;
    this.moments ??= await SinkhornPlanMoments.create(ctx, d);
    const T = this.total;
    const tasks: MomentTask[] = [];
    let off = 0;
    for (const l of this.layouts) {
      const { xs, ys } = l;
      tasks.push({ rowOff: xs, n: l.n, colOff: ys, m: l.m, colPot: 2 * cp * T + ys, rowPot: 2 * cp * T + xs, colLogw: ys, outOff: off });
      off += l.n * (d + 1);
      if (this.shape.debias) {
        const s = (2 * sp + 1) * T + xs;
        tasks.push({ rowOff: xs, n: l.n, colOff: xs, m: l.n, colPot: s, rowPot: s, colLogw: xs, outOff: off });
      }
      off += l.n * (d + 1);
    }
    const params = ctx.uniform('sinkhorn:moments', MomentParams.byteSize);
    const taskBuf = ctx.storage('sinkhorn:moment-tasks', SinkhornPlanMoments.pack(tasks));
    const out = ctx.storage('sinkhorn:moments', off * 4);
    try {
      ctx.write(params, MomentParams.pack({ eps, inv_eps: 1 / eps }));
      const bind = this.moments.bindGroup(ctx, params, this.pts, this.logw, this.pot, taskBuf, out);
      const enc = ctx.device.createCommandEncoder({ label: 'sinkhorn:moments' });
      this.moments.encode(enc, bind, tasks.length, Math.max(...this.layouts.map((l) => l.n)));
      return new Float32Array(await ctx.read(out, 0, off * 4, enc));
    } finally {
      ctx.destroyBuffer(params);
      ctx.destroyBuffer(taskBuf);
      ctx.destroyBuffer(out);
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const p of this.reducePlans) p.destroy();
    for (const b of [this.pts, this.logw, this.pot, this.err, this.tasks, this.gather, ...this.levelParams]) this.ctx.destroyBuffer(b);
    if (this.sparse) {
      this.ctx.destroyBuffer(this.sparse.tasks);
      if (this.sparse.ranges) this.ctx.destroyBuffer(this.sparse.ranges);
    }
  }
}

function checkOptions(o: SinkhornOptions): void {
  positive('blur', o.blur);
  positive('eps', o.eps);
  positive('diameter', o.diameter);
  positive('scaling', o.scaling, { max: 1, strictMax: true });
  positive('tol', o.tol);
  if (o.truncate !== undefined && o.truncate !== false && !(typeof o.truncate === 'number' && o.truncate > 0 && Number.isFinite(o.truncate))) {
    throw new InputError(`truncate must be a positive number (τ, in units of ε) or false, got ${String(o.truncate)}`);
  }
  if (o.levelTol !== undefined && !(o.levelTol > 0)) throw new InputError(`levelTol must be positive (Infinity: no level checks), got ${o.levelTol}`);
  if (o.omega !== undefined && !(o.omega >= 1 && o.omega < 2)) throw new InputError(`omega must be in [1, 2), got ${o.omega}`);
  for (const [k, v] of [
    ['maxIterations', o.maxIterations],
    ['checkEvery', o.checkEvery],
    ['levelIterations', o.levelIterations],
    ['levelMaxIterations', o.levelMaxIterations],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= (k === 'levelIterations' ? 0 : 1))) throw new InputError(`${k} must be a positive integer, got ${v}`);
  }
  if (o.finalUpdates !== undefined && o.finalUpdates !== 'alternating' && o.finalUpdates !== 'symmetric') {
    throw new InputError(`finalUpdates must be 'alternating' or 'symmetric', got '${String(o.finalUpdates)}'`);
  }
}

function weightedMean(p: Float32Array, w: Float64Array, d: number): Float64Array {
  const m = new Float64Array(d);
  for (let i = 0; i < w.length; i++) for (let c = 0; c < d; c++) m[c] = m[c]! + w[i]! * p[i * d + c]!;
  return m;
}

function centre(p: Float32Array, m: Float64Array, d: number): Float32Array {
  const out = new Float32Array(p.length);
  for (let k = 0; k < p.length; k++) out[k] = p[k]! - m[k % d]!;
  return out;
}

/** <p_i - m, Δ> in float64. */
function dotCentred(p: Float32Array, i: number, m: Float64Array, delta: Float64Array, d: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) s += (p[i * d + c]! - m[c]!) * delta[c]!;
  return s;
}

/** Diagonal of the bounding box of both clouds (n×d and m×d, host). */
export function bboxDiagonal(a: Float32Array, b: Float32Array, d: number): number {
  const lo = new Float64Array(d).fill(Infinity);
  const hi = new Float64Array(d).fill(-Infinity);
  for (const p of [a, b]) {
    for (let k = 0; k < p.length; k++) {
      const c = k % d;
      lo[c] = Math.min(lo[c]!, p[k]!);
      hi[c] = Math.max(hi[c]!, p[k]!);
    }
  }
  let s = 0;
  for (let c = 0; c < d; c++) s += (hi[c]! - lo[c]!) ** 2;
  return Math.sqrt(s);
}

/** π_ij = a_i b_j exp((f_i + g_j - C_ij)/ε), in float64 then rounded. */
function densePlan(x: Float32Array, y: Float32Array, a: Float64Array, b: Float64Array, f: Float32Array, g: Float32Array, eps: number, d: number): Float32Array {
  const n = a.length;
  const m = b.length;
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let c = 0;
      for (let k = 0; k < d; k++) c += (x[i * d + k]! - y[j * d + k]!) ** 2;
      out[i * m + j] = a[i]! * b[j]! * Math.exp((f[i]! + g[j]! - c) / eps);
    }
  }
  return out;
}

/**
 * Entropic OT / debiased Sinkhorn divergence between two clouds (a one-shot SinkhornSolver).
 * For repeated calls with the same sizes, keep a SinkhornSolver instead.
 */
export async function sinkhorn(ctx: GpuContext, X: CloudLike, Y: CloudLike, options: SinkhornOptions = {}): Promise<SinkhornResult> {
  const x = toCloud('X', X);
  const y = toCloud('Y', Y);
  sameDim(x, y);
  const solver = await SinkhornSolver.create(ctx, { d: x.d, sizes: [{ n: x.n, m: y.n }], debias: options.debias ?? true });
  try {
    const [r] = await solver.solve([{ x: X, y: Y }], options);
    return r!;
  } finally {
    solver.destroy();
  }
}

/** Many independent problems (sizes may differ, same dimension) solved together in one schedule. */
export async function sinkhornBatch(ctx: GpuContext, problems: readonly { x: CloudLike; y: CloudLike }[], options: SinkhornOptions = {}): Promise<SinkhornResult[]> {
  if (problems.length === 0) throw new InputError('sinkhornBatch: no problems given');
  const shapes = problems.map((p, k) => {
    const x = toCloud(`X[${k}]`, p.x);
    const y = toCloud(`Y[${k}]`, p.y);
    sameDim(x, y, `X[${k}] and Y[${k}]`);
    return { n: x.n, m: y.n, d: x.d };
  });
  const d = shapes[0]!.d;
  shapes.forEach((s, k) => {
    if (s.d !== d) throw new InputError(`sinkhornBatch: problem ${k} has dimension ${s.d}, problem 0 has ${d}`);
  });
  const solver = await SinkhornSolver.create(ctx, { d, sizes: shapes, debias: options.debias ?? true });
  try {
    return await solver.solve(problems, options);
  } finally {
    solver.destroy();
  }
}

export type { Cloud };
