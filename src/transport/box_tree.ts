/**
 * A hierarchy of bounding boxes over items in k-d tree order (truncation.ts, `spatialOrder`), for the
 * pruned scans of the truncation's host set-up (extension.ts: the leaf centres in reach of a tile;
 * kept_ranges.ts: the column super-tiles in reach of a row tile). Node i of level 0 covers the
 * items [i·leaf, (i + 1)·leaf), node i of level k + 1 the nodes 2i and 2i + 1 of level k; the last
 * level has one node. Aligned runs of items in k-d order are compact boxes, so a scan that tests a
 * node's box before its children skips far items by the thousand.
 *
 * Every quantity is built from its children by min and max, which round nothing: a node's box
 * contains its items' boxes exactly, and a bound that is monotone in the box and the value (a
 * squared gap between boxes plus a value, each operation rounded monotonically) is, in floating
 * point, at most the same bound of any item below it. That is what lets the pruned scans keep
 * exactly the sets of the plain ones.
 */

/** One level of a BoxTree. */
export interface BoxLevel {
  count: number;
  /** Boxes, d values per node. */
  lo: Float64Array;
  hi: Float64Array;
  /** Smallest value below the node (NaN values ignored, +Infinity if none). */
  min: Float64Array;
  /** Largest value below the node, NaN if any is NaN (as Math.max). */
  max: Float64Array;
}

export interface BoxTree {
  d: number;
  /** Items per node of level 0. */
  leaf: number;
  items: number;
  /** levels[0] is the finest; levels[levels.length - 1] has one node. */
  levels: BoxLevel[];
}

/** max with Math.max's NaN (sticky), without its call. */
const maxNaN = (a: number, b: number): number => (a !== a || b !== b ? NaN : a > b ? a : b);

/**
 * The tree over `items` items with boxes [lo, hi] (d values each from index item·d; for points, the
 * same array twice) and values `value` (one per item), `leaf` items per node of level 0.
 */
export function boxTree(lo: ArrayLike<number>, hi: ArrayLike<number>, value: ArrayLike<number>, items: number, d: number, leaf: number): BoxTree {
  const levels: BoxLevel[] = [];
  const level = (count: number): BoxLevel => ({
    count,
    lo: new Float64Array(count * d).fill(Infinity),
    hi: new Float64Array(count * d).fill(-Infinity),
    min: new Float64Array(count).fill(Infinity),
    max: new Float64Array(count).fill(-Infinity),
  });
  let cur = level(Math.max(1, Math.ceil(items / leaf)));
  for (let q = 0; q < items; q++) {
    const G = (q / leaf) | 0;
    for (let k = 0; k < d; k++) {
      const l = lo[q * d + k]!;
      const h = hi[q * d + k]!;
      if (l < cur.lo[G * d + k]!) cur.lo[G * d + k] = l;
      if (h > cur.hi[G * d + k]!) cur.hi[G * d + k] = h;
    }
    const v = value[q]!;
    if (v < cur.min[G]!) cur.min[G] = v;
    cur.max[G] = maxNaN(cur.max[G]!, v);
  }
  levels.push(cur);
  while (cur.count > 1) {
    const up = level(Math.ceil(cur.count / 2));
    for (let i = 0; i < cur.count; i++) {
      const P = i >> 1;
      for (let k = 0; k < d; k++) {
        if (cur.lo[i * d + k]! < up.lo[P * d + k]!) up.lo[P * d + k] = cur.lo[i * d + k]!;
        if (cur.hi[i * d + k]! > up.hi[P * d + k]!) up.hi[P * d + k] = cur.hi[i * d + k]!;
      }
      if (cur.min[i]! < up.min[P]!) up.min[P] = cur.min[i]!;
      up.max[P] = maxNaN(up.max[P]!, cur.max[i]!);
    }
    levels.push(up);
    cur = up;
  }
  return { d, leaf, items, levels };
}

/**
 * An affine model of the values over each node: value_q = alpha + <beta, p_q> + r_q with r_q in
 * [rmin, rmax] for every item q below the node (p_q the item's point). beta is a least-squares fit
 * (any beta gives valid bounds; a good one gives tight ones); rmin and rmax are taken over the items'
 * residuals as rounded, so they hold to the rounding of one residual (a few ulps of `magnitude`). A
 * node with a non-finite value or residual gets rmin = -∞, rmax = +∞ (no bound).
 */
export interface AffineLevel {
  beta: Float64Array;
  alpha: Float64Array;
  rmin: Float64Array;
  rmax: Float64Array;
}

export interface AffineFit {
  levels: AffineLevel[];
  /** An upper bound of |alpha| + Σ_k |beta_k|·|p_k| + |value| over the finite nodes and items. */
  magnitude: number;
}

/** The affine fit of `value` over the nodes of `tree` (points p, d per item). */
export function affineFit(tree: BoxTree, p: ArrayLike<number>, value: ArrayLike<number>): AffineFit {
  const { d, leaf, items } = tree;
  const levels: AffineLevel[] = [];
  let magnitude = 0;
  let pMax = 0;
  for (let k = 0; k < items * d; k++) if (Math.abs(p[k]!) > pMax) pMax = Math.abs(p[k]!);
  const M = new Float64Array(d * d);
  const rhs = new Float64Array(d);
  const mean = new Float64Array(d);
  tree.levels.forEach((L, k) => {
    const span = leaf * 2 ** k;
    const A: AffineLevel = { beta: new Float64Array(L.count * d), alpha: new Float64Array(L.count), rmin: new Float64Array(L.count), rmax: new Float64Array(L.count) };
    for (let i = 0; i < L.count; i++) {
      const q0 = i * span;
      const q1 = Math.min(items, q0 + span);
      // Least squares over the finite values: (Σ dp dpᵀ) beta = Σ dp dv.
      let count = 0;
      let vm = 0;
      mean.fill(0);
      for (let q = q0; q < q1; q++) {
        const v = value[q]!;
        if (!Number.isFinite(v)) continue;
        count++;
        vm += v;
        for (let a = 0; a < d; a++) mean[a] = mean[a]! + p[q * d + a]!;
      }
      if (count > 0) {
        vm /= count;
        for (let a = 0; a < d; a++) mean[a] = mean[a]! / count;
      }
      M.fill(0);
      rhs.fill(0);
      for (let q = q0; q < q1; q++) {
        const v = value[q]!;
        if (!Number.isFinite(v)) continue;
        for (let a = 0; a < d; a++) {
          const da = p[q * d + a]! - mean[a]!;
          rhs[a] = rhs[a]! + da * (v - vm);
          for (let b = 0; b <= a; b++) M[a * d + b] = M[a * d + b]! + da * (p[q * d + b]! - mean[b]!);
        }
      }
      let trace = 0;
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < a; b++) M[b * d + a] = M[a * d + b]!;
        trace += M[a * d + a]!;
      }
      for (let a = 0; a < d; a++) M[a * d + a] = M[a * d + a]! + 1e-9 * trace + 1e-300;
      const ok = count > d && solveSmall(M, rhs, d);
      let alpha = vm;
      let bsum = 0;
      for (let a = 0; a < d; a++) {
        const b = ok ? rhs[a]! : 0;
        A.beta[i * d + a] = b;
        alpha -= b * mean[a]!;
        bsum += Math.abs(b);
      }
      A.alpha[i] = alpha;
      let rmin = Infinity;
      let rmax = -Infinity;
      for (let q = q0; q < q1; q++) {
        let r = value[q]! - alpha;
        for (let a = 0; a < d; a++) r -= A.beta[i * d + a]! * p[q * d + a]!;
        if (!Number.isFinite(r)) {
          rmin = -Infinity;
          rmax = Infinity;
          break;
        }
        if (r < rmin) rmin = r;
        if (r > rmax) rmax = r;
        const mag = Math.abs(alpha) + bsum * pMax + Math.abs(value[q]!);
        if (mag > magnitude) magnitude = mag;
      }
      A.rmin[i] = rmin;
      A.rmax[i] = rmax;
    }
    levels.push(A);
  });
  return { levels, magnitude };
}

/** Solve the d×d system M z = b in place (Gaussian elimination, partial pivoting); false if singular. */
export function solveSmall(M: Float64Array, b: Float64Array, d: number): boolean {
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
