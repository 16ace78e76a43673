/**
 * The costs the exact solver (network_simplex.ts) prices: a stored float64 matrix or squared
 * distances between points recomputed when needed, the specialised row-pricing loops, the blocked
 * squared-Euclidean cost matrix for high d, and the principal-direction orders of the start.
 */
/** Costs as a stored matrix, or as squared distances between points computed when needed. */
export type CostModel = { kind: 'matrix'; C: Float64Array } | { kind: 'points'; X: Float64Array; Y: Float64Array; d: number };

export function costFunction(model: CostModel, m: number): (i: number, j: number) => number {
  if (model.kind === 'matrix') {
    const C = model.C;
    return (i, j) => C[i * m + j]!;
  }
  const { X, Y, d } = model;
  return (i, j) => {
    let s = 0;
    for (let c = 0; c < d; c++) {
      const t = X[i * d + c]! - Y[j * d + c]!;
      s += t * t;
    }
    return s;
  };
}

/** An upper bound on max |C_ij| (for points: the squared diagonal of the pooled bounding box). */
export function maxCost(model: CostModel): number {
  if (model.kind === 'matrix') {
    let mx = 0;
    for (let k = 0; k < model.C.length; k++) mx = Math.max(mx, Math.abs(model.C[k]!));
    return mx;
  }
  const { X, Y, d } = model;
  let s = 0;
  for (let c = 0; c < d; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const P of [X, Y]) {
      for (let k = c; k < P.length; k += d) {
        lo = Math.min(lo, P[k]!);
        hi = Math.max(hi, P[k]!);
      }
    }
    s += (hi - lo) ** 2;
  }
  return s;
}

/**
 * The pricing loop over one row: r_ij = C_ij − f_i − g_j for j in [j0, j1); `onBelow(i, j, r)` is
 * called when r < the current threshold and returns the new threshold. Specialised per cost model
 * (and for points in 2-D) because this loop is where the solver spends its time.
 */
export function rowScanner(
  model: CostModel,
  m: number,
  f: Float64Array,
  g: Float64Array,
  onBelow: (i: number, j: number, r: number) => number,
): (i: number, j0: number, j1: number, threshold: number) => void {
  if (model.kind === 'matrix') {
    const C = model.C;
    return (i, j0, j1, thr) => {
      const fi = f[i]!;
      const base = i * m;
      for (let j = j0; j < j1; j++) {
        const r = C[base + j]! - fi - g[j]!;
        if (r < thr) thr = onBelow(i, j, r);
      }
    };
  }
  const { X, Y, d } = model;
  if (d === 2) {
    return (i, j0, j1, thr) => {
      const fi = f[i]!;
      const x0 = X[2 * i]!;
      const x1 = X[2 * i + 1]!;
      for (let j = j0; j < j1; j++) {
        const t0 = x0 - Y[2 * j]!;
        const t1 = x1 - Y[2 * j + 1]!;
        const r = t0 * t0 + t1 * t1 - fi - g[j]!;
        if (r < thr) thr = onBelow(i, j, r);
      }
    };
  }
  return (i, j0, j1, thr) => {
    const fi = f[i]!;
    const xi = i * d;
    for (let j = j0; j < j1; j++) {
      const yj = j * d;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = X[xi + c]! - Y[yj + c]!;
        s += t * t;
      }
      const r = s - fi - g[j]!;
      if (r < thr) thr = onBelow(i, j, r);
    }
  };
}

/** The model restricted to the rows `rows` and columns `cols`. */
export function restrictModel(model: CostModel, m: number, rows: Int32Array, cols: Int32Array): CostModel {
  if (model.kind === 'matrix') {
    const C = new Float64Array(rows.length * cols.length);
    for (let p = 0; p < rows.length; p++) for (let q = 0; q < cols.length; q++) C[p * cols.length + q] = model.C[rows[p]! * m + cols[q]!]!;
    return { kind: 'matrix', C };
  }
  const { X, Y, d } = model;
  const take = (P: Float64Array, idx: Int32Array) => {
    const out = new Float64Array(idx.length * d);
    idx.forEach((r, k) => out.set(P.subarray(r * d, r * d + d), k * d));
    return out;
  };
  return { kind: 'points', X: take(X, rows), Y: take(Y, cols), d };
}

/**
 * Squared Euclidean cost matrix between X (n×d) and Y (m×d), row-major, in float64. Differences are
 * taken coordinate by coordinate (no |x|² + |y|² − 2⟨x, y⟩ cancellation). Blocked for high d: four
 * rows of X against each row of Y (each loaded coordinate of Y serves four sums), over chunks of
 * COST_CHUNK coordinates (the four X rows stay in L1 while the chunk of Y streams past), so the
 * 784- or 4096-dimensional case runs at arithmetic speed rather than memory speed.
 */
export function sqEuclideanCost(x: ArrayLike<number>, y: ArrayLike<number>, d: number): Float64Array {
  const n = x.length / d;
  const m = y.length / d;
  const X = x instanceof Float64Array ? x : Float64Array.from(x);
  const Y = y instanceof Float64Array ? y : Float64Array.from(y);
  const C = new Float64Array(n * m);
  for (let c0 = 0; c0 < d; c0 += COST_CHUNK) {
    const c1 = Math.min(d, c0 + COST_CHUNK);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const x0 = i * d;
      const x1 = x0 + d;
      const x2 = x1 + d;
      const x3 = x2 + d;
      for (let j = 0; j < m; j++) {
        const yj = j * d;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let c = c0; c < c1; c++) {
          const v = Y[yj + c]!;
          const t0 = X[x0 + c]! - v;
          const t1 = X[x1 + c]! - v;
          const t2 = X[x2 + c]! - v;
          const t3 = X[x3 + c]! - v;
          s0 += t0 * t0;
          s1 += t1 * t1;
          s2 += t2 * t2;
          s3 += t3 * t3;
        }
        C[i * m + j] = C[i * m + j]! + s0;
        C[(i + 1) * m + j] = C[(i + 1) * m + j]! + s1;
        C[(i + 2) * m + j] = C[(i + 2) * m + j]! + s2;
        C[(i + 3) * m + j] = C[(i + 3) * m + j]! + s3;
      }
    }
    for (; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let c = c0; c < c1; c++) {
          const t = X[i * d + c]! - Y[j * d + c]!;
          s += t * t;
        }
        C[i * m + j] = C[i * m + j]! + s;
      }
    }
  }
  return C;
}

/** Coordinates per chunk in sqEuclideanCost (4 rows × 512 × 8 bytes = 16 KiB of X in L1). */
const COST_CHUNK = 512;

/**
 * Indices of X and Y sorted along the principal direction of the pooled clouds (power iteration on
 * the pooled covariance, float64): the north-west-corner start along these orders is the optimal
 * 1-D coupling of the projections, usually close to the d-dimensional optimum.
 */
export function principalOrders(x: ArrayLike<number>, y: ArrayLike<number>, d: number): { rows: Int32Array; cols: Int32Array } {
  const n = x.length / d;
  const m = y.length / d;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] = mean[c]! + x[i * d + c]!;
  for (let j = 0; j < m; j++) for (let c = 0; c < d; c++) mean[c] = mean[c]! + y[j * d + c]!;
  for (let c = 0; c < d; c++) mean[c] = mean[c]! / (n + m);
  let v = new Float64Array(d);
  for (let c = 0; c < d; c++) v[c] = 1 + c / d; // any start not orthogonal to the top eigenvector, deterministic
  const proj = (p: ArrayLike<number>, k: number, dir: Float64Array) => {
    let s = 0;
    for (let c = 0; c < d; c++) s += (p[k * d + c]! - mean[c]!) * dir[c]!;
    return s;
  };
  for (let it = 0; it < 12 && d > 1; it++) {
    const w = new Float64Array(d);
    for (const [p, cnt] of [
      [x, n],
      [y, m],
    ] as const) {
      for (let k = 0; k < cnt; k++) {
        const s = proj(p, k, v);
        for (let c = 0; c < d; c++) w[c] = w[c]! + s * (p[k * d + c]! - mean[c]!);
      }
    }
    let norm = 0;
    for (let c = 0; c < d; c++) norm += w[c]! * w[c]!;
    norm = Math.sqrt(norm);
    if (!(norm > 0)) break;
    for (let c = 0; c < d; c++) w[c] = w[c]! / norm;
    v = w;
  }
  const px = Float64Array.from({ length: n }, (_, k) => proj(x, k, v));
  const py = Float64Array.from({ length: m }, (_, k) => proj(y, k, v));
  const rows = Int32Array.from({ length: n }, (_, k) => k).sort((p, q) => px[p]! - px[q]!);
  const cols = Int32Array.from({ length: m }, (_, k) => k).sort((p, q) => py[p]! - py[q]!);
  return { rows, cols };
}
