/**
 * One-sided Lipschitz constants in closed form, and the exact score Jacobian of Gaussian mixtures.
 *
 * For a C¹ map s: ℝ^d → ℝ^d the one-sided Lipschitz constant
 *   L_s = sup_{x≠y} (s(x) − s(y))·(x − y)/|x − y|²  =  sup_x λ_max(½(J(x) + J(x)ᵀ)),
 * J = ∇s (the mean-value theorem gives ≤, a limit y → x along the top eigenvector gives ≥).
 * Float64 on the CPU: these are oracles for tests and the "exact" lines of the experiments.
 */
import { InputError } from '../gpu/errors.js';
import { eigh } from '../linalg/eigh.js';

/** Eigenvalues (ascending) of a symmetric d×d matrix (row-major), by cyclic Jacobi rotations. */
export function symmetricEigenvalues(a: ArrayLike<number>, d: number): Float64Array {
  if (a.length !== d * d) throw new InputError(`symmetricEigenvalues: matrix has ${a.length} entries, expected ${d}×${d}`);
  return eigh(a, d).w.sort();
}

/** λ_max(½(A + Aᵀ)) of a square d×d matrix (row-major). */
export function symmetricPartMax(a: ArrayLike<number>, d: number): number {
  const s = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s[i * d + j] = 0.5 * (a[i * d + j]! + a[j * d + i]!);
  return symmetricEigenvalues(s, d)[d - 1]!;
}

/** One-sided Lipschitz constant of the affine map x ↦ Ax + b: λ_max(½(A + Aᵀ)). */
export function linearMapLipschitz(a: ArrayLike<number>, d: number): number {
  return symmetricPartMax(a, d);
}

/**
 * Exact score of N(m, s² I) pushed through the kernel x_t = α x_0 + σ ε: its Jacobian is
 * −I/(α² s² + σ²) everywhere, so L_s = −1/(α² s² + σ²) (VP: σ² = 1 − α², → −1 as t grows).
 */
export function gaussianScoreLipschitz(alpha: number, s: number, sigma: number): number {
  return -1 / (alpha * alpha * s * s + sigma * sigma);
}

/**
 * Symmetric two-component mixture ½N(m, s² I) + ½N(−m, s² I) under the same kernel: with
 * v = α² s² + σ², ∇s = −I/v + r(1 − r)(2α m/v)(2α m/v)ᵀ and sup r(1 − r) = ¼ on the midplane, so
 * L_s = −1/v + α² |m|²/v² (DESIGN.md).
 */
export function twoClusterScoreLipschitz(alpha: number, mNorm: number, s: number, sigma: number): number {
  const v = alpha * alpha * s * s + sigma * sigma;
  return -1 / v + (alpha * alpha * mNorm * mNorm) / (v * v);
}

/** A Gaussian mixture Σ w_k N(μ_k, Σ_k) in ℝ^d (covariances full, row-major d×d). */
export interface GaussianMixture {
  dim: number;
  weights: readonly number[];
  means: readonly (readonly number[])[];
  covariances: readonly (readonly number[])[];
}

/** Mixture of isotropic components N(μ_k, s_k² I). */
export function isotropicMixture(means: number[][], stds: number[], weights?: number[]): GaussianMixture {
  const d = means[0]?.length ?? 0;
  if (d === 0) throw new InputError('isotropicMixture: no means');
  const w = weights ?? means.map(() => 1 / means.length);
  return {
    dim: d,
    weights: w,
    means,
    covariances: stds.map((s) => Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? s * s : 0))),
  };
}

interface Component {
  logNorm: number;
  prec: Float64Array;
  mean: Float64Array;
}

function cholesky(a: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= l[i * d + k]! * l[j * d + k]!;
      if (i === j) {
        if (!(s > 0)) throw new InputError('covariance is not positive definite');
        l[i * d + i] = Math.sqrt(s);
      } else l[i * d + j] = s / l[j * d + j]!;
    }
  }
  return l;
}

function inverseSpd(a: Float64Array, d: number): { inv: Float64Array; logDet: number } {
  const l = cholesky(a, d);
  let logDet = 0;
  for (let i = 0; i < d; i++) logDet += 2 * Math.log(l[i * d + i]!);
  const inv = new Float64Array(d * d);
  for (let c = 0; c < d; c++) {
    // Solve L y = e_c, then Lᵀ x = y.
    const y = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= l[i * d + k]! * y[k]!;
      y[i] = s / l[i * d + i]!;
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let k = i + 1; k < d; k++) s -= l[k * d + i]! * inv[k * d + c]!;
      inv[i * d + c] = s / l[i * d + i]!;
    }
  }
  return { inv, logDet };
}

/**
 * The exact score of a mixture's marginal at time t and its Jacobian, in float64: component k has
 * mean α μ_k and covariance C_k = α² Σ_k + σ² I (DESIGN.md), score s = Σ r_k s_k with
 * s_k = −C_k⁻¹ (x − α μ_k), and ∇s = Σ r_k (−C_k⁻¹ + s_k s_kᵀ) − s sᵀ.
 */
export class MixtureMarginal {
  readonly dim: number;
  private readonly comps: Component[];
  constructor(
    readonly mixture: GaussianMixture,
    readonly alpha: number,
    readonly sigma: number,
  ) {
    const d = mixture.dim;
    this.dim = d;
    if (mixture.weights.length === 0 || mixture.weights.length !== mixture.means.length || mixture.means.length !== mixture.covariances.length) {
      throw new InputError('GaussianMixture: weights, means and covariances must have the same non-zero length');
    }
    const wsum = mixture.weights.reduce((a, b) => a + b, 0);
    this.comps = mixture.means.map((mu, k) => {
      const cov = mixture.covariances[k]!;
      if (mu.length !== d || cov.length !== d * d) throw new InputError(`GaussianMixture component ${k}: dimension mismatch`);
      const c = new Float64Array(d * d);
      for (let i = 0; i < d * d; i++) c[i] = alpha * alpha * cov[i]! + (i % (d + 1) === 0 ? sigma * sigma : 0);
      const { inv, logDet } = inverseSpd(c, d);
      const w = mixture.weights[k]! / wsum;
      return { logNorm: Math.log(w) - 0.5 * logDet, prec: inv, mean: Float64Array.from(mu, (m) => alpha * m) };
    });
  }

  /** Score ∇log p_t(x) (length d) and its Jacobian (d×d row-major, J[i][j] = ∂s_i/∂x_j). */
  scoreAndJacobian(x: ArrayLike<number>): { score: Float64Array; jacobian: Float64Array; logDensity: number } {
    const d = this.dim;
    const K = this.comps.length;
    const logw = new Float64Array(K);
    const sk: Float64Array[] = [];
    this.comps.forEach((c, k) => {
      const diff = Float64Array.from({ length: d }, (_, i) => x[i]! - c.mean[i]!);
      const s = new Float64Array(d);
      let quad = 0;
      for (let i = 0; i < d; i++) {
        let v = 0;
        for (let j = 0; j < d; j++) v += c.prec[i * d + j]! * diff[j]!;
        s[i] = -v;
        quad += diff[i]! * v;
      }
      sk.push(s);
      logw[k] = c.logNorm - 0.5 * quad;
    });
    const mx = Math.max(...logw);
    let z = 0;
    const r = logw.map((l) => {
      const e = Math.exp(l - mx);
      z += e;
      return e;
    });
    for (let k = 0; k < K; k++) r[k] = r[k]! / z;
    const score = new Float64Array(d);
    for (let k = 0; k < K; k++) for (let i = 0; i < d; i++) score[i] = score[i]! + r[k]! * sk[k]![i]!;
    const jac = new Float64Array(d * d);
    for (let k = 0; k < K; k++) {
      const c = this.comps[k]!;
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) jac[i * d + j] = jac[i * d + j]! + r[k]! * (-c.prec[i * d + j]! + sk[k]![i]! * sk[k]![j]!);
    }
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) jac[i * d + j] = jac[i * d + j]! - score[i]! * score[j]!;
    return { score, jacobian: jac, logDensity: mx + Math.log(z) - 0.5 * d * Math.log(2 * Math.PI) };
  }

  /** max over the given points (n×d) of λ_max(½(J + Jᵀ)): the exact score's L_s restricted to them. */
  maxSymmetricEigenvalue(points: ArrayLike<number>): number {
    const d = this.dim;
    let best = -Infinity;
    for (let p = 0; p + d <= points.length; p += d) {
      const x = Array.from({ length: d }, (_, i) => points[p + i]!);
      best = Math.max(best, symmetricPartMax(this.scoreAndJacobian(x).jacobian, d));
    }
    return best;
  }
}
