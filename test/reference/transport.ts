/**
 * Float64 CPU references for the transport kernels and closed forms from DESIGN.md.
 */

/** Squared distance between row i of x and row j of y (float64). */
export function sqdist64(x: ArrayLike<number>, i: number, y: ArrayLike<number>, j: number, d: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) s += (x[i * d + c]! - y[j * d + c]!) ** 2;
  return s;
}

/**
 * The softmin of shaders/sinkhorn_softmin.wgsl in float64: T(g)_i = -ε log Σ_j b_j exp((g_j - C_ij)/ε).
 */
export function softmin64(x: ArrayLike<number>, y: ArrayLike<number>, d: number, logb: ArrayLike<number>, g: ArrayLike<number>, eps: number): Float64Array {
  const n = x.length / d;
  const m = y.length / d;
  const out = new Float64Array(n);
  const e = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let j = 0; j < m; j++) {
      e[j] = logb[j]! + (g[j]! - sqdist64(x, i, y, j, d)) / eps;
      mx = Math.max(mx, e[j]!);
    }
    let s = 0;
    for (let j = 0; j < m; j++) s += Math.exp(e[j]! - mx);
    out[i] = -eps * (mx + Math.log(s));
  }
  return out;
}

/**
 * Entropic OT_ε with cost |x - y|² by plain alternating log-domain Sinkhorn in float64, run to an
 * L1 marginal error of `tol` with ε-scaling from the diameter (for speed only). Returns the dual value;
 * throws when the final ε does not reach `tol` within `maxIter` iterations.
 */
export function entropicOT64(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  d: number,
  eps: number,
  opts: { a?: ArrayLike<number>; b?: ArrayLike<number>; tol?: number; maxIter?: number } = {},
): { ot: number; f: Float64Array; g: Float64Array; iterations: number } {
  const n = x.length / d;
  const m = y.length / d;
  const a = opts.a ?? new Float64Array(n).fill(1 / n);
  const b = opts.b ?? new Float64Array(m).fill(1 / m);
  const loga = Array.from(a, Math.log);
  const logb = Array.from(b, Math.log);
  let f: Float64Array = new Float64Array(n);
  let g: Float64Array = new Float64Array(m);
  let diam2 = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) diam2 = Math.max(diam2, sqdist64(x, i, y, j, d));
  const tol = opts.tol ?? 1e-10;
  let iterations = 0;
  let converged = false;
  for (let e = Math.max(diam2, eps); ; e = Math.max(eps, e / 4)) {
    for (let k = 0; k < (opts.maxIter ?? 5000); k++) {
      f = softmin64(x, y, d, logb, g, e);
      g = softmin64(y, x, d, loga, f, e);
      iterations++;
      if (e > eps && k >= 3) break;
      if (e === eps && k % 5 === 4) {
        // Row marginal error of the plan (f, g) (its column marginal is exact after the g update).
        const fNew = softmin64(x, y, d, logb, g, e);
        let err = 0;
        for (let i = 0; i < n; i++) err += a[i]! * Math.abs(Math.exp((f[i]! - fNew[i]!) / e) - 1);
        if (err < tol) {
          converged = true;
          break;
        }
      }
    }
    if (e === eps) break;
  }
  // An unconverged reference is no truth (alternating updates crawl on some self problems OT(α, α)).
  if (!converged) throw new Error(`entropicOT64: no L1 marginal error under ${tol} after ${opts.maxIter ?? 5000} iterations at ε = ${eps}`);
  let ot = 0;
  for (let i = 0; i < n; i++) ot += a[i]! * f[i]!;
  for (let j = 0; j < m; j++) ot += b[j]! * g[j]!;
  return { ot, f, g, iterations };
}

/**
 * Entropic OT_ε(α, α) of one cloud with itself (cost |x - y|², uniform weights unless `a`) in float64
 * by symmetric averaged updates f ← ½(f + T(f)) (plain alternating updates crawl here: 60 weighted
 * points at ε = 0.05 stopped at 1e-4 after 5000 iterations), to an L1 marginal error of `tol`;
 * returns 2<a, f> and f. Throws when it does not converge.
 */
export function entropicSelfOT64(x: ArrayLike<number>, d: number, eps: number, opts: { a?: ArrayLike<number>; tol?: number; maxIter?: number } = {}): { ot: number; f: Float64Array } {
  const n = x.length / d;
  const a = opts.a ?? new Float64Array(n).fill(1 / n);
  const loga = Array.from(a, Math.log);
  const tol = opts.tol ?? 1e-10;
  const f = new Float64Array(n);
  for (let k = 0; k < (opts.maxIter ?? 5000); k++) {
    const T = softmin64(x, x, d, loga, f, eps);
    let err = 0;
    for (let i = 0; i < n; i++) err += a[i]! * Math.abs(Math.exp((f[i]! - T[i]!) / eps) - 1);
    for (let i = 0; i < n; i++) f[i] = 0.5 * (f[i]! + T[i]!);
    if (err < tol) {
      let ot = 0;
      for (let i = 0; i < n; i++) ot += 2 * a[i]! * f[i]!;
      return { ot, f };
    }
  }
  throw new Error(`entropicSelfOT64: no L1 marginal error under ${tol} after ${opts.maxIter ?? 5000} iterations at ε = ${eps}`);
}

/** Janati et al. (2020): entropic OT between 1-D Gaussians N(a, A) and N(b, B), cost |x-y|², ε = 2σ². */
export function entropicGaussian1d(ma: number, varA: number, mb: number, varB: number, eps: number): number {
  const s2 = eps / 2;
  const D = Math.sqrt(4 * Math.sqrt(varA) * varB * Math.sqrt(varA) + s2 * s2);
  return (ma - mb) ** 2 + varA + varB - D + s2 * (1 - Math.log(2 * s2)) + s2 * Math.log(D + s2);
}

/** Bures W2² between 2-D Gaussians N(m1, S1) and N(m2, S2) (S as [a, b, b, c]). */
export function bures2d(m1: readonly number[], S1: readonly number[], m2: readonly number[], S2: readonly number[]): number {
  const sqrtm = (S: readonly number[]): number[] => {
    // sqrt of a 2×2 SPD matrix: (S + sqrt(det) I) / sqrt(tr + 2 sqrt(det)).
    const det = S[0]! * S[3]! - S[1]! * S[2]!;
    const s = Math.sqrt(det);
    const t = Math.sqrt(S[0]! + S[3]! + 2 * s);
    return [(S[0]! + s) / t, S[1]! / t, S[2]! / t, (S[3]! + s) / t];
  };
  const mul = (A: number[], B: readonly number[]) => [A[0]! * B[0]! + A[1]! * B[2]!, A[0]! * B[1]! + A[1]! * B[3]!, A[2]! * B[0]! + A[3]! * B[2]!, A[2]! * B[1]! + A[3]! * B[3]!];
  const r1 = sqrtm(S1);
  const inner = sqrtm(mul(mul(r1, S2), r1));
  const dm = (m1[0]! - m2[0]!) ** 2 + (m1[1]! - m2[1]!) ** 2;
  return dm + S1[0]! + S1[3]! + S2[0]! + S2[3]! - 2 * (inner[0]! + inner[3]!);
}

/** Exact W2² in 1-D with uniform weights and equal sizes: sort both. */
export function w2sq1dUniform64(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const xs = Float64Array.from(x).sort();
  const ys = Float64Array.from(y).sort();
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - ys[i]!) ** 2;
  return s / xs.length;
}

/** Brute-force optimal assignment cost (uniform, n <= 8) by trying every permutation. */
export function bruteAssignment(x: ArrayLike<number>, y: ArrayLike<number>, d: number): number {
  const n = x.length / d;
  const idx = Array.from({ length: n }, (_, i) => i);
  let best = Infinity;
  const permute = (k: number) => {
    if (k === n) {
      let s = 0;
      for (let i = 0; i < n; i++) s += sqdist64(x, i, y, idx[i]!, d);
      best = Math.min(best, s / n);
      return;
    }
    for (let i = k; i < n; i++) {
      [idx[k], idx[i]] = [idx[i]!, idx[k]!];
      permute(k + 1);
      [idx[k], idx[i]] = [idx[i]!, idx[k]!];
    }
  };
  permute(0);
  return best;
}

/** sqrt of a 2×2 SPD matrix [a, b, b, c]: (S + sqrt(det) I) / sqrt(tr + 2 sqrt(det)). */
function sqrtm2(S: readonly number[]): number[] {
  const s = Math.sqrt(S[0]! * S[3]! - S[1]! * S[2]!);
  const t = Math.sqrt(S[0]! + S[3]! + 2 * s);
  return [(S[0]! + s) / t, S[1]! / t, S[2]! / t, (S[3]! + s) / t];
}

function mul2(A: readonly number[], B: readonly number[]): number[] {
  return [A[0]! * B[0]! + A[1]! * B[2]!, A[0]! * B[1]! + A[1]! * B[3]!, A[2]! * B[0]! + A[3]! * B[2]!, A[2]! * B[1]! + A[3]! * B[3]!];
}

/**
 * Janati et al. (2020), entropic OT between 2-D Gaussians N(a, A) and N(b, B) (A, B as [a, b, b, c]),
 * cost |x-y|², ε = 2σ²: |a-b|² + Tr A + Tr B - Tr D + dσ²(1 - log 2σ²) + σ² log det(D + σ² I),
 * D = (4 A^½ B A^½ + σ⁴ I)^½.
 */
export function entropicGaussian2d(ma: readonly number[], A: readonly number[], mb: readonly number[], B: readonly number[], eps: number): number {
  const s2 = eps / 2;
  const r = sqrtm2(A);
  const M = mul2(mul2(r, B), r).map((v) => 4 * v);
  M[0] = M[0]! + s2 * s2;
  M[3] = M[3]! + s2 * s2;
  const D = sqrtm2(M);
  const det = (D[0]! + s2) * (D[3]! + s2) - D[1]! * D[2]!;
  const dm = (ma[0]! - mb[0]!) ** 2 + (ma[1]! - mb[1]!) ** 2;
  return dm + A[0]! + A[3]! + B[0]! + B[3]! - (D[0]! + D[3]!) + 2 * s2 * (1 - Math.log(2 * s2)) + s2 * Math.log(det);
}

/** The debiased Sinkhorn divergence between 2-D Gaussians at ε (closed form above). */
export function sinkhornDivergenceGaussian2d(ma: readonly number[], A: readonly number[], mb: readonly number[], B: readonly number[], eps: number): number {
  return entropicGaussian2d(ma, A, mb, B, eps) - 0.5 * entropicGaussian2d(ma, A, ma, A, eps) - 0.5 * entropicGaussian2d(mb, B, mb, B, eps);
}

/**
 * The block-sparse softmin of shaders/sinkhorn_softmin_sparse.wgsl in float64, for one row tile:
 * out_i = (1 - ω) old_i + ω T(g)_i with T(g)_i = -ε log Σ_{j in ranges} b_j exp((g_j - C_ij)/ε), the
 * sum over the column ranges [start, end) only, and the marginal error a_i |e^{(old_i - T(g)_i)/ε} - 1|.
 */
export function softminRanges64(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  d: number,
  logb: ArrayLike<number>,
  g: ArrayLike<number>,
  old: ArrayLike<number>,
  loga: ArrayLike<number>,
  ranges: readonly (readonly [number, number])[],
  eps: number,
  omega: number,
): { out: Float64Array; err: Float64Array } {
  const n = x.length / d;
  const out = new Float64Array(n);
  const err = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e: number[] = [];
    for (const [s, t] of ranges) for (let j = s; j < t; j++) e.push(logb[j]! + (g[j]! - sqdist64(x, i, y, j, d)) / eps);
    const mx = Math.max(...e);
    let sum = 0;
    for (const v of e) sum += Math.exp(v - mx);
    const T = -eps * (mx + Math.log(sum));
    out[i] = (1 - omega) * old[i]! + omega * T;
    err[i] = Math.exp(loga[i]!) * Math.abs(Math.exp((old[i]! - T) / eps) - 1);
  }
  return { out, err };
}
