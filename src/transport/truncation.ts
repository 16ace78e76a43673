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
import { InputError } from '../gpu/errors.js';

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

/** Solve the d×d system M z = b in place (Gaussian elimination, partial pivoting); false if singular. */
function solveSmall(M: Float64Array, b: Float64Array, d: number): boolean {
  for (let k = 0; k < d; k++) {
    let piv = k;
    for (let r = k + 1; r < d; r++) if (Math.abs(M[r * d + k]!) > Math.abs(M[piv * d + k]!)) piv = r;
    if (!(Math.abs(M[piv * d + k]!) > 0)) return false;
    if (piv !== k) {
      for (let c = 0; c < d; c++) [M[k * d + c], M[piv * d + c]] = [M[piv * d + c]!, M[k * d + c]!];
      [b[k], b[piv]] = [b[piv]!, b[k]!];
    }
    for (let r = k + 1; r < d; r++) {
      const fct = M[r * d + k]! / M[k * d + k]!;
      if (fct === 0) continue;
      for (let c = k; c < d; c++) M[r * d + c] = M[r * d + c]! - fct * M[k * d + c]!;
      b[r] = b[r]! - fct * b[k]!;
    }
  }
  for (let k = d - 1; k >= 0; k--) {
    let s = b[k]!;
    for (let c = k + 1; c < d; c++) s -= M[k * d + c]! * b[c]!;
    b[k] = s / M[k * d + k]!;
  }
  return b.every(Number.isFinite);
}

/**
 * Summaries of tiles of `size` points of the sorted points `pts` (n×d, from point `at`) with the
 * potential `pot` (n values from `potAt`).
 */
export function tileSummaries(pts: ArrayLike<number>, at: number, pot: ArrayLike<number>, potAt: number, n: number, d: number, size: number): TileSummaries {
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
  for (let t = 0; t < count; t++) {
    const i0 = t * size;
    const i1 = Math.min(n, i0 + size);
    const len = i1 - i0;
    const x = (i: number, c: number) => pts[(at + i) * d + c]!;
    const u = (i: number) => {
      let q = 0;
      for (let c = 0; c < d; c++) q += x(i, c) ** 2;
      return q - pot[potAt + i]!;
    };
    let pm = -Infinity;
    for (let c = 0; c < d; c++) {
      let lo = Infinity;
      let hi = -Infinity;
      let m = 0;
      for (let i = i0; i < i1; i++) {
        const v = x(i, c);
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
    for (let i = i0; i < i1; i++) {
      let q = 0;
      for (let c = 0; c < d; c++) q += (x(i, c) - s.centre[t * d + c]!) ** 2;
      r2 = Math.max(r2, q);
      um += u(i) / len;
      pm = Math.max(pm, pot[potAt + i]!);
    }
    // Rounding of the f32 coordinates is covered by a relative slack on the radius.
    s.radius[t] = Math.sqrt(r2) * (1 + 1e-12);
    s.potMax[t] = pm;
    // Least-squares slope of u/2 on the tile: (Σ dx dxᵀ) 2p = Σ dx du.
    M.fill(0);
    rhs.fill(0);
    let trace = 0;
    for (let i = i0; i < i1; i++) {
      const du = u(i) - um;
      for (let a = 0; a < d; a++) {
        const da = x(i, a) - mean[a]!;
        rhs[a] = rhs[a]! + da * du;
        for (let b = 0; b <= a; b++) M[a * d + b] = M[a * d + b]! + da * (x(i, b) - mean[b]!);
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
    for (let i = i0; i < i1; i++) {
      let v = u(i);
      for (let c = 0; c < d; c++) v -= 2 * x(i, c) * s.slope[t * d + c]!;
      amin = Math.min(amin, v);
    }
    let cp = 0;
    for (let c = 0; c < d; c++) cp += s.centre[t * d + c]! * s.slope[t * d + c]!;
    s.a[t] = amin + 2 * cp;
  }
  return s;
}

/** Lower bound of min C_ij - f_i - g_j over row tile s of R and column tile q of Q. */
export function pairBound(R: TileSummaries, s: number, Q: TileSummaries, q: number): number {
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
  const linear = R.a[s]! + Q.a[q]! - 2 * cc - 2 * rs * Math.sqrt(dq) - 2 * rq * Math.sqrt(dp) - 2 * rs * rq;
  return Math.max(linear, boxBound(R, s, Q, q));
}

/** The second bound of pairBound alone, dist(box_S, box_Q)² - max_S f - max_Q g: pairBound ≥ boxBound. */
export function boxBound(R: TileSummaries, s: number, Q: TileSummaries, q: number): number {
  const d = R.d;
  let box = 0;
  for (let c = 0; c < d; c++) {
    const gap = Math.max(0, R.lo[s * d + c]! - Q.hi[q * d + c]!, Q.lo[q * d + c]! - R.hi[s * d + c]!);
    box += gap * gap;
  }
  return box - R.potMax[s]! - Q.potMax[q]!;
}

/** Kept column ranges of the row tiles of one (rows, columns) block. */
export interface KeptRanges {
  /** Row tiles of `tileRows` rows: ranges of tile t are pairs [start, end) at ranges[2 (off[t] ... off[t+1]))]. */
  tileRows: number;
  off: Uint32Array;
  ranges: Uint32Array;
  /** Kept pairs (rows × kept columns), for the kept fraction. */
  pairs: number;
  /** Kept column tiles per row tile (bitsets as sorted lists), for keptSubset. */
  tiles: Uint32Array[];
}

/**
 * For the sorted row points (n from `rowAt`) with potential f and the sorted column points (m from
 * `colAt`) with potential g, the column ranges to keep for every row tile of `tileRows` rows (a
 * multiple of TILE): the column tiles of TILE points whose lower bound of C - f - g is at most
 * `threshold` (τ ε plus a margin) for some sub-tile of the row tile. Every row tile keeps at least its
 * best column tile. Far pairs are pruned first on super-tiles of 32 tiles.
 */
export function keptRanges(
  pts: ArrayLike<number>,
  d: number,
  rows: { at: number; n: number; pot: ArrayLike<number>; potAt: number },
  cols: { at: number; n: number; pot: ArrayLike<number>; potAt: number },
  tileRows: number,
  threshold: number,
): KeptRanges {
  if (tileRows % TILE !== 0) throw new InputError(`truncation: row tiles of ${tileRows} points are not a multiple of ${TILE}`);
  const R = tileSummaries(pts, rows.at, rows.pot, rows.potAt, rows.n, d, TILE);
  const Q = tileSummaries(pts, cols.at, cols.pot, cols.potAt, cols.n, d, TILE);
  const SUPER = 32;
  const Rbig = tileSummaries(pts, rows.at, rows.pot, rows.potAt, rows.n, d, tileRows);
  const Qbig = tileSummaries(pts, cols.at, cols.pot, cols.potAt, cols.n, d, TILE * SUPER);
  const sub = tileRows / TILE;
  const rowTiles = Math.ceil(rows.n / tileRows);
  const off = new Uint32Array(rowTiles + 1);
  const list: number[] = [];
  const tiles: Uint32Array[] = [];
  let pairs = 0;
  // The kept column tiles of one row tile, found in increasing order (no per-tile scan of all Q).
  const kept = new Uint32Array(Q.count);
  for (let t = 0; t < rowTiles; t++) {
    let count = 0;
    const s0 = t * sub;
    const s1 = Math.min(R.count, s0 + sub);
    for (let S = 0; S < Qbig.count; S++) {
      // The cheap part of the bound first: most super-tiles are out of reach by their boxes alone.
      if (boxBound(Rbig, t, Qbig, S) > threshold || pairBound(Rbig, t, Qbig, S) > threshold) continue;
      const q1 = Math.min(Q.count, (S + 1) * SUPER);
      for (let q = S * SUPER; q < q1; q++) {
        // Kept when some sub-tile's bound is under the threshold (boxBound first, as above).
        let lb = Infinity;
        for (let s = s0; s < s1 && lb > threshold; s++) if (!(boxBound(R, s, Q, q) > threshold)) lb = Math.min(lb, pairBound(R, s, Q, q));
        if (lb <= threshold) kept[count++] = q;
      }
    }
    // Nothing under the threshold: keep the column tile of the smallest bound (super-tiles by their
    // coarse bound, standing for their first tile).
    if (count === 0) kept[count++] = smallestBound(R, Q, Rbig, Qbig, t, s0, s1, SUPER, threshold);
    const rowsHere = Math.min(tileRows, rows.n - t * tileRows);
    for (let k = 0; k < count; k++) {
      const start = kept[k]! * TILE;
      const end = Math.min(cols.n, start + TILE);
      pairs += rowsHere * (end - start);
      const last = list.length - 1;
      if (list.length > 2 * off[t]! && list[last] === start) list[last] = end;
      else list.push(start, end);
    }
    tiles.push(kept.slice(0, count));
    off[t + 1] = list.length / 2;
  }
  return { tileRows, off, ranges: Uint32Array.from(list), pairs, tiles };
}

/** The column tile of keptRanges' fallback for row tile t: the smallest bound, scanned as keptRanges scans. */
function smallestBound(R: TileSummaries, Q: TileSummaries, Rbig: TileSummaries, Qbig: TileSummaries, t: number, s0: number, s1: number, SUPER: number, threshold: number): number {
  let best = Infinity;
  let bestQ = 0;
  for (let S = 0; S < Qbig.count; S++) {
    const coarse = pairBound(Rbig, t, Qbig, S);
    const q0 = S * SUPER;
    if (coarse > threshold) {
      if (coarse < best) (best = coarse), (bestQ = q0);
      continue;
    }
    for (let q = q0; q < Math.min(Q.count, q0 + SUPER); q++) {
      let lb = Infinity;
      for (let s = s0; s < s1 && lb > threshold; s++) lb = Math.min(lb, pairBound(R, s, Q, q));
      if (lb < best) (best = lb), (bestQ = q);
    }
  }
  return bestQ;
}

/** True when every column tile kept by `inner` for each row tile is also kept by `outer`. */
export function keptSubset(inner: KeptRanges, outer: KeptRanges): boolean {
  for (let t = 0; t < inner.tiles.length; t++) {
    const a = inner.tiles[t]!;
    const b = outer.tiles[t]!;
    let k = 0;
    for (const q of a) {
      while (k < b.length && b[k]! < q) k++;
      if (b[k] !== q) return false;
    }
  }
  return true;
}
