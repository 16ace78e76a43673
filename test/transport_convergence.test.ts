// Sinkhorn that converges at any blur and any scale, and never reports an unconverged value as W2.
import { describe, expect, it } from 'vitest';
import { rngFillCpu } from '../src/rng/philox.js';
import { exactAssignment } from '../src/transport/exact.js';
import { sinkhorn, W2SQ_ZERO_TOL } from '../src/transport/sinkhorn/index.js';
import { useGpu } from './gpu.js';


/** n points uniform in [-h, h]^d, seeded. */
function uniform(n: number, d: number, seed: number, h: number): Float32Array {
  return rngFillCpu(n * d, seed, 0, 'uniform').map((u) => h * (2 * u - 1));
}

/** n points of the paper's 4-cluster mixture, ¼ Σ N((±0.5, ±0.5), std²·I), seeded. */
function clusters4(n: number, seed: number, std = 0.0125): Float32Array {
  const z = rngFillCpu(2 * n, seed, 0, 'normal');
  const u = rngFillCpu(n, seed, 1, 'uniform');
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const k = Math.min(3, Math.floor(4 * u[i]!));
    out[2 * i] = (k & 1 ? 0.5 : -0.5) + std * z[2 * i]!;
    out[2 * i + 1] = (k & 2 ? 0.5 : -0.5) + std * z[2 * i + 1]!;
  }
  return out;
}

describe('sinkhorn convergence', () => {
  const gpu = useGpu();

  it('converges on two independent samples of the 4-cluster mixture (default options) within 1% of exact', async () => {
    const n = 500;
    const x = clusters4(n, 21);
    const y = clusters4(n, 22);
    const r = await sinkhorn(gpu(), { data: x, d: 2 }, { data: y, d: 2 });
    expect(r.converged, `marginal error ${r.marginalError} after ${r.iterations} iterations`).toBe(true);
    expect(r.w2sq).toBeAllclose(exactAssignment(x, y, 2).w2sq, { rtol: 1e-2 });
  }, 300_000);

  it('converges at blur 0.01 on uniform points in ±3 in 3-D (ε/diameter² ≈ 9e-7) against the exact W2²', async () => {
    // The geomloss schedule (3 updates per level) stopped here at the 5000-iteration cap with a
    // marginal error of 0.2; levels converged to levelTol with over-relaxation each reach the f32
    // floor of the final ε. S_ε's bias at ε = 1e-4 is O(ε²) and the value's error is second order in
    // the marginal error (~2e-3): 2e-3 relative is loose for both.
    const d = 3;
    const x = uniform(280, d, 71, 3);
    const y = uniform(280, d, 72, 3);
    const r = await sinkhorn(gpu(), { data: x, d }, { data: y, d }, { blur: 0.01 });
    expect(r.converged, `marginal error ${r.marginalError} (floor ${r.marginalFloor}) after ${r.iterations} iterations`).toBe(true);
    expect(r.iterations).toBeLessThan(5000);
    expect(r.w2sq).toBeAllclose(exactAssignment(x, y, d).w2sq, { rtol: 2e-3 });
  }, 120_000);

  it('reaches tol 1e-6 at ε/diameter² ≈ 1e-6, under the f32 rounding of single-f32 potentials (two-part potentials)', async () => {
    // y is x moved by 0.05 plus a little noise: the plan is the assignment of each point to its own
    // image, and Sinkhorn converges in a few iterations at any ε. With each potential one f32 number,
    // its rounding alone moved a row's mass by ~ulp(f)/ε ≈ 1e-3 here and no run could go under it;
    // with high part + rest the marginal error reaches 1e-6 (measured: 0 after 130 iterations).
    const d = 3;
    const n = 280;
    const x = uniform(n, d, 81, 3);
    const noise = uniform(n, d, 82, 0.01);
    const y = x.map((v, k) => v + (k % d === 0 ? 0.05 : 0) + noise[k]!);
    const r = await sinkhorn(gpu(), { data: x, d }, { data: y, d }, { blur: 0.01, tol: 1e-6 });
    expect(r.converged, `marginal error ${r.marginalError} (floor ${r.marginalFloor}) after ${r.iterations} iterations`).toBe(true);
    expect(r.marginalError).toBeLessThanOrEqual(1e-6);
    // The assignment's cost gaps are ≫ ε: S_ε is W2² to well under 1e-4 (measured 1.3e-7 relative).
    expect(r.w2sq).toBeAllclose(exactAssignment(x, y, d).w2sq, { rtol: 1e-4 });
  }, 120_000);

  it('is scale invariant from 1e-12 to 1e12: W2²(s·x, s·y) = s²·W2²(x, y)', async () => {
    const d = 2;
    const x = rngFillCpu(90 * d, 31, 0, 'normal');
    const y = rngFillCpu(70 * d, 32, 0, 'normal').map((v, k) => v * 0.7 + (k % 2 ? 0.4 : 0));
    const base = await sinkhorn(gpu(), { data: x, d }, { data: y, d });
    expect(base.converged).toBe(true);
    for (const s of [1e-12, 1e-8, 1e-4, 1e4, 1e8, 1e12]) {
      const r = await sinkhorn(gpu(), { data: x.map((v) => v * s), d }, { data: y.map((v) => v * s), d });
      expect(r.converged, `scale ${s}`).toBe(true);
      // f32 inputs: s·x is rounded to 2^-24 relative, so W2² moves by ~1e-7 relative; the iterations
      // differ in rounding only.
      expect(r.w2sq / (s * s), `scale ${s}`).toBeAllclose(base.w2sq, { rtol: 1e-4 });
      expect(r.blur / s).toBeAllclose(base.blur, { rtol: 1e-6 });
    }
  }, 120_000);

  it('identical clouds give W2² = 0 (never negative), and a user blur stays in units of the data', async () => {
    const d = 3;
    const x = rngFillCpu(123 * d, 41, 0, 'normal');
    for (const s of [1, 1e-9]) {
      const xs = x.map((v) => v * s);
      const r = await sinkhorn(gpu(), { data: xs, d }, { data: xs, d });
      expect(r.converged).toBe(true);
      expect(r.w2sq).toBeGreaterThanOrEqual(0);
      expect(r.w2sq).toBeLessThanOrEqual(W2SQ_ZERO_TOL * r.diameter ** 2);
      expect(r.w2).toBe(Math.sqrt(r.w2sq));
    }
    const r = await sinkhorn(gpu(), { data: x, d }, { data: x.map((v) => v + 1e-3), d }, { blur: 0.05 });
    expect(r.blur).toBeAllclose(0.05, { rtol: 1e-12 });
    expect(r.eps).toBeAllclose(0.0025, { rtol: 1e-12 });
  }, 60_000);

  it('an unconverged run reports no W2: w2 and w2sq are NaN, the last iterate is in `unconverged`', async () => {
    const d = 2;
    const x = uniform(200, d, 51, 3);
    const y = uniform(150, d, 52, 3);
    const r = await sinkhorn(gpu(), { data: x, d }, { data: y, d }, { blur: 0.01, maxIterations: 5, multiscale: false });
    expect(r.converged).toBe(false);
    expect(r.marginalError).toBeGreaterThan(1e-4);
    expect(r.w2).toBeNaN();
    expect(r.w2sq).toBeNaN();
    expect(Number.isFinite(r.unconverged!.w2sq)).toBe(true);
  }, 60_000);
});
