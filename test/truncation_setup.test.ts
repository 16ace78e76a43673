// The host set-up of the truncation (k-d order, tile summaries, kept sets, the leaf start's
// extension plan) against the plain versions of test/reference/truncation.ts: the fast ones prune
// with tree bounds and unroll d = 2, and must give the same orders, summaries, kept sets and plans,
// bit for bit, on clouds with many super-tiles, shared sides and awkward inputs.
import { describe, expect, it } from 'vitest';
import { SPARSE_TILE_ROWS } from '../src/kernels/sinkhorn_softmin_sparse.js';
import { spatialOrder, tileSummaries, TILE } from '../src/transport/truncation.js';
import { keptRanges, keptSubset, SideCache, type BlockSide, type KeptRanges } from '../src/transport/kept_ranges.js';
import { expNonPositive, extensionPlan, tiledSoftmin } from '../src/transport/extension.js';
import { extensionPlanReference, keptRangesReference, spatialOrderReference, tileSummariesReference, tiledSoftminReference } from './reference/truncation.js';
import { sorted, uniform } from './fixtures.js';

/** Same values, bit for bit (Object.is: signed zeros and NaNs too). */
function expectSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) expect(got[i], `${what}[${i}]`).toBe(want[i]);
}

describe('host set-up of the truncation against the plain references (CPU)', () => {
  // The fast versions (coordinates moved with the order, kept tiles listed as found, centres pruned
  // by groups) must give the same k-d tree order and kept sets as the plain ones in
  // test/reference/truncation.ts, and the same extension up to the rounding of its exp.
  it('expNonPositive: e^x to 2 ulp on [-700, 0], 0 below -745', () => {
    const xs = [0, -1e-300, -5e-324, -Math.LN2 / 128, -Math.LN2 / 64, -Math.LN2, -1, -14, -24.3, -700, ...uniform(20_000, 99, -700, 0), ...uniform(20_000, 98, -30, 0)];
    for (const x of xs) {
      const e = Math.exp(x);
      expect(Math.abs(expNonPositive(x) - e), `x = ${x}`).toBeLessThanOrEqual(5e-16 * e);
    }
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-746)).toBe(0);
    expect(expNonPositive(-Infinity)).toBe(0);
    expect(expNonPositive(-720)).toBeGreaterThan(0);
  });

  it('spatialOrder: the same permutation as the reference (ties, d = 1..3, sizes around the tiles)', () => {
    const cases: [number, number][] = [
      [1, 2],
      [31, 2],
      [33, 2],
      [1000, 1],
      [2917, 2],
      [4097, 3],
    ];
    for (const [n, d] of cases) {
      const p = Float32Array.from(uniform(n * d, 50 + n + d, -2, 2));
      expect(Array.from(spatialOrder(p, n, d)), `n = ${n}, d = ${d}`).toEqual(Array.from(spatialOrderReference(p, n, d)));
      // Many equal coordinates (a coarse grid): the partition's handling of ties.
      const q = p.map((v) => Math.round(4 * v) / 4);
      expect(Array.from(spatialOrder(q, n, d)), `grid, n = ${n}, d = ${d}`).toEqual(Array.from(spatialOrderReference(q, n, d)));
    }
  });

  for (const d of [2, 3]) {
    it(`keptRanges: the same ranges, tiles and pairs as the reference (d = ${d})`, () => {
      const n = d === 2 ? 5003 : 1201;
      const m = d === 2 ? 4099 : 997;
      const raw = [Float32Array.from(uniform(n * d, 60 + d, -4, 4)), Float32Array.from(uniform(m * d, 70 + d, -3, 5))];
      const ys = Math.ceil(n / 4) * 4;
      const pts = new Float32Array((ys + m) * d);
      [spatialOrder(raw[0]!, n, d), spatialOrder(raw[1]!, m, d)].forEach((o, c) => {
        for (let k = 0; k < o.length; k++) for (let a = 0; a < d; a++) pts[((c ? ys : 0) + k) * d + a] = raw[c]![o[k]! * d + a]!;
      });
      // Potentials of the shift map x -> x + (0.5, 0.2, -0.1) plus noise (see the bound test above).
      const s = [0.5, 0.2, -0.1];
      const noise = uniform(ys + m, 80 + d, -0.01, 0.01);
      const pot = Float32Array.from({ length: ys + m }, (_, k) => {
        let v = noise[k]!;
        for (let c = 0; c < d; c++) v += k < ys ? -2 * pts[k * d + c]! * s[c]! : 2 * pts[k * d + c]! * s[c]! - s[c]! ** 2;
        return v;
      });
      // Threshold -0.5 keeps nothing: every row tile falls back on its column tile of smallest bound.
      for (const threshold of [-0.5, 0.02, 0.3]) {
        for (const [rows, cols] of [
          [{ at: 0, n, pot, potAt: 0 }, { at: ys, n: m, pot, potAt: ys }],
          [{ at: ys, n: m, pot, potAt: ys }, { at: 0, n, pot, potAt: 0 }],
        ] as const) {
          const got = keptRanges(pts, d, rows, cols, SPARSE_TILE_ROWS, threshold);
          const ref = keptRangesReference(pts, d, rows, cols, SPARSE_TILE_ROWS, threshold);
          expect(got.pairs).toBe(ref.pairs);
          expect(Array.from(got.off)).toEqual(Array.from(ref.off));
          expect(Array.from(got.ranges)).toEqual(Array.from(ref.ranges));
          // At the small threshold most pairs are dropped (the comparison means something; in 3-D a row
          // tile of 64 of the 1201 points is too wide for that).
          if (d === 2 && threshold < 0.1) expect(got.pairs).toBeLessThan(0.5 * rows.n * cols.n);
        }
      }
    });
  }

  for (const d of [2, 3]) {
    it(`tiledSoftmin: the reference's kept centres (the same terms), sums to a few ulps (d = ${d})`, () => {
      const n = 2011;
      const m = 803;
      const raw = Float32Array.from(uniform(n * d, 90 + d, -3, 3));
      const order = spatialOrder(raw, n, d);
      const x = new Float32Array(n * d);
      for (let k = 0; k < n; k++) for (let c = 0; c < d; c++) x[k * d + c] = raw[order[k]! * d + c]!;
      // Centres in k-d tree order (as the leaves are), and in random order (groups are then wide boxes).
      const craw = Float32Array.from(uniform(m * d, 91 + d, -3, 3));
      const corder = spatialOrder(craw, m, d);
      const sorted = new Float32Array(m * d);
      for (let k = 0; k < m; k++) for (let c = 0; c < d; c++) sorted[k * d + c] = craw[corder[k]! * d + c]!;
      const w = uniform(m, 92 + d, 0.2, 1);
      for (const cen of [sorted, craw]) {
        const pot = Float64Array.from(uniform(m, 93 + d, -0.02, 0.02), (v, q) => v + 2 * 0.3 * cen[q * d]! - 0.09);
        for (const eps of [0.003, 0.05]) {
          const out = new Float64Array(n);
          const ref = new Float64Array(n);
          const terms = tiledSoftmin(x, n, cen, w, pot, d, eps, out);
          expect(terms).toBe(tiledSoftminReference(x, n, cen, w, pot, d, eps, ref));
          expect(terms).toBeLessThan(0.5 * n * m);
          // Only the exp differs (≤ 2 ulp per term, module comment): out agrees to ~1e-15 relative.
          for (let i = 0; i < n; i++) expect(Math.abs(out[i]! - ref[i]!), `point ${i}`).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(ref[i]!)));
        }
      }
    });
  }
});


describe('tile summaries, kept sets and extension plans against the plain scans (CPU)', () => {
  it('tileSummaries: every value as the plain version rounds it (d = 1, 2, 3; partial, degenerate and tied tiles)', () => {
    for (const d of [1, 2, 3]) {
      for (const n of [1, 2, 31, 33, 1000, 5003]) {
        const raw = uniform(n * d, 200 + n + d, -2, 2);
        // f32 points (as the solver holds them), f64 points, and a coarse grid (ties, flat tiles, singular slopes).
        for (const pts of [sorted(raw, n, d), Float64Array.from(raw), Float64Array.from(raw, (v) => Math.round(2 * v) / 2)]) {
          const pot = Float64Array.from(uniform(n, 300 + n, -0.1, 0.1), (v, i) => v + 0.5 * pts[i * d]! ** 2);
          for (const size of [TILE, 2 * TILE, 32 * TILE]) {
            const got = tileSummaries(pts, 0, pot, 0, n, d, size);
            const want = tileSummariesReference(pts, 0, pot, 0, n, d, size);
            for (const k of ['centre', 'radius', 'a', 'slope', 'lo', 'hi', 'potMax'] as const) expectSame(got[k], want[k], `d = ${d}, n = ${n}, size ${size}: ${k}`);
          }
        }
      }
    }
  });

  for (const d of [2, 3]) {
    it(`keptRanges: the plain scan's kept sets for the four blocks of a debiased solve sharing one SideCache (d = ${d}, many super-tiles)`, () => {
      // X uniform on a square, Y in two separated blobs (many super-tiles out of reach of each row
      // tile), both sorted into one buffer as the solver lays them out; cross potentials of the shift
      // map plus noise, self potentials small and smooth, [cross | self] in one array.
      const n = d === 2 ? 40_003 : 9_001;
      const m = d === 2 ? 30_011 : 7_003;
      const ys = Math.ceil(n / 4) * 4;
      const T = ys + m;
      const yRaw = uniform(m * d, 410 + d, -1, 1).map((v, k) => (k % d === 0 ? v + (Math.floor(k / d) % 2 ? 3 : -3) : v));
      const pts = new Float32Array(T * d);
      pts.set(sorted(uniform(n * d, 400 + d, -4, 4), n, d), 0);
      pts.set(sorted(yRaw, m, d), ys * d);
      const s = [0.5, 0.2, -0.1];
      const noise = uniform(2 * T, 420 + d, -0.01, 0.01);
      const pot = Float32Array.from({ length: 2 * T }, (_, k) => {
        const i = k % T;
        if (k >= T) return noise[k]! + 0.01 * pts[i * d]!;
        let v = noise[k]!;
        for (let c = 0; c < d; c++) v += i < ys ? -2 * pts[i * d + c]! * s[c]! : 2 * pts[i * d + c]! * s[c]! - s[c]! ** 2;
        return v;
      });
      const side = (at: number, len: number, self: boolean): BlockSide => ({ at, n: len, pot, potAt: (self ? T : 0) + at });
      const blocks: [string, BlockSide, BlockSide][] = [
        ['xy', side(0, n, false), side(ys, m, false)],
        ['yx', side(ys, m, false), side(0, n, false)],
        ['xx', side(0, n, true), side(0, n, true)],
        ['yy', side(ys, m, true), side(ys, m, true)],
      ];
      // Threshold -0.5 keeps nothing: every row tile falls back on its column tile of smallest bound.
      for (const threshold of [-0.5, 0.003, 0.05]) {
        const cache = new SideCache(pts, d);
        for (const [name, rows, cols] of blocks) {
          const got = keptRanges(pts, d, rows, cols, SPARSE_TILE_ROWS, threshold, cache);
          const want = keptRangesReference(pts, d, rows, cols, SPARSE_TILE_ROWS, threshold);
          const what = `${name}, threshold ${threshold}`;
          expect(got.pairs, what).toBe(want.pairs);
          expectSame(got.off, want.off, `${what}: off`);
          expectSame(got.ranges, want.ranges, `${what}: ranges`);
          // The comparison means something: at the small threshold most pairs are dropped.
          if (threshold === 0.003) expect(got.pairs, what).toBeLessThan(0.2 * rows.n * cols.n);
        }
      }
      // keptSubset on the runs against the plain check on the kept column tiles of each row tile
      // (not a plain inclusion for thresholds: a row tile that keeps nothing keeps its best tile).
      const tilesOf = (k: KeptRanges) =>
        Array.from({ length: k.off.length - 1 }, (_, t) => {
          const set = new Set<number>();
          for (let r = k.off[t]!; r < k.off[t + 1]!; r++) for (let j = k.ranges[2 * r]!; j < k.ranges[2 * r + 1]!; j += TILE) set.add(Math.floor(j / TILE));
          return set;
        });
      const subsetPlain = (a: KeptRanges, b: KeptRanges) => {
        const B = tilesOf(b);
        return tilesOf(a).every((set, t) => [...set].every((q) => B[t]!.has(q)));
      };
      for (const [name, rows, cols] of blocks) {
        const small = keptRanges(pts, d, rows, cols, SPARSE_TILE_ROWS, 0.003);
        const large = keptRanges(pts, d, rows, cols, SPARSE_TILE_ROWS, 0.05);
        // One column tile dropped from the end of one run of each of a few row tiles.
        const cut = { ...large, ranges: large.ranges.slice() };
        let cuts = 0;
        for (let r = 0; r < large.ranges.length / 2 && cuts < 3; r += 97) {
          if (cut.ranges[2 * r + 1]! - cut.ranges[2 * r]! > TILE) (cut.ranges[2 * r + 1] = cut.ranges[2 * r + 1]! - TILE), cuts++;
        }
        expect(cuts, name).toBeGreaterThan(0);
        for (const [a, b, label] of [
          [small, large, 'small in large'],
          [large, small, 'large in small'],
          [small, small, 'small in small'],
          [large, cut, 'large in cut'],
          [cut, large, 'cut in large'],
        ] as const) {
          expect(keptSubset(a, b), `${name}: ${label}`).toBe(subsetPlain(a, b));
        }
        expect(keptSubset(large, cut), name).toBe(false);
        expect(keptSubset(cut, large), name).toBe(true);
      }
    });
  }

  it('extensionPlan: the plain scan\'s best, best centre and kept centres, bit for bit (d = 1, 2, 3, 5)', () => {
    for (const d of [1, 2, 3, 5]) {
      const n = 3001;
      const x = sorted(uniform(n * d, 500 + d, -3, 3), n, d);
      for (const m of [1, 803, 5003]) {
        const craw = uniform(m * d, 510 + d + m, -3, 3);
        // Centres in k-d order (as the leaves are), in random order (wide nodes), and duplicated in
        // pairs (ties for the best: the smallest index wins).
        const csorted = sorted(craw, m, d);
        const cdup = Float32Array.from({ length: m * d }, (_, k) => csorted[(Math.floor(k / d) >> 1) * 2 * d + (k % d)]!);
        for (const [label, cen] of [['sorted', csorted], ['random', Float32Array.from(craw)], ['pairs', cdup]] as const) {
          const w = uniform(m, 520 + d, 0.2, 1);
          if (label === 'pairs') for (let q = 1; q < m; q += 2) w[q] = w[q - 1]!;
          // A potential with a strong gradient (the cross problem's -|y|²), and a flat one with noise.
          const steep = Float64Array.from({ length: m }, (_, q) => -(cen[q * d]! ** 2) - 0.3 * cen[q * d + d - 1]!);
          const flat = Float64Array.from(uniform(m, 530 + d, -0.02, 0.02), (v, q) => (label === 'pairs' ? 0.01 * cen[q * d]! : v));
          for (const pot of [steep, flat]) {
            for (const eps of [0.002, 0.05]) {
              const got = extensionPlan(x, n, cen, w, pot, d, eps);
              const want = extensionPlanReference(x, n, cen, w, pot, d, eps);
              const what = `d = ${d}, m = ${m}, ${label}, eps ${eps}`;
              expectSame(got.best, want.best, `${what}: best`);
              expectSame(got.bestCentre, want.bestCentre, `${what}: best centre`);
              expectSame(got.off, want.off, `${what}: off`);
              expectSame(got.ranges, want.ranges, `${what}: ranges`);
              expect(got.terms, what).toBe(want.terms);
              if (d <= 3 && m > 1 && eps < 0.01) expect(got.terms, what).toBeLessThan(0.5 * n * m);
            }
          }
        }
      }
    }
  });

  it('extensionPlan: zero weights, infinite and NaN potentials as the plain scan treats them', () => {
    const d = 2;
    const n = 1500;
    const m = 700;
    const x = sorted(uniform(n * d, 600, -2, 2), n, d);
    const cen = sorted(uniform(m * d, 601, -2, 2), m, d);
    const base = Float64Array.from({ length: m }, (_, q) => -(cen[q * d]! ** 2));
    const cases: [string, (w: Float64Array, pot: Float64Array) => void][] = [
      ['zero weights', (w) => w.fill(0, 100, 180)],
      ['-∞ potentials', (_, pot) => pot.fill(-Infinity, 300, 340)],
      ['+∞ potential', (_, pot) => (pot[411] = Infinity)],
      ['NaN potentials', (_, pot) => pot.fill(NaN, 500, 520)],
      ['all weights zero', (w) => w.fill(0)],
    ];
    for (const [what, spoil] of cases) {
      const w = uniform(m, 602, 0.2, 1);
      const pot = base.slice();
      spoil(w, pot);
      const got = extensionPlan(x, n, cen, w, pot, d, 0.01);
      const want = extensionPlanReference(x, n, cen, w, pot, d, 0.01);
      expectSame(got.best, want.best, `${what}: best`);
      expectSame(got.bestCentre, want.bestCentre, `${what}: best centre`);
      expectSame(got.off, want.off, `${what}: off`);
      expectSame(got.ranges, want.ranges, `${what}: ranges`);
      expect(got.terms, what).toBe(want.terms);
    }
  });
});
