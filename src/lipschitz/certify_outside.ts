/**
 * A certified upper bound on sup λ_max(S(x)), S = ½(J_s + J_sᵀ), over the OUTSIDE of a ball,
 * {|x| ≥ R0}, for d ≤ 2 — the part of ℝ^d that no box holds. With the box certificate over
 * [−R0, R0]^d (certify.ts), whose inscribed ball has radius R0, it covers all of ℝ^d.
 *
 * Compactification: x = ρ u(θ), u = (cos θ, sin θ) (d = 1: θ ∈ {0, π}), ρ = 1/s with
 * s ∈ [0, 1/R0] — a compact domain of cells [θ0, θ1] × [s0, s1]; the cells with s0 = 0 reach
 * infinity. Branch-and-bound over the cells, best-first, pruned against the best value found.
 *
 * The bound of a cell. J = head · D_L W_L ⋯ D_1 W_1 (+ b I), D_l = diag(σ′(v_l)): J depends on x only
 * through the activation slopes, so it is enough to enclose every slope over the cell. Each
 * pre-activation is enclosed two ways and the ranges intersected:
 *
 * - growing part: every unit's value is written h = ρ α + β with α, β in intervals. σ = ℓ + r with
 *   ℓ the positively homogeneous limit (ℓ(v) = p₊v for v > 0, p₋v below: ReLU for softplus and SiLU,
 *   0 for tanh) and r bounded; for v = ρ a + b, ℓ(v) = ρ ℓ(a) + [ℓ(ρa + b) − ℓ(ρa)], the bracket
 *   within b·[min p, max p], so α ∈ ℓ(A), β ∈ B·[p₋, p₊] + r(range of v). Then v' = W h + c =
 *   ρ (W α) + (W β + c): intervals times a scalar ρ ∈ [1/s1, 1/s0], which may be +∞. At s0 = 0 the
 *   slopes of the units whose growing part has a fixed sign tend to 0 or p₊ (the ReLU-limit
 *   network's Jacobian), and those with A ∋ 0 keep their whole range.
 * - bounded part: the plain interval range of every value (x over the cell for the first layer).
 *
 * With the slopes P_l ∈ [p_lo, p_hi] the interval Jacobian gives λ_max(S_mid) + ‖S_rad‖₂. Sharper:
 * J is affine in each single slope (each D_l appears once in the product), so λ_max(S) is convex in
 * each slope and its maximum over the slope box sits at a vertex in the slopes chosen: the K widest
 * slopes are enumerated at their endpoints (2^K interval Jacobians) and the rest kept as intervals.
 * Finite cells (s0 > 0) also take the box certificate's bound (mean-value form) on their bounding
 * box; the smaller bound is kept. Every cell's centre, and for a cell at infinity a point 10^6 times
 * farther out, is evaluated exactly: the values found at infinity are lower estimates too.
 *
 * Float64 rounding is not outward-directed: the result is inflated by 1e-9 relative, as certify.ts.
 */
import { InputError } from '../gpu/errors.js';
import { rangeOf } from './activations64.js';
import { boxBound, lambdaMax, type NetworkAtTime } from './certify.js';

export interface OutsideOptions {
  /** Radius R0 > 0 of the ball left out: the certificate covers {|x| ≥ R0}. */
  radius: number;
  /** Relative gap target (default 0.05) and absolute floor (default 1e-3), against the best value. */
  tol?: number;
  atol?: number;
  /** Wall-clock budget in milliseconds (default 60 000) and a cap on cells (default 10^6). */
  timeBudgetMs?: number;
  maxCells?: number;
  /** The best value found elsewhere (anywhere in ℝ^d) and where: cells within the target of it are closed. */
  best?: { value: number; x: readonly number[] };
  /** Cells in θ to start from (d = 2; default 64). */
  thetaCells?: number;
  /** Slopes enumerated at their endpoints per cell (default 4, at most 10). */
  vertexSlopes?: number;
}

export interface OutsideCertificate {
  /** Upper bound on sup over {|x| ≥ radius} of λ_max(S) (not lifted to `lower`). */
  upper: number;
  /** Best value found by this search (cell centres, points at infinity) and where; -Infinity if none. */
  lower: number;
  argmax: number[];
  radius: number;
  cells: number;
  /** Cells still open when it stopped (0 when the gap target was met). */
  open: number;
  seconds: number;
  /** True when every cell closed within the target of the best value (own or given). */
  converged: boolean;
  /** When not converged: the (up to 5) open cells with the largest bounds — θ in radians, ρ = |x| (`Infinity` at the far end). */
  worst?: { upper: number; theta: [number, number]; rho: [number, number] }[];
}

/** Largest dimension with an outside certificate. */
export const OUTSIDE_MAX_DIM = 2;

interface Limit {
  /** Slopes of the homogeneous limit ℓ below and above 0. */
  pm: number;
  pp: number;
  /** Range of r = σ − ℓ over [lo, hi] (endpoints may be infinite). */
  r(lo: number, hi: number): [number, number];
}

const sigm = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
/** Range of |v| over [lo, hi]. */
const absRange = (lo: number, hi: number): [number, number] => (lo <= 0 && hi >= 0 ? [0, Math.max(-lo, hi)] : [Math.min(Math.abs(lo), Math.abs(hi)), Math.max(Math.abs(lo), Math.abs(hi))]);
// SiLU: r(v) = v σ(v) − relu(v) = −|v| σ(−|v|), minimum −0.2784645 at |v| = 1.2784645 (v = 1 + e^{−v}).
const SILU_T = 1.2784645427610738;
const siluR = (t: number) => (Number.isFinite(t) ? -t * sigm(-t) : 0);

function limitOf(net: NetworkAtTime): Limit {
  const spec = net.layout.spec;
  switch (spec.activation) {
    case 'softplus':
      // r(v) = log(1 + e^{−|v|}): even, decreasing in |v|, log 2 at 0, → 0.
      return {
        pm: 0,
        pp: 1,
        r: (lo, hi) => {
          const [a, b] = absRange(lo, hi);
          return [Math.log1p(Math.exp(-b)), Math.log1p(Math.exp(-a))];
        },
      };
    case 'silu':
      return {
        pm: 0,
        pp: 1,
        r: (lo, hi) => {
          const [a, b] = absRange(lo, hi);
          const ra = siluR(a);
          const rb = siluR(b);
          const low = a < SILU_T && b > SILU_T ? siluR(SILU_T) : Math.min(ra, rb);
          return [low, Math.max(ra, rb)];
        },
      };
    case 'tanh':
      return { pm: 0, pp: 0, r: (lo, hi) => [Math.tanh(lo), Math.tanh(hi)] };
    case 'relu':
      return { pm: 0, pp: 1, r: () => [0, 0] };
    case 'leakyrelu': {
      const a = spec.leakySlope ?? 0.01;
      return { pm: a, pp: 1, r: () => [0, 0] };
    }
  }
}

/**
 * Relative slack added outward to the interval sums of the growing part (float64 rounding is not
 * directed): where ρ → ∞ multiplies a coefficient, its sign decides a slope's limit, so a coefficient
 * within rounding of 0 must keep 0 in its interval.
 */
const SLACK = 1e-13;

/** ρ·a with ρ ∈ (0, ∞] and 0·∞ = 0. */
const mulRho = (rho: number, a: number) => (a === 0 ? 0 : rho * a);
/** Clamp for evaluating σ, σ′ at ±∞ (their limits are reached in float64 far before 1e300). */
const clampV = (v: number) => Math.max(-1e300, Math.min(1e300, v));

/** Range of w·u(θ) over θ ∈ [t0, t1] (d = 2: |w| cos(θ − φ)); d = 1: w·cos θ at θ = t0 = t1. */
function dirRange(w: Float64Array, off: number, d: number, t0: number, t1: number): [number, number] {
  if (d === 1) {
    const v = w[off]! * Math.cos(t0);
    return [v, v];
  }
  const wx = w[off]!;
  const wy = w[off + 1]!;
  const f = (t: number) => wx * Math.cos(t) + wy * Math.sin(t);
  let lo = Math.min(f(t0), f(t1));
  let hi = Math.max(f(t0), f(t1));
  const nrm = Math.hypot(wx, wy);
  if (nrm > 0) {
    const phi = Math.atan2(wy, wx);
    const contains = (a: number) => {
      // Is a + 2πk in [t0, t1] for some k?
      const k = Math.ceil((t0 - a) / (2 * Math.PI));
      return a + 2 * Math.PI * k <= t1;
    };
    if (contains(phi)) hi = nrm;
    if (contains(phi + Math.PI)) lo = -nrm;
  }
  return [lo - SLACK * (Math.abs(wx) + Math.abs(wy)), hi + SLACK * (Math.abs(wx) + Math.abs(wy))];
}

/** Bounding box of the sector {ρ u(θ): θ ∈ [t0, t1], ρ ∈ [r0, r1]} (r1 finite). */
function sectorBox(d: number, t0: number, t1: number, r0: number, r1: number): { lo: number[]; hi: number[] } {
  if (d === 1) {
    const c = Math.cos(t0);
    return c > 0 ? { lo: [r0], hi: [r1] } : { lo: [-r1], hi: [-r0] };
  }
  const xs = [Math.cos(t0), Math.cos(t1)];
  const ys = [Math.sin(t0), Math.sin(t1)];
  for (let k = Math.ceil((2 * t0) / Math.PI); (k * Math.PI) / 2 <= t1; k++) {
    const a = (k * Math.PI) / 2;
    xs.push(Math.cos(a));
    ys.push(Math.sin(a));
  }
  const rng = (vs: number[]) => {
    const a = Math.min(...vs);
    const b = Math.max(...vs);
    // Scale by r0 or r1, whichever gives the extreme (sign-dependent).
    return [Math.min(a * r0, a * r1), Math.max(b * r0, b * r1)] as const;
  };
  const [xl, xh] = rng(xs);
  const [yl, yh] = rng(ys);
  return { lo: [xl, yl], hi: [xh, yh] };
}

/** The cell's slope enclosures, layer by layer ([lo, hi] per unit). */
function cellSlopes(net: NetworkAtTime, lim: Limit, t0: number, t1: number, r0: number, r1: number): { pLo: Float64Array[]; pHi: Float64Array[] } {
  const d = net.d;
  const act = net.act;
  const pLo: Float64Array[] = [];
  const pHi: Float64Array[] = [];
  const pmin = Math.min(lim.pm, lim.pp);
  const pmax = Math.max(lim.pm, lim.pp);
  // Growing part A, B (v = ρ a + b) and plain range V of the current layer's pre-activations.
  let Alo: Float64Array = new Float64Array(0);
  let Ahi: Float64Array = new Float64Array(0);
  let Blo: Float64Array = new Float64Array(0);
  let Bhi: Float64Array = new Float64Array(0);
  let Vlo: Float64Array = new Float64Array(0);
  let Vhi: Float64Array = new Float64Array(0);
  net.hidden.forEach((ly, l) => {
    const n = ly.n;
    if (l === 0) {
      Alo = new Float64Array(n);
      Ahi = new Float64Array(n);
      Blo = new Float64Array(n);
      Bhi = new Float64Array(n);
      Vlo = new Float64Array(n).fill(-Infinity);
      Vhi = new Float64Array(n).fill(Infinity);
      for (let j = 0; j < n; j++) {
        [Alo[j], Ahi[j]] = dirRange(ly.w, j * d, d, t0, t1);
        Blo[j] = Bhi[j] = ly.c[j]!;
      }
    }
    const lo = new Float64Array(n);
    const hi = new Float64Array(n);
    const alo = new Float64Array(n);
    const ahi = new Float64Array(n);
    const blo = new Float64Array(n);
    const bhi = new Float64Array(n);
    const hlo = new Float64Array(n);
    const hhi = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      // v over the cell: the growing form's range intersected with the plain range.
      const gLo = Blo[j]! + Math.min(mulRho(r0, Alo[j]!), mulRho(r1, Alo[j]!));
      const gHi = Bhi[j]! + Math.max(mulRho(r0, Ahi[j]!), mulRho(r1, Ahi[j]!));
      const vlo = Math.max(gLo, Vlo[j]!);
      const vhi = Math.min(gHi, Vhi[j]!);
      const a = clampV(vlo);
      const b = clampV(Math.max(vlo, vhi));
      [lo[j], hi[j]] = rangeOf(act.d1, act.crit1, a, b);
      [hlo[j], hhi[j]] = rangeOf(act.f, act.crit0, a, b);
      if (vlo === -Infinity) hlo[j] = Math.min(hlo[j]!, lim.pm > 0 ? -Infinity : hlo[j]!);
      if (vhi === Infinity) hhi[j] = lim.pp > 0 ? Infinity : hhi[j]!;
      // h = ρ ℓ(a) + β, β ∈ B·[pmin, pmax] + r(v).
      const ell = (q: number) => (q > 0 ? lim.pp * q : lim.pm * q);
      alo[j] = ell(Alo[j]!);
      ahi[j] = ell(Ahi[j]!);
      const [rl, rh] = lim.r(vlo, Math.max(vlo, vhi));
      // ℓ(ρa + b) − ℓ(ρa) = p₊ b when ρa + b and ρa are both ≥ 0 (p₋ b when both ≤ 0), else in b·[min p, max p].
      const qlo = vlo >= 0 && Alo[j]! >= 0 ? lim.pp : vhi <= 0 && Ahi[j]! <= 0 ? lim.pm : pmin;
      const qhi = vlo >= 0 && Alo[j]! >= 0 ? lim.pp : vhi <= 0 && Ahi[j]! <= 0 ? lim.pm : pmax;
      const c1 = Blo[j]! * qlo;
      const c2 = Blo[j]! * qhi;
      const c3 = Bhi[j]! * qlo;
      const c4 = Bhi[j]! * qhi;
      blo[j] = Math.min(c1, c2, c3, c4) + rl;
      bhi[j] = Math.max(c1, c2, c3, c4) + rh;
    }
    pLo.push(lo);
    pHi.push(hi);
    const next = net.hidden[l + 1];
    if (!next) return;
    const m = n;
    const nn = next.n;
    Alo = new Float64Array(nn);
    Ahi = new Float64Array(nn);
    Blo = new Float64Array(nn);
    Bhi = new Float64Array(nn);
    Vlo = new Float64Array(nn);
    Vhi = new Float64Array(nn);
    for (let k = 0; k < nn; k++) {
      let al = 0;
      let ah = 0;
      let bl = next.c[k]!;
      let bh = bl;
      let vl = bl;
      let vh = bl;
      let magA = 0;
      let magB = Math.abs(bl);
      let magV = Math.abs(bl);
      for (let j = 0; j < m; j++) {
        const w = next.w[k * m + j]!;
        magA += Math.abs(w) * Math.max(Math.abs(alo[j]!), Math.abs(ahi[j]!));
        magB += Math.abs(w) * Math.max(Math.abs(blo[j]!), Math.abs(bhi[j]!));
        magV += Math.abs(w) * Math.max(Number.isFinite(hlo[j]!) ? Math.abs(hlo[j]!) : 0, Number.isFinite(hhi[j]!) ? Math.abs(hhi[j]!) : 0);
        if (w > 0) {
          al += w * alo[j]!;
          ah += w * ahi[j]!;
          bl += w * blo[j]!;
          bh += w * bhi[j]!;
          vl += w * hlo[j]!;
          vh += w * hhi[j]!;
        } else if (w < 0) {
          al += w * ahi[j]!;
          ah += w * alo[j]!;
          bl += w * bhi[j]!;
          bh += w * blo[j]!;
          vl += w * hhi[j]!;
          vh += w * hlo[j]!;
        }
      }
      Alo[k] = al - SLACK * magA;
      Ahi[k] = ah + SLACK * magA;
      Blo[k] = bl - SLACK * magB;
      Bhi[k] = bh + SLACK * magB;
      Vlo[k] = Number.isNaN(vl) ? -Infinity : vl - SLACK * magV;
      Vhi[k] = Number.isNaN(vh) ? Infinity : vh + SLACK * magV;
    }
  });
  return { pLo, pHi };
}

interface Prefix {
  /** Layers done, and T = ∂h/∂x after them (m × d) as mid–radius. */
  layers: number;
  tMid: Float64Array;
  tRad: Float64Array;
}

/**
 * Upper bound on λ_max(S) over every slope vector in the box [pLo, pHi] (interval Jacobian),
 * optionally starting from a prefix (the first layers' T, shared by the vertices of later slopes).
 */
function slopeBoxBound(net: NetworkAtTime, pLo: Float64Array[], pHi: Float64Array[], from?: Prefix, upTo = net.hidden.length): number {
  return jacobianBound(net, advance(net, pLo, pHi, from, upTo));
}

function advance(net: NetworkAtTime, pLo: Float64Array[], pHi: Float64Array[], from: Prefix | undefined, upTo: number): Prefix {
  const d = net.d;
  let tMid: Float64Array;
  let tRad: Float64Array;
  let start = 0;
  if (from) {
    ({ tMid, tRad } = from);
    start = from.layers;
  } else {
    tMid = new Float64Array(d * d);
    tRad = new Float64Array(d * d);
    for (let i = 0; i < d; i++) tMid[i * d + i] = 1;
  }
  let m = start === 0 ? d : net.hidden[start - 1]!.n;
  for (let l = start; l < upTo; l++) {
    const ly = net.hidden[l]!;
    const n = ly.n;
    const nMid = new Float64Array(n * d);
    const nRad = new Float64Array(n * d);
    const lo = pLo[l]!;
    const hi = pHi[l]!;
    for (let j = 0; j < n; j++) {
      const pm = 0.5 * (lo[j]! + hi[j]!);
      const pr = 0.5 * (hi[j]! - lo[j]!);
      for (let c = 0; c < d; c++) {
        let vm = 0;
        let vr = 0;
        for (let i = 0; i < m; i++) {
          const w = ly.w[j * m + i]!;
          vm += w * tMid[i * d + c]!;
          vr += ly.aw[j * m + i]! * tRad[i * d + c]!;
        }
        // [pm ± pr]·[vm ± vr] ⊆ pm·vm ± (|pm| vr + pr |vm| + pr vr).
        nMid[j * d + c] = pm * vm;
        nRad[j * d + c] = Math.abs(pm) * vr + pr * Math.abs(vm) + pr * vr;
      }
    }
    tMid = nMid;
    tRad = nRad;
    m = n;
  }
  return { layers: upTo, tMid, tRad };
}

/** λ_max(S_mid) + ‖S_rad‖₂ for J = head·T + b I with T after every hidden layer. */
function jacobianBound(net: NetworkAtTime, pre: Prefix): number {
  const d = net.d;
  const { tMid, tRad } = pre;
  const m = net.hidden.length > 0 ? net.hidden[net.hidden.length - 1]!.n : d;
  const jm = new Float64Array(d * d);
  const jr = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let c = 0; c < d; c++) {
      let vm = 0;
      let vr = 0;
      for (let j = 0; j < m; j++) {
        vm += net.head[i * m + j]! * tMid[j * d + c]!;
        vr += net.headAbs[i * m + j]! * tRad[j * d + c]!;
      }
      jm[i * d + c] = vm;
      jr[i * d + c] = vr;
    }
  const sm = new Float64Array(d * d);
  const sr = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      sm[i * d + j] = 0.5 * (jm[i * d + j]! + jm[j * d + i]!) + (i === j ? net.b : 0);
      sr[i * d + j] = 0.5 * (jr[i * d + j]! + jr[j * d + i]!);
    }
  return lambdaMax(sm, d) + Math.max(0, lambdaMax(sr, d));
}

/**
 * The cell's bound: interval Jacobian over the slope box; then, while above `enough` (a bound at or
 * below it closes the cell whichever it is), the mean-value form on the bounding box of a finite
 * cell and the K widest slopes at their vertices, keeping the smallest.
 */
function cellBound(net: NetworkAtTime, lim: Limit, K: number, t0: number, t1: number, r0: number, r1: number, enough = -Infinity): number {
  const { pLo, pHi } = cellSlopes(net, lim, t0, t1, r0, r1);
  let best = slopeBoxBound(net, pLo, pHi);
  if (best <= enough) return best;
  if (Number.isFinite(r1)) {
    const box = sectorBox(net.d, t0, t1, r0, r1);
    best = Math.min(best, boxBound(net, box.lo, box.hi).upper);
    if (best <= enough) return best;
  }
  if (K > 0) {
    // The K widest slopes (weighted by the unit's outgoing weight) at their endpoints.
    const cand: { l: number; j: number; w: number }[] = [];
    net.hidden.forEach((ly, l) => {
      const next = net.hidden[l + 1];
      for (let j = 0; j < ly.n; j++) {
        const width = pHi[l]![j]! - pLo[l]![j]!;
        if (!(width > 1e-12)) continue;
        let out = 0;
        if (next) for (let k = 0; k < next.n; k++) out += next.aw[k * ly.n + j]!;
        else for (let i = 0; i < net.d; i++) out += net.headAbs[i * ly.n + j]!;
        cand.push({ l, j, w: width * out });
      }
    });
    cand.sort((a, b) => b.w - a.w);
    const pick = cand.slice(0, K);
    if (pick.length > 0) {
      const lo = pLo.map((a) => a.slice());
      const hi = pHi.map((a) => a.slice());
      // The layers before the first enumerated slope are the same at every vertex.
      const first = Math.min(...pick.map((q) => q.l));
      const prefix = first > 0 ? advance(net, pLo, pHi, undefined, first) : undefined;
      let vmax = -Infinity;
      for (let v = 0; v < 1 << pick.length; v++) {
        pick.forEach(({ l, j }, q) => {
          const p = (v >> q) & 1 ? pHi[l]![j]! : pLo[l]![j]!;
          lo[l]![j] = p;
          hi[l]![j] = p;
        });
        vmax = Math.max(vmax, slopeBoxBound(net, lo, hi, prefix));
        if (vmax >= best) break;
      }
      best = Math.min(best, vmax);
    }
  }
  return best;
}

/**
 * The bound of one cell {ρ u(θ): θ ∈ [t0, t1], ρ ∈ [r0, r1]} (r1 may be +∞; d = 1: t0 = t1 ∈ {0, π})
 * on sup λ_max(S), with `vertexSlopes` slopes enumerated at their endpoints (for tests).
 */
export function outsideCellBound(net: NetworkAtTime, t0: number, t1: number, r0: number, r1: number, vertexSlopes = 4): number {
  return cellBound(net, limitOf(net), vertexSlopes, t0, t1, r0, r1);
}

interface Cell {
  upper: number;
  depth: number;
  t0: number;
  t1: number;
  s0: number;
  s1: number;
}

class CellHeap {
  private a: Cell[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): Cell | undefined {
    return this.a[0];
  }
  push(x: Cell): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.upper >= a[i]!.upper) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): Cell | undefined {
    const a = this.a;
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

/** Branch-and-bound certificate of sup over {|x| ≥ radius} of λ_max(½(J_s + J_sᵀ)), d ≤ 2. */
export function certifyOutside(net: NetworkAtTime, opts: OutsideOptions): OutsideCertificate {
  const d = net.d;
  const t0 = performance.now();
  if (d > OUTSIDE_MAX_DIM) throw new InputError(`outside certificate: d = ${d} > ${OUTSIDE_MAX_DIM}`);
  const R0 = opts.radius;
  if (!(Number.isFinite(R0) && R0 > 0)) throw new InputError(`outside certificate: radius must be finite and > 0, got ${R0}`);
  const tol = opts.tol ?? 0.05;
  const atol = opts.atol ?? 1e-3;
  const budget = opts.timeBudgetMs ?? 60_000;
  const maxCells = opts.maxCells ?? 1_000_000;
  const K = opts.vertexSlopes ?? 4;
  const nTheta = d === 1 ? 2 : (opts.thetaCells ?? 64);
  if (!(tol >= 0 && atol >= 0 && budget > 0 && Number.isInteger(maxCells) && maxCells >= 1 && Number.isInteger(K) && K >= 0 && K <= 10 && Number.isInteger(nTheta) && nTheta >= 1)) {
    throw new InputError('outside certificate: tol, atol >= 0, time budget > 0, maxCells >= 1, vertexSlopes in [0, 10], thetaCells >= 1');
  }
  const lim = limitOf(net);
  let own = -Infinity;
  let ownX: number[] = [];
  let best = opts.best && Number.isFinite(opts.best.value) ? opts.best.value : -Infinity;
  const consider = (x: number[]) => {
    const f = net.lambdaAt(x);
    if (f > own) {
      own = f;
      ownX = x;
    }
    if (f > best) best = f;
  };
  const point = (t: number, rho: number) => (d === 1 ? [rho * Math.cos(t)] : [rho * Math.cos(t), rho * Math.sin(t)]);
  // Pattern search from the best point of this search in (θ, log ρ), ρ ≥ R0 (a ridge at infinity is
  // a narrow range of θ at large ρ, where cell centres land only by chance).
  const polish = () => {
    if (ownX.length === 0) return;
    let th = d === 1 ? (ownX[0]! >= 0 ? 0 : Math.PI) : Math.atan2(ownX[1]!, ownX[0]!);
    let lr = Math.log(Math.hypot(...ownX));
    let f = own;
    let stepT = d === 1 ? 0 : 1e-3;
    let stepR = 0.5;
    for (let it = 0; it < 200 && (stepT > 1e-15 || stepR > 1e-9); it++) {
      let moved = false;
      const tries: [number, number][] = [[stepT, 0], [-stepT, 0], [0, stepR], [0, -stepR]];
      for (const [dt, dr] of tries) {
        if ((dt === 0 && dr === 0) || Math.exp(lr + dr) < R0) continue;
        const x = point(th + dt, Math.exp(lr + dr));
        const fx = net.lambdaAt(x);
        if (fx > f) {
          f = fx;
          th += dt;
          lr += dr;
          moved = true;
          if (fx > own) {
            own = fx;
            ownX = x;
          }
          if (fx > best) best = fx;
          break;
        }
      }
      if (!moved) {
        stepT *= 0.5;
        stepR *= 0.5;
      } else {
        stepT *= 1.5;
        stepR *= 1.5;
      }
    }
  };
  const target = () => best + Math.max(tol * Math.abs(best), atol);
  const heap = new CellHeap();
  let closedMax = -Infinity;
  let stuckMax = -Infinity;
  let cells = 0;
  const make = (a: number, b: number, s0: number, s1: number, depth = 0): Cell => {
    cells++;
    const r0 = 1 / s1;
    const r1 = s0 > 0 ? 1 / s0 : Infinity;
    const upper = cellBound(net, lim, K, a, b, r0, r1, target());
    const tc = 0.5 * (a + b);
    consider(point(tc, 2 / (s0 + s1)));
    if (s0 === 0) consider(point(tc, 1e6 * r0));
    return { upper, depth, t0: a, t1: b, s0, s1 };
  };
  const file = (c: Cell) => {
    if (c.upper <= target()) closedMax = Math.max(closedMax, c.upper);
    else heap.push(c);
  };
  const first: Cell[] = [];
  if (d === 1) {
    first.push(make(0, 0, 0, 1 / R0), make(Math.PI, Math.PI, 0, 1 / R0));
  } else {
    for (let q = 0; q < nTheta; q++) first.push(make((2 * Math.PI * q) / nTheta, (2 * Math.PI * (q + 1)) / nTheta, 0, 1 / R0));
  }
  polish();
  first.forEach(file);
  let converged = false;
  let polished = own;
  let polishedAt = cells;
  for (;;) {
    const top = heap.peek();
    if (!top || top.upper <= target()) {
      converged = stuckMax <= target();
      break;
    }
    if (cells >= maxCells || performance.now() - t0 > budget) break;
    heap.pop();
    // A cell below float64 resolution cannot be split: its bound stays in the result as it is.
    const sm = 0.5 * (top.s0 + top.s1);
    const tm = 0.5 * (top.t0 + top.t1);
    const canS = sm > top.s0 && sm < top.s1;
    const canT = d === 2 && tm > top.t0 && tm < top.t1;
    if (!canS && !canT) {
      stuckMax = Math.max(stuckMax, top.upper);
      continue;
    }
    // Split in s and (d = 2) in θ, keeping the split whose worse half is clearly lower. On a tie
    // (common: a feature in both halves), a finite cell is split across its longer side in x
    // (ρ1·Δθ against ρ1 − ρ0) and a cell reaching infinity alternately in θ and s. (Choosing by the
    // better half instead shaves thin slivers off one side forever.)
    const depth = top.depth + 1;
    let pair = canS ? [make(top.t0, top.t1, top.s0, sm, depth), make(top.t0, top.t1, sm, top.s1, depth)] : [];
    if (canT) {
      const alt = [make(top.t0, tm, top.s0, top.s1, depth), make(tm, top.t1, top.s0, top.s1, depth)];
      const worse = (p: Cell[]) => Math.min(top.upper, Math.max(p[0]!.upper, p[1]!.upper));
      const wt = worse(alt);
      const ws = canS ? worse(pair) : Infinity;
      const clear = 1e-3 * Math.max(top.upper - target(), 1e-12);
      let useTheta: boolean;
      if (!canS) useTheta = true;
      else if (Math.abs(wt - ws) > clear) useTheta = wt < ws;
      else if (top.s0 > 0) useTheta = (top.t1 - top.t0) / top.s0 >= 1 / top.s0 - 1 / top.s1;
      else useTheta = depth % 2 === 0;
      if (useTheta) pair = alt;
    }
    if (own > polished && cells - polishedAt >= 256) {
      polish();
      polished = own;
      polishedAt = cells;
    }
    // A child's bound never needs to exceed its parent's (the parent's encloses it).
    for (const c of pair) {
      c.upper = Math.min(c.upper, top.upper);
      file(c);
    }
  }
  const openMax = heap.peek()?.upper ?? -Infinity;
  const worst: NonNullable<OutsideCertificate['worst']> = [];
  if (!converged) {
    const top: Cell[] = [];
    while (heap.size > 0 && top.length < 5) top.push(heap.pop()!);
    for (const c of top) {
      worst.push({ upper: c.upper, theta: [c.t0, c.t1], rho: [1 / c.s1, c.s0 > 0 ? 1 / c.s0 : Infinity] });
      heap.push(c);
    }
  }
  const raw = Math.max(closedMax, openMax, stuckMax);
  const upper = raw + 1e-9 * Math.max(1, Math.abs(raw));
  return { upper, lower: own, argmax: ownX, radius: R0, cells, open: converged ? 0 : heap.size, seconds: (performance.now() - t0) / 1000, converged, ...(converged ? {} : { worst }) };
}
