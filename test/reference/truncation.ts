/**
 * Plain references for the host side of the truncation of far pairs (src/transport/truncation.ts):
 * the straightforward versions that the fast ones there replaced, kept to pin that the fast ones
 * give the same orders, the same kept sets and the same sums.
 */
import { solveSmall } from '../../src/transport/box_tree.js';
import type { KeptRanges } from '../../src/transport/kept_ranges.js';
import { pairBound, TILE, type TileSummaries } from '../../src/transport/truncation.js';

/**
 * The k-d tree leaf order of spatialOrder, reading every coordinate through `order` and
 * quickselecting a float64 key array (median of three, Hoare partition: the same pivots and swaps).
 */
export function spatialOrderReference(p: Float32Array, n: number, d: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const key = new Float64Array(n);
  const stack: number[] = [0, n];
  while (stack.length) {
    const end = stack.pop()!;
    const start = stack.pop()!;
    const len = end - start;
    const leaves = Math.ceil(len / TILE);
    if (leaves <= 1) continue;
    let axis = 0;
    let widest = -1;
    for (let c = 0; c < d; c++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = start; k < end; k++) {
        const v = p[order[k]! * d + c]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi - lo > widest) (widest = hi - lo), (axis = c);
    }
    const unit = leaves >= 8 ? 4 : leaves >= 4 ? 2 : 1;
    const left = Math.max(unit, Math.round(leaves / 2 / unit) * unit) * TILE;
    if (left >= len) continue;
    for (let k = start; k < end; k++) key[k] = p[order[k]! * d + axis]!;
    selectReference(order, key, start, end, start + left);
    stack.push(start, start + left, start + left, end);
  }
  return order;
}

function selectReference(order: Uint32Array, key: Float64Array, lo: number, hi: number, k: number): void {
  const swap = (a: number, b: number) => {
    [order[a], order[b]] = [order[b]!, order[a]!];
    [key[a], key[b]] = [key[b]!, key[a]!];
  };
  let l = lo;
  let r = hi - 1;
  while (r > l) {
    const m = (l + r) >>> 1;
    if (key[m]! < key[l]!) swap(m, l);
    if (key[r]! < key[l]!) swap(r, l);
    if (key[r]! < key[m]!) swap(r, m);
    const pivot = key[m]!;
    let i = l;
    let j = r;
    while (i <= j) {
      while (key[i]! < pivot) i++;
      while (key[j]! > pivot) j--;
      if (i <= j) swap(i++, j--);
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return;
  }
}

/**
 * tileSummaries as first written: closures read each coordinate and recompute u_i = |x_i|² - pot_i
 * at every use. The fast version must round every value the same way.
 */
export function tileSummariesReference(pts: ArrayLike<number>, at: number, pot: ArrayLike<number>, potAt: number, n: number, d: number, size: number): TileSummaries {
  const count = Math.ceil(n / size);
  const s: TileSummaries = {
    d,
    size,
    count,
    centre: new Float64Array(count * d),
    radius: new Float64Array(count),
    a: new Float64Array(count),
    slope: new Float64Array(count * d),
    lo: new Float64Array(count * d),
    hi: new Float64Array(count * d),
    potMax: new Float64Array(count),
  };
  const M = new Float64Array(d * d);
  const rhs = new Float64Array(d);
  const mean = new Float64Array(d);
  for (let t = 0; t < count; t++) {
    const i0 = t * size;
    const i1 = Math.min(n, i0 + size);
    const len = i1 - i0;
    const x = (i: number, c: number) => pts[(at + i) * d + c]!;
    const u = (i: number) => {
      let q = 0;
      for (let c = 0; c < d; c++) q += x(i, c) ** 2;
      return q - pot[potAt + i]!;
    };
    let pm = -Infinity;
    for (let c = 0; c < d; c++) {
      let lo = Infinity;
      let hi = -Infinity;
      let m = 0;
      for (let i = i0; i < i1; i++) {
        const v = x(i, c);
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
        m += v;
      }
      s.lo[t * d + c] = lo;
      s.hi[t * d + c] = hi;
      s.centre[t * d + c] = 0.5 * (lo + hi);
      mean[c] = m / len;
    }
    let r2 = 0;
    let um = 0;
    for (let i = i0; i < i1; i++) {
      let q = 0;
      for (let c = 0; c < d; c++) q += (x(i, c) - s.centre[t * d + c]!) ** 2;
      r2 = Math.max(r2, q);
      um += u(i) / len;
      pm = Math.max(pm, pot[potAt + i]!);
    }
    s.radius[t] = Math.sqrt(r2) * (1 + 1e-12);
    s.potMax[t] = pm;
    M.fill(0);
    rhs.fill(0);
    let trace = 0;
    for (let i = i0; i < i1; i++) {
      const du = u(i) - um;
      for (let a = 0; a < d; a++) {
        const da = x(i, a) - mean[a]!;
        rhs[a] = rhs[a]! + da * du;
        for (let b = 0; b <= a; b++) M[a * d + b] = M[a * d + b]! + da * (x(i, b) - mean[b]!);
      }
    }
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < a; b++) M[b * d + a] = M[a * d + b]!;
      trace += M[a * d + a]!;
    }
    for (let a = 0; a < d; a++) M[a * d + a] = M[a * d + a]! + 1e-9 * trace + 1e-300;
    const ok = len > d && solveSmall(M, rhs, d);
    for (let c = 0; c < d; c++) s.slope[t * d + c] = ok ? 0.5 * rhs[c]! : s.centre[t * d + c]!;
    let amin = Infinity;
    for (let i = i0; i < i1; i++) {
      let v = u(i);
      for (let c = 0; c < d; c++) v -= 2 * x(i, c) * s.slope[t * d + c]!;
      amin = Math.min(amin, v);
    }
    let cp = 0;
    for (let c = 0; c < d; c++) cp += s.centre[t * d + c]! * s.slope[t * d + c]!;
    s.a[t] = amin + 2 * cp;
  }
  return s;
}

/**
 * keptRanges by brute force over the same bounds: for every row tile, every column tile is
 * tested (a keep flag per column tile, then a scan of all of them), with the super-tile pruning of
 * keptRanges (a super-tile whose coarse bound is over the threshold is skipped whole).
 */
export function keptRangesReference(
  pts: ArrayLike<number>,
  d: number,
  rows: { at: number; n: number; pot: ArrayLike<number>; potAt: number },
  cols: { at: number; n: number; pot: ArrayLike<number>; potAt: number },
  tileRows: number,
  threshold: number,
): KeptRanges {
  const R = tileSummariesReference(pts, rows.at, rows.pot, rows.potAt, rows.n, d, TILE);
  const Q = tileSummariesReference(pts, cols.at, cols.pot, cols.potAt, cols.n, d, TILE);
  const SUPER = 32;
  const Rbig = tileSummariesReference(pts, rows.at, rows.pot, rows.potAt, rows.n, d, tileRows);
  const Qbig = tileSummariesReference(pts, cols.at, cols.pot, cols.potAt, cols.n, d, TILE * SUPER);
  const sub = tileRows / TILE;
  const rowTiles = Math.ceil(rows.n / tileRows);
  const off = new Uint32Array(rowTiles + 1);
  const list: number[] = [];
  let pairs = 0;
  for (let t = 0; t < rowTiles; t++) {
    const keep = new Uint8Array(Q.count);
    let best = Infinity;
    let bestQ = 0;
    for (let q = 0; q < Q.count; q++) {
      const S = Math.floor(q / SUPER);
      const coarse = pairBound(Rbig, t, Qbig, S);
      let lb = coarse;
      if (coarse <= threshold) {
        lb = Infinity;
        for (let s = t * sub; s < Math.min(R.count, (t + 1) * sub) && lb > threshold; s++) lb = Math.min(lb, pairBound(R, s, Q, q));
      } else if (q % SUPER !== 0) continue;
      if (lb <= threshold) keep[q] = 1;
      else if (lb < best) (best = lb), (bestQ = q);
    }
    if (!keep.includes(1)) keep[bestQ] = 1;
    const rowsHere = Math.min(tileRows, rows.n - t * tileRows);
    for (let q = 0; q < Q.count; q++) {
      if (!keep[q]) continue;
      const start = q * TILE;
      const end = Math.min(cols.n, start + TILE);
      pairs += rowsHere * (end - start);
      const last = list.length - 1;
      if (list.length > 2 * off[t]! && list[last] === start) list[last] = end;
      else list.push(start, end);
    }
    off[t + 1] = list.length / 2;
  }
  return { tileRows, off, ranges: Uint32Array.from(list), pairs };
}

/**
 * tiledSoftmin's plain scan: every tile bounds its slack against every centre, keeps those with
 * lb ≤ min ub + τε, and sums them with Math.exp. Returns the terms summed, like tiledSoftmin.
 */
export function tiledSoftminReference(x: ArrayLike<number>, n: number, c: ArrayLike<number>, w: Float64Array, pot: Float64Array, d: number, eps: number, out: Float64Array): number {
  const m = w.length;
  const tau = 14 + Math.log(Math.max(m, 1));
  const shift = Float64Array.from(pot, (p, q) => -p - eps * Math.log(w[q]!));
  const lb = new Float64Array(m);
  let terms = 0;
  for (let i0 = 0; i0 < n; i0 += TILE) {
    const i1 = Math.min(n, i0 + TILE);
    const lo = new Float64Array(d).fill(Infinity);
    const hi = new Float64Array(d).fill(-Infinity);
    for (let i = i0; i < i1; i++) for (let k = 0; k < d; k++) (lo[k] = Math.min(lo[k]!, x[i * d + k]!)), (hi[k] = Math.max(hi[k]!, x[i * d + k]!));
    let best = Infinity;
    for (let q = 0; q < m; q++) {
      let near = 0;
      let far = 0;
      for (let k = 0; k < d; k++) {
        const v = c[q * d + k]!;
        const a = lo[k]! - v;
        const b = v - hi[k]!;
        const gap = a > 0 ? a : b > 0 ? b : 0;
        near += gap * gap;
        const span = Math.max(Math.abs(a), Math.abs(b));
        far += span * span;
      }
      lb[q] = near + shift[q]!;
      best = Math.min(best, far + shift[q]!);
    }
    const kept: number[] = [];
    for (let q = 0; q < m; q++) if (lb[q]! <= best + tau * eps) kept.push(q);
    terms += kept.length * (i1 - i0);
    for (let i = i0; i < i1; i++) {
      const t = kept.map((q) => {
        let s = shift[q]!;
        for (let a = 0; a < d; a++) s += (x[i * d + a]! - c[q * d + a]!) ** 2;
        return -s / eps;
      });
      const mx = Math.max(...t);
      out[i] = -eps * (mx + Math.log(t.reduce((acc, v) => acc + Math.exp(v - mx), 0)));
    }
  }
  return terms;
}

/**
 * extensionPlan's plain scan: for every tile, every centre's lb and ub on the tile's box (rounded as
 * extensionPlan rounds them), best = min ub (its smallest centre), the kept centres lb ≤ best + τε as
 * runs of consecutive indices.
 */
export function extensionPlanReference(x: ArrayLike<number>, n: number, c: ArrayLike<number>, w: Float64Array, pot: ArrayLike<number>, d: number, eps: number) {
  const m = w.length;
  const tau = 14 + Math.log(Math.max(m, 1));
  const shift = Float64Array.from({ length: m }, (_, q) => -pot[q]! - eps * Math.log(w[q]!));
  const tiles = Math.ceil(n / TILE);
  const off = new Uint32Array(tiles + 1);
  const best = new Float64Array(tiles);
  const bestCentre = new Uint32Array(tiles);
  const ranges: number[] = [];
  let terms = 0;
  for (let t = 0; t < tiles; t++) {
    const i0 = t * TILE;
    const i1 = Math.min(n, i0 + TILE);
    const lo = new Float64Array(d).fill(Infinity);
    const hi = new Float64Array(d).fill(-Infinity);
    for (let i = i0; i < i1; i++) for (let k = 0; k < d; k++) (lo[k] = Math.min(lo[k]!, x[i * d + k]!)), (hi[k] = Math.max(hi[k]!, x[i * d + k]!));
    const lb = new Float64Array(m);
    let b = Infinity;
    let bq = 0;
    for (let q = 0; q < m; q++) {
      let near = 0;
      let far = 0;
      for (let k = 0; k < d; k++) {
        const a = lo[k]! - c[q * d + k]!;
        const e = c[q * d + k]! - hi[k]!;
        const gap = a > 0 ? a : e > 0 ? e : 0;
        near += gap * gap;
        const span = -a > -e ? -a : -e;
        far += span * span;
      }
      lb[q] = near + shift[q]!;
      if (far + shift[q]! < b) (b = far + shift[q]!), (bq = q);
    }
    best[t] = b;
    bestCentre[t] = bq;
    const start = ranges.length;
    for (let q = 0; q < m; q++) {
      if (!(lb[q]! <= b + tau * eps)) continue;
      terms += i1 - i0;
      if (ranges.length > start && ranges[ranges.length - 1] === q) ranges[ranges.length - 1] = q + 1;
      else ranges.push(q, q + 1);
    }
    off[t + 1] = ranges.length / 2;
  }
  return { tiles, off, ranges: Uint32Array.from(ranges), best, bestCentre, shift, terms };
}
