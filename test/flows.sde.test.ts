// Diffusion flows: flow_sde_step and flow_affine against float64 references, Brownian-bridge
// marginals, the Gaussian Schrödinger bridge against its closed form (entropic coupling checked
// independently), and the heat / VP flows against their Gaussian laws and energies.
import { describe, expect, it } from 'vitest';
import { FlowSdeStep, type SdeStepCoefs } from '../src/kernels/flow_sde_step.js';
import { FlowAffine } from '../src/kernels/flow_affine.js';
import { brownianBridge, heatFlow, heatLaw, schrodingerBridge, vpFlow, vpLaw } from '../src/flows/sde_flows.js';
import { runFlow } from '../src/flows/flow.js';
import {
  cholesky, cloudMoments, crossCovariance, entropicCrossCov, gaussian, inv, matmul, schrodingerMarginal, sqrtm, type Gaussian,
} from '../src/flows/gaussian.js';
import { InputError } from '../src/gpu/errors.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { sdeStepsCpu } from './reference/flows.js';
import { useGpu } from './gpu.js';

/** n samples of N(mean, cov) from the CPU Philox twin (seed, stream 99). */
function sampleGaussian(g: Gaussian, n: number, seed: number): Float32Array {
  const d = g.mean.length;
  const l = cholesky(g.cov, d);
  const z = rngFillCpu(n * d, seed, 99, 'normal');
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) {
      let v = g.mean[a]!;
      for (let b = 0; b <= a; b++) v += l[a * d + b]! * z[i * d + b]!;
      x[i * d + a] = v;
    }
  return x;
}

describe('flow kernels against float64 references', () => {
  const gpu = useGpu();

  it('flow_sde_step: a·x + k·(y − x) + s·ξ over several steps, with and without a target', async () => {
    const ctx = gpu();
    const n = 1003; // neither a multiple of 4 nor of the workgroup size
    const x0 = rngFillCpu(n, 1, 5, 'normal');
    const y = rngFillCpu(n, 2, 5, 'normal');
    const steps: SdeStepCoefs[] = [
      { a: 1, k: 0.1, s: 0.3, stream: 0 },
      { a: 0.9, k: 0.5, s: 0.05, stream: 1 },
      { a: 1.1, k: 1, s: 0, stream: 7 },
    ];
    const kernel = await FlowSdeStep.create(ctx);
    for (const withTarget of [true, false]) {
      const st = withTarget ? steps : steps.map((s) => ({ ...s, k: 0 }));
      const x = ctx.storage('x', x0);
      const yb = ctx.storage('y', y);
      const plan = kernel.plan(x, n, st, withTarget ? { seed: 11, y: yb } : { seed: 11 });
      const enc = ctx.device.createCommandEncoder();
      plan.encode(enc, 0, 2);
      plan.encode(enc, 2, 3);
      ctx.submit(enc.finish());
      const got = await ctx.readF32(x);
      plan.destroy();
      ctx.destroyBuffer(x);
      ctx.destroyBuffer(yb);
      // Three f32 fused updates of O(1) values: rounding ~1e-7 each.
      expect(got).toBeAllclose(sdeStepsCpu(x0, st, 11, withTarget ? y : undefined), { atol: 2e-6, rtol: 1e-6 });
    }
    const x = ctx.storage('x', x0);
    expect(() => kernel.plan(x, n, steps, { seed: 1 })).toThrow(/target/);
    expect(() => kernel.plan(x, n + 1, steps, { seed: 1 })).toThrow(InputError);
    expect(() => kernel.plan(x, n, [{ a: NaN, k: 0, s: 0, stream: 0 }], { seed: 1 })).toThrow(/coefficients/);
    ctx.destroyBuffer(x);
  });

  for (const d of [3, 5]) {
    it(`flow_affine: c + M x + R ξ in dimension ${d}`, async () => {
      const ctx = gpu();
      const n = 301;
      const x0 = rngFillCpu(n * d, 3, 0, 'normal');
      const c = Array.from({ length: d }, (_, a) => a - 1);
      const m = Array.from({ length: d * d }, (_, k) => Math.sin(k + 1));
      const r = Array.from({ length: d * d }, (_, k) => 0.1 * Math.cos(k));
      const xb = ctx.storage('x', x0);
      const yb = ctx.storage('y', n * d * 4);
      await FlowAffine.create(ctx).run(xb, yb, n, d, { c, m, r }, { seed: 4, stream: 9 });
      const got = await ctx.readF32(yb);
      ctx.destroyBuffer(xb);
      ctx.destroyBuffer(yb);
      const q = Math.ceil(d / 4);
      const xi = rngFillCpu(4 * q * n, 4, 9, 'normal');
      const want = new Float64Array(n * d);
      for (let i = 0; i < n; i++)
        for (let a = 0; a < d; a++) {
          let v = c[a]!;
          for (let b = 0; b < d; b++) v += m[a * d + b]! * x0[i * d + b]! + r[a * d + b]! * xi[4 * q * i + b]!;
          want[i * d + a] = v;
        }
      // d products of O(1) values accumulated in f32.
      expect(got).toBeAllclose(want, { atol: 1e-5, rtol: 1e-5 });
    });
  }
});

describe('Brownian bridge', () => {
  const gpu = useGpu();

  it('marginals match (1 − t) x0 + t x1 and σ² t(1 − t), and the bridge ends on x1', async () => {
    const n = 5001;
    const d = 2;
    const x0 = rngFillCpu(n * d, 21, 0, 'normal');
    const x1 = rngFillCpu(n * d, 22, 0, 'normal').map((v, e) => 3 * v + (e % 2 === 0 ? 4 : -1));
    const sigma = 1;
    const flow = await brownianBridge(gpu(), { x0, x1, dim: d, sigma, steps: 10, seed: 5, w2: 'moment' });
    try {
      const w2s = [(await flow.measure()).w2];
      for (const [k, t] of [[3, 0.3], [4, 0.7]] as const) {
        const p = await flow.advance(k);
        w2s.push(p.w2);
        expect(p.t).toBeCloseTo(t, 12);
        const x = await flow.cloud();
        const res = Float64Array.from(x, (v, e) => v - ((1 - t) * x0[e]! + t * x1[e]!));
        const mean = res.reduce((s, v) => s + v, 0) / res.length;
        const variance = res.reduce((s, v) => s + (v - mean) ** 2, 0) / res.length;
        const v = sigma * sigma * t * (1 - t);
        // Residuals are iid N(0, v) (the transitions are exact): 5 standard errors of the mean and
        // of the sample variance (sd v·√(2/N)).
        expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(v / res.length));
        expect(Math.abs(variance - v)).toBeLessThan(5 * v * Math.sqrt(2 / res.length));
      }
      const end = await flow.advance(100);
      expect(flow.stepsDone).toBe(10);
      expect(end.t).toBe(1);
      // The last exact transition has zero variance and weight h/(1 − t) = 1: x = x1 up to f32.
      expect(await flow.cloud()).toBeAllclose(x1, { atol: 1e-5, rtol: 1e-6 });
      expect(end.w2).toBeLessThan(1e-5);
      w2s.push(end.w2);
      for (let i = 1; i < w2s.length; i++) expect(w2s[i]!).toBeLessThan(w2s[i - 1]!);
    } finally {
      flow.destroy();
    }
  });

  it('rejects mismatched clouds and bad parameters', async () => {
    const ctx = gpu();
    const x = new Float32Array(10);
    await expect(brownianBridge(ctx, { x0: x, x1: new Float32Array(8), dim: 2 })).rejects.toThrow(/x1/);
    await expect(brownianBridge(ctx, { x0: x, x1: x, dim: 3 })).rejects.toThrow(/multiple/);
    await expect(brownianBridge(ctx, { x0: x.map(() => NaN), x1: x, dim: 2 })).rejects.toThrow(/NaN/);
    await expect(brownianBridge(ctx, { x0: x, x1: x, dim: 2, sigma: -1 })).rejects.toThrow(/sigma/);
    await expect(brownianBridge(ctx, { x0: x, x1: x, dim: 2, steps: 0 })).rejects.toThrow(/steps/);
  });
});

describe('Gaussian Schrödinger bridge', () => {
  const gpu = useGpu();
  const A = gaussian([0, 0], [1, 0.3, 0.3, 0.5]);
  const B = gaussian([2, -1], [0.6, -0.2, -0.2, 1.4]);

  it('the entropic coupling has joint precision off-diagonal −(2/ε) I and the entropic OT values of DESIGN.md', () => {
    for (const sigma of [0.3, 1, 2]) {
      const c = entropicCrossCov(A, B, sigma);
      const joint = new Float64Array(16);
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++) {
          joint[i * 4 + j] = A.cov[i * 2 + j]!;
          joint[(i + 2) * 4 + j + 2] = B.cov[i * 2 + j]!;
          joint[i * 4 + j + 2] = c[i * 2 + j]!;
          joint[(j + 2) * 4 + i] = c[i * 2 + j]!;
        }
      const prec = inv(joint, 4);
      const off = [prec[2]!, prec[3]!, prec[6]!, prec[7]!];
      // The Gibbs form π ∝ e^{(f(x) + g(y) − |x−y|²)/ε} p(x) q(y) has cross term 2xᵀy/ε.
      expect(off).toBeAllclose([-2 / (2 * sigma * sigma), 0, 0, -2 / (2 * sigma * sigma)], { atol: 1e-9, rtol: 1e-9 });
    }
    // OT_ε = E|x − y|² + ε·KL(π || p⊗q) with ε = 2σ² (Janati et al. 2020; DESIGN.md 1-D values).
    const otEps = (p: Gaussian, q: Gaussian, sigma: number) => {
      const c = entropicCrossCov(p, q, sigma)[0]!;
      const a = p.cov[0]!;
      const b = q.cov[0]!;
      const cost = (p.mean[0]! - q.mean[0]!) ** 2 + a + b - 2 * c;
      const mi = -0.5 * Math.log(1 - (c * c) / (a * b));
      return cost + 2 * sigma * sigma * mi;
    };
    expect(otEps(gaussian([0], [1]), gaussian([0], [1]), 1)).toBeAllclose(1.2451438, { atol: 1e-7 });
    expect(otEps(gaussian([0], [1]), gaussian([2], [0.25]), 0.5)).toBeAllclose(4.704377, { atol: 1e-6 });
    // σ → 0: the OT (Monge) coupling C = A^½ (A^½ B A^½)^½ A^-½.
    const ah = sqrtm(A.cov, 2);
    const ot = matmul(matmul(ah, sqrtm(matmul(matmul(ah, B.cov, 2), ah, 2), 2), 2), inv(ah, 2), 2);
    expect(entropicCrossCov(A, B, 1e-4)).toBeAllclose(ot, { atol: 1e-7 });
  });

  it('sampled endpoints have the closed-form coupling and the path has the closed-form marginals', async () => {
    const n = 6000;
    const sigma = 0.7;
    const source = sampleGaussian(A, n, 1);
    const target = sampleGaussian(B, n, 2);
    const flow = await schrodingerBridge(gpu(), { source, target, dim: 2, sigma, steps: 8, seed: 3, w2: 'moment' });
    try {
      const trace = [await flow.measure()];
      trace.push(await flow.advance(4));
      const mid = cloudMoments(await flow.cloud(), 2);
      const want = schrodingerMarginal(flow.source, flow.targetLaw, sigma, 0.5);
      // Moments of 6000 samples: standard errors ~ √(cov/n) ≈ 0.015 for means and ~cov·√(2/n) ≈
      // 0.03 for covariances (entries ≤ 1.4); 5 standard errors.
      expect(mid.mean).toBeAllclose(want.mean, { atol: 0.06 });
      expect(mid.cov).toBeAllclose(want.cov, { atol: 0.08 });
      trace.push(await flow.advance(4));
      const x1 = await flow.cloud();
      const cross = crossCovariance(source, x1, 2);
      expect(cross).toBeAllclose(entropicCrossCov(flow.source, flow.targetLaw, sigma), { atol: 0.06 });
      const end = cloudMoments(x1, 2);
      expect(end.mean).toBeAllclose(flow.targetLaw.mean, { atol: 0.06 });
      expect(end.cov).toBeAllclose(flow.targetLaw.cov, { atol: 0.1 });
      // The closed-form marginal reaches the target law exactly; the cloud's W2 to it falls.
      expect(trace[2]!.w2Exact!).toBeLessThan(1e-6);
      expect(trace[2]!.w2).toBeLessThan(0.1);
      expect(trace[1]!.w2).toBeLessThan(trace[0]!.w2);
    } finally {
      flow.destroy();
    }
  });
});

describe('heat and VP flows', () => {
  const gpu = useGpu();
  const P0 = gaussian([1, -2], [0.5, 0.2, 0.2, 0.3]);

  it('heat flow: cloud law N(m, C + 2tI) and its negative entropy along the flow', async () => {
    const n = 8000;
    const flow = await heatFlow(gpu(), { x0: sampleGaussian(P0, n, 7), dim: 2, T: 0.5, steps: 10, seed: 8, w2: 'moment' });
    try {
      const trace = await runFlow(flow, { every: 5 });
      expect(trace.map((p) => p.t)).toBeAllclose([0, 0.25, 0.5], { atol: 1e-12 });
      const law = cloudMoments(await flow.cloud(), 2);
      const want = heatLaw(P0, 0.5);
      expect(law.mean).toBeAllclose(want.mean, { atol: 0.06 }); // 5 SE with var ≤ 1.5
      expect(law.cov).toBeAllclose(want.cov, { atol: 0.1 }); // 5·1.5·√(2/n)
      for (const p of trace) expect(p.energy!).toBeAllclose(p.energyExact!, { atol: 0.05 });
      // Negative entropy decreases along its own gradient flow; W2 from p0 grows.
      expect(trace[2]!.energy!).toBeLessThan(trace[1]!.energy!);
      expect(trace[1]!.energy!).toBeLessThan(trace[0]!.energy!);
      expect(trace[2]!.w2).toBeGreaterThan(trace[1]!.w2);
    } finally {
      flow.destroy();
    }
  });

  it('VP flow: law N(e^−t m, e^−2t C + (1 − e^−2t) I), KL to N(0, I) and W2 fall monotonically', async () => {
    const n = 8000;
    const flow = await vpFlow(gpu(), { x0: sampleGaussian(P0, n, 9), dim: 2, T: 3, steps: 30, seed: 10, w2: 'moment' });
    try {
      const trace = await runFlow(flow, { every: 5 });
      const law = cloudMoments(await flow.cloud(), 2);
      const want = vpLaw(P0, 3);
      expect(law.mean).toBeAllclose(want.mean, { atol: 0.06 });
      expect(law.cov).toBeAllclose(want.cov, { atol: 0.08 });
      for (let i = 1; i < trace.length; i++) {
        expect(trace[i]!.w2Exact!).toBeLessThan(trace[i - 1]!.w2Exact!);
        expect(trace[i]!.energyExact!).toBeLessThan(trace[i - 1]!.energyExact!);
      }
      // Sampled W2 follows the exact one to the sampling floor (~0.03 at n = 8000).
      for (const p of trace) expect(Math.abs(p.w2 - p.w2Exact!)).toBeLessThan(0.05);
      expect(trace[trace.length - 1]!.w2).toBeLessThan(0.15);
    } finally {
      flow.destroy();
    }
  });
});
