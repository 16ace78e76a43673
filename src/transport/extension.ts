/**
 * The leaf start's extension (src/transport/sinkhorn/schedule.ts, leafStart): the potentials of the
 * nested solve on the k-d tree leaves carried to every sorted point by one softmin over the leaf
 * centres in reach of each tile of TILE points. `extensionPlan` lists those centres for the GPU kernel
 * (src/kernels/sinkhorn_extend.ts); `tiledSoftmin` is its float64 host twin. The points are in the
 * k-d tree order of truncation.ts (`spatialOrder`), so each tile is a compact box.
 */
import { TILE } from './truncation.js';

// e^x for x ≤ 0 without a call into the C library (Math.exp, and Math.round here, cost ~3× more
// in V8, and the leaf start's extension takes ~2.5·10^9 of them at N = M = 10^6):
// x = (64 j + i) ln2/64 + r with |r| ≤ ln2/128, e^x = 2^j · 2^{i/64} · e^r, e^r by its Taylor
// polynomial to r^5 (truncation error r^6/720 < 4e-17); 64 j + i is x·64/ln2 rounded to the nearest
// integer by adding and subtracting 1.5·2^52. Relative error ≤ 2 ulp (4.3e-16, measured against
// Math.exp on 10^6 points of [-700, 0]; test/transport_truncation.test.ts); below -700 the result is
// subnormal and less accurate, 0 below -745 (such terms are below 1e-300 of the largest of a sum).
const EXP_TABLE = Float64Array.from({ length: 64 }, (_, i) => Math.pow(2, i / 64));
const EXP_POW2 = Float64Array.from({ length: 1076 }, (_, k) => Math.pow(2, -k));
const LN2_64_HI = 0.6931471803691238 / 64;
const LN2_64_LO = 1.9082149292705877e-10 / 64;
/** 1.5·2^52: adding it to a double of magnitude < 2^51 rounds it to an integer. */
const ROUND = 6755399441055744;
export function expNonPositive(x: number): number {
  if (!(x > -745)) return 0;
  const jf = x * (64 / Math.LN2) + ROUND - ROUND;
  const j = jf | 0;
  const r = x - jf * LN2_64_HI - jf * LN2_64_LO;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))));
  return EXP_TABLE[j & 63]! * EXP_POW2[-(j >> 6)]! * p;
}

/**
 * Σ_k e^{t_k - mx} over the first `count` entries of t (all ≤ mx). A function of its own, small
 * enough for V8 to inline expNonPositive into it (inside tiledSoftmin it stayed a call per term).
 */
function sumExp(t: Float64Array, count: number, mx: number): number {
  let sum = 0;
  for (let k = 0; k < count; k++) sum += expNonPositive(t[k]! - mx);
  return sum;
}

/**
 * The kept centres of the leaf start's extension (src/transport/sinkhorn/schedule.ts): for the sorted
 * points `x` (n×d, so each aligned run of TILE points is a compact box) against m weighted centres c
 * with potential `pot`, the extension is
 *
 *   out_i = -ε log Σ_Q w_Q exp((pot_Q - |x_i - c_Q|²) / ε),
 *
 * and each tile of TILE points skips the centres that cannot matter to any of its points. With the
 * slack s_Q(x) = |x - c_Q|² - pot_Q - ε log w_Q, the box of the tile gives lb_Q ≤ s_Q(x) ≤ ub_Q for all
 * its points; a centre with lb_Q > min_Q' ub_Q' + τ ε has a term below e^{-τ} times the largest term
 * at every point of the tile, so the m dropped terms change the sum by a relative m·e^{-τ} at most.
 * τ = 14 + ln m holds that under 1e-6 (out moves by ε·1e-6): the dense sum costs n·m terms (3·10^10
 * at N = 10^6 against 31 250 leaves), the kept centres 2.5·10^9. The sums run on the GPU
 * (src/kernels/sinkhorn_extend.ts); `tiledSoftmin` is their float64 host twin.
 */
export interface ExtensionPlan {
  /** Tiles of TILE consecutive points (the last may be partial). */
  tiles: number;
  /** The kept centres of tile t: the runs [ranges[2k], ranges[2k + 1]) for k in [off[t], off[t + 1]), in increasing order. */
  off: Uint32Array;
  ranges: Uint32Array;
  /**
   * Per tile, the smallest upper bound over the centres of their slack on the tile's box: at every point
   * x of the tile some centre has s_Q(x) ≤ best, so out ≤ best and the largest exponent (-s_Q(x)/ε) is
   * at least -best/ε.
   */
  best: Float64Array;
  /** Per tile, a centre whose upper bound is `best` (it is kept). */
  bestCentre: Uint32Array;
  /** shift_Q = -pot_Q - ε log w_Q: s_Q(x) = |x - c_Q|² + shift_Q. */
  shift: Float64Array;
  /** (point, centre) terms of the kept sums. */
  terms: number;
}

/** A growable list of u32 (the ranges of an ExtensionPlan: millions at N = 10^6). */
class U32List {
  data = new Uint32Array(1024);
  length = 0;
  push2(a: number, b: number): void {
    if (this.length + 2 > this.data.length) {
      const grown = new Uint32Array(2 * this.data.length);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = a;
    this.data[this.length++] = b;
  }
}

/** The kept centres of every tile of the extension of `pot` from the centres c to the points x (see ExtensionPlan). */
export function extensionPlan(x: ArrayLike<number>, n: number, c: ArrayLike<number>, w: Float64Array, pot: ArrayLike<number>, d: number, eps: number): ExtensionPlan {
  const m = w.length;
  const tau = 14 + Math.log(Math.max(m, 1));
  // The part of the slack that does not depend on x.
  const shift = Float64Array.from({ length: m }, (_, q) => -pot[q]! - eps * Math.log(w[q]!));
  // Groups of TILE consecutive centres (the leaves come in k-d tree order, so a group is a compact
  // box), and super-groups of TILE groups: a box and its smallest shift bound the lb_q and min ub_q
  // of its centres, so a tile visits only the super-groups, then the groups, that can hold its best
  // centre or a kept one. The kept set is that of the plain scan over every centre
  // (test/reference/truncation.ts), in the same order.
  const box = (size: number) => {
    const count = Math.ceil(m / size);
    const lo = new Float64Array(count * d).fill(Infinity);
    const hi = new Float64Array(count * d).fill(-Infinity);
    const minShift = new Float64Array(count).fill(Infinity);
    for (let q = 0; q < m; q++) {
      const G = (q / size) | 0;
      for (let k = 0; k < d; k++) {
        const v = c[q * d + k]!;
        if (v < lo[G * d + k]!) lo[G * d + k] = v;
        if (v > hi[G * d + k]!) hi[G * d + k] = v;
      }
      if (shift[q]! < minShift[G]!) minShift[G] = shift[q]!;
    }
    return { count, lo, hi, minShift };
  };
  const G1 = box(TILE);
  const G2 = box(TILE * TILE);
  const cc = Float64Array.from({ length: m * d }, (_, k) => c[k]!);
  const lo = new Float64Array(d);
  const hi = new Float64Array(d);
  // Per group and super-group: the lb of the box (set when visited); the groups visited by a tile.
  const gLb = new Float64Array(G1.count);
  const sLb = new Float64Array(G2.count);
  const visit = new Uint32Array(G1.count);
  const candQ = new Uint32Array(m);
  const candLb = new Float64Array(m);
  const tiles = Math.ceil(n / TILE);
  const off = new Uint32Array(tiles + 1);
  const best = new Float64Array(tiles);
  const bestCentre = new Uint32Array(tiles);
  const list = new U32List();
  let terms = 0;
  // Box bounds of the tile box [lo, hi] against box G of B: nf[0] the squared gap between the boxes
  // (lb_q ≥ nf[0] + shift_q) and nf[1] the farthest corner distance (ub_q ≤ nf[1] + shift_q) for every
  // q of G.
  const nf = new Float64Array(2);
  const bounds = (B: { lo: Float64Array; hi: Float64Array }, G: number) => {
    let near = 0;
    let far = 0;
    for (let k = 0; k < d; k++) {
      const bl = B.lo[G * d + k]!;
      const bh = B.hi[G * d + k]!;
      const a = lo[k]! - bh;
      const b = bl - hi[k]!;
      const gap = a > 0 ? a : b > 0 ? b : 0;
      near += gap * gap;
      const s1 = hi[k]! - bl;
      const s2 = bh - lo[k]!;
      const span = s1 > s2 ? s1 : s2;
      far += span * span;
    }
    nf[0] = near;
    nf[1] = far;
  };
  const tauEps = tau * eps;
  const superOrder = new Uint32Array(G2.count);
  const superSeen = new Uint8Array(G2.count);
  for (let t = 0; t < tiles; t++) {
    const i0 = t * TILE;
    const i1 = Math.min(n, i0 + TILE);
    lo.fill(Infinity);
    hi.fill(-Infinity);
    for (let i = i0; i < i1; i++) {
      for (let k = 0; k < d; k++) {
        const v = x[i * d + k]!;
        if (v < lo[k]!) lo[k] = v;
        if (v > hi[k]!) hi[k] = v;
      }
    }
    // Super-groups: their lb, and an upper bound of the best (the centre of a box's smallest shift
    // has ub ≤ far + that shift).
    let groupBest = Infinity;
    for (let S = 0; S < G2.count; S++) {
      bounds(G2, S);
      sLb[S] = nf[0]! + G2.minShift[S]!;
      const ub = nf[1]! + G2.minShift[S]!;
      if (ub < groupBest) groupBest = ub;
      superOrder[S] = S;
    }
    // The groups of the super-groups in increasing order of their lb, while that lb is at most the
    // best so far + τε (a later super-group holds neither the best centre nor a kept one): their
    // bounds, and a tighter upper bound of the best.
    superOrder.sort((p, q) => sLb[p]! - sLb[q]!);
    superSeen.fill(0);
    for (const S of superOrder) {
      if (sLb[S]! > groupBest + tauEps) break;
      superSeen[S] = 1;
      const g1 = Math.min(G1.count, (S + 1) * TILE);
      for (let G = S * TILE; G < g1; G++) {
        bounds(G1, G);
        gLb[G] = nf[0]! + G1.minShift[G]!;
        const ub = nf[1]! + G1.minShift[G]!;
        if (ub < groupBest) groupBest = ub;
      }
    }
    let visited = 0;
    for (let S = 0; S < G2.count; S++) {
      if (!superSeen[S]) continue;
      const g1 = Math.min(G1.count, (S + 1) * TILE);
      for (let G = S * TILE; G < g1; G++) visit[visited++] = G;
    }
    // One pass over the centres of the groups that may hold the best centre or a kept one (lb ≤
    // best + τε ≤ groupBest + τε): the exact best ub, and each centre's lb; then the kept centres,
    // as runs of consecutive indices (visit is in increasing order of G).
    const reach = groupBest + tauEps;
    let cand = 0;
    let b = Infinity;
    let bq = 0;
    for (let v = 0; v < visited; v++) {
      const G = visit[v]!;
      if (gLb[G]! > reach) continue;
      const q1 = Math.min(m, (G + 1) * TILE);
      if (d === 2) {
        // The same sums as below, unrolled (the common case: 2-D clouds).
        const lo0 = lo[0]!;
        const lo1 = lo[1]!;
        const hi0 = hi[0]!;
        const hi1 = hi[1]!;
        for (let q = G * TILE; q < q1; q++) {
          const p0 = cc[2 * q]!;
          const p1 = cc[2 * q + 1]!;
          const a0 = lo0 - p0;
          const e0 = p0 - hi0;
          const a1 = lo1 - p1;
          const e1 = p1 - hi1;
          const g0 = a0 > 0 ? a0 : e0 > 0 ? e0 : 0;
          const g1 = a1 > 0 ? a1 : e1 > 0 ? e1 : 0;
          const s0 = -a0 > -e0 ? -a0 : -e0;
          const s1 = -a1 > -e1 ? -a1 : -e1;
          const sq = shift[q]!;
          const ub = s0 * s0 + s1 * s1 + sq;
          if (ub < b) (b = ub), (bq = q);
          candQ[cand] = q;
          candLb[cand++] = g0 * g0 + g1 * g1 + sq;
        }
        continue;
      }
      for (let q = G * TILE; q < q1; q++) {
        let nq = 0;
        let fq = 0;
        for (let k = 0; k < d; k++) {
          const p = cc[q * d + k]!;
          const a = lo[k]! - p;
          const e = p - hi[k]!;
          const gap = a > 0 ? a : e > 0 ? e : 0;
          nq += gap * gap;
          const span = -a > -e ? -a : -e;
          fq += span * span;
        }
        const sq = shift[q]!;
        const ub = fq + sq;
        if (ub < b) (b = ub), (bq = q);
        candQ[cand] = q;
        candLb[cand++] = nq + sq;
      }
    }
    best[t] = b;
    bestCentre[t] = bq;
    const limit = b + tauEps;
    const start = list.length;
    let count = 0;
    for (let k = 0; k < cand; k++) {
      if (!(candLb[k]! <= limit)) continue;
      const q = candQ[k]!;
      if (list.length > start && list.data[list.length - 1] === q) list.data[list.length - 1] = q + 1;
      else list.push2(q, q + 1);
      count++;
    }
    off[t + 1] = list.length / 2;
    terms += count * (i1 - i0);
  }
  return { tiles, off, ranges: list.data.slice(0, list.length), best, bestCentre, shift, terms };
}

/**
 * The leaf start's extension in float64 on the host (the twin of the GPU's, src/kernels/sinkhorn_extend.ts):
 * out_i = -ε log Σ_Q w_Q exp((pot_Q - |x_i - c_Q|²) / ε) over the kept centres of extensionPlan (see
 * there). Returns the number of (point, centre) terms summed.
 */
export function tiledSoftmin(x: ArrayLike<number>, n: number, c: ArrayLike<number>, w: Float64Array, pot: Float64Array, d: number, eps: number, out: Float64Array): number {
  const plan = extensionPlan(x, n, c, w, pot, d, eps);
  const { shift, off, ranges } = plan;
  const m = w.length;
  const kShift = new Float64Array(m);
  const kc = new Float64Array(m * d);
  const t = new Float64Array(m);
  const xi = new Float64Array(d);
  for (let tile = 0; tile < plan.tiles; tile++) {
    const i0 = tile * TILE;
    const i1 = Math.min(n, i0 + TILE);
    // The kept centres' shifts and coordinates gathered in order: the sums below read them in sequence.
    let count = 0;
    for (let r = off[tile]!; r < off[tile + 1]!; r++) {
      for (let q = ranges[2 * r]!; q < ranges[2 * r + 1]!; q++) {
        kShift[count] = shift[q]!;
        for (let k = 0; k < d; k++) kc[count * d + k] = c[q * d + k]!;
        count++;
      }
    }
    for (let i = i0; i < i1; i++) {
      let mx = -Infinity;
      if (d === 2) {
        const x0 = x[i * 2]!;
        const x1 = x[i * 2 + 1]!;
        for (let k = 0; k < count; k++) {
          const r0 = x0 - kc[2 * k]!;
          const r1 = x1 - kc[2 * k + 1]!;
          const v = -(kShift[k]! + r0 * r0 + r1 * r1) / eps;
          t[k] = v;
          if (v > mx) mx = v;
        }
      } else {
        for (let a = 0; a < d; a++) xi[a] = x[i * d + a]!;
        for (let k = 0; k < count; k++) {
          let s = kShift[k]!;
          for (let a = 0; a < d; a++) {
            const r = xi[a]! - kc[k * d + a]!;
            s += r * r;
          }
          const v = -s / eps;
          t[k] = v;
          if (v > mx) mx = v;
        }
      }
      out[i] = -eps * (mx + Math.log(sumExp(t, count, mx)));
    }
  }
  return plan.terms;
}
