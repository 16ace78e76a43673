// The GPU multi-start search for sup_x λ_max(½(J + Jᵀ)) (src/lipschitz/search.ts): never above the
// certified value over its box, never below the samples-only value of its own starts, and its
// ascent direction (the exact gradient chain) against float64 finite differences.
import { describe, expect, it } from 'vitest';
import { certifyBox, NetworkAtTime } from '../src/lipschitz/certify.js';
import { hostLambdaLower, LsSearch } from '../src/lipschitz/search.js';
import type { TangentTime } from '../src/kernels/mlp_tangent.js';
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { useGpu } from './gpu.js';
import { randomParams } from './reference/mlp_tangent.js';

describe('lipschitz: GPU search', () => {
  const gpu = useGpu();

  async function search(spec: MlpSpec, params: Float32Array, times: TangentTime[], starts: number[], opts: { box: number; steps: number }) {
    const ctx = gpu();
    const layout = mlpLayout(spec);
    const n = starts.length / spec.dim;
    const s = await LsSearch.create(ctx, layout, { capacity: n * times.length, maxTimes: times.length });
    const pbuf = ctx.storage('test:params', params);
    const sbuf = ctx.storage('test:starts', new Float32Array(starts));
    try {
      return await s.run(pbuf, { times, source: { buffer: sbuf, count: n, noise: false }, perTime: n, box: opts.box, steps: opts.steps });
    } finally {
      s.destroy();
      ctx.destroyBuffer(pbuf);
      ctx.destroyBuffer(sbuf);
    }
  }

  it('d = 2 (the paper model shape): samples-only ≤ search ≤ certified over the box', async () => {
    const spec: MlpSpec = { dim: 2, hidden: [16, 16], activation: 'softplus', time: { kind: 'step', steps: 4 }, output: 'eps' };
    const layout = mlpLayout(spec);
    const params = randomParams(layout, 21, 2.5);
    const times: TangentTime[] = [{ alpha: 0.95, sigma: Math.sqrt(1 - 0.9025), step: 0 }, { alpha: 0.6, sigma: 0.8, step: 2 }];
    const B = 1;
    // 37 starts in the box (not a multiple of anything).
    const starts = Array.from({ length: 74 }, (_, i) => 0.9 * Math.sin(1.3 * i + 0.2 * i * i));
    const r = await search(spec, params, times, starts, { box: B, steps: 30 });
    times.forEach((t, m) => {
      const net = new NetworkAtTime(layout, params, t);
      let samples = -Infinity;
      for (let i = 0; i < 37; i++) samples = Math.max(samples, net.lambdaAt(starts.slice(2 * i, 2 * i + 2)));
      const row = r.rows[m]!;
      expect(row.argmax.every((v) => Math.abs(v) <= B + 1e-6)).toBe(true);
      const host = hostLambdaLower(layout, params, t, row.argmax);
      // The f32 Rayleigh quotient at the argmax and the float64 eigenvalue there: f32 rounding of O(|λ|) values.
      expect(row.gpuValue).toBeAllclose(host, { rtol: 1e-3, atol: 1e-3 });
      // The best of the starts is never lost (up to f32 rounding at the starts).
      expect(host).toBeGreaterThanOrEqual(samples - 1e-3 * Math.abs(samples) - 1e-4);
      const cert = certifyBox(net, { lo: [-B, -B], hi: [B, B], tol: 0.01, timeBudgetMs: 4000 });
      expect(host).toBeLessThanOrEqual(cert.upper);
      // And the ascent finds what the host branch-and-bound finds, within its gap and a little.
      expect(host).toBeGreaterThanOrEqual(cert.lower - 0.02 * Math.abs(cert.lower) - 1e-3);
    });
  });

  it('d = 9 (SiLU, Fourier time, x0 output): the ascent climbs above every start, below the float64 re-evaluation never', async () => {
    const spec: MlpSpec = { dim: 9, hidden: [23, 17], activation: 'silu', time: { kind: 'fourier', features: 2 }, output: 'x0' };
    const layout = mlpLayout(spec);
    const params = randomParams(layout, 5, 2);
    const times: TangentTime[] = [{ alpha: 0.8, sigma: 0.6, tau: 0.3 }];
    const n = 11;
    const starts = Array.from({ length: 9 * n }, (_, i) => 0.5 * Math.cos(0.9 * i + 0.1 * i * i));
    const r = await search(spec, params, times, starts, { box: 1.5, steps: 25 });
    const t = times[0]!;
    let samples = -Infinity;
    for (let i = 0; i < n; i++) samples = Math.max(samples, hostLambdaLower(layout, params, t, starts.slice(9 * i, 9 * i + 9), 200));
    const row = r.rows[0]!;
    const host = hostLambdaLower(layout, params, t, row.argmax, 200);
    expect(row.gpuValue).toBeAllclose(host, { rtol: 2e-3, atol: 2e-3 });
    // 25 gradient steps climb well above the best start (a wrong gradient would stall at it).
    expect(host).toBeGreaterThan(samples + 0.05 * Math.abs(samples));
    expect(r.starts).toBe(n);
  });
});
