// W2 along the flows by the debiased Sinkhorn divergence (transport's SinkhornSolver, fed the
// particles' own GPU buffer) against the closed-form W2 of the flows' Gaussian laws.
import { describe, expect, it } from 'vitest';
import { sampleGaussianCloud } from '../src/flows/clouds.js';
import { runFlow } from '../src/flows/flow.js';
import { eye, type Gaussian } from '../src/flows/gaussian.js';
import { heatFlow, vpFlow } from '../src/flows/sde_flows.js';
import { FlowW2 } from '../src/flows/w2_measure.js';
import { InputError } from '../src/gpu/errors.js';
import { useGpu } from './gpu.js';

const P0: Gaussian = { mean: Float64Array.from([2, -1]), cov: Float64Array.from([0.5, 0.2, 0.2, 0.3]) };
const PRIOR: Gaussian = { mean: new Float64Array(2), cov: eye(2) };

describe('flows: Sinkhorn W2 along the flow', () => {
  const gpu = useGpu();

  it('VP flow: Sinkhorn W2 of the cloud to a sample of N(0, I) matches the closed-form W2 up to the measured sampling floor', async () => {
    // n = 512 keeps each solve near 1.5 s on SwiftShader (the cost is n² per Sinkhorn iteration).
    const n = 512;
    const d = 2;
    const ctx = gpu();
    // The sampling floor: S_ε between two independent n-samples of N(0, I), same blur rule (≈ 0.23).
    const meter = await FlowW2.create(ctx, d, n, sampleGaussianCloud(PRIOR, n, 31), PRIOR);
    let floor: number;
    try {
      floor = (await meter.measure(sampleGaussianCloud(PRIOR, n, 32))).w2;
    } finally {
      meter.destroy();
    }
    expect(floor).toBeGreaterThan(0.1);
    expect(floor).toBeLessThan(0.4);

    const flow = await vpFlow(ctx, { x0: sampleGaussianCloud(P0, n, 21), dim: d, T: 2, steps: 4, seed: 22 });
    try {
      expect(flow.w2Method).toMatch(/Sinkhorn/);
      const trace = await runFlow(flow, { every: 2 });
      expect(trace).toHaveLength(3);
      for (const p of trace) {
        expect(p.w2Estimator).toBe('sinkhorn');
        const exact = p.w2Exact!;
        // Triangle inequality: |W2(x̂, ŷ) − W2(p_t, N)| ≤ W2(x̂, p_t) + W2(ŷ, N) ≈ √2 × floor (each
        // sample is floor/√2 from its law); 1.5 × floor leaves room for the O(ε²) entropic bias.
        expect(Math.abs(p.w2 - exact)).toBeLessThan(1.5 * floor);
        // Sharper: independent sampling errors add in quadrature, w2² ≈ exact² + floor², up to the
        // cross term 2·exact·|δ| with |δ| ≲ 2·sqrt(tr Σ / n) the error of a sample mean (tr Σ ≤ d
        // here), plus 0.02 for the entropic bias and the solver's marginal tolerance 1e-3.
        const tol = 2 * exact * 2 * Math.sqrt(d / n) + 0.02;
        expect(Math.abs(p.w2 ** 2 - (exact ** 2 + floor ** 2))).toBeLessThan(tol);
        // The moment (Bures) W2 is still reported alongside.
        expect(p.w2Moment).toBeGreaterThan(0);
      }
      expect(trace[2]!.w2).toBeLessThan(trace[1]!.w2);
      expect(trace[1]!.w2).toBeLessThan(trace[0]!.w2);
    } finally {
      flow.destroy();
    }
  });

  it('heat flow: W2 to its own start cloud is 0 at t = 0 (S_ε(x, x) = 0) and exact in 1-D', async () => {
    const ctx = gpu();
    const x0 = sampleGaussianCloud(P0, 200, 41);
    const flow = await heatFlow(ctx, { x0, dim: 2, T: 0.1, steps: 1, seed: 42 });
    try {
      const p = await flow.measure();
      expect(p.w2Estimator).toBe('sinkhorn');
      // fp32 potentials leave |S_ε| ~ 1e-5, i.e. w2 ~ 3e-3.
      expect(p.w2).toBeLessThan(0.01);
    } finally {
      flow.destroy();
    }
    const line = Float32Array.from({ length: 100 }, (_, i) => i / 100);
    const flow1 = await heatFlow(ctx, { x0: line, dim: 1, T: 0.1, steps: 1, seed: 43, w2: 'sinkhorn' });
    try {
      expect(flow1.w2Method).toMatch(/exact 1-D/);
      const [p0, p1] = await runFlow(flow1, { every: 1 });
      expect(p0!.w2Estimator).toBe('exact1d');
      expect(p0!.w2).toBe(0);
      expect(p1!.w2).toBeGreaterThan(0);
    } finally {
      flow1.destroy();
    }
  });

  it('the moment estimator on request, and bad W2 options rejected', async () => {
    const ctx = gpu();
    const x0 = sampleGaussianCloud(P0, 100, 51);
    const flow = await vpFlow(ctx, { x0, dim: 2, T: 1, steps: 1, w2: 'moment' });
    try {
      const p = await flow.measure();
      expect(p.w2Estimator).toBe('moment');
      expect(p.w2).toBe(p.w2Moment);
      expect(flow.w2Method).toMatch(/moment/);
    } finally {
      flow.destroy();
    }
    await expect(vpFlow(ctx, { x0, dim: 2, w2: 'exact' as never })).rejects.toThrow(InputError);
    await expect(vpFlow(ctx, { x0, dim: 2, blur: 0 })).rejects.toThrow(/blur/);
    await expect(heatFlow(ctx, { x0, dim: 2, blur: 2 })).rejects.toThrow(/blur/);
  });
});
