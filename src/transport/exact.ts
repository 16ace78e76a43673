/**
 * Exact W2 references on the CPU (float64): 1-D by sorting (the quantile coupling is optimal for
 * convex costs on the line), the optimal assignment between equal-size uniform clouds in any
 * dimension (shortest augmenting paths with potentials, O(n³), memory O(n): costs are recomputed,
 * never stored), and sliced W2 with seeded directions.
 */
import { CancelledError, InputError } from '../gpu/errors.js';
import { philox4x32, splitSeed } from '../rng/philox.js';

/** Largest n for the exact assignment (O(n³) time: about 10 s at n = 2000 in Node). */
export const EXACT_MAX_POINTS = 5000;

/**
 * Exact W2² between weighted 1-D distributions: Σ over the merged quantile intervals of
 * (F_X⁻¹(t) - F_Y⁻¹(t))² dt. `a`, `b` are weights summing to 1 (uniform when omitted).
 */
export function w2sqExact1d(x: ArrayLike<number>, y: ArrayLike<number>, a?: ArrayLike<number>, b?: ArrayLike<number>): number {
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) throw new InputError('exact1d: empty cloud');
  const ix = sortedIndex(x);
  const iy = sortedIndex(y);
  if (!a && !b && n === m) {
    let s = 0;
    for (let k = 0; k < n; k++) s += (x[ix[k]!]! - y[iy[k]!]!) ** 2;
    return s / n;
  }
  const wa = (i: number) => (a ? a[i]! : 1 / n);
  const wb = (j: number) => (b ? b[j]! : 1 / m);
  let i = 0;
  let j = 0;
  let ra = wa(ix[0]!);
  let rb = wb(iy[0]!);
  let s = 0;
  while (i < n && j < m) {
    const t = Math.min(ra, rb);
    s += t * (x[ix[i]!]! - y[iy[j]!]!) ** 2;
    ra -= t;
    rb -= t;
    // Advance whichever quantile block is used up (both when equal, up to rounding).
    if (ra <= 1e-15 && i < n) {
      i++;
      if (i < n) ra += wa(ix[i]!);
    }
    if (rb <= 1e-15 && j < m) {
      j++;
      if (j < m) rb += wb(iy[j]!);
    }
  }
  return s;
}

function sortedIndex(v: ArrayLike<number>): Uint32Array {
  const idx = new Uint32Array(v.length);
  for (let k = 0; k < idx.length; k++) idx[k] = k;
  return idx.sort((p, q) => v[p]! - v[q]!);
}

export interface AssignmentResult {
  /** W2² = (1/n) Σ_i |x_i - y_{σ(i)}|². */
  w2sq: number;
  /** The optimal permutation: X point i goes to Y point assignment[i]. */
  assignment: Int32Array;
}

/**
 * Optimal assignment between n points X and n points Y (n×d row-major) for the cost |x - y|²:
 * the exact W2² between the uniform empirical measures (an optimal plan between two uniform
 * measures of equal size is a permutation, by Birkhoff). Hungarian method with potentials and
 * shortest augmenting paths (Kuhn–Munkres in the Jonker–Volgenant form), float64.
 */
export function exactAssignment(x: ArrayLike<number>, y: ArrayLike<number>, d: number, signal?: AbortSignal): AssignmentResult {
  const n = x.length / d;
  if (!Number.isInteger(n) || y.length !== x.length) throw new InputError(`exact: needs two clouds of the same size (got ${x.length / d} and ${y.length / d} points)`);
  if (n < 1) throw new InputError('exact: empty cloud');
  if (n > EXACT_MAX_POINTS) throw new InputError(`exact: ${n} points is over the limit of ${EXACT_MAX_POINTS} (O(n³)); use sinkhorn`);
  const X = Float64Array.from(x);
  const Y = Float64Array.from(y);
  const cost = (i: number, j: number) => {
    let s = 0;
    for (let c = 0; c < d; c++) {
      const t = X[i * d + c]! - Y[j * d + c]!;
      s += t * t;
    }
    return s;
  };
  // 1-based arrays as in the classical formulation: p[j] = row matched to column j (0: free).
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  const minv = new Float64Array(n + 1);
  const used = new Uint8Array(n + 1);
  for (let i = 1; i <= n; i++) {
    if (i % 64 === 0 && signal?.aborted) throw new CancelledError('exact W2');
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      const ui0 = u[i0]!;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost(i0 - 1, j - 1) - ui0 - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else minv[j] = minv[j]! - delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const assignment = new Int32Array(n);
  for (let j = 1; j <= n; j++) assignment[p[j]! - 1] = j - 1;
  let s = 0;
  for (let i = 0; i < n; i++) s += cost(i, assignment[i]!);
  return { w2sq: s / n, assignment };
}

/** `count` unit directions in dimension d from Philox normals (seed, stream 0), float64. */
export function slicedDirections(count: number, d: number, seed: number | bigint): Float64Array {
  const key = splitSeed(seed);
  const out = new Float64Array(count * d);
  let ctr = 0;
  const normals: number[] = [];
  const next = () => {
    if (normals.length === 0) {
      const w = philox4x32([ctr++, 0x5117ced, 0, 0], key);
      // Box–Muller in float64 from two pairs of 32-bit words.
      for (const [p, q] of [
        [w[0], w[1]],
        [w[2], w[3]],
      ] as const) {
        const r = Math.sqrt(-2 * Math.log((p + 0.5) / 4294967296));
        const t = (2 * Math.PI * q) / 4294967296;
        normals.push(r * Math.cos(t), r * Math.sin(t));
      }
    }
    return normals.pop()!;
  };
  for (let k = 0; k < count; k++) {
    let norm = 0;
    for (let c = 0; c < d; c++) {
      const z = next();
      out[k * d + c] = z;
      norm += z * z;
    }
    norm = Math.sqrt(norm);
    for (let c = 0; c < d; c++) out[k * d + c] = out[k * d + c]! / norm;
  }
  return out;
}

/** Most directions for sliced W2 (the estimator's error falls as 1/√L: 10^5 directions is ~0.3%). */
export const SLICED_MAX_DIRECTIONS = 100_000;

/**
 * Sliced W2² = E_θ W2²(θ·X, θ·Y) over uniform directions θ, estimated with `directions` seeded
 * directions (the estimator of the paper's code). Note: it is not W2² (it is smaller, by about a
 * factor d for isotropic differences).
 */
export function slicedW2sq(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  d: number,
  opts: { directions?: number; seed?: number | bigint; a?: ArrayLike<number>; b?: ArrayLike<number> } = {},
): number {
  const L = opts.directions ?? 128;
  if (!Number.isInteger(L) || L < 1 || L > SLICED_MAX_DIRECTIONS) throw new InputError(`sliced: directions must be an integer in [1, ${SLICED_MAX_DIRECTIONS}], got ${L}`);
  const dirs = slicedDirections(L, d, opts.seed ?? 0);
  const n = x.length / d;
  const m = y.length / d;
  const px = new Float64Array(n);
  const py = new Float64Array(m);
  let total = 0;
  for (let k = 0; k < L; k++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += dirs[k * d + c]! * x[i * d + c]!;
      px[i] = s;
    }
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += dirs[k * d + c]! * y[j * d + c]!;
      py[j] = s;
    }
    total += w2sqExact1d(px, py, opts.a, opts.b);
  }
  return total / L;
}
