// Exact OT by the network simplex (src/transport/network_simplex.ts): POT emd2 values, and oracles
// that need no peer (permutations, the 1-D quantile coupling, duality and the plan's marginals).
import { describe, expect, it } from 'vitest';
import { CancelledError, InputError } from '../src/gpu/errors.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { w2sqExact1d } from '../src/transport/exact.js';
import { exactOT, exactOTAsync, networkSimplex, type ExactOtResult } from '../src/transport/network_simplex.js';
import { hostW2 } from '../src/api/engine.js';
import { normaliseWeights } from '../src/gpu/validate.js';
import { sqEuclideanCost } from '../src/transport/ot_cost.js';
import { bruteAssignment, sqdist64 } from './reference/transport.js';

/** Seeded clouds: N(0, 1)·scale per coordinate, the first coordinate shifted by `shift`. */
function cloud(n: number, d: number, seed: number, scale = 1, shift = 0): Float64Array {
  const z = rngFillCpu(n * d, seed, 0, 'normal');
  return Float64Array.from(z, (v, k) => scale * v + (k % d === 0 ? shift : 0));
}
/** Seeded positive weights in [0.1, 1.1) (not normalised). */
function weights(n: number, seed: number): Float64Array {
  return Float64Array.from(rngFillCpu(n, seed, 0, 'uniform'), (u) => u + 0.1);
}

/**
 * Checks every optimality certificate of a solution: the plan is feasible (marginals a and b,
 * P ≥ 0, at most n + m − 1 entries), its cost is the reported cost, the potentials are dual feasible
 * (f_i + g_j ≤ C_ij), tight on the plan's support (complementary slackness), and the dual value
 * equals the primal one. Together these prove optimality, independently of how it was found.
 */
function checkCertificate(r: ExactOtResult, C: Float64Array, n: number, m: number, a: Float64Array, b: Float64Array): void {
  const scale = Math.max(...C);
  // Rounding: costs and potentials are O(scale); sums over ≤ n + m terms of O(1e-16·scale).
  const tol = 1e-12 * scale;
  const plan = r.plan!;
  expect(plan.mass.length).toBeLessThanOrEqual(n + m - 1);
  const rowSum = new Float64Array(n);
  const colSum = new Float64Array(m);
  let cost = 0;
  for (let k = 0; k < plan.mass.length; k++) {
    const i = plan.rows[k]!;
    const j = plan.cols[k]!;
    const p = plan.mass[k]!;
    expect(p).toBeGreaterThan(0);
    rowSum[i] = rowSum[i]! + p;
    colSum[j] = colSum[j]! + p;
    cost += p * C[i * m + j]!;
    // Complementary slackness: P_ij > 0 ⇒ f_i + g_j = C_ij.
    expect(Math.abs(r.f[i]! + r.g[j]! - C[i * m + j]!)).toBeLessThan(tol);
  }
  expect(rowSum).toBeAllclose(a, { atol: 1e-14 });
  expect(colSum).toBeAllclose(b, { atol: 1e-14 });
  expect(cost).toBeAllclose(r.cost, { rtol: 1e-12 });
  let worst = Infinity;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) worst = Math.min(worst, C[i * m + j]! - r.f[i]! - r.g[j]!);
  expect(worst).toBeGreaterThan(-tol);
  expect(r.dual).toBeAllclose(r.cost, { rtol: 1e-10, atol: tol });
}

describe('network simplex against POT emd2', () => {
  // Reference values: the clouds and weights below, written out as float64 and passed to
  // POT 0.8.2 (Debian python3-pot): a /= a.sum(); b /= b.sum(); ot.emd2(a, b, ot.dist(x, y),
  // numItermax=1e8). Our solver agrees with them to ~1e-14; the issue asks for 1e-6, and 1e-9
  // holds with margin (both are float64 simplex vertices of the same LP).
  const cases = [
    { name: '900 vs 600 points, 2-D, uniform', n: 900, m: 600, d: 2, weighted: false, pot: 1.5731393463397048 },
    { name: '900 vs 600 points, 2-D, weighted', n: 900, m: 600, d: 2, weighted: true, pot: 1.5048912110649078 },
    { name: '300 vs 200 points, 3-D, weighted', n: 300, m: 200, d: 3, weighted: true, pot: 1.9552700245876957 },
    { name: '150 vs 120 points, 100-D, weighted (stored cost matrix)', n: 150, m: 120, d: 100, weighted: true, pot: 100.84603015489654 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const x = cloud(c.n, c.d, 101);
      const y = cloud(c.m, c.d, 202, 0.5, 1);
      const opts = c.weighted ? { a: weights(c.n, 303), b: weights(c.m, 404) } : {};
      const r = exactOT(x, y, c.d, opts);
      expect(r.cost).toBeAllclose(c.pot, { rtol: 1e-9 });
      expect(r.dual).toBeAllclose(c.pot, { rtol: 1e-9 });
    });
  }
});

describe('network simplex: oracles', () => {
  it('equals the best permutation for equal uniform clouds (brute force, n = 7, d = 1, 2, 5)', () => {
    // Birkhoff: between two uniform measures of n points an optimal plan is a permutation.
    for (const d of [1, 2, 5]) {
      const x = cloud(7, d, 10 + d);
      const y = cloud(7, d, 20 + d);
      expect(exactOT(x, y, d).cost).toBeAllclose(bruteAssignment(x, y, d), { rtol: 1e-12 });
    }
  });

  it('recovers a shuffled translate: W2² = |t|², the plan undoes the shuffle', () => {
    // Y = X + t, shuffled: the translation is the optimal map (gradient of |x|²/2 + t·x).
    const n = 300;
    const d = 3;
    const x = cloud(n, d, 7);
    const perm = Array.from({ length: n }, (_, i) => (i * 41) % n);
    const t = [0.3, -0.4, 0.1];
    const y = new Float64Array(n * d);
    perm.forEach((p, k) => t.forEach((tc, c) => (y[k * d + c] = x[p * d + c]! + tc)));
    const r = exactOT(x, y, d, { plan: true });
    expect(r.cost).toBeAllclose(0.26, { rtol: 1e-12 });
    expect(r.plan!.mass.length).toBe(n);
    for (let k = 0; k < n; k++) expect(r.plan!.cols[k]).toBe(perm.indexOf(r.plan!.rows[k]!));
  });

  it('works at high dimension (d = 784, 4096): brute-force permutations and a shuffled translate', () => {
    for (const d of [784, 4096]) {
      const x = cloud(6, d, 40 + d);
      const y = cloud(6, d, 50 + d, 1.2, 0.3);
      expect(exactOT(x, y, d).cost).toBeAllclose(bruteAssignment(x, y, d), { rtol: 1e-12 });
    }
    // Translation is optimal in any dimension: W2² = |t|² between X and a shuffled X + t, also
    // with X's points split into two half-weight copies (unequal sizes, non-uniform weights).
    const n = 25;
    const d = 4096;
    const x = cloud(n, d, 61, 3);
    const t = Float64Array.from(cloud(1, d, 62), (v) => 0.01 * v);
    const tt = t.reduce((s, v) => s + v * v, 0);
    const y = new Float64Array(n * d);
    for (let k = 0; k < n; k++) for (let c = 0; c < d; c++) y[k * d + c] = x[((k * 7) % n) * d + c]! + t[c]!;
    expect(exactOT(x, y, d).cost).toBeAllclose(tt, { rtol: 1e-9 });
    const x2 = new Float64Array(2 * n * d);
    x2.set(x);
    x2.set(x, n * d);
    const a = Float64Array.from({ length: 2 * n }, (_, k) => (k < n ? 0.25 : 0.75));
    expect(exactOT(x2, y, d, { a }).cost).toBeAllclose(tt, { rtol: 1e-9 });
  });

  it('equals the weighted 1-D quantile coupling for unequal sizes and weights', () => {
    const x = cloud(230, 1, 31);
    const y = cloud(170, 1, 32, 2, 0.5);
    const a = normaliseWeights('a', weights(230, 33), 230);
    const b = normaliseWeights('b', weights(170, 34), 170);
    expect(exactOT(x, y, 1, { a, b }).cost).toBeAllclose(w2sqExact1d(x, y, a, b), { rtol: 1e-10 });
  });

  it('gives a certified optimum: feasible sparse plan, feasible potentials, slackness, primal = dual', () => {
    for (const [n, m, d] of [
      [61, 47, 2],
      [40, 90, 12],
      [50, 50, 3],
    ] as const) {
      const x = cloud(n, d, n + d);
      const y = cloud(m, d, m + 2 * d, 0.7, 0.5);
      const a = normaliseWeights('a', weights(n, 5), n);
      const b = normaliseWeights('b', weights(m, 6), m);
      const C = sqEuclideanCost(x, y, d);
      checkCertificate(exactOT(x, y, d, { a, b, plan: true }), C, n, m, a, b);
      // Uniform and equal sizes: the most degenerate case (n − 1 zero-flow tree arcs).
      const u = new Float64Array(n).fill(1 / n);
      const v = new Float64Array(m).fill(1 / m);
      checkCertificate(exactOT(x, y, d, { plan: true }), C, n, m, u, v);
    }
  });

  it('solves any cost matrix (integer costs with ties, brute force over permutations)', () => {
    // Many ties (costs in 0..4) make the LP highly degenerate: the strongly feasible tree must still end.
    const n = 7;
    const u = rngFillCpu(n * n, 77, 0, 'uniform');
    const C = Float64Array.from(u, (v) => Math.floor(5 * v));
    let best = Infinity;
    const idx = Array.from({ length: n }, (_, i) => i);
    const permute = (k: number) => {
      if (k === n) best = Math.min(best, idx.reduce((s, j, i) => s + C[i * n + j]!, 0) / n);
      for (let i = k; i < n; i++) {
        [idx[k], idx[i]] = [idx[i]!, idx[k]!];
        permute(k + 1);
        [idx[k], idx[i]] = [idx[i]!, idx[k]!];
      }
    };
    permute(0);
    const r = networkSimplex(C, n, n, undefined, undefined, { plan: true });
    expect(r.cost).toBeAllclose(best, { rtol: 1e-12 });
    const w = new Float64Array(n).fill(1 / n);
    checkCertificate(r, C, n, n, w, w);
  });

  it('is symmetric, translation invariant and zero on identical clouds', () => {
    const x = cloud(80, 2, 1);
    const y = cloud(60, 2, 2, 1.5, 1);
    const a = weights(80, 3);
    const b = weights(60, 4);
    const xy = exactOT(x, y, 2, { a, b }).cost;
    expect(exactOT(y, x, 2, { a: b, b: a }).cost).toBeAllclose(xy, { rtol: 1e-12 });
    const shift = (p: Float64Array) => p.map((v, k) => v + (k % 2 ? -3 : 7));
    expect(exactOT(shift(x), shift(y), 2, { a, b }).cost).toBeAllclose(xy, { rtol: 1e-9 });
    expect(exactOT(x, x, 2, { a, b: a }).cost).toBe(0);
  });

  it('scales as s² from 1e-12 to 1e12 (the tolerance is relative to the costs, no absolute floor)', () => {
    const x = cloud(70, 2, 21);
    const y = cloud(50, 2, 22, 0.5, 1);
    const a = weights(70, 23);
    const ref = exactOT(x, y, 2, { a }).cost;
    for (const sc of [1e-12, 1e-6, 1e6, 1e12]) {
      const r = exactOT(
        x.map((v) => v * sc),
        y.map((v) => v * sc),
        2,
        { a },
      );
      expect(r.cost / (sc * sc)).toBeAllclose(ref, { rtol: 1e-12 });
      expect(r.dual / (sc * sc)).toBeAllclose(ref, { rtol: 1e-9 });
    }
  });

  it('drops zero-weight points: same cost as without them, c-transform potentials for them', () => {
    const x = cloud(40, 2, 11);
    const y = cloud(30, 2, 12, 1, 2);
    const a = weights(40, 13);
    const b = weights(30, 14);
    a[5] = 0;
    a[17] = 0;
    b[0] = 0;
    const keepX = Array.from({ length: 40 }, (_, i) => i).filter((i) => a[i]! > 0);
    const keepY = Array.from({ length: 30 }, (_, j) => j).filter((j) => b[j]! > 0);
    const sub = (p: Float64Array, keep: number[]) => Float64Array.from(keep.flatMap((i) => [p[2 * i]!, p[2 * i + 1]!]));
    const full = exactOT(x, y, 2, { a, b, plan: true });
    const reduced = exactOT(sub(x, keepX), sub(y, keepY), 2, { a: keepX.map((i) => a[i]!), b: keepY.map((j) => b[j]!) });
    expect(full.cost).toBeAllclose(reduced.cost, { rtol: 1e-12 });
    for (const k of full.plan!.rows) expect(a[k]).toBeGreaterThan(0);
    // The c-transform is feasible and tight for some column.
    let slack = Infinity;
    for (let j = 0; j < 30; j++) if (b[j]! > 0) slack = Math.min(slack, sqdist64(x, 5, y, j, 2) - full.f[5]! - full.g[j]!);
    expect(Math.abs(slack)).toBeLessThan(1e-12);
  });

  it('refuses bad weights and shapes with an error naming the problem', () => {
    const x = cloud(4, 2, 1);
    const y = cloud(3, 2, 2);
    expect(() => exactOT(x, y, 2, { a: [1, 2, 3] })).toThrow(/a has 3 weights but there are 4 points/);
    expect(() => exactOT(x, y, 2, { a: [1, -1, 1, 1] })).toThrow(/a\[1\] is -1: weights must be non-negative/);
    expect(() => exactOT(x, y, 2, { b: [1, NaN, 1] })).toThrow(/b\[1\] is NaN: weights must be finite/);
    expect(() => exactOT(x, y, 2, { b: [0, 0, 0] })).toThrow(/b sum to 0: at least one weight must be positive/);
    expect(() => exactOT(x, y.subarray(0, 5), 2)).toThrow(InputError);
    expect(() => exactOT([0, NaN], [1, 1], 2)).toThrow(/exact OT: X\[0\]\[1\] \(flat index 1\) is NaN/);
    expect(() => networkSimplex([0, 1, 2], 2, 2)).toThrow(/3 entries, 2×2 needs 4/);
  });
});

describe('network simplex without holding the thread (exactOTAsync, w2 exact)', () => {
  // 1500 × 1500 uniform points in 2-D: ~1 s of pivots on this machine, many 50 ms slices.
  const n = 1500;
  const x = Float64Array.from(rngFillCpu(2 * n, 61), (u) => 4 * u);
  const y = Float64Array.from(rngFillCpu(2 * n, 62), (u) => 3 * u + 0.5);

  it('gives the synchronous bits, with progress by pivots between slices', async () => {
    const events: number[] = [];
    const r = await exactOTAsync(x, y, 2, { onProgress: (e) => events.push(e.done) });
    const s = exactOT(x, y, 2);
    expect(r.cost).toBe(s.cost);
    expect(r.pivots).toBe(s.pivots);
    expect(Array.from(r.f)).toEqual(Array.from(s.f));
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((v, k) => k === 0 || v > events[k - 1]!)).toBe(true);
    expect(events.at(-1)!).toBeLessThanOrEqual(r.pivots);
  }, 60_000);

  it('is cancelled by a timer (the event loop gets turns), as is the library w2 with method exact', async () => {
    const abort = (ms: number) => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), ms);
      return ac.signal;
    };
    // 5000 × 5000: 4 s of pivots at 4000 here (loaded), ~40 s at 5000 in exact.auto.5000, so a
    // rejection within 1.5 s is the abort seen between slices, not the end of the solve.
    const big = 5000;
    const bx = Float64Array.from(rngFillCpu(2 * big, 63), (u) => 4 * u);
    const by = Float64Array.from(rngFillCpu(2 * big, 64), (u) => 3 * u + 0.5);
    const t0 = performance.now();
    await expect(exactOTAsync(bx, by, 2, { signal: abort(100) })).rejects.toThrow(CancelledError);
    expect(performance.now() - t0).toBeLessThan(1500);
    const cloud = (p: Float64Array) => ({ data: p, d: 2 });
    const t1 = performance.now();
    await expect(hostW2(cloud(bx), cloud(by), { method: 'exact', signal: abort(100) })).rejects.toThrow(CancelledError);
    expect(performance.now() - t1).toBeLessThan(1500);
  }, 60_000);
});
