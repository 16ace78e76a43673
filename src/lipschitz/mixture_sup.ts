/**
 * The exact score's one-sided Lipschitz constant as a true supremum (float64, host):
 *
 *   L_s(t) = sup_x λ_max(H(x)),   H = ∇² log p_t = Σ_k r_k (−P_k + s_k s_kᵀ) − s sᵀ,
 *
 * for a Gaussian mixture p_t = Σ w_k N(m_k, C_k) (m_k = α μ_k, C_k = α² Σ_k + σ² I, P_k = C_k⁻¹,
 * s_k = −P_k (x − m_k), r_k the posterior weights, s = Σ r_k s_k). The second term is the posterior
 * covariance of the component scores, Cov_r(s_k) ⪰ 0, so
 *
 *   H(x) = −Σ r_k P_k + Cov_{r(x)}(s_k(x)).
 *
 * Why the search below is exhaustive (docs/lipschitz.md has the long form):
 * - Where one posterior weight r_k ≈ 1 the covariance term vanishes (it is bounded by
 *   Σ_{j} r_j |s_j − s|², which is O(1 − r_k) times the score spread) and H ≈ −P_k ≺ 0. Every large
 *   positive value therefore sits where two or more components share the posterior: on the
 *   boundaries {r_j = r_k} between the components' posterior regions, the "valleys".
 * - Restricted to the line through m_j and m_k with only those two components present, the
 *   covariance term is r_j r_k (s_j − s_k)(s_j − s_k)ᵀ, largest near r_j = r_k: every pair's
 *   equal-posterior point on its segment is a seed (found by a scan and bisection of
 *   ℓ_j − ℓ_k, ℓ = log w N), with the scan's points themselves. Three components meet at a face
 *   point (r_i = r_j = r_k in the plane of their means): its least-squares solution is a seed, and so is
 *   the face's centroid. The means, and a grid over the means' bounding box widened by 4 standard
 *   deviations (d ≤ 3; random points above), cover the single-component regions and anything
 *   unexpected.
 * - From the best seeds a pattern search climbs λ_max(H) along the coordinate axes and the
 *   eigenvectors of H (the ridge of a valley is narrow across, of width ~ v/|m_j − m_k|, and flat
 *   along, so those directions follow it), with the step halved on failure down to 1e-12 of the
 *   scale.
 * test/lipschitz_exact.test.ts checks the result against an independent optimiser (a dense grid
 * refined by repeated zooming, test/reference/mixture_sup.ts) on the paper's data and on random
 * anisotropic mixtures.
 */
import { InputError } from '../gpu/errors.js';
import { eigh } from '../linalg/eigh.js';
import type { GaussianMixture } from './exact.js';

/** Result of the supremum search at one time. */
export interface MixtureSupremum {
  /** sup_x λ_max(∇² log p_t(x)) (float64). */
  value: number;
  /** Where it is reached. */
  argmax: number[];
  /** λ_max at the best seed before the ascent (for reporting how much the ascent added). */
  bestSeed: number;
  /** Number of Hessian evaluations spent. */
  evaluations: number;
  /**
   * Set when the supremum is +∞: two components with different covariances share the posterior
   * along an unbounded boundary (their precisions tie, and are the smallest, in `direction`), where
   * the score difference grows linearly and λ_max(H) quadratically with the distance. `value` is
   * then Infinity and `argmax` a point on the way.
   */
  unbounded?: { direction: number[]; components: [number, number] };
}

export interface MixtureSupremumOptions {
  /** Grid points per axis for d ≤ 3 (default 41 in 1-D and 2-D, 21 in 3-D). */
  gridSide?: number;
  /** Seeds that the local ascent starts from (default 12). */
  ascentStarts?: number;
  /** Random points when d > 3 (default 4000). */
  randomPoints?: number;
  /** Pairs are seeded for up to this many components (default 256); triples up to 24. */
  maxPairComponents?: number;
}

/** Hard limits on the work one call may do (issue 20: every size-driven loop gets a limit). */
export const MIXTURE_SUP_MAX_COMPONENTS = 4096;
export const MIXTURE_SUP_MAX_DIM = 64;

/** A mixture marginal prepared for fast, allocation-free Hessian evaluations. */
export class MixtureHessian {
  readonly dim: number;
  readonly K: number;
  readonly means: Float64Array; // K × d, α μ_k
  readonly prec: Float64Array; // K × d × d
  readonly logNorm: Float64Array; // log w_k − ½ log det C_k
  /** Smallest and largest component variance (eigenvalues of C_k over all k). */
  readonly minVar: number;
  readonly maxVar: number;
  private readonly sk: Float64Array;
  /** P_k m_k (K × d). */
  private readonly pm: Float64Array;
  private readonly lw: Float64Array;
  private readonly s: Float64Array;
  readonly h: Float64Array;
  evaluations = 0;

  constructor(mixture: GaussianMixture, alpha: number, sigma: number) {
    const d = mixture.dim;
    const K = mixture.weights.length;
    if (!(Number.isInteger(d) && d >= 1 && d <= MIXTURE_SUP_MAX_DIM)) throw new InputError(`exact L_s supremum: dimension must be 1..${MIXTURE_SUP_MAX_DIM}, got ${d}`);
    if (K < 1 || K > MIXTURE_SUP_MAX_COMPONENTS) throw new InputError(`exact L_s supremum: 1..${MIXTURE_SUP_MAX_COMPONENTS} components, got ${K}`);
    if (!(Number.isFinite(alpha) && Number.isFinite(sigma) && sigma >= 0)) throw new InputError(`exact L_s supremum: α and σ must be finite (got ${alpha}, ${sigma})`);
    this.dim = d;
    this.K = K;
    this.means = new Float64Array(K * d);
    this.prec = new Float64Array(K * d * d);
    this.logNorm = new Float64Array(K);
    const wsum = mixture.weights.reduce((a, b) => a + b, 0);
    let minVar = Infinity;
    let maxVar = 0;
    for (let k = 0; k < K; k++) {
      const cov = mixture.covariances[k]!;
      const c = new Float64Array(d * d);
      for (let i = 0; i < d * d; i++) c[i] = alpha * alpha * cov[i]! + (i % (d + 1) === 0 ? sigma * sigma : 0);
      const { w, v } = eigh(c, d);
      let logDet = 0;
      for (let i = 0; i < d; i++) {
        if (!(w[i]! > 0)) throw new InputError(`exact L_s supremum: component ${k} has a covariance that is not positive definite at this time`);
        logDet += Math.log(w[i]!);
        minVar = Math.min(minVar, w[i]!);
        maxVar = Math.max(maxVar, w[i]!);
      }
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) {
          let p = 0;
          for (let q = 0; q < d; q++) p += (v[i * d + q]! * v[j * d + q]!) / w[q]!;
          this.prec[(k * d + i) * d + j] = p;
        }
      for (let i = 0; i < d; i++) this.means[k * d + i] = alpha * mixture.means[k]![i]!;
      this.logNorm[k] = Math.log(mixture.weights[k]! / wsum) - 0.5 * logDet;
    }
    this.minVar = minVar;
    this.maxVar = maxVar;
    this.sk = new Float64Array(K * d);
    this.pm = new Float64Array(K * d);
    for (let k = 0; k < K; k++)
      for (let i = 0; i < d; i++) {
        let v = 0;
        for (let j = 0; j < d; j++) v += this.prec[(k * d + i) * d + j]! * this.means[k * d + j]!;
        this.pm[k * d + i] = v;
      }
    this.lw = new Float64Array(K);
    this.s = new Float64Array(d);
    this.h = new Float64Array(d * d);
  }

  /** log w_k N(x; m_k, C_k) up to the common constant, for every k (into this.lw). */
  logJoint(x: ArrayLike<number>): Float64Array {
    const d = this.dim;
    for (let k = 0; k < this.K; k++) {
      let quad = 0;
      for (let i = 0; i < d; i++) {
        let v = 0;
        for (let j = 0; j < d; j++) v += this.prec[(k * d + i) * d + j]! * (x[j]! - this.means[k * d + j]!);
        this.sk[k * d + i] = -v;
        quad += (x[i]! - this.means[k * d + i]!) * v;
      }
      this.lw[k] = this.logNorm[k]! - 0.5 * quad;
    }
    return this.lw;
  }

  /**
   * The Hessian of log p_t at x (into this.h, d×d row-major, symmetric), as
   * Σ r_k (−P_k + (δ_k − δ̄)(δ_k − δ̄)ᵀ) with δ_k = s_k − s_ref = −(P_k − P_ref)x + P_k m_k − P_ref m_ref
   * (ref the most probable component): the covariance is shift-invariant, and with equal
   * precisions δ_k no longer depends on x, so nothing cancels far from the means.
   */
  hessian(x: ArrayLike<number>): Float64Array {
    const d = this.dim;
    const K = this.K;
    this.evaluations++;
    const lw = this.logJoint(x);
    let mx = -Infinity;
    let ref = 0;
    for (let k = 0; k < K; k++) if (lw[k]! > mx) { mx = lw[k]!; ref = k; }
    let z = 0;
    for (let k = 0; k < K; k++) {
      lw[k] = Math.exp(lw[k]! - mx);
      z += lw[k]!;
    }
    const h = this.h;
    const dk = this.sk; // reused: δ_k
    const mean = this.s;
    mean.fill(0);
    for (let k = 0; k < K; k++) {
      const r = lw[k]! / z;
      for (let i = 0; i < d; i++) {
        let v = this.pm[k * d + i]! - this.pm[ref * d + i]!;
        for (let j = 0; j < d; j++) v -= (this.prec[(k * d + i) * d + j]! - this.prec[(ref * d + i) * d + j]!) * x[j]!;
        dk[k * d + i] = v;
        mean[i] = mean[i]! + r * v;
      }
    }
    h.fill(0);
    for (let k = 0; k < K; k++) {
      const r = lw[k]! / z;
      if (r === 0) continue;
      for (let i = 0; i < d; i++) {
        const ci = dk[k * d + i]! - mean[i]!;
        for (let j = 0; j < d; j++) h[i * d + j] = h[i * d + j]! + r * (ci * (dk[k * d + j]! - mean[j]!) - this.prec[(k * d + i) * d + j]!);
      }
    }
    return h;
  }

  /** λ_max(H(x)). */
  lambdaMax(x: ArrayLike<number>): number {
    const h = this.hessian(x);
    const d = this.dim;
    if (d === 1) return h[0]!;
    if (d === 2) {
      const a = h[0]!;
      const c = h[3]!;
      const b = 0.5 * (h[1]! + h[2]!);
      return 0.5 * (a + c) + Math.hypot(0.5 * (a - c), b);
    }
    const { w } = eigh(h, d);
    let m = -Infinity;
    for (let i = 0; i < d; i++) m = Math.max(m, w[i]!);
    return m;
  }

  /** Eigenvectors of H(x) (columns of a d×d row-major matrix). */
  eigenvectors(x: ArrayLike<number>): Float64Array {
    return eigh(this.hessian(x), this.dim).v;
  }
}

/**
 * A direction u in which two components j, k tie for the smallest uᵀP u (so both keep posterior
 * weight ½ along their boundary's asymptote) while (P_j − P_k)u ≠ 0 (so |s_j − s_k| grows like the
 * distance): the supremum is then +∞. Candidates are the null directions of P_j − P_k built from
 * each pair of its eigenvectors with eigenvalues of opposite sign (in d = 2 these are all of them).
 * Equal covariances (every data set of the project) never tie this way: the supremum is finite.
 */
export function unboundedDirection(mh: MixtureHessian): { direction: number[]; components: [number, number] } | undefined {
  const d = mh.dim;
  if (d < 2) return undefined;
  const K = mh.K;
  const quad = (k: number, u: number[]) => {
    let q = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) q += u[i]! * mh.prec[(k * d + i) * d + j]! * u[j]!;
    return q;
  };
  for (let j = 0; j < K; j++)
    for (let k = j + 1; k < K; k++) {
      const Q = new Float64Array(d * d);
      let norm = 0;
      for (let i = 0; i < d * d; i++) {
        Q[i] = mh.prec[j * d * d + i]! - mh.prec[k * d * d + i]!;
        norm = Math.max(norm, Math.abs(mh.prec[j * d * d + i]!), Math.abs(mh.prec[k * d * d + i]!));
      }
      const { w, v } = eigh(Q, d);
      const tol = 1e-9 * norm;
      for (let a = 0; a < d; a++)
        for (let b = 0; b < d; b++) {
          if (!(w[a]! > tol && w[b]! < -tol)) continue;
          for (const sign of [1, -1]) {
            const u = Array.from({ length: d }, (_, i) => Math.sqrt(-w[b]!) * v[i * d + a]! + sign * Math.sqrt(w[a]!) * v[i * d + b]!);
            const n = Math.hypot(...u);
            for (let i = 0; i < d; i++) u[i] = u[i]! / n;
            const qj = quad(j, u);
            let others = Infinity;
            for (let i = 0; i < K; i++) if (i !== j && i !== k) others = Math.min(others, quad(i, u));
            if (qj < others - 1e-9 * norm) return { direction: u, components: [j, k] };
          }
        }
    }
  return undefined;
}

/** Deterministic uniform numbers for the random seeds (d > 3). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
}

/** Pattern search for a local maximum of λ_max(H) from x0 (axes and H's eigenvectors as directions). */
function ascend(mh: MixtureHessian, x0: number[], f0: number, step0: number, scale: number): { x: number[]; f: number } {
  const d = mh.dim;
  let x = x0.slice();
  let f = f0;
  let step = step0;
  const y = new Array<number>(d);
  for (let it = 0; it < 4000 && step > 1e-12 * scale; it++) {
    const ev = mh.eigenvectors(x);
    let improved = false;
    for (let set = 0; set < 2 && !improved; set++) {
      for (let q = 0; q < d && !improved; q++) {
        for (const sign of [1, -1]) {
          for (let i = 0; i < d; i++) y[i] = x[i]! + sign * step * (set === 0 ? ev[i * d + q]! : i === q ? 1 : 0);
          const fy = mh.lambdaMax(y);
          if (fy > f) {
            // Keep going in the same direction while it pays (the ridge is often long and straight).
            let g = y.slice();
            let fg = fy;
            for (let grow = 0; grow < 30; grow++) {
              const z = g.map((gi, i) => gi + (g[i]! - x[i]!));
              const fz = mh.lambdaMax(z);
              if (!(fz > fg)) break;
              x = g;
              g = z;
              fg = fz;
            }
            x = g;
            f = fg;
            improved = true;
            break;
          }
        }
      }
    }
    if (!improved) step *= 0.5;
  }
  return { x, f };
}

/**
 * sup_x λ_max(∇² log p_t(x)) for a Gaussian mixture marginal (α, σ as in MixtureMarginal), with the
 * point where it is reached. See the file comment for why the seeds cover every maximiser.
 */
export function mixtureScoreSupremum(mixture: GaussianMixture, alpha: number, sigma: number, opts: MixtureSupremumOptions = {}): MixtureSupremum {
  const mh = new MixtureHessian(mixture, alpha, sigma);
  const d = mh.dim;
  const K = mh.K;
  const inf = unboundedDirection(mh);
  if (inf) {
    const far = inf.direction.map((u, i) => 1e3 * Math.sqrt(mh.maxVar) * u + mh.means[inf.components[0] * d + i]!);
    return { value: Infinity, argmax: far, bestSeed: Infinity, evaluations: mh.evaluations, unbounded: inf };
  }
  const seeds: { x: number[]; f: number }[] = [];
  const add = (x: number[]) => {
    const f = mh.lambdaMax(x);
    if (Number.isFinite(f)) seeds.push({ x, f });
  };
  const mean = (k: number) => Array.from(mh.means.subarray(k * d, (k + 1) * d));
  for (let k = 0; k < K; k++) add(mean(k));

  const sharedPrecision = (() => {
    for (let k = 1; k < K; k++)
      for (let i = 0; i < d * d; i++) if (Math.abs(mh.prec[k * d * d + i]! - mh.prec[i]!) > 1e-12 * Math.abs(mh.prec[i % (d + 1) === 0 ? i : 0]!)) return false;
    return true;
  })();
  // "Infinity" along a boundary: far enough that other components' posteriors are below 1e-300.
  let spread = 0;
  for (let k = 0; k < K; k++) for (let i = 0; i < d; i++) spread = Math.max(spread, Math.abs(mh.means[k * d + i]! - mh.means[i]!));
  const farDistance = 1e3 * (spread + Math.sqrt(mh.maxVar));
  // Pairs: the scan along each segment and the equal-posterior points (bisection of ℓ_j − ℓ_k).
  const maxPair = opts.maxPairComponents ?? 256;
  if (K <= maxPair) {
    const SCAN = 32;
    const at = (a: number[], b: number[], u: number) => a.map((ai, i) => ai + u * (b[i]! - ai));
    const diff = (x: number[], j: number, k: number) => {
      const lw = mh.logJoint(x);
      return lw[j]! - lw[k]!;
    };
    for (let j = 0; j < K; j++)
      for (let k = j + 1; k < K; k++) {
        const a = mean(j);
        const b = mean(k);
        // Extend the segment a little past both means: with unequal weights or covariances the
        // boundary can lie outside it.
        let prevU = -0.5;
        let prevD = diff(at(a, b, prevU), j, k);
        for (let q = 1; q <= SCAN; q++) {
          const u = -0.5 + (2 * q) / SCAN;
          const x = at(a, b, u);
          const dv = diff(x, j, k);
          if (q % 4 === 0) add(x);
          if (Math.sign(dv) !== Math.sign(prevD)) {
            let lo = prevU;
            let hi = u;
            const sLo = Math.sign(prevD);
            for (let it = 0; it < 80; it++) {
              const mid = 0.5 * (lo + hi);
              if (Math.sign(diff(at(a, b, mid), j, k)) === sLo) lo = mid;
              else hi = mid;
            }
            const xb = at(a, b, 0.5 * (lo + hi));
            add(xb);
            // With equal precisions the boundary is the hyperplane through xb orthogonal to
            // P(m_j − m_k); where it runs off to infinity unobstructed by other components the
            // value tends to a limit along it (reached nowhere): points far out on it are seeds.
            if (sharedPrecision) {
              const n = new Array<number>(d).fill(0);
              for (let i = 0; i < d; i++) for (let c = 0; c < d; c++) n[i] = n[i]! + mh.prec[i * d + c]! * (b[c]! - a[c]!);
              const nn = Math.hypot(...n);
              for (let e = 0; e < d; e++) {
                // e_e projected onto the hyperplane.
                const dir = n.map((ni, i) => (i === e ? 1 : 0) - (ni * n[e]!) / (nn * nn));
                const dn = Math.hypot(...dir);
                if (dn < 1e-6) continue;
                for (const sg of [1, -1]) add(xb.map((v, i) => v + (sg * farDistance * dir[i]!) / dn));
              }
            }
          }
          prevU = u;
          prevD = dv;
        }
      }
  }
  // Faces: three components with equal posteriors, in the plane of their means (Gauss–Newton on
  // the two differences of ℓ), and the face's centroid.
  if (K >= 3 && K <= 24 && d >= 2) {
    for (let i = 0; i < K; i++)
      for (let j = i + 1; j < K; j++)
        for (let k = j + 1; k < K; k++) {
          const a = mean(i);
          const e1 = mean(j).map((v, q) => v - a[q]!);
          const e2 = mean(k).map((v, q) => v - a[q]!);
          const pt = (u: number, v: number) => a.map((aq, q) => aq + u * e1[q]! + v * e2[q]!);
          const res = (u: number, v: number) => {
            const lw = mh.logJoint(pt(u, v));
            return [lw[i]! - lw[j]!, lw[i]! - lw[k]!];
          };
          add(pt(1 / 3, 1 / 3));
          let u = 1 / 3;
          let v = 1 / 3;
          for (let it = 0; it < 30; it++) {
            const r0 = res(u, v);
            const eps = 1e-7;
            const ru = res(u + eps, v);
            const rv = res(u, v + eps);
            const J = [(ru[0]! - r0[0]!) / eps, (rv[0]! - r0[0]!) / eps, (ru[1]! - r0[1]!) / eps, (rv[1]! - r0[1]!) / eps];
            const det = J[0]! * J[3]! - J[1]! * J[2]!;
            if (!(Math.abs(det) > 1e-300)) break;
            const du = (J[3]! * r0[0]! - J[1]! * r0[1]!) / det;
            const dv = (-J[2]! * r0[0]! + J[0]! * r0[1]!) / det;
            u -= du;
            v -= dv;
            if (!(Number.isFinite(u) && Number.isFinite(v)) || Math.abs(u) > 10 || Math.abs(v) > 10) break;
            if (Math.abs(du) + Math.abs(dv) < 1e-14) break;
          }
          if (Number.isFinite(u) && Number.isFinite(v) && Math.abs(u) <= 10 && Math.abs(v) <= 10) add(pt(u, v));
        }
  }
  // A grid over the means' bounding box widened by 4 standard deviations (random points for d > 3).
  const lo = new Array<number>(d).fill(Infinity);
  const hi = new Array<number>(d).fill(-Infinity);
  for (let k = 0; k < K; k++)
    for (let i = 0; i < d; i++) {
      lo[i] = Math.min(lo[i]!, mh.means[k * d + i]!);
      hi[i] = Math.max(hi[i]!, mh.means[k * d + i]!);
    }
  const pad = 4 * Math.sqrt(mh.maxVar);
  for (let i = 0; i < d; i++) {
    lo[i] = lo[i]! - pad;
    hi[i] = hi[i]! + pad;
  }
  if (d <= 3) {
    const side = opts.gridSide ?? (d === 3 ? 21 : 41);
    if (!(Number.isInteger(side) && side >= 2 && side ** d <= 2_000_000)) throw new InputError(`exact L_s supremum: grid of ${side}^${d} points is out of range (2..${Math.floor(2_000_000 ** (1 / d))} per axis)`);
    const idx = new Array<number>(d).fill(0);
    for (let n = 0; n < side ** d; n++) {
      let r = n;
      for (let i = 0; i < d; i++) {
        idx[i] = r % side;
        r = Math.floor(r / side);
      }
      add(idx.map((q, i) => lo[i]! + ((hi[i]! - lo[i]!) * q) / (side - 1)));
    }
  } else {
    const rnd = lcg(12345);
    const n = opts.randomPoints ?? 4000;
    if (!(Number.isInteger(n) && n >= 0 && n <= 1_000_000)) throw new InputError(`exact L_s supremum: randomPoints must be an integer in [0, 10^6], got ${n}`);
    for (let q = 0; q < n; q++) add(lo.map((l, i) => l + (hi[i]! - l) * rnd()));
  }
  if (seeds.length === 0) throw new InputError('exact L_s supremum: the Hessian is not finite at any seed');

  // Local ascent from the best seeds that are not near each other.
  seeds.sort((p, q) => q.f - p.f);
  const starts = opts.ascentStarts ?? 12;
  const scale = Math.max(1e-300, ...hi.map((h, i) => h - lo[i]!));
  const minSep = 1e-3 * Math.sqrt(mh.minVar);
  const chosen: { x: number[]; f: number }[] = [];
  for (const s of seeds) {
    if (chosen.length >= starts) break;
    if (chosen.some((c) => Math.hypot(...c.x.map((v, i) => v - s.x[i]!)) < minSep)) continue;
    chosen.push(s);
  }
  let best = { x: seeds[0]!.x, f: seeds[0]!.f };
  const step0 = 0.25 * Math.sqrt(mh.minVar);
  for (const c of chosen) {
    const r = ascend(mh, c.x, c.f, step0, scale);
    if (r.f > best.f) best = r;
  }
  return { value: best.f, argmax: best.x, bestSeed: seeds[0]!.f, evaluations: mh.evaluations };
}
