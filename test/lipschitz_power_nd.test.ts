// Power iteration on ½(J + Jᵀ) at high dimension (batched JVP/VJP, src/lipschitz/power_iteration.ts)
// against the float64 top eigenvalue of the exact Jacobian, at d = 64 with widths that are not
// multiples of the 4×4 blocks or the workgroup size.
import { describe, expect, it } from 'vitest';
import { symmetricPartMax } from '../src/lipschitz/exact.js';
import { LipschitzEstimator } from '../src/lipschitz/estimator.js';
import { PowerIteration, powerCapacity } from '../src/lipschitz/power_iteration.js';
import type { TangentTime } from '../src/kernels/mlp_tangent.js';
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { useGpu } from './gpu.js';
import { mlpScoreJacobian, normalVec, randomParams } from './reference/mlp_tangent.js';

describe('lipschitz: power iteration at high d', () => {
  const gpu = useGpu();

  it('d = 64 (SiLU, Fourier time, ε output, widths 50 and 70): Rayleigh quotients reach the float64 λ_max and never exceed it', async () => {
    const ctx = gpu();
    const spec: MlpSpec = { dim: 64, hidden: [50, 70], activation: 'silu', time: { kind: 'fourier', features: 2 }, output: 'eps' };
    const layout = mlpLayout(spec);
    const params = randomParams(layout, 11);
    const d = 64;
    const n = 13; // points per time: not a multiple of 4 (the block) or 64 (the workgroup)
    const src = Array.from({ length: d * 5 }, (_, i) => Math.sin(0.61 * i + 0.3 * Math.cos(i)));
    const times: TangentTime[] = [
      { alpha: 0.9, sigma: Math.sqrt(0.19), tau: 0.1 },
      { alpha: 0.3, sigma: Math.sqrt(0.91), tau: 0.7 },
    ];
    const est = await LipschitzEstimator.create(ctx, layout, { maxPoints: times.length * n, maxTimes: times.length });
    const pbuf = ctx.storage('test:params', params);
    const sbuf = ctx.storage('test:sources', new Float32Array(src));
    try {
      const curve = await est.curve(pbuf, { times, source: { buffer: sbuf, count: 5, noise: true }, perTime: n, method: 'power', iters: 250, shiftIters: 40, seed: 3 });
      const { xs, scores, lam } = await est.lastPoints(times.length * n);
      // The points are the Philox samples of p_t (the same stream as the d ≤ 3 kernels).
      const expectedX: number[] = [];
      for (let g = 0; g < times.length * n; g++) {
        const t = times[Math.floor(g / n)]!;
        const z = normalVec(g, 0, d, 3);
        for (let i = 0; i < d; i++) expectedX.push(t.alpha * src[(g % 5) * d + i]! + t.sigma * z[i]!);
      }
      // f32 fma vs separate rounding: a few ulps of O(1) values.
      expect(xs).toBeAllclose(expectedX, { rtol: 1e-5, atol: 1e-5 });
      const exact: number[] = [];
      const expScores: number[] = [];
      times.forEach((t, m) => {
        for (let i = 0; i < n; i++) {
          const x = Array.from(xs.subarray((m * n + i) * d, (m * n + i + 1) * d));
          const r = mlpScoreJacobian(layout, params, x, t);
          exact.push(symmetricPartMax(r.jacobian, d));
          expScores.push(...r.score);
        }
      });
      // f32 forward through widths 50, 70 with |ε̂| ~ 1 divided by σ ≥ 0.44: ~1e-5 relative.
      expect(scores).toBeAllclose(expScores, { rtol: 1e-4, atol: 1e-4 });
      const scale = Math.max(...exact.map(Math.abs));
      for (let i = 0; i < exact.length; i++) {
        // A Rayleigh quotient is ≤ λ_max; f32 products of ~100-term sums: 1e-4 of the spectrum's scale.
        expect(lam[i]!).toBeLessThanOrEqual(exact[i]! + 1e-4 * scale);
        // 250 shifted steps converge at every point here (gaps ≥ ~1% of the shifted spectrum).
        expect(lam[i]!).toBeGreaterThan(exact[i]! - 2e-3 * scale);
      }
      const maxes = times.map((_, m) => Math.max(...exact.slice(m * n, m * n + n)));
      expect(curve.ls).toBeAllclose(maxes, { rtol: 1e-3, atol: 1e-3 * scale });
    } finally {
      est.destroy();
      ctx.destroyBuffer(pbuf);
      ctx.destroyBuffer(sbuf);
    }
  });

  it('a batch larger than the working memory allows is refused naming the limit', async () => {
    const ctx = gpu();
    const spec: MlpSpec = { dim: 4096, hidden: [2048, 2048], activation: 'silu', time: { kind: 'none' }, output: 'eps' };
    const layout = mlpLayout(spec);
    const cap = powerCapacity(ctx, layout);
    expect(cap).toBeGreaterThan(0);
    // 3·4096 + 2·2048 + 4096 floats per point: a few thousand points per batch at most.
    expect(cap).toBeLessThan(10_000);
    await expect(PowerIteration.create(ctx, layout, cap + 1)).rejects.toThrow(/exceed this adapter's limit of \d+ points/);
  });
});
