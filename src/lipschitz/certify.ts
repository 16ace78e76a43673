/**
 * A certified upper bound on the network's L_s(t) = sup_x λ_max(S(x)), S = ½(J_s + J_sᵀ), over a box
 * of inputs, by branch-and-bound (float64, host), with the best lower estimate found on the way.
 *
 * For a box X = c ± r, interval arithmetic (mid–radius matrix products, exact ranges of the
 * activation and its derivatives, activations64.ts) gives elementwise enclosures of S and of its
 * derivatives ∂_k S over X (second derivatives of the network: ∂_k T_l = diag(σ″(v_l) ⊙ V_l[:,k]) V_l
 * + diag(σ′(v_l)) ∂_k V_l, V_l = diag(g_l) W_l T_{l−1}, T_l = ∂h_l/∂x). Two bounds per box, the
 * smaller kept:
 *
 * - centred mean-value form: S(x) = S(c) + Σ_k δ_k ∫₀¹ ∂_k S(c + τδ) dτ with δ = x − c, and
 *   ∂_k S(·) ∈ A_k + E_k over X (A_k = ∂_k S(c)), so
 *     λ_max(S(x)) ≤ max_{δ ∈ vertices} λ_max(S(c) + Σ δ_k A_k) + Σ_k r_k ‖|E_k|‖₂
 *   (λ_max is convex, so its max over the box of the affine part is at a vertex; |E_k| the entrywise
 *   bound, whose width is O(r): the error term is O(r²));
 * - interval form: λ_max(S(x)) ≤ λ_max(S_mid) + ‖S_rad‖₂ (the only one for ReLU, whose J jumps).
 *
 * Best-first: the box with the largest bound is split in half along its widest side; a box whose
 * bound is within `tol` of the best value found (centres and a local ascent) is closed. The
 * certificate is the largest bound of every box still open or closed — sound for the box at every
 * moment, so a time or box budget only widens the gap. Float64 rounding is not outward-directed:
 * the result is inflated by 1e-9 relative (documented in docs/lipschitz.md).
 */
import { InputError } from '../gpu/errors.js';
import { eigh } from '../linalg/eigh.js';
import { fourierFeatures, type MlpLayout } from '../model/layout.js';
import { activation64, rangeOf, type Activation64 } from './activations64.js';
import { scoreAffine } from './certified.js';

/** One time of the grid, as the Lipschitz kernels take it. */
export interface CertifyTime {
  alpha: number;
  sigma: number;
  /** Per-step embedding row (networks with time.kind 'step'). */
  step?: number;
  /** τ = t/T for Fourier time features. */
  tau?: number;
}

export interface CertifyOptions {
  /** The box: lo[i] ≤ x_i ≤ hi[i]. */
  lo: readonly number[];
  hi: readonly number[];
  /** Relative gap at which to stop (default 0.05); absolute floor `atol` (default 1e-3). */
  tol?: number;
  atol?: number;
  /** Wall-clock budget in milliseconds (default 60 000) and a cap on boxes (default 2·10^6). */
  timeBudgetMs?: number;
  maxBoxes?: number;
  /** Extra points whose λ_max seeds the lower estimate (n × d, e.g. samples of p_t). */
  seeds?: ArrayLike<number>;
}

export interface Certificate {
  /** Upper bound on sup over the box of λ_max(S). */
  upper: number;
  /** Best value found (a lower estimate of the supremum) and where. */
  lower: number;
  argmax: number[];
  /** upper − lower, and relative to |lower|. */
  gap: number;
  relGap: number;
  boxes: number;
  /** Boxes still open when the search stopped (0 when the gap target was met). */
  open: number;
  seconds: number;
  /** true when the gap target was met, false when the budget ran out first. */
  converged: boolean;
}

interface Layer {
  n: number; // outputs
  m: number; // inputs acting on x-dependent values
  w: Float64Array; // n × m, diag(g) W
  aw: Float64Array; // |w|
  c: Float64Array; // n: constant part (bias, Fourier inputs), times g
}

/** The network at one time folded into affine layers: v_l = w_l h_{l−1} + c_l, h_l = act(v_l). */
export class NetworkAtTime {
  readonly d: number;
  readonly hidden: Layer[] = [];
  /** Head folded with the output affine: J_s = head · T_L + b I. */
  readonly head: Float64Array; // d × n_L
  readonly headAbs: Float64Array;
  readonly b: number;
  /** a·b_L: the head's bias after the output affine (score = head·h + headBias + b·x). */
  readonly headBias: Float64Array;
  readonly act: Activation64;

  constructor(readonly layout: MlpLayout, params: ArrayLike<number>, t: CertifyTime) {
    const spec = layout.spec;
    const d = spec.dim;
    this.d = d;
    if (params.length < layout.size) throw new InputError(`parameters have ${params.length} floats, the layout needs ${layout.size}`);
    for (let i = 0; i < layout.size; i++) if (!Number.isFinite(params[i]!)) throw new InputError(`parameter ${i} is not finite (${params[i]})`);
    this.act = activation64(spec.activation, spec.leakySlope ?? 0.01);
    const feats = spec.time.kind === 'fourier' ? fourierFeatures(t.tau ?? 0, spec.time.features) : [];
    const step = t.step ?? 0;
    if (layout.steps > 0 && !(Number.isInteger(step) && step >= 0 && step < layout.steps)) throw new InputError(`step ${step} outside the network's ${layout.steps} embeddings`);
    const L = layout.layers.length - 1;
    layout.layers.forEach((ly, l) => {
      if (!ly.hidden) return;
      const s = params[layout.scaleOffset + l]!;
      const m = l === 0 ? d : ly.in;
      const w = new Float64Array(ly.out * m);
      const c = new Float64Array(ly.out);
      for (let j = 0; j < ly.out; j++) {
        const e = ly.eOffset >= 0 ? params[ly.eOffset + step * ly.out + j]! : 1;
        const g = s * e;
        for (let i = 0; i < m; i++) w[j * m + i] = g * params[ly.wOffset + j * ly.in + i]!;
        let cf = params[ly.bOffset + j]! * e;
        if (l === 0) for (let f = 0; f < feats.length; f++) cf += g * params[ly.wOffset + j * ly.in + d + f]! * feats[f]!;
        c[j] = cf;
      }
      this.hidden.push({ n: ly.out, m, w, aw: w.map(Math.abs), c });
    });
    const hl = layout.layers[L]!;
    const [a, b] = scoreAffine(layout, t.alpha, t.sigma);
    const sL = params[layout.scaleOffset + L]!;
    this.head = new Float64Array(d * hl.in);
    for (let i = 0; i < d * hl.in; i++) this.head[i] = a * sL * params[hl.wOffset + i]!;
    this.headAbs = this.head.map(Math.abs);
    this.b = b;
    this.headBias = Float64Array.from({ length: d }, (_, i) => a * params[hl.bOffset + i]!);
  }

  /** The score s(x, t) at a point (float64). */
  score(x: ArrayLike<number>): Float64Array {
    let h = Float64Array.from(x);
    for (const ly of this.hidden) {
      const nh = new Float64Array(ly.n);
      for (let j = 0; j < ly.n; j++) {
        let v = ly.c[j]!;
        for (let i = 0; i < ly.m; i++) v += ly.w[j * ly.m + i]! * h[i]!;
        nh[j] = this.act.f(v);
      }
      h = nh;
    }
    const d = this.d;
    const m = h.length;
    const out = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let v = this.headBias[i]! + this.b * x[i]!;
      for (let j = 0; j < m; j++) v += this.head[i * m + j]! * h[j]!;
      out[i] = v;
    }
    return out;
  }

  /**
   * Enclosures over the box [lo, hi] (lo = hi: the exact values at a point): S (d×d) and ∂_k S
   * (k-major, d × d×d), as [lower, upper] arrays. `second` = false skips the derivatives.
   */
  enclose(lo: ArrayLike<number>, hi: ArrayLike<number>, second = true): { sLo: Float64Array; sHi: Float64Array; dLo: Float64Array; dHi: Float64Array; kinked: boolean } {
    const d = this.d;
    const act = this.act;
    let hLo = Float64Array.from(lo);
    let hHi = Float64Array.from(hi);
    // T = ∂h/∂x (m × d) and dT_k (d blocks of m × d), as intervals.
    let m = d;
    let tLo = new Float64Array(d * d);
    for (let i = 0; i < d; i++) tLo[i * d + i] = 1;
    let tHi = tLo.slice();
    let dtLo = new Float64Array(d * d * d);
    let dtHi = new Float64Array(d * d * d);
    let kinked = false;
    for (const ly of this.hidden) {
      const n = ly.n;
      // v = w h + c (mid–radius).
      const vLo = new Float64Array(n);
      const vHi = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        let mid = ly.c[j]!;
        let rad = 0;
        for (let i = 0; i < m; i++) {
          const hm = 0.5 * (hLo[i]! + hHi[i]!);
          const hr = 0.5 * (hHi[i]! - hLo[i]!);
          mid += ly.w[j * m + i]! * hm;
          rad += ly.aw[j * m + i]! * hr;
        }
        vLo[j] = mid - rad;
        vHi[j] = mid + rad;
      }
      // V = w T (n × d), dV_k = w dT_k.
      const VLo = new Float64Array(n * d);
      const VHi = new Float64Array(n * d);
      matInterval(ly.w, ly.aw, n, m, tLo, tHi, d, VLo, VHi);
      const dVLo = new Float64Array(d * n * d);
      const dVHi = new Float64Array(d * n * d);
      if (second) for (let k = 0; k < d; k++) matInterval(ly.w, ly.aw, n, m, dtLo.subarray(k * m * d), dtHi.subarray(k * m * d), d, dVLo.subarray(k * n * d), dVHi.subarray(k * n * d));
      const nhLo = new Float64Array(n);
      const nhHi = new Float64Array(n);
      const ntLo = new Float64Array(n * d);
      const ntHi = new Float64Array(n * d);
      const ndtLo = new Float64Array(d * n * d);
      const ndtHi = new Float64Array(d * n * d);
      for (let j = 0; j < n; j++) {
        const a = vLo[j]!;
        const b = vHi[j]!;
        [nhLo[j], nhHi[j]] = rangeOf(act.f, act.crit0, a, b);
        const [p1, q1] = rangeOf(act.d1, act.crit1, a, b);
        if (act.kink && a < 0 && b > 0) kinked = true;
        for (let c = 0; c < d; c++) {
          imulInto(p1, q1, VLo[j * d + c]!, VHi[j * d + c]!);
          ntLo[j * d + c] = ILO;
          ntHi[j * d + c] = IHI;
        }
        if (!second) continue;
        const [p2, q2] = rangeOf(act.d2, act.crit2, a, b);
        for (let k = 0; k < d; k++) {
          // σ″ · V[j,k]
          imulInto(p2, q2, VLo[j * d + k]!, VHi[j * d + k]!);
          const u = ILO;
          const v = IHI;
          for (let c = 0; c < d; c++) {
            imulInto(u, v, VLo[j * d + c]!, VHi[j * d + c]!);
            const x1 = ILO;
            const y1 = IHI;
            imulInto(p1, q1, dVLo[k * n * d + j * d + c]!, dVHi[k * n * d + j * d + c]!);
            ndtLo[k * n * d + j * d + c] = x1 + ILO;
            ndtHi[k * n * d + j * d + c] = y1 + IHI;
          }
        }
      }
      hLo = nhLo;
      hHi = nhHi;
      tLo = ntLo;
      tHi = ntHi;
      dtLo = ndtLo;
      dtHi = ndtHi;
      m = n;
    }
    // J = head T (+ b I), dJ_k = head dT_k; then symmetric parts.
    const jLo = new Float64Array(d * d);
    const jHi = new Float64Array(d * d);
    matInterval(this.head, this.headAbs, d, m, tLo, tHi, d, jLo, jHi);
    const sLo = new Float64Array(d * d);
    const sHi = new Float64Array(d * d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        sLo[i * d + j] = 0.5 * (jLo[i * d + j]! + jLo[j * d + i]!) + (i === j ? this.b : 0);
        sHi[i * d + j] = 0.5 * (jHi[i * d + j]! + jHi[j * d + i]!) + (i === j ? this.b : 0);
      }
    const dLo = new Float64Array(d * d * d);
    const dHi = new Float64Array(d * d * d);
    if (second) {
      const tmpLo = new Float64Array(d * d);
      const tmpHi = new Float64Array(d * d);
      for (let k = 0; k < d; k++) {
        matInterval(this.head, this.headAbs, d, m, dtLo.subarray(k * m * d), dtHi.subarray(k * m * d), d, tmpLo, tmpHi);
        for (let i = 0; i < d; i++)
          for (let j = 0; j < d; j++) {
            dLo[k * d * d + i * d + j] = 0.5 * (tmpLo[i * d + j]! + tmpLo[j * d + i]!);
            dHi[k * d * d + i * d + j] = 0.5 * (tmpHi[i * d + j]! + tmpHi[j * d + i]!);
          }
      }
    }
    return { sLo, sHi, dLo, dHi, kinked };
  }

  /** λ_max(S(x)) at a point. */
  lambdaAt(x: ArrayLike<number>): number {
    const { sLo } = this.enclose(x, x, false);
    return lambdaMax(sLo, this.d);
  }

  /**
   * A lower estimate of λ_max(S(x)) at a point for any d, in float64 without forming S: `iters`
   * power steps on S (unshifted for the spectral radius ρ, then on S + 1.05ρ I) by JVP and VJP,
   * returning the largest Rayleigh quotient vᵀSv/vᵀv seen (each is ≤ λ_max(S(x))).
   */
  rayleighPower(x: ArrayLike<number>, iters = 60): number {
    const d = this.d;
    // Forward: the activation slopes of every hidden layer.
    const slopes: Float64Array[] = [];
    let h = Float64Array.from(x);
    for (const ly of this.hidden) {
      const nh = new Float64Array(ly.n);
      const sl = new Float64Array(ly.n);
      for (let j = 0; j < ly.n; j++) {
        let v = ly.c[j]!;
        for (let i = 0; i < ly.m; i++) v += ly.w[j * ly.m + i]! * h[i]!;
        nh[j] = this.act.f(v);
        sl[j] = this.act.d1(v);
      }
      slopes.push(sl);
      h = nh;
    }
    const m = h.length;
    const sym = (u: Float64Array): Float64Array => {
      // J u (forward) and Jᵀ u (reverse), J = head · Π diag(σ') w_l + b I.
      let t: Float64Array = u;
      this.hidden.forEach((ly, l) => {
        const nt = new Float64Array(ly.n);
        for (let j = 0; j < ly.n; j++) {
          let acc = 0;
          for (let i = 0; i < ly.m; i++) acc += ly.w[j * ly.m + i]! * t[i]!;
          nt[j] = slopes[l]![j]! * acc;
        }
        t = nt;
      });
      let c = new Float64Array(m);
      for (let i = 0; i < d; i++) for (let j = 0; j < m; j++) c[j] = c[j]! + this.head[i * m + j]! * u[i]!;
      for (let l = this.hidden.length - 1; l >= 0; l--) {
        const ly = this.hidden[l]!;
        const nc = new Float64Array(ly.m);
        for (let j = 0; j < ly.n; j++) {
          const cj = c[j]! * slopes[l]![j]!;
          for (let i = 0; i < ly.m; i++) nc[i] = nc[i]! + ly.w[j * ly.m + i]! * cj;
        }
        c = nc;
      }
      const out = new Float64Array(d);
      for (let i = 0; i < d; i++) {
        let jv = 0;
        for (let j = 0; j < m; j++) jv += this.head[i * m + j]! * t[j]!;
        out[i] = 0.5 * (jv + c[i]!) + this.b * u[i]!;
      }
      return out;
    };
    let s = 0x9e3779b9;
    const rnd = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
    const unit = (u: Float64Array) => {
      const n = Math.hypot(...u);
      return n > 0 ? u.map((q) => q / n) : u;
    };
    let v = unit(Float64Array.from({ length: d }, rnd));
    let rho = 0;
    let best = -Infinity;
    const rq = (u: Float64Array, su: Float64Array) => {
      let num = 0;
      let den = 0;
      for (let i = 0; i < d; i++) {
        num += u[i]! * su[i]!;
        den += u[i]! * u[i]!;
      }
      return den > 0 ? num / den : -Infinity;
    };
    const nShift = Math.max(5, Math.floor(iters / 4));
    for (let it = 0; it < nShift; it++) {
      const w = sym(v);
      best = Math.max(best, rq(v, w));
      rho = Math.hypot(...w);
      v = unit(w);
    }
    const c = 1.05 * rho + 1e-12;
    v = unit(Float64Array.from({ length: d }, rnd));
    for (let it = 0; it < iters; it++) {
      const w = sym(v);
      best = Math.max(best, rq(v, w));
      v = unit(w.map((q, i) => q + c * v[i]!));
    }
    return Math.max(best, rq(v, sym(v)));
  }
}

/** out = A·X for a point matrix A (rows × inner, |A| given) and an interval matrix X (inner × cols). */
function matInterval(a: Float64Array, aAbs: Float64Array, rows: number, inner: number, xLo: ArrayLike<number>, xHi: ArrayLike<number>, cols: number, outLo: Float64Array, outHi: Float64Array): void {
  const n = inner * cols;
  const mid = scratch(0, n);
  const rad = scratch(1, n);
  let point = true;
  for (let i = 0; i < n; i++) {
    mid[i] = 0.5 * (xLo[i]! + xHi[i]!);
    rad[i] = 0.5 * (xHi[i]! - xLo[i]!);
    if (rad[i] !== 0) point = false;
  }
  for (let r = 0; r < rows; r++) {
    const ro = r * inner;
    for (let c = 0; c < cols; c++) {
      let m = 0;
      let q = 0;
      if (point) for (let i = 0; i < inner; i++) m += a[ro + i]! * mid[i * cols + c]!;
      else
        for (let i = 0; i < inner; i++) {
          m += a[ro + i]! * mid[i * cols + c]!;
          q += aAbs[ro + i]! * rad[i * cols + c]!;
        }
      outLo[r * cols + c] = m - q;
      outHi[r * cols + c] = m + q;
    }
  }
}

const scratchBufs: Float64Array[] = [];
function scratch(i: number, n: number): Float64Array {
  let b = scratchBufs[i];
  if (!b || b.length < n) {
    b = new Float64Array(Math.max(n, 2 * (b?.length ?? 0)));
    scratchBufs[i] = b;
  }
  return b;
}

let ILO = 0;
let IHI = 0;
/** [ILO, IHI] = [a, b]·[c, d] (module-level result: no allocation in the hot loop). */
function imulInto(a: number, b: number, c: number, d: number): void {
  if (a === b && c === d) {
    ILO = IHI = a * c;
    return;
  }
  const p = a * c;
  const q = a * d;
  const r = b * c;
  const s = b * d;
  ILO = Math.min(p, q, r, s);
  IHI = Math.max(p, q, r, s);
}

/** λ_max of a symmetric d×d matrix (closed form for d ≤ 2). */
export function lambdaMax(s: ArrayLike<number>, d: number): number {
  if (d === 1) return s[0]!;
  if (d === 2) return 0.5 * (s[0]! + s[3]!) + Math.hypot(0.5 * (s[0]! - s[3]!), 0.5 * (s[1]! + s[2]!));
  const w = eigh(s, d).w;
  let m = -Infinity;
  for (let i = 0; i < d; i++) m = Math.max(m, w[i]!);
  return m;
}

/** Spectral norm of a symmetric non-negative matrix (its λ_max; Perron). */
function normNonNeg(m: Float64Array, d: number): number {
  return Math.max(0, lambdaMax(m, d));
}

/** Upper bound on sup over the box c ± r of λ_max(S), and λ_max(S(c)). */
export function boxBound(net: NetworkAtTime, lo: ArrayLike<number>, hi: ArrayLike<number>): { upper: number; centre: number } {
  const d = net.d;
  const c = Array.from({ length: d }, (_, i) => 0.5 * (lo[i]! + hi[i]!));
  const r = Array.from({ length: d }, (_, i) => 0.5 * (hi[i]! - lo[i]!));
  const box = net.enclose(lo, hi, true);
  const at = net.enclose(c, c, true);
  const sC = at.sLo; // exact at the centre (lo = hi)
  const centre = lambdaMax(sC, d);
  // Interval form.
  const mid = new Float64Array(d * d);
  const rad = new Float64Array(d * d);
  for (let i = 0; i < d * d; i++) {
    mid[i] = 0.5 * (box.sLo[i]! + box.sHi[i]!);
    rad[i] = 0.5 * (box.sHi[i]! - box.sLo[i]!);
  }
  let upper = lambdaMax(mid, d) + normNonNeg(rad, d);
  // Mean-value form (needs C² activations on the whole box).
  if (!box.kinked && !net.act.kink) {
    let err = 0;
    const e = new Float64Array(d * d);
    for (let k = 0; k < d; k++) {
      for (let i = 0; i < d * d; i++) {
        const a = at.dLo[k * d * d + i]!;
        e[i] = Math.max(Math.abs(box.dLo[k * d * d + i]! - a), Math.abs(box.dHi[k * d * d + i]! - a));
      }
      err += r[k]! * normNonNeg(e, d);
    }
    let vmax = -Infinity;
    const m = new Float64Array(d * d);
    if (d <= 6) {
      for (let v = 0; v < 1 << d; v++) {
        for (let i = 0; i < d * d; i++) {
          let s = sC[i]!;
          for (let k = 0; k < d; k++) s += ((v >> k) & 1 ? r[k]! : -r[k]!) * at.dLo[k * d * d + i]!;
          m[i] = s;
        }
        vmax = Math.max(vmax, lambdaMax(m, d));
      }
    } else {
      // λ_max(S(c) + Σ δ_k A_k) ≤ λ_max(S(c)) + Σ r_k ‖A_k‖₂ (‖A_k‖₂ ≤ its Frobenius norm).
      vmax = centre;
      for (let k = 0; k < d; k++) {
        let f = 0;
        for (let i = 0; i < d * d; i++) f += at.dLo[k * d * d + i]! ** 2;
        vmax += r[k]! * Math.sqrt(f);
      }
    }
    upper = Math.min(upper, vmax + err);
  }
  return { upper, centre };
}

/** Max-heap of boxes by their bound. */
class Heap {
  private items: { upper: number; lo: Float64Array; hi: Float64Array }[] = [];
  get size(): number {
    return this.items.length;
  }
  push(x: { upper: number; lo: Float64Array; hi: Float64Array }): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.upper >= a[i]!.upper) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  peek(): { upper: number; lo: Float64Array; hi: Float64Array } | undefined {
    return this.items[0];
  }
  pop(): { upper: number; lo: Float64Array; hi: Float64Array } | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.upper > a[m]!.upper) m = l;
        if (r < a.length && a[r]!.upper > a[m]!.upper) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/** Pattern search for a local max of λ_max(S) inside the box, from x0. */
function ascend(net: NetworkAtTime, x0: number[], f0: number, lo: readonly number[], hi: readonly number[], step0: number): { x: number[]; f: number } {
  const d = net.d;
  let x = x0.slice();
  let f = f0;
  let step = step0;
  const minStep = 1e-9 * step0;
  for (let it = 0; it < 300 && step > minStep; it++) {
    let improved = false;
    for (let q = 0; q < d && !improved; q++)
      for (const sg of [1, -1]) {
        const y = x.slice();
        y[q] = Math.min(hi[q]!, Math.max(lo[q]!, y[q]! + sg * step));
        const fy = net.lambdaAt(y);
        if (fy > f) {
          x = y;
          f = fy;
          improved = true;
          break;
        }
      }
    if (!improved) step *= 0.5;
  }
  return { x, f };
}

/** Branch-and-bound certificate of sup over the box of λ_max(½(J_s + J_sᵀ)). */
export function certifyBox(net: NetworkAtTime, opts: CertifyOptions): Certificate {
  const d = net.d;
  const t0 = performance.now();
  if (opts.lo.length !== d || opts.hi.length !== d) throw new InputError(`certificate box must have ${d} coordinates`);
  for (let i = 0; i < d; i++) if (!(Number.isFinite(opts.lo[i]!) && Number.isFinite(opts.hi[i]!) && opts.lo[i]! <= opts.hi[i]!)) throw new InputError(`certificate box side ${i} is not a finite interval: [${opts.lo[i]}, ${opts.hi[i]}]`);
  const tol = opts.tol ?? 0.05;
  const atol = opts.atol ?? 1e-3;
  const budget = opts.timeBudgetMs ?? 60_000;
  const maxBoxes = opts.maxBoxes ?? 2_000_000;
  if (!(tol >= 0 && atol >= 0 && budget > 0 && Number.isInteger(maxBoxes) && maxBoxes >= 1 && maxBoxes <= 1e8)) throw new InputError('certificate: tol, atol >= 0, time budget > 0, maxBoxes in [1, 1e8]');
  let best = -Infinity;
  let argmax: number[] = Array.from({ length: d }, (_, i) => 0.5 * (opts.lo[i]! + opts.hi[i]!));
  const consider = (x: number[], f: number) => {
    if (f > best) {
      best = f;
      argmax = x;
    }
  };
  // Seeds: given points inside the box, and a 16^d-capped grid.
  if (opts.seeds) {
    for (let p = 0; p + d <= opts.seeds.length; p += d) {
      const x = Array.from({ length: d }, (_, i) => Math.min(opts.hi[i]!, Math.max(opts.lo[i]!, opts.seeds![p + i]!)));
      consider(x, net.lambdaAt(x));
    }
  }
  const side = Math.max(2, Math.floor(1024 ** (1 / d)));
  if (side ** d <= 65536) {
    const idx = new Array<number>(d).fill(0);
    for (let q = 0; q < side ** d; q++) {
      let rr = q;
      for (let i = 0; i < d; i++) {
        idx[i] = rr % side;
        rr = Math.floor(rr / side);
      }
      const x = idx.map((k, i) => opts.lo[i]! + ((opts.hi[i]! - opts.lo[i]!) * (k + 0.5)) / side);
      consider(x, net.lambdaAt(x));
    }
  }
  const width = Math.max(...opts.hi.map((h, i) => h - opts.lo[i]!));
  const polish = () => {
    const r = ascend(net, argmax, best, opts.lo, opts.hi, width / 64);
    consider(r.x, r.f);
  };
  polish();
  const heap = new Heap();
  let closedMax = -Infinity;
  let boxes = 0;
  const target = () => best + Math.max(tol * Math.abs(best), atol);
  const push = (lo: Float64Array, hi: Float64Array) => {
    const b = boxBound(net, lo, hi);
    boxes++;
    const c = Array.from({ length: d }, (_, i) => 0.5 * (lo[i]! + hi[i]!));
    consider(c, b.centre);
    if (b.upper <= target()) closedMax = Math.max(closedMax, b.upper);
    else heap.push({ upper: b.upper, lo, hi });
  };
  push(Float64Array.from(opts.lo), Float64Array.from(opts.hi));
  let lastPolish = best;
  let lastPolishBoxes = 0;
  let converged = false;
  for (;;) {
    const top = heap.peek();
    if (!top) {
      converged = true;
      break;
    }
    if (top.upper <= target()) {
      // Everything left is within the target: close it all.
      converged = true;
      break;
    }
    if (boxes >= maxBoxes || performance.now() - t0 > budget) break;
    heap.pop();
    // Split along the widest side.
    let k = 0;
    for (let i = 1; i < d; i++) if (top.hi[i]! - top.lo[i]! > top.hi[k]! - top.lo[k]!) k = i;
    const midK = 0.5 * (top.lo[k]! + top.hi[k]!);
    const aHi = top.hi.slice();
    aHi[k] = midK;
    const bLo = top.lo.slice();
    bLo[k] = midK;
    push(top.lo, aHi);
    push(bLo, top.hi);
    // Climb from a new best point now and then (each climb costs up to ~1200 point values).
    if (best > lastPolish && boxes - lastPolishBoxes >= 256) {
      polish();
      lastPolish = best;
      lastPolishBoxes = boxes;
    }
  }
  if (best > lastPolish) polish();
  const openMax = heap.peek()?.upper ?? -Infinity;
  const raw = Math.max(closedMax, openMax, best);
  // Float64 rounding is not directed: inflate by 1e-9 relative (and absolute at the value's scale).
  const upper = raw + 1e-9 * Math.max(1, Math.abs(raw));
  return { upper, lower: best, argmax, gap: upper - best, relGap: (upper - best) / Math.max(Math.abs(best), 1e-300), boxes, open: heap.size, seconds: (performance.now() - t0) / 1000, converged };
}
