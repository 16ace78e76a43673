// Forward simulation: Ornstein–Uhlenbeck moments from Euler–Maruyama and from exact marginal sampling
// against closed forms, and the GPU EM against the float64 reference with the same noise.
import { describe, expect, it } from 'vitest';
import { VpLinear } from '../src/processes/process.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { ForwardSampler, forwardMarginal } from '../src/samplers/forward.js';
import { useGpu } from './gpu.js';
import { forwardEmRef, moments } from './reference/sampler.js';

describe('forward simulation', () => {
  const gpu = useGpu();

  it('OU (VP with constant β = 2): EM mean and variance at T match the closed forms', async () => {
    const ctx = gpu();
    const beta = 2;
    const process = new VpLinear({ betaMin: beta, betaMax: beta, T: 1 });
    const n = 50_001;
    const steps = 100;
    const x0 = 1.5;
    const fs = await ForwardSampler.create(ctx, { process, dim: 1, n, steps, stepsPerDispatch: 64 });
    try {
      await fs.simulate(new Float32Array(n).fill(x0), { seed: 3 });
      const { mean, variance } = moments(await fs.read());
      // The EM chain's own law in closed form: x ← (1 − hβ/2) x + sqrt(βh) z.
      const h = 1 / steps;
      let m = x0, v = 0;
      for (let i = 0; i < steps; i++) {
        m *= 1 - (h * beta) / 2;
        v = (1 - (h * beta) / 2) ** 2 * v + beta * h;
      }
      const seMean = Math.sqrt(v / n), seVar = v * Math.sqrt(2 / n);
      expect(Math.abs(mean - m)).toBeLessThan(4 * seMean);
      expect(Math.abs(variance - v)).toBeLessThan(4 * seVar);
      // The SDE's closed form (OU): mean x0 e^{−βT/2}, variance 1 − e^{−βT}; EM's O(h) bias at h = 0.01
      // is 0.0028 on the mean and 0.004 on the variance (from the chain's law above): allow 0.006.
      expect(Math.abs(m - x0 * Math.exp(-beta / 2))).toBeLessThan(0.006);
      expect(Math.abs(mean - x0 * Math.exp(-beta / 2))).toBeLessThan(4 * seMean + 0.006);
      expect(Math.abs(variance - (1 - Math.exp(-beta)))).toBeLessThan(4 * seVar + 0.006);
    } finally {
      fs.destroy();
    }
  });

  it('exact marginal samples of VP p_t: mean α_t x_0, variance σ_t² (d = 3)', async () => {
    const ctx = gpu();
    const process = new VpLinear();
    const n = 100_003, d = 3, t = 0.3;
    const data = new Float32Array(n * d);
    for (let i = 0; i < n; i++) data.set([1, -2, 0.5], i * d);
    const fs = await ForwardSampler.create(ctx, { process, dim: d, n, steps: 1 });
    try {
      await fs.marginal(data, t, 9);
      const got = await fs.read();
      const a = process.alpha(t), s2 = process.sigma(t) ** 2;
      [1, -2, 0.5].forEach((x, j) => {
        const { mean, variance } = moments(got, d, j);
        expect(Math.abs(mean - a * x)).toBeLessThan(4 * Math.sqrt(s2 / n));
        expect(Math.abs(variance - s2)).toBeLessThan(4 * s2 * Math.sqrt(2 / n));
      });
    } finally {
      fs.destroy();
    }
  });

  it('EM equals the float64 reference with the same noise, trajectory frames included (n = 301, d = 2)', async () => {
    const ctx = gpu();
    const process = new VpLinear();
    const n = 301, d = 2, steps = 30;
    const x0 = rngFillCpu(n * d, 4, 2, 'normal').map((v) => 0.3 * v + 0.5);
    const fs = await ForwardSampler.create(ctx, { process, dim: d, n, steps, captureEvery: 10, stepsPerDispatch: 7 });
    try {
      await fs.simulate(x0, { seed: 12 });
      const got = await fs.read();
      const want = forwardEmRef(process, Float64Array.from(x0), d, fs.times, 12);
      // 30 contracting f32 steps: rounding ≤ 30 × 1e-7 relative.
      expect(got).toBeAllclose(want, { rtol: 1e-5, atol: 1e-5 });
      const { times, frames } = await fs.readTrajectory();
      expect(Array.from(times)).toBeAllclose([0, 1 / 3, 2 / 3, 1], { atol: 1e-12 });
      expect(frames[0]).toEqual(x0);
      expect(frames[3]).toEqual(got);
      const mid = forwardEmRef(process, Float64Array.from(x0), d, fs.times.slice(0, 11), 12);
      expect(frames[1]).toBeAllclose(mid, { rtol: 1e-5, atol: 1e-5 });
    } finally {
      fs.destroy();
    }
  });

  it('forwardMarginal equals ForwardSampler.marginal bit for bit (same seed, same counters)', async () => {
    const ctx = gpu();
    const process = new VpLinear();
    const n = 257, d = 2;
    const x0 = rngFillCpu(n * d, 2, 2, 'normal');
    const data = ctx.storage('test:data', x0);
    const fs = await ForwardSampler.create(ctx, { process, dim: d, n, steps: 1 });
    let out: GPUBuffer | undefined;
    try {
      await fs.marginal(data, 0.6, 5);
      out = await forwardMarginal(ctx, { process, data, n, dim: d, t: 0.6, seed: 5 });
      expect(await ctx.readF32(out)).toEqual(await fs.read());
      await expect(forwardMarginal(ctx, { process, data, n, dim: d, t: 0.6, out: data })).rejects.toThrow(/distinct/);
    } finally {
      fs.destroy();
      ctx.destroyBuffer(data);
      if (out) ctx.destroyBuffer(out);
    }
  });

  it('rejects bad input', async () => {
    const ctx = gpu();
    await expect(ForwardSampler.create(ctx, { process: new VpLinear(), dim: 4097, n: 10 })).rejects.toThrow(/dimension/);
    const fs = await ForwardSampler.create(ctx, { process: new VpLinear(), dim: 2, n: 10, steps: 4 });
    try {
      await expect(fs.marginal(new Float32Array(20), 2)).rejects.toThrow(/t must be/);
      await expect(fs.simulate(new Float32Array(19))).rejects.toThrow(/expected n × d/);
      await expect(fs.readTrajectory()).rejects.toThrow(/captureEvery/);
    } finally {
      fs.destroy();
    }
  });
});
