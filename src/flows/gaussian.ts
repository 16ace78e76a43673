/**
 * Float64 closed forms for Gaussians used by the flows: small dense linear algebra (row-major d×d
 * arrays, d ≤ 16), the Bures W2, KL and entropy, the entropic-OT coupling (Janati et al. 2020), the
 * Gaussian Schrödinger bridge marginals (Bunne et al. 2023) and the rectified-flow / OT
 * interpolation (DESIGN.md, "Exact oracles"). These are the oracles the GPU flows are measured
 * against and the per-run coefficients they upload; no per-step work happens here.
 */
import { InputError } from '../gpu/errors.js';
import { eigh } from '../linalg/eigh.js';

/** A Gaussian N(mean, cov): mean of length d, cov d×d row-major. */
export interface Gaussian {
  mean: Float64Array;
  cov: Float64Array;
}

export function gaussian(mean: ArrayLike<number>, cov: ArrayLike<number>): Gaussian {
  const d = mean.length;
  if (d < 1) throw new InputError('gaussian: empty mean');
  if (cov.length !== d * d) throw new InputError(`gaussian: covariance must have ${d * d} entries for dimension ${d}, got ${cov.length}`);
  for (let i = 0; i < d * d; i++) if (!Number.isFinite(cov[i]!)) throw new InputError('gaussian: covariance has a NaN or Inf');
  for (let i = 0; i < d; i++) if (!Number.isFinite(mean[i]!)) throw new InputError('gaussian: mean has a NaN or Inf');
  return { mean: Float64Array.from(mean), cov: Float64Array.from(cov) };
}

export const dimOf = (g: Gaussian): number => g.mean.length;

export function eye(d: number, scale = 1): Float64Array {
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) m[i * d + i] = scale;
  return m;
}

export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, d: number): Float64Array {
  const c = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k]!;
      for (let j = 0; j < d; j++) c[i * d + j]! += aik * b[k * d + j]!;
    }
  return c;
}

export function transpose(a: ArrayLike<number>, d: number): Float64Array {
  const t = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) t[j * d + i] = a[i * d + j]!;
  return t;
}

export function matvec(a: ArrayLike<number>, x: ArrayLike<number>, d: number): Float64Array {
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += a[i * d + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

export const add = (a: ArrayLike<number>, b: ArrayLike<number>, sb = 1, sa = 1): Float64Array => Float64Array.from(a, (v, i) => sa * v + sb * b[i]!);
export const trace = (a: ArrayLike<number>, d: number): number => {
  let s = 0;
  for (let i = 0; i < d; i++) s += a[i * d + i]!;
  return s;
};

export { eigh } from '../linalg/eigh.js';

/** f(a) for symmetric a through its eigendecomposition. */
export function symFn(a: ArrayLike<number>, d: number, f: (x: number) => number): Float64Array {
  const { w, v } = eigh(a, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const fk = f(w[k]!);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j]! += v[i * d + k]! * fk * v[j * d + k]!;
  }
  return out;
}

export const sqrtm = (a: ArrayLike<number>, d: number): Float64Array => symFn(a, d, (x) => Math.sqrt(Math.max(x, 0)));

/** Inverse by Gauss–Jordan with partial pivoting (any invertible matrix). */
export function inv(a: ArrayLike<number>, d: number): Float64Array {
  const m = Float64Array.from(a);
  const r = eye(d);
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let i = c + 1; i < d; i++) if (Math.abs(m[i * d + c]!) > Math.abs(m[p * d + c]!)) p = i;
    if (m[p * d + c] === 0) throw new InputError('inv: singular matrix');
    for (let j = 0; j < d; j++) {
      [m[c * d + j], m[p * d + j]] = [m[p * d + j]!, m[c * d + j]!];
      [r[c * d + j], r[p * d + j]] = [r[p * d + j]!, r[c * d + j]!];
    }
    const piv = m[c * d + c]!;
    for (let j = 0; j < d; j++) {
      m[c * d + j]! /= piv;
      r[c * d + j]! /= piv;
    }
    for (let i = 0; i < d; i++) {
      if (i === c) continue;
      const f = m[i * d + c]!;
      if (f === 0) continue;
      for (let j = 0; j < d; j++) {
        m[i * d + j]! -= f * m[c * d + j]!;
        r[i * d + j]! -= f * r[c * d + j]!;
      }
    }
  }
  return r;
}

/** log |det a| by LU with partial pivoting. */
export function logAbsDet(a: ArrayLike<number>, d: number): number {
  const m = Float64Array.from(a);
  let s = 0;
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let i = c + 1; i < d; i++) if (Math.abs(m[i * d + c]!) > Math.abs(m[p * d + c]!)) p = i;
    if (p !== c) for (let j = 0; j < d; j++) [m[c * d + j], m[p * d + j]] = [m[p * d + j]!, m[c * d + j]!];
    const piv = m[c * d + c]!;
    if (piv === 0) return -Infinity;
    s += Math.log(Math.abs(piv));
    for (let i = c + 1; i < d; i++) {
      const f = m[i * d + c]! / piv;
      for (let j = c; j < d; j++) m[i * d + j]! -= f * m[c * d + j]!;
    }
  }
  return s;
}

/** Lower Cholesky factor of a symmetric positive semi-definite matrix (zero pivots allowed). */
export function cholesky(a: ArrayLike<number>, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j]!;
    for (let k = 0; k < j; k++) s -= l[j * d + k]! ** 2;
    if (s < -1e-9 * Math.max(1, Math.abs(a[j * d + j]!))) throw new InputError('cholesky: matrix is not positive semi-definite');
    const ljj = Math.sqrt(Math.max(s, 0));
    l[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j]!;
      for (let k = 0; k < j; k++) t -= l[i * d + k]! * l[j * d + k]!;
      l[i * d + j] = ljj > 0 ? t / ljj : 0;
    }
  }
  return l;
}

/** W2² between Gaussians (Bures): |m1 − m2|² + Tr(Σ1 + Σ2 − 2 (Σ1^½ Σ2 Σ1^½)^½). */
export function w2sqGaussian(p: Gaussian, q: Gaussian): number {
  const d = dimOf(p);
  if (dimOf(q) !== d) throw new InputError(`w2sqGaussian: dimensions differ (${d} vs ${dimOf(q)})`);
  let m2 = 0;
  for (let i = 0; i < d; i++) m2 += (p.mean[i]! - q.mean[i]!) ** 2;
  const r = sqrtm(p.cov, d);
  const cross = sqrtm(matmul(matmul(r, q.cov, d), r, d), d);
  return Math.max(0, m2 + trace(p.cov, d) + trace(q.cov, d) - 2 * trace(cross, d));
}

/** KL(p || q) between Gaussians. */
export function klGaussian(p: Gaussian, q: Gaussian): number {
  const d = dimOf(p);
  const qi = inv(q.cov, d);
  const dm = add(q.mean, p.mean, -1);
  let quad = 0;
  const v = matvec(qi, dm, d);
  for (let i = 0; i < d; i++) quad += dm[i]! * v[i]!;
  return 0.5 * (trace(matmul(qi, p.cov, d), d) + quad - d + logAbsDet(q.cov, d) - logAbsDet(p.cov, d));
}

/** Differential entropy H = ½ log det(2πe Σ). The heat flow is the gradient flow of −H. */
export function entropyGaussian(p: Gaussian): number {
  const d = dimOf(p);
  return 0.5 * (d * Math.log(2 * Math.PI * Math.E) + logAbsDet(p.cov, d));
}

/** Mean and (population) covariance of an n×d point cloud, in float64. */
export function cloudMoments(x: ArrayLike<number>, d: number): Gaussian {
  const n = Math.floor(x.length / d);
  if (n < 1) throw new InputError('cloudMoments: empty cloud');
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) mean[a]! += x[i * d + a]!;
  for (let a = 0; a < d; a++) mean[a]! /= n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) {
      const xa = x[i * d + a]! - mean[a]!;
      for (let b = 0; b < d; b++) cov[a * d + b]! += xa * (x[i * d + b]! - mean[b]!);
    }
  for (let k = 0; k < d * d; k++) cov[k]! /= n;
  return { mean, cov };
}

/** Cross-covariance Cov(x, y) (d×d, entry [a][b] = Cov(x_a, y_b)) of paired n×d clouds. */
export function crossCovariance(x: ArrayLike<number>, y: ArrayLike<number>, d: number): Float64Array {
  const mx = cloudMoments(x, d).mean;
  const my = cloudMoments(y, d).mean;
  const n = Math.floor(x.length / d);
  const c = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) c[a * d + b]! += (x[i * d + a]! - mx[a]!) * (y[i * d + b]! - my[b]!);
  for (let k = 0; k < d * d; k++) c[k]! /= n;
  return c;
}

/**
 * Entropic OT coupling between N(a, A) and N(b, B) for the cost |x − y|² and regularisation
 * ε = 2σ² (Janati et al. 2020, Thm. 1): the optimal plan is Gaussian with cross-covariance
 *   C = ½ A^½ D A^-½ − ½σ² I,   D = (4 A^½ B A^½ + σ⁴ I)^½.
 * σ → 0 gives the OT (Monge) coupling. The plan's joint precision has off-diagonal block −(2/ε) I,
 * which the tests check independently.
 */
export function entropicCrossCov(p: Gaussian, q: Gaussian, sigma: number): Float64Array {
  const d = dimOf(p);
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new InputError(`entropicCrossCov: sigma must be finite and >= 0, got ${sigma}`);
  const s2 = sigma * sigma;
  const ah = sqrtm(p.cov, d);
  const ahi = inv(ah, d);
  const dm = sqrtm(add(matmul(matmul(ah, q.cov, d), ah, d), eye(d, s2 * s2), 1, 4), d);
  return add(matmul(matmul(ah, dm, d), ahi, d), eye(d, s2), -0.5, 0.5);
}

/**
 * The affine conditional of a Gaussian coupling, x1 | x0 ~ N(c + M x0, R Rᵀ), from the marginals
 * and the cross-covariance C = Cov(x0, x1): M = Cᵀ A⁻¹, c = b − M a, R = chol(B − Cᵀ A⁻¹ C).
 */
export function couplingConditional(p: Gaussian, q: Gaussian, cross: ArrayLike<number>): { c: Float64Array; m: Float64Array; r: Float64Array } {
  const d = dimOf(p);
  const ai = inv(p.cov, d);
  const ct = transpose(cross, d);
  const m = matmul(ct, ai, d);
  const c = add(q.mean, matvec(m, p.mean, d), -1);
  const condCov = add(q.cov, matmul(m, cross, d), -1);
  return { c, m, r: cholesky(condCov, d) };
}

/**
 * Marginal at time t of the Schrödinger bridge (reference: Brownian motion with variance σ² per
 * unit time) between N(a, A) and N(b, B) — Bunne et al. 2023, Mallasto et al. 2021: a mixture of
 * Brownian bridges over the entropic coupling with ε = 2σ², so
 *   m_t = (1−t) a + t b,   Σ_t = (1−t)² A + t² B + t(1−t) (C + Cᵀ + σ² I).
 */
export function schrodingerMarginal(p: Gaussian, q: Gaussian, sigma: number, t: number): Gaussian {
  const d = dimOf(p);
  const c = entropicCrossCov(p, q, sigma);
  const cov = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      const k = i * d + j;
      cov[k] = (1 - t) ** 2 * p.cov[k]! + t * t * q.cov[k]! + t * (1 - t) * (c[k]! + c[j * d + i]! + (i === j ? sigma * sigma : 0));
    }
  return { mean: Float64Array.from(p.mean, (v, i) => (1 - t) * v + t * q.mean[i]!), cov };
}

/**
 * Rectified flow from N(0, I) to N(μ, Σ) (DESIGN.md): x_t = tμ + ((1−t)² I + t² Σ)^½ x_0, i.e. the
 * affine map x_t = c + M x_0 with c = tμ, M = ((1−t)² I + t² Σ)^½; at t = 1 the OT map.
 */
export function rectifiedGaussianMap(target: Gaussian, t: number): { c: Float64Array; m: Float64Array } {
  const d = dimOf(target);
  const m = sqrtm(add(eye(d, (1 - t) ** 2), target.cov, t * t), d);
  return { c: Float64Array.from(target.mean, (v) => t * v), m };
}

/**
 * The rectified-flow velocity between N(0, I) and N(μ, Σ) with the independent coupling:
 * v(x, t) = E[x1 − x0 | x_t = x] = μ + (tΣ − (1−t) I) S_t⁻¹ (x − tμ), S_t = (1−t)² I + t² Σ
 * (every matrix here is a polynomial in Σ, so they commute and d/dt S_t^½ = ½ Ṡ_t S_t^-½).
 */
export function rectifiedGaussianVelocity(target: Gaussian, t: number): { c: Float64Array; m: Float64Array } {
  const d = dimOf(target);
  const sInv = inv(add(eye(d, (1 - t) ** 2), target.cov, t * t), d);
  const m = matmul(add(eye(d, -(1 - t)), target.cov, t), sInv, d);
  const c = add(target.mean, matvec(m, target.mean, d), -t);
  return { c, m };
}
