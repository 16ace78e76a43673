// Sinkhorn above 64 dimensions: the tiled cost kernel (sqdist_tiles) against float64, the stored-cost
// softmin against the streamed one and a float64 Sinkhorn, W2 in 100-D against the exact solver, a
// 784-D smoke case, and the splitting and refusal at the binding limits.
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/gpu/errors.js';
import { SqdistTiles, sqdistLd } from '../src/kernels/sqdist_tiles.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { SinkhornSolver } from '../src/transport/sinkhorn/index.js';
import { w2 } from '../src/transport/w2.js';
import { entropicOT64, sqdist64 } from './reference/transport.js';
import { useGpu } from './gpu.js';

/** n points of N(shift, s²·I) in dimension d, seeded. */
function gaussian(n: number, d: number, seed: number, shift = 0, s = 1): Float32Array {
  return rngFillCpu(n * d, seed, 0, 'normal').map((v) => shift + s * v);
}

/** The bound of stored_cost.ts on |C̃ - C| (f32 norms and blocked dot products), for points of norm <= R. */
function costBound(d: number, R: number): number {
  return (4 + 2 * (16 + Math.ceil(d / 16))) * 2 ** -24 * R * R;
}

describe('sqdist_tiles: |x|² + |y|² − 2⟨x, y⟩ by tiled dot products', () => {
  const gpu = useGpu();

  for (const [n, m, d] of [
    [70, 45, 37],
    [9, 131, 200],
    [67, 5, 784],
  ] as const) {
    it(`matches float64 within the f32 bound (${n}×${m}, d = ${d})`, async () => {
      const ctx = gpu();
      // Centred-like data (mean ~0), as the solver uploads it.
      const x = gaussian(n, d, 11 + d, 0, 0.05);
      const y = gaussian(m, d, 12 + d, 0.01, 0.05);
      const pts = new Float32Array((n + m) * d);
      pts.set(x, 0);
      pts.set(y, n * d);
      const norms = new Float32Array(n + m);
      let R2 = 0;
      for (let i = 0; i < n + m; i++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += pts[i * d + c]! ** 2;
        norms[i] = s;
        R2 = Math.max(R2, s);
      }
      const ld = sqdistLd(n);
      const ptsBuf = ctx.storage('test:pts', pts);
      const normBuf = ctx.storage('test:norms', norms);
      // Pre-filled with a marker so an entry the kernel forgets to write is caught.
      const out = ctx.storage('test:out', new Float32Array(ld * m).fill(-12345));
      const tiles = await SqdistTiles.create(ctx, d);
      const plan = tiles.plan({ rowOff: 0, n, colOff: n, m }, ptsBuf, normBuf, out);
      const enc = ctx.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      plan.encode(pass);
      pass.end();
      const got = new Float32Array(await ctx.read(out, 0, out.size, enc));
      plan.destroy();
      for (const b of [ptsBuf, normBuf, out]) ctx.destroyBuffer(b);
      // stored_cost.ts's bound with R² = the largest squared norm.
      const tol = costBound(d, Math.sqrt(R2));
      let worst = 0;
      for (let j = 0; j < m; j++) {
        for (let i = 0; i < ld; i++) {
          const want = sqdist64(x, Math.min(i, n - 1), y, j, d);
          worst = Math.max(worst, Math.abs(got[j * ld + i]! - want));
        }
      }
      expect(worst).toBeLessThanOrEqual(tol);
      // The bound is not vacuous: it is within a few hundred times of the error seen.
      expect(tol / Math.max(worst, 1e-30)).toBeLessThan(1e4);
    });
  }
});

describe('Sinkhorn with stored costs', () => {
  const gpu = useGpu();

  it('stored and streamed costs give the same solve at d = 12 (both run)', async () => {
    const ctx = gpu();
    const d = 12;
    const x = gaussian(61, d, 1);
    const y = gaussian(43, d, 2, 0.5);
    const results = [];
    for (const cost of ['streamed', 'stored'] as const) {
      const solver = await SinkhornSolver.create(ctx, { d, sizes: [{ n: 61, m: 43 }], debias: true, cost });
      try {
        results.push((await solver.solve([{ x: { data: x, d }, y: { data: y, d } }], { blur: 0.5 }))[0]!);
      } finally {
        solver.destroy();
      }
    }
    const [a, b] = results;
    expect(a!.converged && b!.converged).toBe(true);
    // Both solve the same problem to tol 1e-4; the costs differ by f32 rounding only.
    expect(Math.abs(a!.w2sq - b!.w2sq)).toBeLessThan(1e-3 * a!.w2sq);
  });

  it('OT_ε in 100-D matches a float64 Sinkhorn at the same ε (sizes 70 and 53)', async () => {
    const ctx = gpu();
    const d = 100;
    const x = gaussian(70, d, 3);
    const y = gaussian(53, d, 4, 0.3);
    const eps = 4;
    const solver = await SinkhornSolver.create(ctx, { d, sizes: [{ n: 70, m: 53 }], debias: false });
    let r;
    try {
      r = (await solver.solve([{ x: { data: x, d }, y: { data: y, d } }], { eps, tol: 1e-5 }))[0]!;
    } finally {
      solver.destroy();
    }
    const ref = entropicOT64(x, y, d, eps, { tol: 1e-9 });
    expect(r.converged).toBe(true);
    expect(Math.abs(r.ot - ref.ot) / ref.ot).toBeLessThan(1e-4);
  });
});

/**
 * How far the debiased S_ε may be from the exact W2² (uniform weights): OT_ε(α, β) - W2² lies in
 * [0, ε log min(n, m)] (the optimal plan's KL to α⊗β is at most min(H(α), H(β))) and OT_ε(α, α) in
 * [0, ε log n], so |S_ε - W2²| <= ε log max(n, m); plus the f32 cost (2·costBound, R the largest
 * centred norm) and 1e-4 relative for the marginal tolerance and the f32 potentials.
 */
function w2Tolerance(eps: number, n: number, m: number, d: number, R: number, w2sq: number): number {
  return eps * Math.log(Math.max(n, m)) + 2 * costBound(d, R) + 1e-4 * w2sq;
}

/** Largest norm of the points of x and y about their joint mean (the solver centres each cloud; this bounds both). */
function centredRadius(x: Float32Array, y: Float32Array, d: number): number {
  let R = 0;
  for (const p of [x, y]) {
    const n = p.length / d;
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] = mean[c]! + p[i * d + c]! / n;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (p[i * d + c]! - mean[c]!) ** 2;
      R = Math.max(R, Math.sqrt(s));
    }
  }
  return R;
}

describe('w2 above 64 dimensions', () => {
  const gpu = useGpu();

  for (const [n, m, d] of [
    [130, 97, 100],
    [41, 33, 784],
  ] as const) {
    it(`d = ${d}: Sinkhorn (default blur) agrees with the exact solver (${n} vs ${m} points)`, async () => {
      const ctx = gpu();
      const x = gaussian(n, d, 21 + d);
      const y = gaussian(m, d, 22 + d, 0.3, 0.8);
      const exact = await w2(ctx, { data: x, d }, { data: y, d }, { method: 'exact' });
      const r = await w2(ctx, { data: x, d }, { data: y, d }, { method: 'sinkhorn' });
      const s = r.sinkhorn!;
      expect(s.converged).toBe(true);
      // tol 1e-4, or the f32 floor of the exponent the solver estimated (784-D: potentials ~3000 ε).
      expect(s.marginalError).toBeLessThanOrEqual(Math.max(1e-4, s.marginalFloor ?? 0));
      const tol = w2Tolerance(s.eps, n, m, d, centredRadius(x, y, d), exact.w2sq);
      expect(Math.abs(r.w2sq - exact.w2sq)).toBeLessThanOrEqual(tol);
      // The tolerance is a few per cent of W2² at most, not a vacuous one.
      expect(tol).toBeLessThan(0.03 * exact.w2sq);
    });
  }

  it("method 'auto' in 100-D: exact for small clouds, with a reason that says so", async () => {
    const ctx = gpu();
    const r = await w2(ctx, { data: gaussian(50, 100, 5), d: 100 }, { data: gaussian(40, 100, 6), d: 100 });
    expect(r.method).toBe('exact');
    expect(r.reason).toMatch(/exact solver is faster/);
  });
});

describe('stored costs: splitting and refusal at the limits', () => {
  const gpu = useGpu();
  const d = 100;
  const x = gaussian(70, d, 31);
  const y = gaussian(53, d, 32, 0.2);

  async function solveWith(limits: { maxBindingBytes?: number; maxTotalBytes?: number } | undefined) {
    const solver = await SinkhornSolver.create(gpu(), { d, sizes: [{ n: 70, m: 53 }], debias: true, ...(limits ? { storedLimits: limits } : {}) });
    try {
      return (await solver.solve([{ x: { data: x, d }, y: { data: y, d } }], { blur: 2 }))[0]!;
    } finally {
      solver.destroy();
    }
  }

  it('a block over the binding size is split by rows (same result as one buffer)', async () => {
    const whole = await solveWith(undefined);
    // 20 rows of 53 (or 70) columns per buffer: every block is split into 3 or 4 buffers.
    const split = await solveWith({ maxBindingBytes: 4 * 70 * 20 });
    expect(whole.converged).toBe(true);
    // The same per-entry arithmetic in either layout.
    expect(split.w2sq).toBe(whole.w2sq);
    expect(split.iterations).toBe(whole.iterations);
  });

  it('refuses, naming the limit, when 4 rows do not fit one binding or all matrices exceed the total', async () => {
    await expect(solveWith({ maxBindingBytes: 16 * 53 - 4 })).rejects.toThrow(InputError);
    await expect(solveWith({ maxBindingBytes: 16 * 53 - 4 })).rejects.toThrow(/maxStorageBufferBindingSize/);
    await expect(solveWith({ maxTotalBytes: 50_000 })).rejects.toThrow(/over the limit of .* for stored costs/);
  });
});
