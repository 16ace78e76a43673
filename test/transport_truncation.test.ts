// Truncation of far pairs: the block-sparse softmin kernel against its float64 twin, the tile bound
// against brute force, and the truncated solver against the dense one and float64 Sinkhorn (the host
// set-up against its plain references: test/truncation_setup.test.ts).
import { describe, expect, it } from 'vitest';
import { rngFillCpu } from '../src/rng/philox.js';
import { SoftminParams } from '../src/kernels/sinkhorn_softmin.js';
import { packSparseTasks, SinkhornSoftminSparse, SPARSE_TASK_WORDS, SPARSE_TILE_ROWS, type SparseTask } from '../src/kernels/sinkhorn_softmin_sparse.js';
import { pairBound, spatialOrder, tileSummaries, TILE } from '../src/transport/truncation.js';
import { keptRanges } from '../src/transport/kept_ranges.js';
import { tiledSoftmin } from '../src/transport/extension.js';
import { softmin64, softminRanges64, sqdist64 } from './reference/transport.js';
import { sinkhorn, sinkhornBatch } from '../src/transport/sinkhorn/index.js';
import { useGpu } from './gpu.js';

const gpu = useGpu();

function uniform(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  return Float64Array.from(rngFillCpu(n, seed, 0, 'uniform'), (u) => lo + (hi - lo) * u);
}

describe('sinkhorn_softmin_sparse kernel', () => {
  it('matches the float64 softmin over the given column ranges (partial tiles, partial last range)', async () => {
    const ctx = gpu();
    const d = 3;
    // Rows: 2 tiles (128 + 75 rows) of X; columns: Y of 203 points (not a multiple of 4 or 32).
    const n = SPARSE_TILE_ROWS + 75;
    const m = 203;
    const xs = 0;
    const ys = Math.ceil(n / 4) * 4;
    const total = ys + Math.ceil(m / 4) * 4;
    const x = Float32Array.from(uniform(n * d, 1));
    const y = Float32Array.from(uniform(m * d, 2));
    const eps = 0.05;
    const omega = 1.3;
    const g = Float32Array.from(uniform(m, 3, -0.2, 0.2));
    const old = Float32Array.from(uniform(n, 4, -0.5, 0.5));
    const logb = Float32Array.from(uniform(m, 5, -6, -5));
    const loga = Float32Array.from(uniform(n, 6, -6, -5));
    const pts = new Float32Array(total * d);
    pts.set(x, xs * d);
    pts.set(y, ys * d);
    const logw = new Float32Array(total);
    logw.set(loga, xs);
    logw.set(logb, ys);
    // Potentials: [old (rows) | g (columns)] at the same offsets as the points; output after them;
    // then their low parts (zero).
    const pot = new Float32Array(4 * total);
    pot.set(old, xs);
    pot.set(g, ys);
    // Tile 0 keeps two ranges (one ending mid-block at a tile edge), tile 1 keeps the last, partial one.
    const ranges: [number, number][][] = [
      [
        [0, 64],
        [128, 160],
      ],
      [[160, 203]],
    ];
    const flat = new Uint32Array(ranges.flat(2));
    const tasks: SparseTask[] = [0, 1].map((t) => ({
      rowOff: xs + t * SPARSE_TILE_ROWS,
      n: Math.min(SPARSE_TILE_ROWS, n - t * SPARSE_TILE_ROWS),
      colOff: ys,
      rangeOff: t === 0 ? 0 : 2,
      rangeCount: ranges[t]!.length,
      colPot: ys,
      oldPot: xs + t * SPARSE_TILE_ROWS,
      outPot: total + xs + t * SPARSE_TILE_ROWS,
      colLogw: ys,
      rowLogw: xs + t * SPARSE_TILE_ROWS,
      errOff: xs + t * SPARSE_TILE_ROWS,
      selfTerm: false,
    }));
    const words = new Uint32Array(tasks.length * SPARSE_TASK_WORDS);
    packSparseTasks(tasks, words);
    const kernel = await SinkhornSoftminSparse.create(ctx, d);
    const bufs = [
      ctx.uniform('t:params', SoftminParams.byteSize),
      ctx.storage('t:pts', pts),
      ctx.storage('t:logw', logw),
      ctx.storage('t:pot', pot),
      ctx.storage('t:err', total * 4),
      ctx.storage('t:tasks', words),
      ctx.storage('t:ranges', flat),
    ] as const;
    try {
      ctx.write(bufs[0], SoftminParams.pack({ eps, inv_eps: 1 / eps, omega_cross: omega, omega_self: 0.5, lo_off: 2 * total }));
      const main = kernel.mainBindGroup(ctx, 't:main', bufs[0], bufs[1], bufs[2], bufs[3], bufs[4]);
      const tb = kernel.taskBindGroup(ctx, 't:tasks', bufs[5], 0, tasks.length, bufs[6]);
      const enc = ctx.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      kernel.dispatch(pass, main, tb, tasks.length);
      pass.end();
      const out = new Float32Array(await ctx.read(bufs[3], (total + xs) * 4, n * 4, enc));
      const err = await ctx.readF32(bufs[4], xs, n);
      for (let t = 0; t < 2; t++) {
        const r0 = t * SPARSE_TILE_ROWS;
        const r1 = Math.min(n, r0 + SPARSE_TILE_ROWS);
        const ref = softminRanges64(x.subarray(r0 * d, r1 * d), y, d, logb, g, old.subarray(r0, r1), loga.subarray(r0, r1), ranges[t]!, eps, omega);
        // f32: costs and potentials of size ~1 carry ~1e-7 relative rounding, amplified by 1/ε = 20 in
        // the exponent and brought back by ε: ~1e-6 absolute on the potential.
        expect(out.subarray(r0, r1)).toBeAllclose(ref.out, { rtol: 1e-5, atol: 1e-5 });
        // The error a_i |e^{Δ/ε} - 1| with a_i ~ 4e-3: Δ/ε rounding ~2e-5 relative.
        expect(err.subarray(r0, r1)).toBeAllclose(ref.err, { rtol: 1e-3, atol: 1e-7 });
      }
    } finally {
      for (const b of bufs) ctx.destroyBuffer(b);
    }
  });
});

describe('truncation bound (CPU)', () => {
  // Brute force on 2-D and 3-D clouds with potentials near a transport solution plus noise: every
  // pair with slack C_ij - f_i - g_j <= threshold must lie in a kept range of its row tile, and the
  // tile bound must be below the exact minimum slack of every tile pair.
  for (const d of [2, 3]) {
    it(`keeps every pair under the threshold (d = ${d}, sizes not multiples of the tiles)`, () => {
      const n = d === 2 ? 2917 : 517;
      const m = d === 2 ? 2389 : 389;
      const x = Float32Array.from(uniform(n * d, 10 + d, -4, 4));
      const y = Float32Array.from(uniform(m * d, 20 + d, -3.5, 4.5));
      const sx = spatialOrder(x, n, d);
      const sy = spatialOrder(y, m, d);
      expect(Array.from(sx).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      // Points in one buffer: X sorted at 0, Y sorted at ys (a multiple of 4).
      const ys = Math.ceil(n / 4) * 4;
      const pts = new Float64Array((ys + m) * d);
      for (let k = 0; k < n; k++) for (let c = 0; c < d; c++) pts[k * d + c] = x[sx[k]! * d + c]!;
      for (let k = 0; k < m; k++) for (let c = 0; c < d; c++) pts[(ys + k) * d + c] = y[sy[k]! * d + c]!;
      // Potentials of a shift map x -> x + s: f = -2<x, s> - |s|² / 2... plus noise, so the slack is small
      // near the map and grows away from it.
      const s = [0.5, 0.2, -0.1];
      const pot = new Float64Array(ys + m);
      const nf = uniform(n + m, 30 + d, -0.01, 0.01);
      for (let k = 0; k < n; k++) {
        let v = 0;
        for (let c = 0; c < d; c++) v -= 2 * pts[k * d + c]! * s[c]!;
        pot[k] = v + nf[k]!;
      }
      for (let k = 0; k < m; k++) {
        let v = 0;
        for (let c = 0; c < d; c++) v += 2 * pts[(ys + k) * d + c]! * s[c]! - s[c]! ** 2;
        pot[ys + k] = v + nf[n + k]!;
      }
      const slack = (i: number, j: number) => sqdist64(pts, i, pts, ys + j, d) - pot[i]! - pot[ys + j]!;
      const threshold = 0.05;
      const kept = keptRanges(pts, d, { at: 0, n, pot, potAt: 0 }, { at: ys, n: m, pot, potAt: ys }, SPARSE_TILE_ROWS, threshold);
      let under = 0;
      for (let i = 0; i < n; i++) {
        const t = Math.floor(i / SPARSE_TILE_ROWS);
        const rs: [number, number][] = [];
        for (let q = kept.off[t]!; q < kept.off[t + 1]!; q++) rs.push([kept.ranges[2 * q]!, kept.ranges[2 * q + 1]!]);
        for (let j = 0; j < m; j++) {
          if (slack(i, j) > threshold) continue;
          under++;
          expect(rs.some(([a, b]) => j >= a && j < b), `pair ${i}, ${j} dropped`).toBe(true);
        }
      }
      // The test means something: some pairs are under the threshold and most pairs are dropped (in
      // 3-D a row tile of 128 of the 517 points is a quarter of the cloud: only checked in 2-D).
      expect(under).toBeGreaterThan(0);
      if (d === 2) expect(kept.pairs / (n * m)).toBeLessThan(0.5);
      const R = tileSummaries(pts, 0, pot, 0, n, d, TILE);
      const Q = tileSummaries(pts, ys, pot, ys, m, d, TILE);
      for (let a = 0; a < R.count; a++) {
        for (let b = 0; b < Q.count; b++) {
          let min = Infinity;
          for (let i = a * TILE; i < Math.min(n, (a + 1) * TILE); i++) for (let j = b * TILE; j < Math.min(m, (b + 1) * TILE); j++) min = Math.min(min, slack(i, j));
          expect(pairBound(R, a, Q, b)).toBeLessThanOrEqual(min + 1e-9);
        }
      }
    });
  }
});

describe('tiledSoftmin (the leaf start\'s extension)', () => {
  it('equals the dense float64 softmin against weighted centres, while skipping most of them', () => {
    // 3001 sorted points (the last tile partial) against 700 weighted centres with a potential of
    // a shift map plus noise, at an ε small enough that each tile only reaches a few centres.
    const d = 2;
    const n = 3001;
    const m = 700;
    const raw = Float32Array.from(uniform(n * d, 41, -3, 3));
    const order = spatialOrder(raw, n, d);
    const x = new Float64Array(n * d);
    for (let k = 0; k < n; k++) for (let c = 0; c < d; c++) x[k * d + c] = raw[order[k]! * d + c]!;
    const cen = uniform(m * d, 42, -3, 3);
    const w = uniform(m, 43, 0.2, 1);
    const pot = Float64Array.from(uniform(m, 44, -0.02, 0.02), (v, q) => v + 2 * 0.3 * cen[q * d]! - 0.09);
    const eps = 0.01;
    const out = new Float64Array(n);
    const terms = tiledSoftmin(x, n, cen, w, pot, d, eps, out);
    expect(terms).toBeLessThan(0.2 * n * m);
    const ref = softmin64(x, cen, d, Array.from(w, Math.log), pot, eps);
    // The dropped centres move out by at most ε·m·e^{-τ} = ε·1e-6 (module comment); rounding adds
    // a few ulps of |out| ~ 10.
    for (let i = 0; i < n; i++) expect(Math.abs(out[i]! - ref[i]!), `point ${i}`).toBeLessThanOrEqual(eps * 1e-6 + 1e-12);
  });
});

/** Three clusters (σ = s) at (0, 0), (5, 0), (0, 5), shifted by `shift`: most pairs are far apart. */
function clusters(n: number, seed: number, s: number, shift: readonly number[]): Float32Array {
  const z = rngFillCpu(2 * n, seed, 0, 'normal');
  const centres = [
    [0, 0],
    [5, 0],
    [0, 5],
  ];
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 2; c++) out[2 * i + c] = centres[i % 3]![c]! + shift[c]! + s * z[2 * i + c]!;
  return out;
}

/** Float64 L1 marginal error of the dense plan of (f, g) on the rows: Σ a_i |e^{(f_i - T(g)_i)/ε} - 1|. */
function rowError64(x: Float32Array, y: Float32Array, a: Float64Array, b: Float64Array, f: Float32Array, g: Float32Array, eps: number): number {
  const t = softmin64(x, y, 2, Array.from(b, Math.log), g, eps);
  let e = 0;
  for (let i = 0; i < a.length; i++) e += a[i]! * Math.abs(Math.exp((f[i]! - t[i]!) / eps) - 1);
  return e;
}

const centredAllclose = (u: Float32Array, v: Float32Array, atol: number) => {
  const mu = u.reduce((s, x) => s + x, 0) / u.length;
  const mv = v.reduce((s, x) => s + x, 0) / v.length;
  expect(u.map((x) => x - mu)).toBeAllclose(v.map((x) => x - mv), { rtol: 0, atol });
};

describe('truncated Sinkhorn solver', () => {
  it('three separated clusters, debiased, with gradient: equals the dense solver, potentials are the dense float64 fixed point', async () => {
    const ctx = gpu();
    // Sizes multiples of 3 (equal cluster masses on both sides: nothing has to cross between clusters,
    // the case where plain Sinkhorn at small ε is slow whatever the truncation), not of 4, 32 or 64.
    const n = 1497;
    const m = 1302;
    const x = clusters(n, 41, 0.3, [0, 0]);
    const y = clusters(m, 42, 0.4, [0.3, 0.2]);
    const a = new Float64Array(n).fill(1 / n);
    const b = new Float64Array(m).fill(1 / m);
    const opts = { blur: 0.05, tol: 1e-5, grad: true } as const;
    const X = { data: x, d: 2 };
    const Y = { data: y, d: 2 };
    const dense = await sinkhorn(ctx, X, Y, { ...opts, truncate: false });
    const trunc = await sinkhorn(ctx, X, Y, { ...opts, truncate: 12 });
    expect(dense.truncation).toBeUndefined();
    // Truncation did run, and dropped most pairs (the clusters are 5 apart, ε = 0.0025).
    expect(trunc.truncation!.sparseLevels).toBeGreaterThan(0);
    expect(trunc.truncation!.keptFraction).toBeLessThan(0.5);
    expect(trunc.converged).toBe(true);
    // Both solves stop at a marginal error of 1e-5; the values then agree to ~1e-5 of the cost scale.
    expect(Math.abs(trunc.w2sq - dense.w2sq)).toBeLessThan(1e-4 * Math.abs(dense.w2sq));
    // Potentials (in the caller's order) up to the additive constant of the dual; the potentials are
    // of size ~10 (costs across the clusters), f32 and a 1e-5 marginal error leave ~1e-4.
    centredAllclose(trunc.potentials.f, dense.potentials.f, 2e-3);
    centredAllclose(trunc.potentials.g, dense.potentials.g, 2e-3);
    // Gradient in the caller's order: rows a_i·2(x_i - bary_i), f32 plan moments.
    const gmax = dense.grad!.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
    expect(trunc.grad!).toBeAllclose(dense.grad!, { rtol: 0, atol: 1e-3 * gmax });
    // Exactness to the truncation tolerance: the truncated solver's potentials are a fixed point of
    // the dense float64 Sinkhorn map, to its own tolerance (1e-5 L1) plus e^{-12} = 6e-6 (with margin).
    const eps = trunc.eps;
    expect(rowError64(x, y, a, b, trunc.potentials.f, trunc.potentials.g, eps)).toBeLessThan(5e-5);
    expect(rowError64(y, x, b, a, trunc.potentials.g, trunc.potentials.f, eps)).toBeLessThan(5e-5);
    expect(rowError64(x, x, a, a, trunc.potentials.fSelf!, trunc.potentials.fSelf!, eps)).toBeLessThan(5e-5);
  }, 300_000);

  it('weighted, 2000+ points (leaf start: nested solve on the k-d tree leaves): the dense OT_ε', async () => {
    const ctx = gpu();
    const n = 2400;
    const m = 2089;
    const x = rngFillCpu(2 * n, 51, 0, 'normal');
    const y = rngFillCpu(2 * m, 52, 0, 'normal').map((v, k) => 0.5 * v + (k % 2 ? 0 : 2));
    const wx = uniform(n, 53, 0.5, 2);
    const wy = uniform(m, 54, 0.5, 2);
    const a = wx.map((v) => v / wx.reduce((s, w) => s + w, 0));
    const b = wy.map((v) => v / wy.reduce((s, w) => s + w, 0));
    const X = { data: x, d: 2, weights: wx };
    const Y = { data: y, d: 2, weights: wy };
    const opts = { blur: 0.1, tol: 2e-5, debias: false } as const;
    const trunc = await sinkhorn(ctx, X, Y, { ...opts, truncate: 12 });
    expect(trunc.truncation!.leaves).toBeDefined();
    expect(trunc.truncation!.sparseLevels).toBeGreaterThan(0);
    expect(trunc.converged).toBe(true);
    expect(rowError64(x, y, a, b, trunc.potentials.f, trunc.potentials.g, trunc.eps)).toBeLessThan(1e-4);
    expect(rowError64(y, x, b, a, trunc.potentials.g, trunc.potentials.f, trunc.eps)).toBeLessThan(1e-4);
    const dense = await sinkhorn(ctx, X, Y, { ...opts, truncate: false });
    expect(Math.abs(trunc.ot - dense.ot)).toBeLessThan(1e-5 * Math.abs(dense.ot));
  }, 300_000);

  it('a batch of two problems of different sizes: each truncated problem is its dense OT_ε and S_ε', async () => {
    const ctx = gpu();
    // Two problems in one solve (batches take the sparse levels, not the leaf start), one kept set of
    // ranges per problem in one table. Cluster sizes are multiples of 3 (see the test above) and the
    // clouds not multiples of 4, 32 or 128. What is dropped are mostly the cross-cluster pairs (slack
    // ~25 against ε = 0.0025), so a range assigned to the wrong problem or offset is what fails here.
    const ps = [
      { x: { data: clusters(1200, 61, 0.3, [0, 0]), d: 2 }, y: { data: clusters(999, 62, 0.35, [0.4, -0.2]), d: 2 } },
      { x: { data: clusters(903, 63, 0.25, [0, 0]), d: 2 }, y: { data: clusters(1101, 64, 0.3, [-0.3, 0.1]), d: 2 } },
    ];
    const opts = { blur: 0.05, tol: 1e-5 } as const;
    const trunc = await sinkhornBatch(ctx, ps, { ...opts, truncate: 12 });
    const dense = await sinkhornBatch(ctx, ps, { ...opts, truncate: false });
    for (let k = 0; k < ps.length; k++) {
      const t = trunc[k]!;
      const e = dense[k]!;
      expect(t.truncation!.sparseLevels, `problem ${k}`).toBeGreaterThan(0);
      expect(t.truncation!.keptFraction, `problem ${k}`).toBeLessThan(0.6);
      expect(t.converged).toBe(true);
      // As in the single-problem test: both stop at a marginal error of 1e-5, so the values agree to ~1e-5.
      expect(Math.abs(t.ot - e.ot), `problem ${k}: OT_ε`).toBeLessThan(1e-4 * Math.abs(e.ot));
      expect(Math.abs(t.w2sq - e.w2sq), `problem ${k}: S_ε`).toBeLessThan(1e-4 * Math.abs(e.w2sq));
      // Each problem's potentials are a fixed point of its own dense float64 Sinkhorn map.
      const { x, y } = ps[k]!;
      const a = new Float64Array(x.data.length / 2).fill(2 / x.data.length);
      const b = new Float64Array(y.data.length / 2).fill(2 / y.data.length);
      expect(rowError64(x.data, y.data, a, b, t.potentials.f, t.potentials.g, t.eps), `problem ${k}`).toBeLessThan(5e-5);
    }
  }, 300_000);
});
