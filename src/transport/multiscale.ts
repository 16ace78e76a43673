/**
 * Coarse-to-fine start of the GPU Sinkhorn (the multiscale idea of geomloss, Schmitzer 2019,
 * "Stabilized sparse scaling algorithms for entropy regularized transport problems", §4):
 * the clouds are binned on a grid, each occupied cell becomes one point (weighted centroid, total
 * weight), the small coarse problem is solved in float64 on the CPU down to ε_c = cell², and its
 * potentials are extended to every fine point by one softmin (f_i = T(g_c)(x_i) at ε_c, geomloss's
 * extrapolation). The fine annealing then starts at ε_c instead of diameter².
 *
 * Why: when the clouds hold separated groups (clusters) of unequal mass, the optimal potentials
 * differ between groups by offsets that Sinkhorn at small ε only moves by about ε·(mass imbalance)
 * per iteration: started from zero, the fine solve stalls for thousands of iterations (measured: a
 * marginal error stuck at 4.5e-2 after 500 iterations on the paper's 4 clusters at blur 0.1). The
 * coarse problem has one point per cluster and settles those offsets exactly; it also skips the
 * expensive coarse levels of the fine problem.
 */

/** Cells per cloud at most: the coarse float64 problem costs cells² per half-iteration. */
export const COARSE_MAX_CELLS = 96;

export interface CoarseStart {
  /** ε at which the fine annealing starts (the coarse problem's final ε). */
  eps: number;
  /** Fine potentials (float64) of the cross problem and, when debiased, of the self problems. */
  f: Float64Array;
  g: Float64Array;
  fSelf: Float64Array | undefined;
  gSelf: Float64Array | undefined;
  cellsX: number;
  cellsY: number;
  /** Coarse Sinkhorn iterations spent (float64, CPU). */
  iterations: number;
}

export interface Coarse {
  pts: Float64Array;
  w: Float64Array;
  n: number;
}

/** Bin points on a grid of cell size h anchored at lo: weighted centroids and masses of occupied cells. */
function bin(p: Float32Array, w: Float64Array, d: number, lo: Float64Array, h: number, limit: number): Coarse | undefined {
  const index = new Map<string | number, number>();
  const sums: number[] = [];
  const mass: number[] = [];
  const n = w.length;
  for (let i = 0; i < n; i++) {
    let key: string | number = 0;
    if (d <= 3) {
      for (let c = 0; c < d; c++) key = (key as number) * 1_048_576 + Math.floor((p[i * d + c]! - lo[c]!) / h);
    } else {
      const parts: number[] = [];
      for (let c = 0; c < d; c++) parts.push(Math.floor((p[i * d + c]! - lo[c]!) / h));
      key = parts.join(',');
    }
    let k = index.get(key);
    if (k === undefined) {
      k = mass.length;
      if (k >= limit) return undefined;
      index.set(key, k);
      mass.push(0);
      for (let c = 0; c < d; c++) sums.push(0);
    }
    mass[k] = mass[k]! + w[i]!;
    for (let c = 0; c < d; c++) sums[k * d + c] = sums[k * d + c]! + w[i]! * p[i * d + c]!;
  }
  const m = mass.length;
  const pts = new Float64Array(m * d);
  for (let k = 0; k < m; k++) for (let c = 0; c < d; c++) pts[k * d + c] = sums[k * d + c]! / mass[k]!;
  return { pts, w: Float64Array.from(mass), n: m };
}

function sq(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, d: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) s += (a[i * d + c]! - b[j * d + c]!) ** 2;
  return s;
}

/** The costs |x_i - y_j|² of every pair (nx × m, row-major). */
function costs(x: ArrayLike<number>, nx: number, y: ArrayLike<number>, m: number, d: number): Float64Array {
  const C = new Float64Array(nx * m);
  for (let i = 0; i < nx; i++) for (let j = 0; j < m; j++) C[i * m + j] = sq(x, i, y, j, d);
  return C;
}

/**
 * out_i = -ε log Σ_j w_j exp((pot_j - C_ij)/ε), float64 with a max shift, for rows of the costs C
 * (nx × m) and column log-weights logw.
 */
function softminRows(C: Float64Array, nx: number, logw: Float64Array, pot: Float64Array, eps: number, out: Float64Array, t: Float64Array): void {
  const m = logw.length;
  for (let i = 0; i < nx; i++) {
    let mx = -Infinity;
    const row = i * m;
    for (let j = 0; j < m; j++) {
      const v = logw[j]! + (pot[j]! - C[row + j]!) / eps;
      t[j] = v;
      if (v > mx) mx = v;
    }
    let s = 0;
    for (let j = 0; j < m; j++) s += Math.exp(t[j]! - mx);
    out[i] = -eps * (mx + Math.log(s));
  }
}

/** out_i = -ε log Σ_j w_j exp((pot_j - |x_i - y_j|²)/ε) for nx points x against the cells y (weights w). */
function softmin(x: ArrayLike<number>, nx: number, y: ArrayLike<number>, w: Float64Array, pot: Float64Array, d: number, eps: number, out: Float64Array): void {
  const m = w.length;
  softminRows(costs(x, nx, y, m, d), nx, w.map(Math.log), pot, eps, out, new Float64Array(m));
}

/** The L1 row-marginal error Σ_i w_i |exp((f_i - T_i)/ε) - 1| of the plan of (f, g) whose x-update is T. */
function rowError(w: Float64Array, f: Float64Array, T: Float64Array, eps: number): number {
  let err = 0;
  for (let i = 0; i < w.length; i++) err += w[i]! * Math.abs(Math.exp((f[i]! - T[i]!) / eps) - 1);
  return err;
}

/** The ε of each level: from eps0 down to eps by ×¼, each level converged (1e-3, the last 1e-6). */
function* levels(eps0: number, eps: number): Generator<{ e: number; tol: number }> {
  for (let e = Math.max(eps0, eps); ; e = Math.max(eps, e / 4)) {
    yield { e, tol: e === eps ? 1e-6 : 1e-3 };
    if (e === eps) return;
  }
}

/** Iterations per coarse level at most. */
const COARSE_LEVEL_ITERATIONS = 2000;

/** Alternating log-domain Sinkhorn in float64 with ε-scaling (×¼ per level), each level converged. */
export function solveCoarse(X: Coarse, Y: Coarse, d: number, eps0: number, eps: number, state: { iterations: number }): { f: Float64Array; g: Float64Array } {
  const f = new Float64Array(X.n);
  const g = new Float64Array(Y.n);
  const fNew = new Float64Array(X.n);
  const Cxy = costs(X.pts, X.n, Y.pts, Y.n, d);
  const Cyx = costs(Y.pts, Y.n, X.pts, X.n, d);
  const logwX = X.w.map(Math.log);
  const logwY = Y.w.map(Math.log);
  const t = new Float64Array(Math.max(X.n, Y.n));
  for (const { e, tol } of levels(eps0, eps)) {
    for (let k = 0; k < COARSE_LEVEL_ITERATIONS; k++) {
      softminRows(Cxy, X.n, logwY, g, e, fNew, t);
      // L1 row-marginal error of the plan (f, g) before this update (its columns are exact).
      const err = rowError(X.w, f, fNew, e);
      f.set(fNew);
      softminRows(Cyx, Y.n, logwX, f, e, g, t);
      state.iterations++;
      if (k > 0 && err < tol) break;
    }
  }
  return { f, g };
}

/**
 * The potential of OT(α, α) in float64 with ε-scaling: symmetric averaged updates f ← ½(f + T(f))
 * (Feydy et al. 2019), each level converged. Alternating updates on this symmetric problem crawl
 * (measured: 68 cells of a 512-point Gaussian cloud at ε = 0.36 stopped at the 2000-iteration cap
 * short of 1e-6, 600 ms of a 512-point W2's host time); averaged ones converge in tens of iterations.
 */
export function solveSelf(C: Coarse, d: number, eps0: number, eps: number, state: { iterations: number }): Float64Array {
  const f = new Float64Array(C.n);
  const T = new Float64Array(C.n);
  const K = costs(C.pts, C.n, C.pts, C.n, d);
  const logw = C.w.map(Math.log);
  const t = new Float64Array(C.n);
  for (const { e, tol } of levels(eps0, eps)) {
    for (let k = 0; k < COARSE_LEVEL_ITERATIONS; k++) {
      softminRows(K, C.n, logw, f, e, T, t);
      // The plan of (f, f) has row sums w_i exp((f_i - T_i)/ε): its L1 marginal error.
      const err = rowError(C.w, f, T, e);
      for (let i = 0; i < C.n; i++) f[i] = 0.5 * (f[i]! + T[i]!);
      state.iterations++;
      if (k > 0 && err < tol) break;
    }
  }
  return f;
}

/**
 * A coarse start for centred clouds cx (weights wx) and cy (wy), or undefined when binning would
 * not make the problem smaller (few points, or no grid with at most COARSE_MAX_CELLS cells that is
 * coarser than the blur).
 */
export function coarseStart(cx: Float32Array, wx: Float64Array, cy: Float32Array, wy: Float64Array, d: number, diameter: number, blur: number, debias: boolean): CoarseStart | undefined {
  const n = wx.length;
  const m = wy.length;
  // A coarse problem needs at most half as many points as the fine one to be worth solving.
  const limit = Math.min(COARSE_MAX_CELLS, Math.floor(n / 2), Math.floor(m / 2));
  if (limit < 8 || !(diameter > 0)) return undefined;
  const lo = new Float64Array(d).fill(Infinity);
  for (const p of [cx, cy]) for (let k = 0; k < p.length; k++) lo[k % d] = Math.min(lo[k % d]!, p[k]!);
  // The finest grid (cell = diameter / 2^k) whose cell counts stay under the limit.
  let best: { X: Coarse; Y: Coarse; h: number } | undefined;
  for (let h = diameter / 2; h > blur; h /= 2) {
    const X = bin(cx, wx, d, lo, h, limit);
    const Y = X && bin(cy, wy, d, lo, h, limit);
    if (!X || !Y) break;
    best = { X, Y, h };
  }
  if (!best) return undefined;
  const { X, Y, h } = best;
  const eps = Math.max(h * h, blur * blur);
  const state = { iterations: 0 };
  const xy = solveCoarse(X, Y, d, diameter * diameter, eps, state);
  const f = new Float64Array(n);
  const g = new Float64Array(m);
  softmin(cx, n, Y.pts, Y.w, xy.g, d, eps, f);
  softmin(cy, m, X.pts, X.w, xy.f, d, eps, g);
  let fSelf: Float64Array | undefined;
  let gSelf: Float64Array | undefined;
  if (debias) {
    // OT(α, α): symmetric, one potential.
    const self = (C: Coarse, p: Float32Array, len: number) => {
      const pot = solveSelf(C, d, diameter * diameter, eps, state);
      const out = new Float64Array(len);
      softmin(p, len, C.pts, C.w, pot, d, eps, out);
      return out;
    };
    fSelf = self(X, cx, n);
    gSelf = self(Y, cy, m);
  }
  return { eps, f, g, fSelf, gSelf, cellsX: X.n, cellsY: Y.n, iterations: state.iterations };
}
