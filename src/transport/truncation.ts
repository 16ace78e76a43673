/**
 * Truncation of far pairs for the block-sparse softmin (geomloss's multiscale kernel truncation,
 * Schmitzer 2019 "Stabilized sparse scaling algorithms for entropy regularized transport problems"):
 * at small ε a row i of the softmin only feels the columns j with a small slack
 * s_ij = C_ij - f_i - g_j (its term is b_j e^{-s_ij/ε}), and at a fixed point those are the columns
 * near the image of x_i under the transport map. Here:
 *
 *  1. each cloud is ordered as the leaves of a balanced k-d tree (`spatialOrder`), so a tile of 32
 *     consecutive points is a compact box;
 *  2. for every (row tile, column tile) a float64 lower bound of min s_ij over the tile pair is
 *     computed from per-tile summaries of the current potentials (`tileSummaries`, `keptRanges`);
 *     the column tiles whose bound is at most τ ε (plus a margin) are kept, and consecutive kept
 *     tiles merge into ranges (a CSR list per row tile of SPARSE_TILE_ROWS rows);
 *  3. every dropped pair then has s_ij > τ ε: the dropped part of a normalised row sum
 *     Σ_j b_j e^{-s_ij/ε} is below e^{-τ} (Σ b_j = 1), so the softmin equals the dense one to a
 *     relative e^{-τ} (6e-6 at the default τ = 12). The solver re-checks this with the final
 *     potentials (`keptSubset`) and rebuilds the ranges when they moved too much.
 *
 * The bound. With u_i = |x_i|² - f_i and v_j = |y_j|² - g_j, s_ij = u_i + v_j - 2<x_i, y_j>. For a
 * row tile S (centre c_S, radius r_S, any point p_S) and a column tile Q (c_Q, r_Q, q_Q), writing
 * -2<x, y> = -2<x, c_Q> - 2<c_S, y> + 2<c_S, c_Q> - 2<x - c_S, y - c_Q> and
 * u_i - 2<x_i, c_Q> = (u_i - 2<x_i, p_S>) - 2<x_i, c_Q - p_S>:
 *
 *   s_ij >= A_S + B_Q - 2<c_S, c_Q> - 2 r_S |c_Q - p_S| - 2 r_Q |c_S - q_Q| - 2 r_S r_Q,
 *   A_S = min_{i in S} (u_i - 2<x_i, p_S>) + 2<c_S, p_S>,   B_Q likewise.
 *
 * It holds for any p_S; it is tight when p_S is the slope of u/2 on the tile (u/2 is the convex
 * Brenier potential, its gradient the transport map), fitted by least squares. A second bound,
 * dist(box_S, box_Q)² - max_S f - max_Q g, is cheap and sometimes better far away; the larger is used.
 */
import { solveSmall } from './box_tree.js';

/** Points per column tile (and per row sub-tile) of the bound: ranges start at multiples of this. */
export const TILE = 32;

/**
 * The permutation that orders n points (row-major, dimension d) as the leaves of a balanced k-d tree
 * (median splits across the widest side of the box, leaves of TILE points): `order[k]` is the
 * original index of the k-th point. Every aligned run of TILE points is then one leaf, a compact box,
 * and aligned runs of 2, 4, ... leaves are subtrees (the split sizes are multiples of TILE, and of
 * 4·TILE when a side has 8 leaves or more), so row tiles of SPARSE_TILE_ROWS points are compact too.
 * A space-filling curve was tried first: its jumps made the average 32-point tile 3× wider.
 */
export function spatialOrder(p: Float32Array, n: number, d: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // The coordinates move with `order` (row k holds point order[k]): every scan below is sequential.
  const pts = p.slice(0, n * d);
  // Explicit stack of [start, end) ranges.
  const stack: number[] = [0, n];
  const lo = new Float64Array(d);
  const hi = new Float64Array(d);
  while (stack.length) {
    const end = stack.pop()!;
    const start = stack.pop()!;
    const len = end - start;
    const leaves = Math.ceil(len / TILE);
    if (leaves <= 1) continue;
    lo.fill(Infinity);
    hi.fill(-Infinity);
    for (let k = start; k < end; k++) {
      for (let c = 0; c < d; c++) {
        const v = pts[k * d + c]!;
        if (v < lo[c]!) lo[c] = v;
        if (v > hi[c]!) hi[c] = v;
      }
    }
    let axis = 0;
    let widest = -1;
    for (let c = 0; c < d; c++) if (hi[c]! - lo[c]! > widest) (widest = hi[c]! - lo[c]!), (axis = c);
    const unit = leaves >= 8 ? 4 : leaves >= 4 ? 2 : 1;
    const left = Math.max(unit, Math.round(leaves / 2 / unit) * unit) * TILE;
    if (left >= len) continue;
    select(order, pts, d, axis, start, end, start + left);
    stack.push(start, start + left, start + left, end);
  }
  return order;
}

/**
 * Reorder order[lo, hi) and its rows of pts (d per entry) so that the entry at position k is in
 * place on axis `axis` and smaller keys precede it (quickselect).
 */
function select(order: Uint32Array, pts: Float32Array, d: number, axis: number, lo: number, hi: number, k: number): void {
  const swap = (a: number, b: number) => {
    const o = order[a]!;
    order[a] = order[b]!;
    order[b] = o;
    for (let c = 0; c < d; c++) {
      const v = pts[a * d + c]!;
      pts[a * d + c] = pts[b * d + c]!;
      pts[b * d + c] = v;
    }
  };
  const key = (a: number) => pts[a * d + axis]!;
  let l = lo;
  let r = hi - 1;
  while (r > l) {
    // Median of three as the pivot, then Hoare partition.
    const m = (l + r) >>> 1;
    if (key(m) < key(l)) swap(m, l);
    if (key(r) < key(l)) swap(r, l);
    if (key(r) < key(m)) swap(r, m);
    const pivot = key(m);
    let i = l;
    let j = r;
    while (i <= j) {
      while (key(i) < pivot) i++;
      while (key(j) > pivot) j--;
      if (i <= j) swap(i++, j--);
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return;
  }
}

/** Per-tile summaries of a sorted cloud and its potential (see the module comment). */
export interface TileSummaries {
  d: number;
  /** Tiles of `size` consecutive points (the last may be partial) over n points. */
  size: number;
  count: number;
  centre: Float64Array;
  radius: Float64Array;
  /** A_S = min_i (u_i - 2<x_i, p_S>) + 2<c_S, p_S>. */
  a: Float64Array;
  slope: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
  /** max of the potential over the tile. */
  potMax: Float64Array;
}

/**
 * u_i = |x_i|² - pot_i of the n sorted points from `at` (potentials from `potAt`), as tileSummaries
 * rounds it: the same values for every tile size, so computed once per cloud and potential.
 */
export function slackOffsets(pts: ArrayLike<number>, at: number, pot: ArrayLike<number>, potAt: number, n: number, d: number): Float64Array {
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let q = 0;
    for (let c = 0; c < d; c++) q += pts[(at + i) * d + c]! ** 2;
    u[i] = q - pot[potAt + i]!;
  }
  return u;
}

/**
 * Summaries of tiles of `size` points of the sorted points `pts` (n×d, from point `at`) with the
 * potential `pot` (n values from `potAt`); `u` as slackOffsets gives it (computed when not given).
 * Every value is rounded as in the plain version of test/reference/truncation.ts.
 */
export function tileSummaries(pts: ArrayLike<number>, at: number, pot: ArrayLike<number>, potAt: number, n: number, d: number, size: number, u = slackOffsets(pts, at, pot, potAt, n, d)): TileSummaries {
  if (d === 2) return tileSummaries2(pts, at, pot, potAt, n, size, u);
  const count = Math.ceil(n / size);
  const s: TileSummaries = {
    d,
    size,
    count,
    centre: new Float64Array(count * d),
    radius: new Float64Array(count),
    a: new Float64Array(count),
    slope: new Float64Array(count * d),
    lo: new Float64Array(count * d),
    hi: new Float64Array(count * d),
    potMax: new Float64Array(count),
  };
  const M = new Float64Array(d * d);
  const rhs = new Float64Array(d);
  const mean = new Float64Array(d);
  // The tile's coordinates as float64, d per point.
  const x = new Float64Array(Math.min(n, size) * d);
  for (let t = 0; t < count; t++) {
    const i0 = t * size;
    const len = Math.min(n, i0 + size) - i0;
    const base = (at + i0) * d;
    for (let k = 0; k < len * d; k++) x[k] = pts[base + k]!;
    for (let c = 0; c < d; c++) {
      let lo = Infinity;
      let hi = -Infinity;
      let m = 0;
      for (let i = 0; i < len; i++) {
        const v = x[i * d + c]!;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
        m += v;
      }
      s.lo[t * d + c] = lo;
      s.hi[t * d + c] = hi;
      s.centre[t * d + c] = 0.5 * (lo + hi);
      mean[c] = m / len;
    }
    let r2 = 0;
    let um = 0;
    let pm = -Infinity;
    for (let i = 0; i < len; i++) {
      let q = 0;
      for (let c = 0; c < d; c++) q += (x[i * d + c]! - s.centre[t * d + c]!) ** 2;
      r2 = Math.max(r2, q);
      um += u[i0 + i]! / len;
      pm = Math.max(pm, pot[potAt + i0 + i]!);
    }
    // Rounding of the f32 coordinates is covered by a relative slack on the radius.
    s.radius[t] = Math.sqrt(r2) * (1 + 1e-12);
    s.potMax[t] = pm;
    // Least-squares slope of u/2 on the tile: (Σ dx dxᵀ) 2p = Σ dx du.
    M.fill(0);
    rhs.fill(0);
    let trace = 0;
    for (let i = 0; i < len; i++) {
      const du = u[i0 + i]! - um;
      for (let a = 0; a < d; a++) {
        const da = x[i * d + a]! - mean[a]!;
        rhs[a] = rhs[a]! + da * du;
        for (let b = 0; b <= a; b++) M[a * d + b] = M[a * d + b]! + da * (x[i * d + b]! - mean[b]!);
      }
    }
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < a; b++) M[b * d + a] = M[a * d + b]!;
      trace += M[a * d + a]!;
    }
    for (let a = 0; a < d; a++) M[a * d + a] = M[a * d + a]! + 1e-9 * trace + 1e-300;
    const ok = len > d && solveSmall(M, rhs, d);
    for (let c = 0; c < d; c++) s.slope[t * d + c] = ok ? 0.5 * rhs[c]! : s.centre[t * d + c]!;
    let amin = Infinity;
    for (let i = 0; i < len; i++) {
      let v = u[i0 + i]!;
      for (let c = 0; c < d; c++) v -= 2 * x[i * d + c]! * s.slope[t * d + c]!;
      amin = Math.min(amin, v);
    }
    let cp = 0;
    for (let c = 0; c < d; c++) cp += s.centre[t * d + c]! * s.slope[t * d + c]!;
    s.a[t] = amin + 2 * cp;
  }
  return s;
}

/** max(x, 0) exactly, without a branch (x + |x| is 2x or 0; NaN stays NaN). */
export const relu = (x: number): number => 0.5 * (x + Math.abs(x));

/** Lower bound of min C_ij - f_i - g_j over row tile s of R and column tile q of Q. */
export function pairBound(R: TileSummaries, s: number, Q: TileSummaries, q: number): number {
  return Math.max(linearBound(R, s, Q, q), boxBound(R, s, Q, q));
}

/** The first bound of pairBound alone (the module comment's A_S + B_Q - ...). */
export function linearBound(R: TileSummaries, s: number, Q: TileSummaries, q: number): number {
  const d = R.d;
  let cc = 0;
  let dq = 0;
  let dp = 0;
  for (let c = 0; c < d; c++) {
    const cs = R.centre[s * d + c]!;
    const cq = Q.centre[q * d + c]!;
    cc += cs * cq;
    dq += (cq - R.slope[s * d + c]!) ** 2;
    dp += (cs - Q.slope[q * d + c]!) ** 2;
  }
  const rs = R.radius[s]!;
  const rq = Q.radius[q]!;
  return R.a[s]! + Q.a[q]! - 2 * cc - 2 * rs * Math.sqrt(dq) - 2 * rq * Math.sqrt(dp) - 2 * rs * rq;
}

/** The second bound of pairBound alone, dist(box_S, box_Q)² - max_S f - max_Q g: pairBound ≥ boxBound. */
export function boxBound(R: TileSummaries, s: number, Q: TileSummaries, q: number): number {
  return boxGap(R, s, Q.lo, Q.hi, q) - R.potMax[s]! - Q.potMax[q]!;
}

/**
 * dist(box_S, box_Q)² for row tile s of R and the box q of (lo, hi) (d values per box): the squared
 * gap of boxBound, rounded as there.
 */
export function boxGap(R: TileSummaries, s: number, lo: Float64Array, hi: Float64Array, q: number): number {
  const d = R.d;
  if (d === 2) {
    // Unrolled; max(0, a, b) as relu(a) + relu(b), the same value without Math.max's branches (at
    // most one of a, b is positive: lo ≤ hi, and subtraction keeps signs; NaN stays NaN).
    const g0 = relu(R.lo[2 * s]! - hi[2 * q]!) + relu(lo[2 * q]! - R.hi[2 * s]!);
    const g1 = relu(R.lo[2 * s + 1]! - hi[2 * q + 1]!) + relu(lo[2 * q + 1]! - R.hi[2 * s + 1]!);
    return g0 * g0 + g1 * g1;
  }
  let box = 0;
  for (let c = 0; c < d; c++) {
    const gap = Math.max(0, R.lo[s * d + c]! - hi[q * d + c]!, lo[q * d + c]! - R.hi[s * d + c]!);
    box += gap * gap;
  }
  return box;
}

/**
 * tileSummaries for d = 2, unrolled (each summary of the 10^6 set-up is 10^6 points): the same
 * operations in the same order, the 2×2 solve as solveSmall does it (partial pivoting, then back
 * substitution), so every value is rounded the same way.
 */
function tileSummaries2(pts: ArrayLike<number>, at: number, pot: ArrayLike<number>, potAt: number, n: number, size: number, u: Float64Array): TileSummaries {
  const count = Math.ceil(n / size);
  const centre = new Float64Array(count * 2);
  const radius = new Float64Array(count);
  const a = new Float64Array(count);
  const slope = new Float64Array(count * 2);
  const lo = new Float64Array(count * 2);
  const hi = new Float64Array(count * 2);
  const potMax = new Float64Array(count);
  for (let t = 0; t < count; t++) {
    const i0 = t * size;
    const i1 = Math.min(n, i0 + size);
    const len = i1 - i0;
    let lo0 = Infinity;
    let hi0 = -Infinity;
    let m0 = 0;
    let lo1 = Infinity;
    let hi1 = -Infinity;
    let m1 = 0;
    for (let i = i0; i < i1; i++) {
      const v0 = pts[(at + i) * 2]!;
      const v1 = pts[(at + i) * 2 + 1]!;
      lo0 = Math.min(lo0, v0);
      hi0 = Math.max(hi0, v0);
      m0 += v0;
      lo1 = Math.min(lo1, v1);
      hi1 = Math.max(hi1, v1);
      m1 += v1;
    }
    const c0 = 0.5 * (lo0 + hi0);
    const c1 = 0.5 * (lo1 + hi1);
    const mean0 = m0 / len;
    const mean1 = m1 / len;
    let r2 = 0;
    let um = 0;
    let pm = -Infinity;
    for (let i = i0; i < i1; i++) {
      const q = (pts[(at + i) * 2]! - c0) ** 2 + (pts[(at + i) * 2 + 1]! - c1) ** 2;
      r2 = Math.max(r2, q);
      um += u[i]! / len;
      pm = Math.max(pm, pot[potAt + i]!);
    }
    // Least-squares slope of u/2 on the tile: (Σ dx dxᵀ) 2p = Σ dx du.
    let M00 = 0;
    let M10 = 0;
    let M11 = 0;
    let b0 = 0;
    let b1 = 0;
    for (let i = i0; i < i1; i++) {
      const du = u[i]! - um;
      const d0 = pts[(at + i) * 2]! - mean0;
      const d1 = pts[(at + i) * 2 + 1]! - mean1;
      b0 += d0 * du;
      M00 += d0 * d0;
      b1 += d1 * du;
      M10 += d1 * d0;
      M11 += d1 * d1;
    }
    let M01 = M10;
    const trace = 0 + M00 + M11;
    M00 = M00 + 1e-9 * trace + 1e-300;
    M11 = M11 + 1e-9 * trace + 1e-300;
    // solveSmall(M, b, 2).
    let ok = len > 2;
    if (ok) {
      if (Math.abs(M10) > Math.abs(M00)) {
        [M00, M01, M10, M11] = [M10, M11, M00, M01];
        [b0, b1] = [b1, b0];
      }
      if (!(Math.abs(M00) > 0)) ok = false;
      else {
        const fct = M10 / M00;
        if (fct !== 0) {
          M10 = M10 - fct * M00;
          M11 = M11 - fct * M01;
          b1 = b1 - fct * b0;
        }
        if (!(Math.abs(M11) > 0)) ok = false;
        else {
          b1 = b1 / M11;
          b0 = (b0 - M01 * b1) / M00;
          ok = Number.isFinite(b0) && Number.isFinite(b1);
        }
      }
    }
    const p0 = ok ? 0.5 * b0 : c0;
    const p1 = ok ? 0.5 * b1 : c1;
    let amin = Infinity;
    for (let i = i0; i < i1; i++) {
      let v = u[i]!;
      v -= 2 * pts[(at + i) * 2]! * p0;
      v -= 2 * pts[(at + i) * 2 + 1]! * p1;
      amin = Math.min(amin, v);
    }
    lo[2 * t] = lo0;
    lo[2 * t + 1] = lo1;
    hi[2 * t] = hi0;
    hi[2 * t + 1] = hi1;
    centre[2 * t] = c0;
    centre[2 * t + 1] = c1;
    slope[2 * t] = p0;
    slope[2 * t + 1] = p1;
    // Rounding of the f32 coordinates is covered by a relative slack on the radius.
    radius[t] = Math.sqrt(r2) * (1 + 1e-12);
    potMax[t] = pm;
    a[t] = amin + 2 * (0 + c0 * p0 + c1 * p1);
  }
  return { d: 2, size, count, centre, radius, a, slope, lo, hi, potMax };
}
