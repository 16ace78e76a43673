/**
 * The ε schedule and the start of a solve. ε runs from diameter² (or the ε of a coarse start) down
 * to blur² by factors scaling² (geomloss's epsilon_schedule). The start is one of:
 *  - the leaf start (with truncation, single problems of 2048+ points per cloud): the coarse levels
 *    solved by a nested solver on the k-d tree leaves, its potentials extended to every point on the
 *    GPU, straight into the solver's potentials buffer;
 *  - the coarse start (src/transport/multiscale.ts): the clouds binned on a grid of at most 96 cells,
 *    that small problem solved in float64 on the CPU, its potentials extended to every point by one
 *    softmin; the fine annealing starts at the coarse ε (this settles the offsets between separated
 *    clusters, which otherwise stall the final level, and skips the coarse levels of the fine solve);
 *  - zero potentials at ε = diameter².
 */
import type { GpuContext } from '../../gpu/context.js';
import { EXTEND_ROWS, SinkhornExtend, type ExtendBlock } from '../../kernels/sinkhorn_extend.js';
import { coarseStart, type CoarseStart } from '../multiscale.js';
import { TILE } from '../truncation.js';
import { extensionPlan } from '../extension.js';
import type { ResolvedSinkhorn, SinkhornOptions } from './options.js';
import type { PreparedBatch } from './prepare.js';
import type { SinkhornResult } from './result.js';
import type { Layout } from './tables.js';
import type { PointCloud } from '../../gpu/points.js';

/** geomloss's ε schedule for cost |x-y|²: diameter² ... blur² by factors scaling². */
export function epsilonSchedule(diameter: number, blur: number, scaling: number): number[] {
  const out = [diameter * diameter];
  const step = 2 * Math.log(scaling);
  for (let e = 2 * Math.log(diameter) + step; e > 2 * Math.log(blur); e += step) out.push(Math.exp(e));
  out.push(blur * blur);
  return out;
}

/** The grid of the potentials' high parts (shaders/lib/softmin_finish.wgsl). */
const POTENTIAL_GRID = 2 ** -20;

/**
 * Write float64 values src[order[k]] (src[k] without an order) as two-part potentials from index
 * `at` of `pot`: the value rounded to POTENTIAL_GRID there, the rest at `lo` + the same index.
 */
function setTwoPart(pot: Float32Array, lo: number, at: number, src: Float64Array, order: Uint32Array | undefined): void {
  for (let k = 0; k < src.length; k++) {
    const v = src[order ? order[k]! : k]!;
    const hi = Math.fround(Math.round(v / POTENTIAL_GRID) * POTENTIAL_GRID);
    pot[at + k] = hi;
    pot[lo + at + k] = v - hi;
  }
}

/** The leaf start needs this many points in each cloud (64 leaves). */
const LEAF_MIN_POINTS = 64 * TILE;

/** A nested solve of a single small problem (the leaf start's), with the given options. */
export type NestedSolve = (x: LeafCloud, y: LeafCloud, options: SinkhornOptions) => Promise<SinkhornResult>;

/** The k-d tree leaves of a cloud as points (centroids) with weights (masses). */
export type LeafCloud = PointCloud & { readonly weights: Float64Array };

export interface Start {
  /** The ε levels the fine solve runs (the last is blur²). */
  schedule: number[];
  /**
   * Potentials to start from (undefined: zero, or `written`), as the solver holds them:
   * [copy][cross | self][point] high parts (f32), then the low parts (the rest of each float64 value)
   * at 4·total.
   */
  init: Float32Array | undefined;
  /** The start's potentials are already in the solver's potentials buffer (the leaf start's extension, on the GPU). */
  written: boolean;
  /** The leaf start's nested solve, when it ran. */
  leaves: { points: number; iterations: number; eps: number } | undefined;
}

/** The solver's buffers the leaf start writes its potentials into (the points already uploaded). */
export interface StartTarget {
  ctx: GpuContext;
  /** The sorted points (d floats per point), as the solver holds them. */
  pts: GPUBuffer;
  /** The potentials: [copy][cross | self][point] high parts, then the rests at 4·total (8·total floats). */
  pot: GPUBuffer;
}

/** Choose and compute the start of a solve (see the module comment). */
export async function chooseStart(prep: PreparedBatch, layouts: readonly Layout[], total: number, d: number, blur: number, o: ResolvedSinkhorn, nested: NestedSolve, target: StartTarget): Promise<Start> {
  const { diameter } = prep;
  const { scaling, debias } = o;
  if (prep.tau !== undefined && o.multiscale && layouts.length === 1 && Math.min(layouts[0]!.n, layouts[0]!.m) >= LEAF_MIN_POINTS) {
    const leaf = await leafStart(prep.ptsHost!, prep.logw, layouts[0]!, total, d, diameter, blur, o, nested, target);
    if (leaf) return { schedule: leaf.schedule, init: undefined, written: true, leaves: leaf.info };
  }
  let coarse: (CoarseStart | undefined)[] = [];
  if (o.multiscale && prep.problems.every((q) => q.centred)) {
    coarse = prep.problems.map((q) => coarseStart(q.centred!.cx, q.x.weights, q.centred!.cy, q.y.weights, d, diameter, blur, debias));
    if (!coarse.every((c) => c)) coarse = [];
  }
  if (coarse.length === 0) return { schedule: epsilonSchedule(Math.max(diameter, blur), blur, scaling), init: undefined, written: false, leaves: undefined };
  const eps0 = Math.max(...coarse.map((c) => c!.eps));
  // Potentials [copy 0][cross | self][point] from the coarse solve (high and low parts); the rest zero.
  const init = new Float32Array(8 * total);
  const place = (src: Float64Array, at: number, order: Uint32Array | undefined) => setTwoPart(init, 4 * total, at, src, order);
  coarse.forEach((c, p) => {
    const l = layouts[p]!;
    const { orderX, orderY } = prep.problems[p]!;
    place(c!.f, l.xs, orderX);
    place(c!.g, l.ys, orderY);
    if (debias) {
      place(c!.fSelf!, total + l.xs, orderX);
      place(c!.gSelf!, total + l.ys, orderY);
    }
  });
  const schedule = eps0 <= blur * blur * (1 + 1e-9) ? [blur * blur] : epsilonSchedule(Math.sqrt(eps0), blur, scaling);
  return { schedule, init, written: false, leaves: undefined };
}

/**
 * The coarse levels on the k-d tree leaves (geomloss's multiscale scheme): each run of TILE sorted
 * points becomes one point (weighted centroid, total mass), that problem is solved by a nested
 * solver down to ε_x, the smallest ε of the schedule still at least 4 r̄² (r̄² the mean squared
 * distance of a point to its leaf centroid in the median leaf: below that the leaves no longer
 * resolve the plan; the median, as a leaf that straddles two separated groups would set a large
 * ε_x, and the fine levels after it could no longer settle the offsets between the groups), and its
 * potentials are extended to every point by one softmin at ε_x on the GPU (src/kernels/sinkhorn_extend.ts,
 * straight into the solver's potentials; the host lists, per tile of points, the centres in reach:
 * extensionPlan). The fine solve then starts at the next ε.
 */
async function leafStart(
  pts: Float32Array,
  logw: Float32Array,
  l: Layout,
  T: number,
  d: number,
  diameter: number,
  blur: number,
  o: ResolvedSinkhorn,
  nested: NestedSolve,
  target: StartTarget,
): Promise<{ schedule: number[]; info: { points: number; iterations: number; eps: number } } | undefined> {
  const X = leafCloud(pts, logw, l.xs, l.n, d);
  const Y = leafCloud(pts, logw, l.ys, l.m, d);
  const full = epsilonSchedule(Math.max(diameter, blur), blur, o.scaling);
  const floor = 4 * Math.max(X.r2, Y.r2);
  let kx = -1;
  for (let k = 0; k < full.length; k++) if (full[k]! >= floor) kx = k;
  if (kx < 1) return undefined;
  const epsX = full[kx]!;
  const r = await nested({ data: X.c, n: X.c.length / d, d, weights: X.w }, { data: Y.c, n: Y.c.length / d, d, weights: Y.w }, {
    blur: Math.sqrt(epsX),
    diameter,
    scaling: o.scaling,
    tol: o.tol,
    levelIterations: o.levelIterations,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  await extendLeaves(target, pts, d, epsX, T, [
    { at: l.xs, n: l.n, from: Y, pot: r.potentials.g, out: l.xs },
    { at: l.ys, n: l.m, from: X, pot: r.potentials.f, out: l.ys },
    ...(o.debias
      ? [
          { at: l.xs, n: l.n, from: X, pot: r.potentials.fSelf!, out: T + l.xs },
          { at: l.ys, n: l.m, from: Y, pot: r.potentials.gSelf!, out: T + l.ys },
        ]
      : []),
  ]);
  const schedule = kx + 1 < full.length ? full.slice(kx + 1) : [blur * blur];
  return { schedule, info: { points: Math.max(X.count, Y.count), iterations: r.iterations, eps: epsX } };
}

/**
 * Clear the potentials and extend each leaf potential `pot` (on the leaves `from`) at ε to the sorted
 * points [at, at + n), written from `out` (copy 0): the kept centres per tile on the host, the sums on
 * the GPU, one submit per part (no readback), so the host lists the next part's centres while the
 * GPU sums the last one's.
 */
async function extendLeaves(target: StartTarget, pts: Float32Array, d: number, eps: number, T: number, parts: readonly { at: number; n: number; from: Leaves; pot: Float32Array; out: number }[]): Promise<void> {
  if (EXTEND_ROWS !== TILE) throw new Error(`leaf start: the extension kernel's tiles of ${EXTEND_ROWS} rows are not the plan's ${TILE}`);
  const { ctx } = target;
  const kernel = await SinkhornExtend.create(ctx, d);
  parts.forEach(({ at, n, from, pot, out }, k) => {
    const plan = extensionPlan(pts.subarray(at * d, (at + n) * d), n, from.c, from.w, pot, d, eps);
    const block: ExtendBlock = { rowOff: at, n, outPot: out, centres: from.c, h: plan.shift.map((v) => -v), off: plan.off, ranges: plan.ranges, bound: plan.best, best: plan.bestCentre };
    const enc = ctx.device.createCommandEncoder({ label: `sinkhorn:leaf-start${k}` });
    if (k === 0) enc.clearBuffer(target.pot);
    const release = kernel.encode(ctx, enc, [block], { pts: target.pts, pot: target.pot, loOff: 4 * T, eps });
    try {
      ctx.submit(enc.finish());
    } finally {
      release();
    }
  });
}

/** The k-d tree leaves of one sorted cloud: centroids c, masses w, and the median leaf's r̄². */
export interface Leaves {
  c: Float32Array;
  w: Float64Array;
  count: number;
  r2: number;
}

/** The leaves (runs of TILE points) of the sorted points pts[at, at + n) with log-weights logw. */
export function leafCloud(pts: Float32Array, logw: Float32Array, at: number, n: number, d: number): Leaves {
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
}
