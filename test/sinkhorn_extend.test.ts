// The leaf start's extension on the GPU (shaders/sinkhorn_extend.wgsl) against its float64
// reference (test/reference/truncation.ts: the plain scan over every centre, which keeps the same
// centres as extensionPlan), its 2-D grid of tiles, its refusals, and the debiased leaf start in the
// solver against the dense solve.
import { describe, expect, it } from 'vitest';
import { rngFillCpu } from '../src/rng/philox.js';
import { InputError } from '../src/gpu/errors.js';
import { EXTEND_ROWS, SinkhornExtend, type ExtendBlock } from '../src/kernels/sinkhorn_extend.js';
import { extensionPlan } from '../src/transport/extension.js';
import { leafCloud } from '../src/transport/sinkhorn/schedule.js';
import { sinkhorn } from '../src/transport/sinkhorn/index.js';
import { tiledSoftminReference } from './reference/truncation.js';
import { useGpu } from './gpu.js';
import { sorted, uniform } from './fixtures.js';

const gpu = useGpu();

/** The block of the extension of `pot` on the centres (c, w) to the n sorted points x, rows from rowOff, potentials from outPot. */
function block(x: Float32Array, n: number, c: Float32Array, w: Float64Array, pot: Float64Array, d: number, eps: number, rowOff: number, outPot: number): ExtendBlock {
  const plan = extensionPlan(x, n, c, w, pot, d, eps);
  return { rowOff, n, outPot, centres: c, h: plan.shift.map((v) => -v), off: plan.off, ranges: plan.ranges, bound: plan.best, best: plan.bestCentre };
}

/**
 * Run the kernel on `blocks` with the points `pts`, into a potentials buffer of `size` floats (the rests
 * from `loOff`) filled with `fill`; the buffer read back.
 */
async function run(pts: Float32Array, d: number, size: number, loOff: number, eps: number, blocks: readonly ExtendBlock[], fill: number): Promise<Float32Array> {
  const ctx = gpu();
  const kernel = await SinkhornExtend.create(ctx, d);
  const ptsBuf = ctx.storage('test:extend-points', pts);
  const potBuf = ctx.storage('test:extend-potentials', new Float32Array(size).fill(fill));
  try {
    const enc = ctx.device.createCommandEncoder({ label: 'test:extend' });
    const release = kernel.encode(ctx, enc, blocks, { pts: ptsBuf, pot: potBuf, loOff, eps });
    const out = await ctx.read(potBuf, 0, potBuf.size, enc);
    release();
    return new Float32Array(out);
  } finally {
    ctx.destroyBuffer(ptsBuf);
    ctx.destroyBuffer(potBuf);
  }
}

describe('sinkhorn_extend kernel', () => {
  for (const d of [1, 2, 3, 5]) {
    it(`equals the float64 extension over the same kept centres, two blocks at odd offsets (d = ${d})`, async () => {
      // X: 2011 sorted points (the last tile partial) in the unit box, as the solver scales clouds.
      // Centres: the leaves (centroids, masses) of a weighted Y of 6000 points, shifted by 0.3 on
      // the first axis, with the potential of that shift map plus noise and an offset of 1.7 (the
      // leaf potentials are ~1 in these units, which is where an f32 exponent formed from h alone
      // would lose ~1e-7/ε). Two blocks in one pass: X against Y's leaves (rows at point 5, outputs
      // at 3) and X against its own leaves (outputs at T + 3), as the cross and self potentials.
      const n = 2011;
      const m = 6000;
      const x = sorted(uniform(n * d, 10 + d, -0.5, 0.5), n, d);
      const y = sorted(
        uniform(m * d, 20 + d, -0.5, 0.5).map((v, k) => 0.6 * v + (k % d === 0 ? 0.3 : 0)),
        m,
        d,
      );
      const wy = uniform(m, 30 + d, 0.2, 1);
      const logw = Float32Array.from(wy, (v) => Math.log(v / wy.reduce((s, u) => s + u, 0)));
      const Y = leafCloud(y, logw, 0, m, d);
      const X = leafCloud(x, new Float32Array(n).fill(-Math.log(n)), 0, n, d);
      const potY = Float64Array.from(uniform(Y.w.length, 40 + d, -0.002, 0.002), (v, q) => v + 1.7 + 2 * 0.3 * Y.c[q * d]! - 0.09);
      const potX = Float64Array.from(uniform(X.w.length, 50 + d, -0.002, 0.002), (v) => v - 0.8);
      const T = 5 + n + 3;
      const pts = new Float32Array(T * d);
      pts.set(x, 5 * d);
      for (const eps of [1e-4, 3e-3]) {
        const blocks = [block(x, n, Y.c, Y.w, potY, d, eps, 5, 3), block(x, n, X.c, X.w, potX, d, eps, 5, T + 3)];
        const pot = await run(pts, d, 8 * T, 4 * T, eps, blocks, 7);
        for (const [k, cen, w, p] of [
          [0, Y.c, Y.w, potY],
          [1, X.c, X.w, potX],
        ] as const) {
          const ref = new Float64Array(n);
          const terms = tiledSoftminReference(x, n, cen, w, p, d, eps, ref);
          expect(terms, 'the plan keeps the reference centres').toBe(extensionPlan(x, n, cen, w, p, d, eps).terms);
          // Some pruning happened at the small ε (the comparison is over a truncated sum).
          if (eps < 1e-3 && d <= 2) expect(terms).toBeLessThan(0.5 * n * w.length);
          const at = k * T + 3;
          let worst = 0;
          for (let i = 0; i < n; i++) {
            const got = pot[at + i]! + pot[4 * T + at + i]!;
            // Tolerance: the exponent ((h_hi + B_hi) - C) + (h_lo + B_lo) is rounded at its own size,
            // so what is left is the f32 cost C (d + 1 roundings of C ≤ d·1.2: ~2^-24·d²·1.2, under
            // 2e-7·d for d ≤ 5), exp and log to a few ulps (ε·1e-6), the f32 sum of ≤ 250 terms
            // (ε·250·2^-24 = ε·1.5e-5) and the rounding of the result (2^-24·|f|). Measured on
            // lavapipe: at most 0.16 of it (5.6e-8 at d = 2, 1.8e-7 at d = 5, cross block, ε = 1e-4).
            const tol = 2e-7 * d + 2e-5 * eps + 2 ** -24 * Math.abs(ref[i]!);
            const err = Math.abs(got - ref[i]!);
            worst = Math.max(worst, err / tol);
            expect(err, `block ${k}, ε = ${eps}, point ${i}: ${got} vs ${ref[i]}`).toBeLessThanOrEqual(tol);
          }
          expect(worst).toBeLessThanOrEqual(1);
        }
        // Untouched: outputs before and after each block's rows, and the rests of those.
        for (const i of [0, 1, 2, 3 + n, 4 + n, T, T + 2, T + 3 + n, 2 * T, 4 * T + 2, 4 * T + 3 + n, 8 * T - 1]) expect(pot[i], `index ${i}`).toBe(7);
      }
    });
  }

  it('runs more tiles than one dispatch dimension holds on a 2-D grid', async () => {
    const ctx = gpu();
    const max = ctx.device.limits.maxComputeWorkgroupsPerDimension;
    // max + 2 tiles of EXTEND_ROWS rows, the last partial, each with all three centres.
    const tiles = max + 2;
    if (tiles * EXTEND_ROWS > 4_000_000) return; // an adapter with a very large limit: nothing to split here
    const n = (tiles - 1) * EXTEND_ROWS + 5;
    const d = 1;
    const x = Float32Array.from({ length: n }, (_, i) => i / n - 0.5);
    const c = Float32Array.from([-0.4, 0.1, 0.45]);
    const w = Float64Array.from([0.2, 0.5, 0.3]);
    const g = Float64Array.from([0.01, -0.02, 0.03]);
    const eps = 0.05;
    const off = Uint32Array.from({ length: tiles + 1 }, (_, t) => t);
    const ranges = new Uint32Array(2 * tiles);
    for (let t = 0; t < tiles; t++) ranges.set([0, 3], 2 * t);
    // B is only the reference of the exponents, and the shift's centre any kept one.
    const h = Float64Array.from(g, (v, q) => v + eps * Math.log(w[q]!));
    const bound = new Float64Array(tiles).fill(0.5);
    const best = new Uint32Array(tiles).fill(1);
    const pot = await run(x, d, 2 * n, n, eps, [{ rowOff: 0, n, outPot: 0, centres: c, h, off, ranges, bound, best }], 7);
    for (let i = 0; i < n; i += i < n - 100 ? 997 : 1) {
      let s = 0;
      for (let q = 0; q < 3; q++) s += w[q]! * Math.exp((g[q]! - (x[i]! - c[q]!) ** 2) / eps);
      expect(pot[i]! + pot[n + i]!, `point ${i}`).toBeCloseTo(-eps * Math.log(s), 6);
    }
  }, 300_000);

  it('redoes with a max pass the rows whose sum, shifted by the tile\'s best centre, overflows', async () => {
    // 40 points in [0.3, 0.5] against centres at -0.5 and 0.4, ε = 1e-3, each tile told that the far
    // centre is its best: the near one's term is e^{(0.8² - 0.1²)/ε} ≈ e^{630} times larger, far past
    // f32, so every row takes the exact path (and the finite sums of a second block do not).
    const d = 1;
    const n = 40;
    const x = Float32Array.from({ length: n }, (_, i) => 0.3 + (0.2 * i) / n);
    const c = Float32Array.from([-0.5, 0.4]);
    const h = Float64Array.from([0.02, -0.01]);
    const eps = 1e-3;
    const tiles = Math.ceil(n / EXTEND_ROWS);
    const common = { n, centres: c, h, off: Uint32Array.from({ length: tiles + 1 }, (_, t) => t), ranges: new Uint32Array(2 * tiles).fill(2).map((v, k) => (k % 2 ? v : 0)), bound: new Float64Array(tiles) };
    const pot = await run(x, d, 4 * n, 2 * n, eps, [
      { ...common, rowOff: 0, outPot: 0, best: new Uint32Array(tiles).fill(0) },
      { ...common, rowOff: 0, outPot: n, best: new Uint32Array(tiles).fill(1) },
    ], 7);
    for (let i = 0; i < n; i++) {
      const t = [0, 1].map((q) => (h[q]! - (x[i]! - c[q]!) ** 2) / eps);
      const mx = Math.max(...t);
      const want = -eps * (mx + Math.log(t.reduce((a, v) => a + Math.exp(v - mx), 0)));
      expect(pot[i]! + pot[2 * n + i]!, `point ${i}, redone`).toBeCloseTo(want, 7);
      expect(pot[n + i]! + pot[3 * n + i]!, `point ${i}`).toBeCloseTo(want, 7);
    }
  });

  it('refuses blocks whose tiles and range lists disagree, and dimensions it does not compile', async () => {
    const ctx = gpu();
    await expect(SinkhornExtend.create(ctx, 0)).rejects.toThrow(InputError);
    await expect(SinkhornExtend.create(ctx, 65)).rejects.toThrow(/dimension/);
    const kernel = await SinkhornExtend.create(ctx, 2);
    const pts = ctx.storage('test:extend-points', 64 * 2 * 4);
    const pot = ctx.storage('test:extend-potentials', 8 * 64 * 4);
    try {
      const enc = ctx.device.createCommandEncoder();
      const bad: ExtendBlock = { rowOff: 0, n: 64, outPot: 0, centres: new Float32Array(2), h: new Float64Array(1), off: new Uint32Array(2), ranges: new Uint32Array(0), bound: new Float64Array(1), best: new Uint32Array(1) };
      expect(() => kernel.encode(ctx, enc, [bad], { pts, pot, loOff: 256, eps: 0.1 })).toThrow(/2 tiles/);
      expect(() => kernel.encode(ctx, enc, [{ ...bad, n: 32, centres: new Float32Array(3) }], { pts, pot, loOff: 256, eps: 0.1 })).toThrow(/centre coordinates/);
      expect(() => kernel.encode(ctx, enc, [{ ...bad, n: 32, rowOff: 40 }], { pts, pot, loOff: 256, eps: 0.1 })).toThrow(/do not fit/);
      expect(() => kernel.encode(ctx, enc, [{ ...bad, n: 32, outPot: 240 }], { pts, pot, loOff: 256, eps: 0.1 })).toThrow(/do not fit/);
    } finally {
      ctx.destroyBuffer(pts);
      ctx.destroyBuffer(pot);
    }
  });
});

describe('the leaf start in the solver', () => {
  it('debiased, 2000+ points: S_ε and OT_ε of the truncated solve (leaf start on the GPU) are the dense solve\'s', async () => {
    const ctx = gpu();
    // As the weighted leaf-start test of test/transport_truncation.test.ts, debiased: the self
    // potentials are extended too (blocks 3 and 4 of the extension, written at total + offset).
    const n = 2300;
    const m = 2150;
    const x = rngFillCpu(2 * n, 61, 0, 'normal');
    const y = rngFillCpu(2 * m, 62, 0, 'normal').map((v, k) => 0.5 * v + (k % 2 ? 0 : 2));
    const X = { data: x, d: 2 };
    const Y = { data: y, d: 2 };
    const opts = { blur: 0.1, tol: 2e-5 } as const;
    const trunc = await sinkhorn(ctx, X, Y, { ...opts, truncate: 12 });
    expect(trunc.truncation!.leaves).toBeDefined();
    expect(trunc.converged).toBe(true);
    const dense = await sinkhorn(ctx, X, Y, { ...opts, truncate: false });
    // Both stop at a marginal error of 2e-5 (and truncation adds e^{-12} = 6e-6 relative): the
    // values agree to ~1e-5 relative (the test of the cross problem alone asks 1e-5 for OT_ε).
    expect(Math.abs(trunc.ot - dense.ot)).toBeLessThan(1e-5 * Math.abs(dense.ot));
    expect(Math.abs(trunc.w2sq - dense.w2sq)).toBeLessThan(1e-4 * Math.abs(dense.w2sq));
  }, 300_000);
});
