/**
 * The per-tile searches of the extension plan (extension_plan.ts) over a BoxTree of the leaf centres
 * (box_tree.ts): the best centre by branch and bound, the kept centres by one descent, both from the
 * frontier that a group of neighbouring tiles shares. The bounds and why they keep the plain scan's
 * plan bit for bit are in extension_plan.ts's module comment.
 */
import { affineFit, boxTree } from './box_tree.js';
import { U32List } from './u32_list.js';

/** Centres per node of level 0 of the tree. */
export const LEAF = 16;
/** The deepest level of a group's frontier (nodes of LEAF·2^FRONT centres). */
const FRONT = 2;

/**
 * The nodes of one level as flat records of 3d + 5 numbers: box lo (d), hi (d), beta (d), then the
 * min and max shift, alpha, rmin, rmax (box_tree.ts); `fit` says whether the affine bounds hold (all
 * values finite).
 */
export interface NodeLevel {
  count: number;
  rec: Float64Array;
  fit: Uint8Array;
}

export function nodeLevels(c: Float64Array, shift: Float64Array, m: number, d: number): NodeLevel[] {
  const tree = boxTree(c, c, shift, m, d, LEAF);
  const fit = affineFit(tree, c, shift);
  const R = 3 * d + 5;
  return tree.levels.map((L, k) => {
    const F = fit.levels[k]!;
    const rec = new Float64Array(L.count * R);
    const ok = new Uint8Array(L.count);
    for (let i = 0; i < L.count; i++) {
      const o = i * R;
      for (let a = 0; a < d; a++) {
        rec[o + a] = L.lo[i * d + a]!;
        rec[o + d + a] = L.hi[i * d + a]!;
        rec[o + 2 * d + a] = F.beta[i * d + a]!;
      }
      rec[o + 3 * d] = L.min[i]!;
      rec[o + 3 * d + 1] = L.max[i]!;
      rec[o + 3 * d + 2] = F.alpha[i]!;
      rec[o + 3 * d + 3] = F.rmin[i]!;
      rec[o + 3 * d + 4] = F.rmax[i]!;
      ok[i] = Number.isFinite(F.rmin[i]!) && Number.isFinite(F.rmax[i]!) && Number.isFinite(F.alpha[i]!) ? 1 : 0;
    }
    return { count: L.count, rec, fit: ok };
  });
}

/**
 * The scan of one plan: the tree, the current tile's box, and the two searches, as methods (small
 * functions V8 optimises whole after a few tiles; one long loop body kept deoptimising on branches
 * not yet taken).
 */
export class PlanScan {
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  private readonly half: Float64Array;
  private readonly stack: Int32Array;
  /** The frontiers of the current group of tiles for best() and kept(): (level, node) pairs, their lengths. */
  private readonly frontBest: Int32Array;
  private readonly frontKept: Int32Array;
  private nBest = 0;
  private nKept = 0;
  private readonly R: number;
  private readonly top: number;
  readonly list = new U32List();
  /** Where the current tile's ranges start in `list`, and its kept centres so far. */
  private start = 0;
  count = 0;
  /** The current tile's best and its centre (set by best()). */
  b = Infinity;
  bq = 0;

  constructor(
    private readonly levels: readonly NodeLevel[],
    private readonly cc: Float64Array,
    private readonly shift: Float64Array,
    private readonly m: number,
    private readonly d: number,
    /** The margin of the affine bounds (module comment). */
    private readonly slack: number,
  ) {
    this.lo = new Float64Array(d);
    this.hi = new Float64Array(d);
    this.half = new Float64Array(d);
    this.R = 3 * d + 5;
    this.top = levels.length - 1;
    // The frontiers hold at most every node once; the depth-first stack a frontier and two entries per level.
    const nodes = levels.reduce((sum, L) => sum + L.count, 0);
    this.frontBest = new Int32Array(2 * nodes);
    this.frontKept = new Int32Array(2 * nodes);
    this.stack = new Int32Array(2 * nodes + 4 * (this.top + 2));
  }

  /** Make box j of (los, his) (d values each) the current tile's. */
  tile(los: Float64Array, his: Float64Array, j: number): void {
    const { lo, hi, half, d } = this;
    for (let k = 0; k < d; k++) (lo[k] = los[j * d + k]!), (hi[k] = his[j * d + k]!);
    // max(x - lo, hi - x) ≥ (hi - lo)/2 for every x: this lower bound, shrunk by a few ulps for its rounding.
    for (let k = 0; k < d; k++) half[k] = 0.5 * (hi[k]! - lo[k]!) * (1 - 1e-15);
  }

  /** ub of centre q on the current tile's box (best() starts from it). */
  ubAt(q: number): number {
    return this.m > 0 ? this.ub(q) : Infinity;
  }

  /**
   * The frontiers of a group of tiles inside the box [glo, ghi]: the nodes of level ≤ FRONT (or
   * leaves) that the group's box does not rule out, for best() when every tile's best is at most
   * `bestMax`, or for kept() when every tile's limit is at most `limitMax`. A centre's gap to the
   * group's box is at most its gap to any tile's box, and at most its span there, so a node whose
   * smallest lb against the group's box is over the bound holds neither a tile's best nor a kept centre.
   */
  front(glo: Float64Array, ghi: Float64Array, bound: number, forKept: boolean): void {
    const { levels, stack } = this;
    const out = forKept ? this.frontKept : this.frontBest;
    let n = 0;
    let sp = 0;
    stack[sp++] = this.top;
    stack[sp++] = 0;
    while (sp > 0) {
      const i = stack[--sp]!;
      const k = stack[--sp]!;
      if (this.lowLb(k, i, glo, ghi) > bound) continue;
      if (k <= FRONT) {
        out[n++] = k;
        out[n++] = i;
        continue;
      }
      const l = 2 * i;
      if (l + 1 < levels[k - 1]!.count) (stack[sp++] = k - 1), (stack[sp++] = l + 1);
      stack[sp++] = k - 1;
      stack[sp++] = l;
    }
    if (forKept) this.nKept = n;
    else this.nBest = n;
  }

  /** A lower bound of lb_q = gap(c_q, [lo, hi])² + shift_q over the centres of node i of level k (kept()'s `low`). */
  private lowLb(k: number, i: number, lo: Float64Array, hi: Float64Array): number {
    const { d, R, slack } = this;
    const { rec, fit } = this.levels[k]!;
    const o = i * R;
    let low = 0;
    if (fit[i]) {
      low = rec[o + 3 * d + 2]! + rec[o + 3 * d + 3]! - slack;
      for (let a = 0; a < d; a++) {
        const bl = rec[o + a]!;
        const bh = rec[o + d + a]!;
        const beta = rec[o + 2 * d + a]!;
        const la = lo[a]!;
        const ha = hi[a]!;
        let p = beta > 0 ? la - beta / 2 : beta < 0 ? ha - beta / 2 : la;
        p = p < bl ? bl : p > bh ? bh : p;
        const gp = p < la ? la - p : p > ha ? p - ha : 0;
        low += gp * gp + beta * p;
      }
      return low;
    }
    for (let a = 0; a < d; a++) {
      const g1 = lo[a]! - rec[o + d + a]!;
      const g2 = rec[o + a]! - hi[a]!;
      const gap = g1 > 0 ? g1 : g2 > 0 ? g2 : 0;
      low += gap * gap;
    }
    return low + rec[o + 3 * d]!;
  }

  /** ub_q = Σ_k max(x_k - lo_k, hi_k - x_k)² + shift_q at c_q, rounded as the plain scan rounds it. */
  private ub(q: number): number {
    const { cc, lo, hi, d } = this;
    let fq = 0;
    for (let k = 0; k < d; k++) {
      const p = cc[q * d + k]!;
      const a = lo[k]! - p;
      const e = p - hi[k]!;
      const span = -a > -e ? -a : -e;
      fq += span * span;
    }
    return fq + this.shift[q]!;
  }

  /**
   * The tile's best = min_q ub_q and its smallest centre, by branch and bound from centre `seed` over
   * the group's frontier (ties go to the smallest index, as in the plain scan; an infinite best keeps
   * centre 0).
   */
  best(seed: number): void {
    const { levels, lo, hi, half, stack, d, R, m, slack } = this;
    let b = Infinity;
    let bq = 0;
    if (m > 0) {
      const u = this.ub(seed);
      if (u < Infinity) (b = u), (bq = seed);
    }
    const front = this.frontBest;
    let sp = 0;
    for (let f = 0; f < this.nBest; f++) stack[sp++] = front[f]!;
    while (sp > 0) {
      const i = stack[--sp]!;
      const k = stack[--sp]!;
      const { rec, fit } = levels[k]!;
      const o = i * R;
      // Below every ub_q of the node: by the affine model, min over the box of
      // Σ_a max(p_a - lo_a, hi_a - p_a)² + beta_a p_a (convex per axis: at the clamped stationary
      // point); else by the box (each span at least the box's nearest one and half the tile's width)
      // and the min shift.
      let low = 0;
      if (fit[i]) {
        low = rec[o + 3 * d + 2]! + rec[o + 3 * d + 3]! - slack;
        for (let a = 0; a < d; a++) {
          const bl = rec[o + a]!;
          const bh = rec[o + d + a]!;
          const beta = rec[o + 2 * d + a]!;
          const la = lo[a]!;
          const ha = hi[a]!;
          let p = beta >= ha - la ? ha - beta / 2 : beta <= la - ha ? la - beta / 2 : 0.5 * (la + ha);
          p = p < bl ? bl : p > bh ? bh : p;
          const s = p - la > ha - p ? p - la : ha - p;
          low += s * s + beta * p;
        }
      } else {
        for (let a = 0; a < d; a++) {
          const s1 = rec[o + a]! - lo[a]!;
          const s2 = hi[a]! - rec[o + d + a]!;
          let s = s1 > s2 ? s1 : s2;
          if (half[a]! > s) s = half[a]!;
          low += s * s;
        }
        low += rec[o + 3 * d]!;
      }
      if (low > b) continue;
      if (k === 0) {
        const q1 = Math.min(m, (i + 1) * LEAF);
        for (let q = i * LEAF; q < q1; q++) {
          const ub = this.ub(q);
          if (ub < b || (ub === b && b < Infinity && q < bq)) (b = ub), (bq = q);
        }
        continue;
      }
      // Both children, the nearer one (by box centres) on top, so it is searched first and tightens b sooner.
      const l = 2 * i;
      const r = l + 1;
      if (r < levels[k - 1]!.count) {
        const C = levels[k - 1]!.rec;
        let dl = 0;
        let dr = 0;
        for (let a = 0; a < d; a++) {
          const mid = lo[a]! + hi[a]!;
          dl += Math.abs(C[l * R + a]! + C[l * R + d + a]! - mid);
          dr += Math.abs(C[r * R + a]! + C[r * R + d + a]! - mid);
        }
        stack[sp++] = k - 1;
        stack[sp++] = dl <= dr ? r : l;
        stack[sp++] = k - 1;
        stack[sp++] = dl <= dr ? l : r;
      } else {
        stack[sp++] = k - 1;
        stack[sp++] = l;
      }
    }
    this.b = b;
    this.bq = bq;
  }

  /** Append the centres [a, b) to the current tile's runs. */
  private emit(a: number, b: number): void {
    if (!(b > a)) return;
    const list = this.list;
    if (list.length > this.start && list.data[list.length - 1] === a) list.data[list.length - 1] = b;
    else list.push2(a, b);
    this.count += b - a;
  }

  /** The tile's kept centres {q : lb_q ≤ limit} as runs in increasing order (the group's frontier, left child first); their count in `count`. */
  kept(limit: number): void {
    const { levels, lo, hi, stack, d, R, m, slack } = this;
    this.start = this.list.length;
    this.count = 0;
    // The frontier's nodes in increasing order: pushed last to first.
    const front = this.frontKept;
    let sp = 0;
    for (let f = this.nKept - 2; f >= 0; f -= 2) (stack[sp++] = front[f]!), (stack[sp++] = front[f + 1]!);
    while (sp > 0) {
      const i = stack[--sp]!;
      const k = stack[--sp]!;
      const { rec, fit } = levels[k]!;
      const o = i * R;
      // The smallest and largest lb_q below the node, or bounds of them: by the affine model (min and
      // max over the box of Σ_a gap_a(p_a)² + beta_a p_a: convex per axis, so at the clamped
      // stationary point and at an end), else by the box and the min and max shift (NaN: no bound).
      let low = 0;
      let high = 0;
      if (fit[i]) {
        low = rec[o + 3 * d + 2]! + rec[o + 3 * d + 3]! - slack;
        high = rec[o + 3 * d + 2]! + rec[o + 3 * d + 4]! + slack;
        for (let a = 0; a < d; a++) {
          const bl = rec[o + a]!;
          const bh = rec[o + d + a]!;
          const beta = rec[o + 2 * d + a]!;
          const la = lo[a]!;
          const ha = hi[a]!;
          let p = beta > 0 ? la - beta / 2 : beta < 0 ? ha - beta / 2 : la;
          p = p < bl ? bl : p > bh ? bh : p;
          const gp = p < la ? la - p : p > ha ? p - ha : 0;
          low += gp * gp + beta * p;
          const gl = bl < la ? la - bl : bl > ha ? bl - ha : 0;
          const gh = bh < la ? la - bh : bh > ha ? bh - ha : 0;
          const el = gl * gl + beta * bl;
          const eh = gh * gh + beta * bh;
          high += el > eh ? el : eh;
        }
      } else {
        for (let a = 0; a < d; a++) {
          const bl = rec[o + a]!;
          const bh = rec[o + d + a]!;
          const g1 = lo[a]! - bh;
          const g2 = bl - hi[a]!;
          const gap = g1 > 0 ? g1 : g2 > 0 ? g2 : 0;
          low += gap * gap;
          const f1 = lo[a]! - bl;
          const f2 = bh - hi[a]!;
          const most = f1 > 0 || f2 > 0 ? (f1 > f2 ? f1 : f2) : 0;
          high += most * most;
        }
        low += rec[o + 3 * d]!;
        high += rec[o + 3 * d + 1]!;
      }
      if (low > limit) continue;
      if (high <= limit) {
        const span = LEAF << k;
        this.emit(i * span, Math.min(m, (i + 1) * span));
        continue;
      }
      if (k > 0) {
        const l = 2 * i;
        if (l + 1 < levels[k - 1]!.count) (stack[sp++] = k - 1), (stack[sp++] = l + 1);
        stack[sp++] = k - 1;
        stack[sp++] = l;
        continue;
      }
      this.keptOfLeaf(i, limit);
    }
  }

  /** The kept centres of node i of level 0, each by its own lb_q, rounded as the plain scan rounds it. */
  private keptOfLeaf(i: number, limit: number): void {
    const { cc, shift, lo, hi, d } = this;
    const q1 = Math.min(this.m, (i + 1) * LEAF);
    if (d === 2) {
      // Unrolled (the common case: 2-D clouds).
      const lo0 = lo[0]!;
      const lo1 = lo[1]!;
      const hi0 = hi[0]!;
      const hi1 = hi[1]!;
      for (let q = i * LEAF; q < q1; q++) {
        const p0 = cc[2 * q]!;
        const p1 = cc[2 * q + 1]!;
        const a0 = lo0 - p0;
        const e0 = p0 - hi0;
        const a1 = lo1 - p1;
        const e1 = p1 - hi1;
        const g0 = a0 > 0 ? a0 : e0 > 0 ? e0 : 0;
        const g1 = a1 > 0 ? a1 : e1 > 0 ? e1 : 0;
        if (g0 * g0 + g1 * g1 + shift[q]! <= limit) this.emit(q, q + 1);
      }
      return;
    }
    for (let q = i * LEAF; q < q1; q++) {
      let nq = 0;
      for (let a = 0; a < d; a++) {
        const p = cc[q * d + a]!;
        const g1 = lo[a]! - p;
        const g2 = p - hi[a]!;
        const gap = g1 > 0 ? g1 : g2 > 0 ? g2 : 0;
        nq += gap * gap;
      }
      if (nq + shift[q]! <= limit) this.emit(q, q + 1);
    }
  }
}

/**
 * The margin of the affine bounds: 2^-36 of the magnitude of their terms (the coordinates of the
 * centres and points, the fitted alpha, beta·p and residuals, the shifts).
 */
export function affineSlack(levels: readonly NodeLevel[], cc: Float64Array, shift: Float64Array, x: ArrayLike<number>, n: number, d: number): number {
  const R = 3 * d + 5;
  let reach = 0;
  let mag = 0;
  for (let k = 0; k < cc.length; k++) reach = Math.max(reach, Math.abs(cc[k]!));
  for (let k = 0; k < n * d; k++) reach = Math.max(reach, Math.abs(x[k]!));
  for (const { count, rec, fit } of levels) {
    for (let i = 0; i < count; i++) {
      if (!fit[i]) continue;
      let v = Math.abs(rec[i * R + 3 * d + 2]!) + Math.max(Math.abs(rec[i * R + 3 * d + 3]!), Math.abs(rec[i * R + 3 * d + 4]!));
      for (let a = 0; a < d; a++) v += Math.abs(rec[i * R + 2 * d + a]!) * reach;
      mag = Math.max(mag, v);
    }
  }
  for (let q = 0; q < shift.length; q++) if (Number.isFinite(shift[q]!)) mag = Math.max(mag, Math.abs(shift[q]!));
  return 2 ** -36 * (d + 1) * (1 + mag + 4 * d * reach * reach) * (1 + reach);
}
