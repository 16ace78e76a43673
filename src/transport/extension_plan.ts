/**
 * The host part of the leaf start's extension (extension.ts, src/kernels/sinkhorn_extend.ts): for
 * every tile of TILE sorted points, the leaf centres whose terms can matter to it. For the sorted
 * points x (n×d, each aligned run of TILE points a compact box) against m weighted centres c with
 * potential `pot`, the extension is
 *
 *   out_i = -ε log Σ_Q w_Q exp((pot_Q - |x_i - c_Q|²) / ε).
 *
 * With the slack s_Q(x) = |x - c_Q|² + shift_Q, shift_Q = -pot_Q - ε log w_Q, the box of a tile gives
 * lb_Q ≤ s_Q(x) ≤ ub_Q for all its points (the squared gap and the squared farthest span from c_Q to
 * the box, plus shift_Q); a centre with lb_Q > min_Q' ub_Q' + τ ε has a term below e^{-τ} times the
 * largest term at every point of the tile, so the m dropped terms change the sum by a relative
 * m·e^{-τ} at most. τ = 14 + ln m holds that under 1e-6 (out moves by ε·1e-6): the dense sum costs
 * n·m terms (3·10^10 at N = 10^6 against 31 250 leaves), the kept centres 2.5·10^9.
 *
 * The plan is the plain scan's (test/reference/truncation.ts) bit for bit: best = min_Q ub_Q, its
 * centre the smallest Q that reaches it, the kept centres {Q : lb_Q ≤ best + τε}, each rounded as
 * there. It is found without visiting most centres, through a BoxTree over the centres (box_tree.ts;
 * the leaves come in k-d tree order, so its nodes are compact boxes; the searches are in
 * plan_scan.ts): best by branch and bound from the previous tile's best centre, then the kept centres
 * by one descent that skips a node when no centre below can be kept and emits it as one run when
 * every centre below is. Groups of neighbouring tiles share the top of both searches: a frontier of
 * nodes that the group's box, with the group's largest best or limit, does not rule out (a centre's
 * gap to the group's box is at most its gap, and its span, to any tile's box). Two bounds per node:
 *  - the box and the [min, max] of the shifts below: each of their operations rounds monotonically,
 *    so in floating point they bound every centre's own value (box_tree.ts); exact, but loose, as the
 *    shifts follow the potential and vary across a node by more than τε;
 *  - an affine model of the shifts (AffineFit, residuals in [rmin, rmax]) and the exact minimum or
 *    maximum over the box of the separable convex rest: tight, and true up to rounding, so it decides
 *    only with a margin `slack` that covers the rounding of the bound and of the centre's value
 *    (each a few ulps of the terms' magnitudes; the margin is 2^-36 of them).
 */
import { affineSlack, nodeLevels, PlanScan } from './plan_scan.js';
import { TILE } from './truncation.js';

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

/** Tiles per group: neighbours in k-d order, so the group is a compact box that shares one frontier of the tree. */
const GROUP = 16;

/** The kept centres of every tile of the extension of `pot` from the centres c to the points x (see the module comment). */
export function extensionPlan(x: ArrayLike<number>, n: number, c: ArrayLike<number>, w: Float64Array, pot: ArrayLike<number>, d: number, eps: number): ExtensionPlan {
  const m = w.length;
  const tau = 14 + Math.log(Math.max(m, 1));
  // The part of the slack that does not depend on x.
  const shift = Float64Array.from({ length: m }, (_, q) => -pot[q]! - eps * Math.log(w[q]!));
  const cc = Float64Array.from({ length: m * d }, (_, k) => c[k]!);
  const levels = nodeLevels(cc, shift, m, d);
  const scan = new PlanScan(levels, cc, shift, m, d, affineSlack(levels, cc, shift, x, n, d));
  const tiles = Math.ceil(n / TILE);
  const off = new Uint32Array(tiles + 1);
  const best = new Float64Array(tiles);
  const bestCentre = new Uint32Array(tiles);
  const tauEps = tau * eps;
  let terms = 0;
  // Tiles in groups of GROUP consecutive ones (a compact box, the tiles being in k-d order): the top
  // of the tree is searched once per group (PlanScan.front), each tile goes on from the frontier.
  const tlo = new Float64Array(GROUP * d);
  const thi = new Float64Array(GROUP * d);
  const glo = new Float64Array(d);
  const ghi = new Float64Array(d);
  let seed = 0;
  for (let t0 = 0; t0 < tiles; t0 += GROUP) {
    const t1 = Math.min(tiles, t0 + GROUP);
    tlo.fill(Infinity);
    thi.fill(-Infinity);
    for (let t = t0; t < t1; t++) {
      const j = t - t0;
      for (let i = t * TILE; i < Math.min(n, (t + 1) * TILE); i++) {
        for (let k = 0; k < d; k++) {
          const v = x[i * d + k]!;
          if (v < tlo[j * d + k]!) tlo[j * d + k] = v;
          if (v > thi[j * d + k]!) thi[j * d + k] = v;
        }
      }
    }
    glo.fill(Infinity);
    ghi.fill(-Infinity);
    let bestMax = -Infinity;
    for (let j = 0; j < t1 - t0; j++) {
      for (let k = 0; k < d; k++) (glo[k] = Math.min(glo[k]!, tlo[j * d + k]!)), (ghi[k] = Math.max(ghi[k]!, thi[j * d + k]!));
      // Each tile's best is at most its ub of the previous best centre.
      scan.tile(tlo, thi, j);
      bestMax = Math.max(bestMax, scan.ubAt(seed));
    }
    scan.front(glo, ghi, bestMax, false);
    let limitMax = -Infinity;
    for (let t = t0; t < t1; t++) {
      scan.tile(tlo, thi, t - t0);
      // The previous tile's best centre starts the search: neighbouring tiles are neighbours in space.
      scan.best(seed);
      best[t] = scan.b;
      bestCentre[t] = seed = scan.bq;
      limitMax = Math.max(limitMax, scan.b + tauEps);
    }
    scan.front(glo, ghi, limitMax, true);
    for (let t = t0; t < t1; t++) {
      scan.tile(tlo, thi, t - t0);
      scan.kept(best[t]! + tauEps);
      off[t + 1] = scan.list.length / 2;
      terms += scan.count * (Math.min(n, (t + 1) * TILE) - t * TILE);
    }
  }
  return { tiles, off, ranges: scan.list.data.slice(0, scan.list.length), best, bestCentre, shift, terms };
}

