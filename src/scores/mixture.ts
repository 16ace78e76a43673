/**
 * Exact marginals and scores of a Gaussian mixture p_0 = Σ w_k N(μ_k, Σ_k) pushed through a linear
 * forward SDE (src/processes): p_t = Σ w_k N(α_t μ_k, C_k(t)), C_k(t) = α_t² Σ_k + σ_t² I
 * (DESIGN.md, "Exact oracles"; for VE σ_t² is σ(t)² − σ_min², so C_k = Σ_k + (σ(t)² − σ_0²) I).
 *
 *   ∇log p_t(x) = Σ_k r_k(x) (−C_k⁻¹ (x − α_t μ_k)),   r_k ∝ w_k N(x; α_t μ_k, C_k), in log domain.
 *
 * Each Σ_k is diagonalised once (Σ_k = Q_k Λ_k Q_kᵀ, Jacobi in float64), so for every t
 * C_k⁻¹ = Q_k diag(1/(α² λ + σ²)) Q_kᵀ and log det C_k = Σ log(α² λ + σ²) cost O(d²) with no
 * factorisation on the GPU. Dimensions 1..4 pack points in vec4 (`packMixture`, the fused samplers);
 * any dimension up to MIXTURE_MAX_DIM packs flat (`packMixtureNd`, shaders/mixture_score_nd.wgsl).
 * `parseMixtureJson` reads the {weights, means, covs} file format with strict validation.
 */
import { InputError } from '../gpu/errors.js';
import { eigh } from '../linalg/eigh.js';

/** A Gaussian mixture: K weights (positive, normalised here), K means (d), K covariances (d×d, SPD). */
export interface MixtureDescription {
  weights: readonly number[];
  means: readonly (readonly number[])[];
  covs: readonly (readonly (readonly number[])[])[];
}

/** Largest dimension of an exact mixture (host eigendecompositions are O(d³) each in float64). */
export const MIXTURE_MAX_DIM = 512;
/** Dimensions packed in vec4 for the fused kernels. */
export const MIXTURE_VEC4_MAX_DIM = 4;
export const MIXTURE_MAX_COMPONENTS = 4096;
/** vec4s per component in the GPU buffer: mean, eigenvalues, 4 eigenvector columns, (log w, 0, 0, 0). */
export const MIXTURE_VEC4_PER_COMPONENT = 7;

/** A validated mixture with its eigendecompositions (float64). */
export interface PreparedMixture {
  readonly dim: number;
  readonly components: number;
  readonly logWeights: Float64Array;
  readonly means: Float64Array; // K × d
  readonly eigenvalues: Float64Array; // K × d
  /** K × d × d, eigenvectors as columns: Q[k][i][j] at (k·d + i)·d + j. */
  readonly eigenvectors: Float64Array;
}

/** Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations (float64). */
export function symmetricEigen(a: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const { w, v } = eigh(a.flat(), n);
  return { values: Array.from(w), vectors: Array.from({ length: n }, (_, i) => Array.from(v.subarray(i * n, (i + 1) * n))) };
}

/** Validate a mixture description and diagonalise its covariances. InputError names any problem. */
export function prepareMixture(mix: MixtureDescription): PreparedMixture {
  const K = mix.weights?.length ?? 0;
  if (K === 0) throw new InputError('mixture: no components (weights is empty)');
  if (K > MIXTURE_MAX_COMPONENTS) throw new InputError(`mixture: ${K} components, at most ${MIXTURE_MAX_COMPONENTS}`);
  if (mix.means?.length !== K || mix.covs?.length !== K) {
    throw new InputError(`mixture: ${K} weights but ${mix.means?.length ?? 0} means and ${mix.covs?.length ?? 0} covariances`);
  }
  const d = mix.means[0]!.length;
  if (!Number.isInteger(d) || d < 1 || d > MIXTURE_MAX_DIM) throw new InputError(`mixture: dimension must be 1..${MIXTURE_MAX_DIM}, got ${d}`);
  let wsum = 0;
  mix.weights.forEach((w, k) => {
    if (!(Number.isFinite(w) && w >= 0)) throw new InputError(`mixture: weight ${k} must be non-negative and finite, got ${w}`);
    wsum += w;
  });
  if (!(wsum > 0)) throw new InputError('mixture: the weights sum to 0');
  // Components of weight 0 contribute nothing: leave them out (their log-weight would be −∞).
  const live = mix.weights.flatMap((w, k) => (w > 0 ? [k] : []));
  const logWeights = Float64Array.from(live, (k) => Math.log(mix.weights[k]! / wsum));
  const Kl = live.length;
  const means = new Float64Array(Kl * d);
  const eigenvalues = new Float64Array(Kl * d);
  const eigenvectors = new Float64Array(Kl * d * d);
  for (let k = 0; k < K; k++) {
    const mu = mix.means[k]!;
    if (mu.length !== d) throw new InputError(`mixture: mean ${k} has dimension ${mu.length}, expected ${d}`);
    mu.forEach((x) => {
      if (!Number.isFinite(x)) throw new InputError(`mixture: mean ${k} has a non-finite entry ${x}`);
    });
    const c = mix.covs[k]!;
    if (c.length !== d || c.some((r) => r.length !== d)) throw new InputError(`mixture: covariance ${k} must be ${d}×${d}`);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const x = c[i]![j]!;
        if (!Number.isFinite(x)) throw new InputError(`mixture: covariance ${k} has a non-finite entry ${x}`);
        if (Math.abs(x - c[j]![i]!) > 1e-9 * (Math.abs(x) + 1e-300)) throw new InputError(`mixture: covariance ${k} is not symmetric`);
      }
    }
    const slot = live.indexOf(k);
    if (slot < 0) continue;
    const { w, v } = eigh(c.flat(), d);
    const scale = Math.max(...Array.from(w, Math.abs));
    for (let i = 0; i < d; i++) {
      const l = w[i]!;
      // Relative floor: an eigenvalue at rounding level of the largest is a singular matrix.
      if (!(l > 1e-12 * scale)) throw new InputError(`mixture: covariance ${k} is not positive definite (eigenvalue ${l.toPrecision(4)})`);
      eigenvalues[slot * d + i] = l;
      for (let r = 0; r < d; r++) eigenvectors[(slot * d + r) * d + i] = v[r * d + i]!;
    }
    for (let i = 0; i < d; i++) means[slot * d + i] = mu[i]!;
  }
  return { dim: d, components: Kl, logWeights, means, eigenvalues, eigenvectors };
}

/**
 * The GPU buffer of a prepared mixture: 7 vec4 per component (mean, eigenvalues padded with 1,
 * eigenvector columns padded to the 4×4 identity, (log w, 0, 0, 0)). Layout read by
 * shaders/lib/mixture.wgsl.
 */
export function packMixture(m: PreparedMixture): Float32Array {
  const d = m.dim;
  if (d > MIXTURE_VEC4_MAX_DIM) throw new InputError(`packMixture: the vec4 layout takes d <= ${MIXTURE_VEC4_MAX_DIM}, got ${d} (use packMixtureNd)`);
  const out = new Float32Array(m.components * MIXTURE_VEC4_PER_COMPONENT * 4);
  for (let k = 0; k < m.components; k++) {
    const o = k * MIXTURE_VEC4_PER_COMPONENT * 4;
    for (let i = 0; i < 4; i++) {
      out[o + i] = i < d ? m.means[k * d + i]! : 0;
      out[o + 4 + i] = i < d ? m.eigenvalues[k * d + i]! : 1;
      // Column i of Q (vec4 number 2 + i), row r.
      for (let r = 0; r < 4; r++) {
        out[o + 8 + 4 * i + r] = i < d && r < d ? m.eigenvectors[(k * d + r) * d + i]! : i === r ? 1 : 0;
      }
    }
    out[o + 24] = m.logWeights[k]!;
  }
  return out;
}

/** Floats per component of `packMixtureNd` (a multiple of 4). */
export function mixtureNdStride(d: number): number {
  return Math.ceil((1 + 2 * d + 2 * d * d) / 4) * 4;
}

/**
 * The GPU buffer of a prepared mixture at any dimension (shaders/mixture_score_nd.wgsl): per
 * component, `mixtureNdStride(d)` floats: log w, μ (d), λ (d), Qᵀ (d×d row-major: row i is
 * eigenvector i), Q (d×d row-major).
 */
export function packMixtureNd(m: PreparedMixture): Float32Array {
  const d = m.dim;
  const S = mixtureNdStride(d);
  const out = new Float32Array(m.components * S);
  for (let k = 0; k < m.components; k++) {
    const o = k * S;
    out[o] = m.logWeights[k]!;
    for (let i = 0; i < d; i++) {
      out[o + 1 + i] = m.means[k * d + i]!;
      out[o + 1 + d + i] = m.eigenvalues[k * d + i]!;
    }
    const qt = o + 1 + 2 * d;
    const q = qt + d * d;
    for (let r = 0; r < d; r++) {
      for (let i = 0; i < d; i++) {
        const v = m.eigenvectors[(k * d + r) * d + i]!; // Q[r][i]
        out[qt + i * d + r] = v;
        out[q + r * d + i] = v;
      }
    }
  }
  return out;
}

/**
 * Parse and validate a mixture file {"weights": [K], "means": [K][d], "covs": [K][d][d]}: weights
 * non-negative and summing to 1 within 1e-6, shapes consistent, covariances symmetric (relative 1e-9)
 * and positive definite. `source` names the file in errors.
 */
export function parseMixtureJson(text: string, source = 'mixture file'): MixtureDescription {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(`${source}: expected an object {"weights": [...], "means": [[...]], "covs": [[[...]]]}`);
  const o = raw as Record<string, unknown>;
  for (const key of ['weights', 'means', 'covs']) if (!Array.isArray(o[key])) throw new InputError(`${source}: "${key}" must be an array`);
  const weights = o.weights as unknown[];
  const means = o.means as unknown[];
  const covs = o.covs as unknown[];
  const K = weights.length;
  if (K === 0) throw new InputError(`${source}: "weights" is empty`);
  if (means.length !== K || covs.length !== K) throw new InputError(`${source}: ${K} weights but ${means.length} means and ${covs.length} covariances`);
  const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  let sum = 0;
  weights.forEach((w, k) => {
    if (!isNum(w) || w < 0) throw new InputError(`${source}: weights[${k}] must be a finite number >= 0, got ${JSON.stringify(w)}`);
    sum += w;
  });
  if (Math.abs(sum - 1) > 1e-6) throw new InputError(`${source}: the weights sum to ${sum.toPrecision(12)}, not 1 (within 1e-6)`);
  const first = means[0];
  if (!Array.isArray(first) || first.length === 0) throw new InputError(`${source}: means[0] must be a non-empty array of numbers`);
  const d = first.length;
  if (d > MIXTURE_MAX_DIM) throw new InputError(`${source}: dimension ${d} is over the exact-mixture limit ${MIXTURE_MAX_DIM}`);
  means.forEach((mu, k) => {
    if (!Array.isArray(mu) || mu.length !== d) throw new InputError(`${source}: means[${k}] must have ${d} entries (the dimension of means[0])`);
    mu.forEach((v, i) => {
      if (!isNum(v)) throw new InputError(`${source}: means[${k}][${i}] is not a finite number`);
    });
  });
  covs.forEach((c, k) => {
    if (!Array.isArray(c) || c.length !== d || c.some((row) => !Array.isArray(row) || row.length !== d)) throw new InputError(`${source}: covs[${k}] must be a ${d}×${d} array`);
    (c as unknown[][]).forEach((row, i) =>
      row.forEach((v, j) => {
        if (!isNum(v)) throw new InputError(`${source}: covs[${k}][${i}][${j}] is not a finite number`);
      }),
    );
    const m = c as number[][];
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < i; j++) {
        const a = m[i]![j]!, b = m[j]![i]!;
        if (Math.abs(a - b) > 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-300)) throw new InputError(`${source}: covs[${k}] is not symmetric ([${i}][${j}] = ${a}, [${j}][${i}] = ${b})`);
      }
    }
  });
  const mix: MixtureDescription = { weights: weights as number[], means: means as number[][], covs: covs as number[][][] };
  try {
    prepareMixture(mix);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${source}: ${e.message.replace(/^mixture: /, '')}`);
    throw e;
  }
  return mix;
}

/**
 * float64 score and log-density of p_t at x (length d) for kernel coefficients (α, σ), via the
 * eigendecomposition (same algorithm as the GPU; the tests check it against a direct inverse).
 */
export function mixtureScore64(m: PreparedMixture, x: ArrayLike<number>, alpha: number, sigma: number): { score: Float64Array; logp: number } {
  const d = m.dim;
  const s2 = sigma * sigma;
  const logs = new Float64Array(m.components);
  const comps: Float64Array[] = [];
  for (let k = 0; k < m.components; k++) {
    const y = new Float64Array(d);
    const z = new Float64Array(d);
    let quad = 0;
    let logdet = 0;
    for (let i = 0; i < d; i++) {
      let yi = 0;
      for (let r = 0; r < d; r++) yi += m.eigenvectors[(k * d + r) * d + i]! * (x[r]! - alpha * m.means[k * d + r]!);
      const c = alpha * alpha * m.eigenvalues[k * d + i]! + s2;
      y[i] = yi;
      z[i] = yi / c;
      quad += yi * z[i]!;
      logdet += Math.log(c);
    }
    logs[k] = m.logWeights[k]! - 0.5 * quad - 0.5 * logdet - 0.5 * d * Math.log(2 * Math.PI);
    const g = new Float64Array(d);
    for (let r = 0; r < d; r++) {
      let v = 0;
      for (let i = 0; i < d; i++) v += m.eigenvectors[(k * d + r) * d + i]! * z[i]!;
      g[r] = -v;
    }
    comps.push(g);
  }
  const mx = Math.max(...logs);
  let s = 0;
  for (const l of logs) s += Math.exp(l - mx);
  const score = new Float64Array(d);
  comps.forEach((g, k) => {
    const r = Math.exp(logs[k]! - mx) / s;
    for (let i = 0; i < d; i++) score[i]! += r * g[i]!;
  });
  return { score, logp: mx + Math.log(s) };
}
