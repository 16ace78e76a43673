/**
 * The kept set of one block of the block-sparse softmin (truncation.ts has the bounds): for every row
 * tile, the column tiles of TILE points whose lower bound of the slack C - f - g can be under the
 * threshold (τε plus a margin), as column ranges. The rule, that of the plain scan of
 * test/reference/truncation.ts: column tile q is kept by row tile t when the coarse bound of t against
 * q's super-tile of SUPER tiles is at most the threshold and pairBound of some sub-tile of t against q
 * is; a row tile that keeps nothing keeps its column tile of smallest bound.
 *
 * The scan is the plain one's without most of its work: a BoxTree (box_tree.ts) over the super-tiles
 * skips, by the squared gap between boxes less the largest potentials (boxBound at the tree's boxes),
 * the super-tiles out of reach of a row tile by the hundred; the tiles of a super-tile in reach are
 * skipped by the same bound at the whole row tile's box before their sub-tiles are tried. Those
 * bounds round monotonically, so in floating point they are at most boxBound of every pair they stand
 * for, which is at most the coarse and fine bounds: a skipped pair is one the plain scan drops, and
 * the kept sets are the plain scan's, bit for bit. The summaries of a side (its points and potential)
 * do not depend on the block, so blocks that share a side (X/Y and Y/X, X/X) share them (SideCache).
 */
import { InputError } from '../gpu/errors.js';
import { boxTree, type BoxTree } from './box_tree.js';
import { boxBound, boxGap, linearBound, pairBound, relu, slackOffsets, TILE, tileSummaries, type TileSummaries } from './truncation.js';
import { U32List } from './u32_list.js';

/** Tiles per super-tile of the coarse bound. */
const SUPER = 32;

/** Kept column ranges of the row tiles of one (rows, columns) block. */
export interface KeptRanges {
  /** Row tiles of `tileRows` rows: ranges of tile t are pairs [start, end) at ranges[2 (off[t] ... off[t+1]))]. */
  tileRows: number;
  off: Uint32Array;
  ranges: Uint32Array;
  /** Kept pairs (rows × kept columns), for the kept fraction. */
  pairs: number;
}

/** One side of a block: the sorted points [at, at + n) with potentials pot[potAt, potAt + n). */
export interface BlockSide {
  at: number;
  n: number;
  pot: ArrayLike<number>;
  potAt: number;
}

/** The summaries of the sides of blocks over the same points, each computed once. */
export class SideCache {
  private readonly sides = new Map<string, { pot: ArrayLike<number>; u: Float64Array; sizes: Map<number, TileSummaries>; tree?: BoxTree }>();

  constructor(
    readonly pts: ArrayLike<number>,
    readonly d: number,
  ) {}

  private side(s: BlockSide) {
    const key = `${s.at}:${s.n}:${s.potAt}`;
    let e = this.sides.get(key);
    if (!e || e.pot !== s.pot) {
      e = { pot: s.pot, u: slackOffsets(this.pts, s.at, s.pot, s.potAt, s.n, this.d), sizes: new Map() };
      this.sides.set(key, e);
    }
    return e;
  }

  /** The summaries of the side's tiles of `size` points. */
  summaries(s: BlockSide, size: number): TileSummaries {
    const e = this.side(s);
    let t = e.sizes.get(size);
    if (!t) {
      t = tileSummaries(this.pts, s.at, s.pot, s.potAt, s.n, this.d, size, e.u);
      e.sizes.set(size, t);
    }
    return t;
  }

  /** The BoxTree over the side's super-tiles (one item each: its box, and its largest potential as the value). */
  superTree(s: BlockSide): BoxTree {
    const e = this.side(s);
    if (!e.tree) {
      const big = this.summaries(s, TILE * SUPER);
      e.tree = boxTree(big.lo, big.hi, big.potMax, big.count, this.d, 1);
    }
    return e.tree;
  }
}

/**
 * For the sorted row points with potential f and the sorted column points with potential g, the
 * column ranges to keep for every row tile of `tileRows` rows (a multiple of TILE), by the rule of the
 * module comment. `cache` shares the sides' summaries with other blocks over the same points.
 */
export function keptRanges(pts: ArrayLike<number>, d: number, rows: BlockSide, cols: BlockSide, tileRows: number, threshold: number, cache = new SideCache(pts, d)): KeptRanges {
  if (tileRows % TILE !== 0) throw new InputError(`truncation: row tiles of ${tileRows} points are not a multiple of ${TILE}`);
  if (cache.pts !== pts || cache.d !== d) throw new InputError('truncation: the summary cache belongs to other points');
  const R = cache.summaries(rows, TILE);
  const Q = cache.summaries(cols, TILE);
  const Rbig = cache.summaries(rows, tileRows);
  const Qbig = cache.summaries(cols, TILE * SUPER);
  const { levels } = cache.superTree(cols);
  const top = levels.length - 1;
  const sub = tileRows / TILE;
  const rowTiles = Math.ceil(rows.n / tileRows);
  const off = new Uint32Array(rowTiles + 1);
  const list = new U32List();
  let pairs = 0;
  // The kept column tiles of one row tile, found in increasing order.
  const kept = new Uint32Array(Q.count);
  // Depth-first stack of (level, node) pairs: at most two entries per level.
  const stack = new Int32Array(4 * (top + 2));
  for (let t = 0; t < rowTiles; t++) {
    let count = 0;
    const s0 = t * sub;
    const s1 = Math.min(R.count, s0 + sub);
    const rowMax = Rbig.potMax[t]!;
    let sp = 0;
    stack[sp++] = top;
    stack[sp++] = 0;
    while (sp > 0) {
      const i = stack[--sp]!;
      const k = stack[--sp]!;
      const L = levels[k]!;
      // boxBound of the row tile against the node's box and largest potential (NaN: not skipped).
      if (boxGap(Rbig, t, L.lo, L.hi, i) - rowMax - L.max[i]! > threshold) continue;
      if (k > 0) {
        const l = 2 * i;
        if (l + 1 < levels[k - 1]!.count) (stack[sp++] = k - 1), (stack[sp++] = l + 1);
        stack[sp++] = k - 1;
        stack[sp++] = l;
        continue;
      }
      // Super-tile i: the plain scan's coarse test, then its tiles.
      if (boxBound(Rbig, t, Qbig, i) > threshold || pairBound(Rbig, t, Qbig, i) > threshold) continue;
      count = (d === 2 ? fineScan2 : fineScan)(R, Rbig, Q, t, s0, s1, i * SUPER, Math.min(Q.count, (i + 1) * SUPER), threshold, kept, count);
    }
    // Nothing under the threshold: keep the column tile of the smallest bound (super-tiles by their
    // coarse bound, standing for their first tile).
    if (count === 0) kept[count++] = smallestBound(R, Q, Rbig, Qbig, t, s0, s1, threshold);
    // Runs of consecutive kept tiles as column ranges (the last tile may be partial).
    const rowsHere = Math.min(tileRows, rows.n - t * tileRows);
    let k = 0;
    while (k < count) {
      const first = kept[k]!;
      let next = first + 1;
      while (++k < count && kept[k] === next) next++;
      const start = first * TILE;
      const end = Math.min(cols.n, next * TILE);
      pairs += rowsHere * (end - start);
      list.push2(start, end);
    }
    off[t + 1] = list.length / 2;
  }
  return { tileRows, off, ranges: list.data.slice(0, list.length), pairs };
}

/**
 * The column tiles [q0, q1) kept by row tile t (sub-tiles [s0, s1) of R), appended to `kept` from
 * `count`; returns the new count. boxBound at the whole row tile first (it bounds that of each
 * sub-tile), then the plain scan's loop: kept when some sub-tile's pairBound is under the threshold,
 * boxBound first.
 */
function fineScan(R: TileSummaries, Rbig: TileSummaries, Q: TileSummaries, t: number, s0: number, s1: number, q0: number, q1: number, threshold: number, kept: Uint32Array, count: number): number {
  for (let q = q0; q < q1; q++) {
    if (boxBound(Rbig, t, Q, q) > threshold) continue;
    let lb = Infinity;
    for (let s = s0; s < s1 && lb > threshold; s++) {
      const box = boxBound(R, s, Q, q);
      if (!(box > threshold)) lb = Math.min(lb, Math.max(linearBound(R, s, Q, q), box));
    }
    if (lb <= threshold) kept[count++] = q;
  }
  return count;
}

/**
 * fineScan for d = 2, unrolled, each bound rounded as boxBound and linearBound round it (the hot loop
 * of the set-up). The gap max(0, lo_S - hi_Q, lo_Q - hi_S) is relu(lo_S - hi_Q) + relu(lo_Q - hi_S):
 * at most one of the two is positive (lo ≤ hi, and subtraction keeps signs), so it is the same value
 * without Math.max's branches (NaN included).
 */
function fineScan2(R: TileSummaries, Rbig: TileSummaries, Q: TileSummaries, t: number, s0: number, s1: number, q0: number, q1: number, threshold: number, kept: Uint32Array, count: number): number {
  const { lo: Rlo, hi: Rhi, potMax: Rmax, centre: Rc, slope: Rp, radius: Rr, a: Ra } = R;
  const { lo: Qlo, hi: Qhi, potMax: Qmax, centre: Qc, slope: Qp, radius: Qr, a: Qa } = Q;
  const bl0 = Rbig.lo[2 * t]!;
  const bl1 = Rbig.lo[2 * t + 1]!;
  const bh0 = Rbig.hi[2 * t]!;
  const bh1 = Rbig.hi[2 * t + 1]!;
  const bmax = Rbig.potMax[t]!;
  for (let q = q0; q < q1; q++) {
    const ql0 = Qlo[2 * q]!;
    const ql1 = Qlo[2 * q + 1]!;
    const qh0 = Qhi[2 * q]!;
    const qh1 = Qhi[2 * q + 1]!;
    const qmax = Qmax[q]!;
    const G0 = relu(bl0 - qh0) + relu(ql0 - bh0);
    const G1 = relu(bl1 - qh1) + relu(ql1 - bh1);
    if (G0 * G0 + G1 * G1 - bmax - qmax > threshold) continue;
    const cq0 = Qc[2 * q]!;
    const cq1 = Qc[2 * q + 1]!;
    let lb = Infinity;
    for (let s = s0; s < s1 && lb > threshold; s++) {
      const g0 = relu(Rlo[2 * s]! - qh0) + relu(ql0 - Rhi[2 * s]!);
      const g1 = relu(Rlo[2 * s + 1]! - qh1) + relu(ql1 - Rhi[2 * s + 1]!);
      const box = g0 * g0 + g1 * g1 - Rmax[s]! - qmax;
      if (box > threshold) continue;
      const cs0 = Rc[2 * s]!;
      const cs1 = Rc[2 * s + 1]!;
      const cc = 0 + cs0 * cq0 + cs1 * cq1;
      const dq = (cq0 - Rp[2 * s]!) ** 2 + (cq1 - Rp[2 * s + 1]!) ** 2;
      const dp = (cs0 - Qp[2 * q]!) ** 2 + (cs1 - Qp[2 * q + 1]!) ** 2;
      const rs = Rr[s]!;
      const rq = Qr[q]!;
      const linear = Ra[s]! + Qa[q]! - 2 * cc - 2 * rs * Math.sqrt(dq) - 2 * rq * Math.sqrt(dp) - 2 * rs * rq;
      lb = Math.min(lb, Math.max(linear, box));
    }
    if (lb <= threshold) kept[count++] = q;
  }
  return count;
}

/** The column tile of keptRanges' fallback for row tile t: the smallest bound, scanned as the plain scan scans. */
function smallestBound(R: TileSummaries, Q: TileSummaries, Rbig: TileSummaries, Qbig: TileSummaries, t: number, s0: number, s1: number, threshold: number): number {
  let best = Infinity;
  let bestQ = 0;
  for (let S = 0; S < Qbig.count; S++) {
    const coarse = pairBound(Rbig, t, Qbig, S);
    const q0 = S * SUPER;
    if (coarse > threshold) {
      if (coarse < best) (best = coarse), (bestQ = q0);
      continue;
    }
    for (let q = q0; q < Math.min(Q.count, q0 + SUPER); q++) {
      let lb = Infinity;
      for (let s = s0; s < s1 && lb > threshold; s++) lb = Math.min(lb, pairBound(R, s, Q, q));
      if (lb < best) (best = lb), (bestQ = q);
    }
  }
  return bestQ;
}

/**
 * True when every column kept by `inner` for each row tile is also kept by `outer` (both lists of a
 * row tile are sorted, disjoint and merged: each inner run lies inside one outer run).
 */
export function keptSubset(inner: KeptRanges, outer: KeptRanges): boolean {
  for (let t = 0; t + 1 < inner.off.length; t++) {
    let k = outer.off[t]!;
    const k1 = outer.off[t + 1]!;
    for (let r = inner.off[t]!; r < inner.off[t + 1]!; r++) {
      const a = inner.ranges[2 * r]!;
      const b = inner.ranges[2 * r + 1]!;
      while (k < k1 && outer.ranges[2 * k + 1]! < b) k++;
      if (k === k1 || outer.ranges[2 * k]! > a) return false;
    }
  }
  return true;
}
