/**
 * Exact marginals and scores of a Gaussian mixture p_0 = Σ w_k N(μ_k, Σ_k) pushed through a linear
 * forward SDE (src/processes): p_t = Σ w_k N(α_t μ_k, C_k(t)), C_k(t) = α_t² Σ_k + σ_t² I
 * (DESIGN.md, "Exact oracles"; for VE σ_t² is σ(t)² − σ_min², so C_k = Σ_k + (σ(t)² − σ_0²) I).
 *
 *   ∇log p_t(x) = Σ_k r_k(x) (−C_k⁻¹ (x − α_t μ_k)),   r_k ∝ w_k N(x; α_t μ_k, C_k), in log domain.
 *
 * What a score at one time needs is C_k⁻¹ (x − α μ_k) and log det C_k: a float64 Cholesky factor
 * of C_k per component (d³/3 each, `mixtureAt`), which is also the positive-definiteness test of
 * `prepareMixture` and the host reference `mixtureScore64`. The GPU evaluates scores at every time
 * of a sampler's grid, so it takes the eigen path instead, computed only when a GPU buffer is packed
 * (`PreparedMixture.eigenvalues` is lazy): Σ_k = Q_k Λ_k Q_kᵀ once (float64; Jacobi for d ≤ 4,
 * Householder tridiagonalisation + implicit QL above, src/linalg/spd.ts), then for every t
 * C_k⁻¹ = Q_k diag(1/(α² λ + σ²)) Q_kᵀ and log det C_k = Σ log(α² λ + σ²) cost O(d²) with no
 * factorisation on the GPU. Dimensions 1..4 pack points in vec4 (`packMixture`, the fused samplers);
 * any dimension up to MIXTURE_MAX_DIM packs flat (`packMixtureNd`, shaders/mixture_score_nd.wgsl),
 * d² + 2d + 1 floats per component, which must fit one storage binding (`checkMixtureNdFits`).
 * Host cost on this project's 2-core machine (one run, loaded): Cholesky 0.6 s at d = 1024
 * (~40 s at 4096), eigen path ~5× less than Jacobi's (see test/linalg_spd.test.ts).
 * `parseMixtureJson` reads the {weights, means, covs} file format with strict validation.
 */
import { InputError } from '../gpu/errors.js';
import { eigh } from '../linalg/eigh.js';
import { choleskyLower, eighTridiagonal, logDetCholesky, solveCholesky } from '../linalg/spd.js';

/** A Gaussian mixture: K weights (positive, normalised here), K means (d), K covariances (d×d, SPD). */
export interface MixtureDescription {
  weights: readonly number[];
  means: readonly (readonly number[])[];
  covs: readonly (readonly (readonly number[])[])[];
}

/**
 * Largest dimension of an exact mixture: 4096, the bound for every piece (host factorisations
 * are O(d³) each in float64; the GPU buffer holds d² floats per component, `checkMixtureNdFits`).
 */
export const MIXTURE_MAX_DIM = 4096;
/** Dimensions packed in vec4 for the fused kernels. */
export const MIXTURE_VEC4_MAX_DIM = 4;
export const MIXTURE_MAX_COMPONENTS = 4096;
/** vec4s per component in the GPU buffer: mean, eigenvalues, 4 eigenvector columns, (log w, 0, 0, 0). */
export const MIXTURE_VEC4_PER_COMPONENT = 7;

/** A validated mixture (float64): its covariances, and their eigendecompositions on first use. */
export interface PreparedMixture {
  readonly dim: number;
  readonly components: number;
  readonly logWeights: Float64Array;
  readonly means: Float64Array; // K × d
  /** K × d × d, the (symmetrised) covariances Σ_k row-major. */
  readonly covariances: Float64Array;
  /** K × d, ascending per component (computed on first access: O(K d³)). */
  readonly eigenvalues: Float64Array;
  /** K × d × d, eigenvectors as columns: Q[k][i][j] at (k·d + i)·d + j (computed with `eigenvalues`). */
  readonly eigenvectors: Float64Array;
}

/** The eigen path, computed once on first access of `eigenvalues` or `eigenvectors`. */
class Prepared implements PreparedMixture {
  private eig: { values: Float64Array; vectors: Float64Array } | undefined;
  /** Cholesky factors of C_k(α, σ) for the last (α, σ) asked of `mixtureAt`. */
  at: MixtureAt | undefined;
  constructor(
    readonly dim: number,
    readonly components: number,
    readonly logWeights: Float64Array,
    readonly means: Float64Array,
    readonly covariances: Float64Array,
  ) {}
  get eigenvalues(): Float64Array {
    return this.eigen().values;
  }
  get eigenvectors(): Float64Array {
    return this.eigen().vectors;
  }
  private eigen(): { values: Float64Array; vectors: Float64Array } {
    if (this.eig) return this.eig;
    const d = this.dim;
    const values = new Float64Array(this.components * d);
    const vectors = new Float64Array(this.components * d * d);
    for (let k = 0; k < this.components; k++) {
      const c = this.covariances.subarray(k * d * d, (k + 1) * d * d);
      // Jacobi keeps the small cases bit-identical to before; the tridiagonal QL is ~9 d³ flops.
      const { w, v } = d <= MIXTURE_VEC4_MAX_DIM ? eigh(c, d) : eighTridiagonal(c, d);
      const scale = Math.max(...Array.from(w, Math.abs));
      for (let i = 0; i < d; i++) {
        // Cholesky accepted Σ_k; an eigenvalue at rounding level of the largest is still singular for the GPU path.
        if (!(w[i]! > 1e-12 * scale)) throw new InputError(`mixture: covariance ${k} is numerically singular (eigenvalue ${w[i]!.toPrecision(4)} of largest ${scale.toPrecision(4)})`);
      }
      values.set(w, k * d);
      vectors.set(v, k * d * d);
    }
    this.eig = { values, vectors };
    return this.eig;
  }
}

/** Per component at one (α, σ): the Cholesky factor of C_k = α² Σ_k + σ² I and log det C_k. */
export interface MixtureAt {
  readonly alpha: number;
  readonly sigma: number;
  readonly factors: readonly Float64Array[];
  readonly logDets: Float64Array;
}

/**
 * Cholesky factors of every C_k(α, σ) = α² Σ_k + σ² I (K d³/3 multiply-adds), cached on the prepared
 * mixture for the last (α, σ) asked: what `mixtureScore64` needs at one time.
 */
export function mixtureAt(m: PreparedMixture, alpha: number, sigma: number): MixtureAt {
  const cached = m instanceof Prepared ? m.at : undefined;
  if (cached && cached.alpha === alpha && cached.sigma === sigma) return cached;
  const d = m.dim;
  const a2 = alpha * alpha;
  const s2 = sigma * sigma;
  const factors: Float64Array[] = [];
  const logDets = new Float64Array(m.components);
  const c = new Float64Array(d * d);
  for (let k = 0; k < m.components; k++) {
    const o = k * d * d;
    for (let i = 0; i < d * d; i++) c[i] = a2 * m.covariances[o + i]!;
    for (let i = 0; i < d; i++) c[i * d + i] = c[i * d + i]! + s2;
    const f = choleskyLower(c, d);
    if (!f.l) throw new InputError(`mixture: C_${k} = α²Σ + σ²I is not positive definite at (α, σ) = (${alpha}, ${sigma}) (pivot ${f.failedAt}: ${f.pivot})`);
    factors.push(f.l);
    logDets[k] = logDetCholesky(f.l, d);
  }
  const at = { alpha, sigma, factors, logDets };
  if (m instanceof Prepared) m.at = at;
  return at;
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
  const covariances = new Float64Array(Kl * d * d);
  for (let k = 0; k < K; k++) {
    const mu = mix.means[k]!;
    if (mu.length !== d) throw new InputError(`mixture: mean ${k} has dimension ${mu.length}, expected ${d}`);
    mu.forEach((x) => {
      if (!Number.isFinite(x)) throw new InputError(`mixture: mean ${k} has a non-finite entry ${x}`);
    });
    const c = mix.covs[k]!;
    if (c.length !== d || c.some((r) => r.length !== d)) throw new InputError(`mixture: covariance ${k} must be ${d}×${d}`);
    const slot = live.indexOf(k);
    const cov = slot < 0 ? new Float64Array(d * d) : covariances.subarray(slot * d * d, (slot + 1) * d * d);
    let scale = 0;
    for (let i = 0; i < d; i++) {
      const ri = c[i]!;
      for (let j = 0; j < d; j++) {
        const x = ri[j]!;
        if (!Number.isFinite(x)) throw new InputError(`mixture: covariance ${k} has a non-finite entry ${x}`);
        if (j < i) {
          const y = c[j]![i]!;
          if (Math.abs(x - y) > 1e-9 * (Math.abs(x) + 1e-300)) throw new InputError(`mixture: covariance ${k} is not symmetric`);
          cov[i * d + j] = cov[j * d + i] = 0.5 * (x + y);
        } else if (j === i) {
          cov[i * d + i] = x;
          scale = Math.max(scale, Math.abs(x));
        }
      }
    }
    if (slot < 0) continue;
    // Positive definite: a Cholesky factor exists with every pivot above rounding level of the
    // largest diagonal entry (a relative floor, as the eigenvalue floor of the eigen path).
    const f = choleskyLower(cov, d);
    if (!f.l) throw new InputError(`mixture: covariance ${k} is not positive definite (Cholesky pivot ${f.failedAt} is ${f.pivot.toPrecision(4)})`);
    for (let i = 0; i < d; i++) {
      const p = f.l[i * d + i]! ** 2;
      if (!(p > 1e-12 * scale)) throw new InputError(`mixture: covariance ${k} is not positive definite (Cholesky pivot ${i} is ${p.toPrecision(4)})`);
    }
    for (let i = 0; i < d; i++) means[slot * d + i] = mu[i]!;
  }
  return new Prepared(d, Kl, logWeights, means, covariances);
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
  return Math.ceil((1 + 2 * d + d * d) / 4) * 4;
}

/**
 * Refuse a mixture whose `packMixtureNd` buffer does not fit one storage binding of `limitBytes`
 * (the device's maxStorageBufferBindingSize): at d = 4096 one component is 64 MiB, so lavapipe
 * (128 MiB) holds one component and SwiftShader (1 GiB) fifteen.
 */
export function checkMixtureNdFits(m: Pick<PreparedMixture, 'dim' | 'components'>, limitBytes: number): void {
  const bytes = m.components * mixtureNdStride(m.dim) * 4;
  if (bytes > limitBytes) {
    const most = Math.floor(limitBytes / (mixtureNdStride(m.dim) * 4));
    throw new InputError(
      `mixture: ${m.components} components at d = ${m.dim} need ${bytes} bytes on the GPU (d² + 2d + 1 floats each), over this device's storage binding limit maxStorageBufferBindingSize = ${limitBytes} bytes (at most ${most} component${most === 1 ? '' : 's'} at this d)`,
    );
  }
}

/**
 * The GPU buffer of a prepared mixture at any dimension (shaders/mixture_score_nd.wgsl): per
 * component, `mixtureNdStride(d)` floats: log w, μ (d), λ (d), Q (d×d row-major, columns the
 * eigenvectors; the kernel reads it by rows for both Qᵀ y and Q z).
 */
export function packMixtureNd(m: PreparedMixture): Float32Array {
  const d = m.dim;
  const S = mixtureNdStride(d);
  const out = new Float32Array(m.components * S);
  const lam = m.eigenvalues;
  const vec = m.eigenvectors;
  for (let k = 0; k < m.components; k++) {
    const o = k * S;
    out[o] = m.logWeights[k]!;
    for (let i = 0; i < d; i++) {
      out[o + 1 + i] = m.means[k * d + i]!;
      out[o + 1 + d + i] = lam[k * d + i]!;
    }
    out.set(vec.subarray(k * d * d, (k + 1) * d * d), o + 1 + 2 * d);
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
 * float64 score and log-density of p_t at x (length d) for kernel coefficients (α, σ), by the
 * Cholesky factors of C_k(α, σ) (`mixtureAt`, cached for the last (α, σ)): an algorithm independent
 * of the GPU's eigen path, O(K d²) per point once factored.
 */
export function mixtureScore64(m: PreparedMixture, x: ArrayLike<number>, alpha: number, sigma: number): { score: Float64Array; logp: number } {
  const d = m.dim;
  const at = mixtureAt(m, alpha, sigma);
  const logs = new Float64Array(m.components);
  const comps: Float64Array[] = [];
  const y = new Float64Array(d);
  for (let k = 0; k < m.components; k++) {
    for (let i = 0; i < d; i++) y[i] = x[i]! - alpha * m.means[k * d + i]!;
    const { x: z, quad } = solveCholesky(at.factors[k]!, d, y);
    logs[k] = m.logWeights[k]! - 0.5 * quad - 0.5 * at.logDets[k]! - 0.5 * d * Math.log(2 * Math.PI);
    for (let i = 0; i < d; i++) z[i] = -z[i]!;
    comps.push(z);
  }
  let mx = -Infinity;
  for (const l of logs) mx = Math.max(mx, l);
  let s = 0;
  for (const l of logs) s += Math.exp(l - mx);
  const score = new Float64Array(d);
  comps.forEach((g, k) => {
    const r = Math.exp(logs[k]! - mx) / s;
    for (let i = 0; i < d; i++) score[i]! += r * g[i]!;
  });
  return { score, logp: mx + Math.log(s) };
}
