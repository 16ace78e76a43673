// MonoFlow with a discriminator MLP: D and its input gradient ∇x D (from the backward kernels)
// against the network's own forward pass and finite differences; the logistic loss recovering the
// exact log ratio of two Gaussians; and the particle flow x ← x + ε∇h(D(x)) reaching the data.
import { describe, expect, it } from 'vitest';
import { ParticleMonoFlow } from '../src/flows/monoflow.js';
import { sampleGaussianCloud } from '../src/flows/clouds.js';
import { gaussian } from '../src/flows/gaussian.js';
import { InputError } from '../src/gpu/errors.js';
import { useGpu } from './gpu.js';

describe('monoflow with a discriminator', () => {
  const gpu = useGpu();

  it('D(x) and ∇x D(x) at the particles match the forward pass and central differences', async () => {
    const ctx = gpu();
    const data = sampleGaussianCloud(gaussian([0, 0], [1, 0, 0, 1]), 64, 1, 1);
    const particles = sampleGaussianCloud(gaussian([0.5, -0.5], [1, 0.3, 0.3, 1]), 77, 1, 2);
    const flow = await ParticleMonoFlow.create(ctx, { data, particles, dim: 2, warmup: 0, moves: 1, hidden: [16, 16], seed: 3, w2: 'moment' });
    try {
      const { D, grad } = await flow.discriminatorAtParticles();
      const out = await flow.mlp.evaluate(particles, 0);
      const D0 = Float32Array.from({ length: 77 }, (_, i) => out[2 * i]!);
      // Same f32 network evaluated by two batch plans.
      expect(D).toBeAllclose(D0, { atol: 1e-5, rtol: 1e-5 });
      const delta = 1e-2;
      const fd = new Float64Array(77 * 2);
      for (let a = 0; a < 2; a++) {
        const p = Float32Array.from(particles, (v, e) => (e % 2 === a ? v + delta : v));
        const m = Float32Array.from(particles, (v, e) => (e % 2 === a ? v - delta : v));
        const [op, om] = [await flow.mlp.evaluate(p, 0), await flow.mlp.evaluate(m, 0)];
        for (let i = 0; i < 77; i++) fd[2 * i + a] = (op[2 * i]! - om[2 * i]!) / (2 * delta);
      }
      // Central differences of a smooth (softplus) f32 network: O(δ²) truncation plus ~1e-7/δ
      // rounding; the move kernel's Δx/ε adds ~1e-6/ε.
      expect(grad).toBeAllclose(fd, { atol: 2e-3, rtol: 1e-2 });
      expect(await flow.cloud()).toBeAllclose(particles, { atol: 0 }); // the probe restored them
    } finally {
      flow.destroy();
    }
  });

  it('the logistic loss makes D ≈ log p/q (1-D Gaussians: log p/q = 0.5 − x)', async () => {
    const ctx = gpu();
    const data = sampleGaussianCloud(gaussian([0], [1]), 4000, 2, 1);
    const particles = sampleGaussianCloud(gaussian([1], [1]), 4000, 2, 2);
    const flow = await ParticleMonoFlow.create(ctx, { data, particles, dim: 1, warmup: 1000, moves: 1, hidden: [16, 16], lr: 3e-3, batch: 256, seed: 4 });
    try {
      await flow.measure();
      const { D } = await flow.discriminatorAtParticles();
      let se = 0;
      let n = 0;
      for (let i = 0; i < particles.length; i++) {
        const x = particles[i]!;
        if (Math.abs(x - 0.5) > 1.5) continue; // where both densities have mass
        se += (D[i]! - (0.5 - x)) ** 2;
        n++;
      }
      // A 16×16 network after 1000 noisy Adam steps: RMS error of the log ratio under 0.15 where
      // both clouds live (the ratio's range there is ±1.5).
      expect(Math.sqrt(se / n)).toBeLessThan(0.15);
    } finally {
      flow.destroy();
    }
  });

  it('the particle flow with h = identity carries N(2, 0.25) to N(0, 1): W2 falls to near 0', async () => {
    const ctx = gpu();
    const data = sampleGaussianCloud(gaussian([0], [1]), 1000, 5, 1);
    const particles = sampleGaussianCloud(gaussian([2], [0.25]), 1000, 5, 2);
    const flow = await ParticleMonoFlow.create(ctx, { data, particles, dim: 1, eps: 0.1, moves: 40, discSteps: 10, warmup: 300, hidden: [16, 16], lr: 3e-3, seed: 6 });
    try {
      const trace = [await flow.measure()];
      while (flow.stepsDone < flow.totalSteps) trace.push(await flow.advance(10));
      const first = trace[0]!;
      const last = trace[trace.length - 1]!;
      // W2(N(2, .25), N(0, 1)) = √(4 + 0.25) ≈ 2.06 (exact 1-D W2 of the clouds).
      expect(first.w2).toBeGreaterThan(1.9);
      // With an estimated ratio the flow stops where the discriminator can no longer tell the
      // clouds apart; 1000 vs 1000 points give an exact-W2 floor near 0.05.
      expect(last.w2).toBeLessThan(0.25);
      expect(trace[1]!.w2).toBeLessThan(first.w2);
    } finally {
      flow.destroy();
    }
  });

  it('rejects bad input', async () => {
    const ctx = gpu();
    const x = new Float32Array(8);
    await expect(ParticleMonoFlow.create(ctx, { data: x, particles: x, dim: 2, h: 'cube' as never })).rejects.toThrow(InputError);
    await expect(ParticleMonoFlow.create(ctx, { data: x, particles: x, dim: 2, eps: 0 })).rejects.toThrow(/eps/);
    await expect(ParticleMonoFlow.create(ctx, { data: x, particles: x, dim: 2, discSteps: 0 })).rejects.toThrow(/discSteps/);
    await expect(ParticleMonoFlow.create(ctx, { data: x, particles: new Float32Array(3), dim: 2 })).rejects.toThrow(/multiple/);
  });
});
