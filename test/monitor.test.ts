// The W2 bound end to end: exact score (J_SM = 0) with q_T = p_T reduces the bound to its offset and
// the sampled W2 stays at the sampling-error level; the live monitor during a short training run
// (1-D data so that W2 is exact by sorting, a float64 test-local reference) stays under its bound.
import { describe, expect, it } from 'vitest';
import { discreteBound, theoremBound, boundGrid } from '../src/bound/bound.js';
import { BoundMonitor, type W2Fn } from '../src/bound/monitor.js';
import { makeDataset } from '../src/data/datasets.js';
import { gaussianScoreLipschitz } from '../src/lipschitz/exact.js';
import { DdpmSigmoid } from '../src/processes/process.js';
import { ForwardSampler } from '../src/samplers/forward.js';
import { ReverseSampler } from '../src/samplers/sampler.js';
import { Trainer } from '../src/train/trainer.js';
import { paperTraining } from '../src/experiments/common.js';
import { useGpu } from './gpu.js';

/** Exact W2 between two equal-size 1-D clouds (sorted matching), float64. */
function w2Sorted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - y[i]!) ** 2;
  return Math.sqrt(s / x.length);
}

describe('bound: exact score with q_T = p_T', () => {
  const gpu = useGpu();
  it('the bound reduces to the offset (0) and W2(p0, q0) stays within sampling error of 0', async () => {
    const ctx = gpu();
    const n = 4000;
    const process = new DdpmSigmoid({ steps: 10 });
    const data = await makeDataset(ctx, 'cluster1d', { n, seed: 1 });
    const other = await makeDataset(ctx, 'cluster1d', { n, seed: 2 });
    const fwd = await ForwardSampler.create(ctx, { process, dim: 1, n, steps: 1 });
    const sampler = await ReverseSampler.create(ctx, { process, score: { kind: 'exact', mixture: data.mixture! }, n, sampler: 'ddpm' });
    try {
      await fwd.marginal(data.data, process.T, 3);
      await sampler.run({ seed: 4, init: fwd.state });
      const q0 = await sampler.read();
      const p0 = await ctx.readF32(data.data);
      const p0b = await ctx.readF32(other.data);
      const w2 = w2Sorted(q0, p0);
      // Sampling error: two independent n-samples of p_0 are this far apart.
      const baseline = w2Sorted(p0b, p0);
      expect(w2).toBeLessThan(3 * baseline + 1e-3);
      // The bound with the exact constants, J_SM = 0 and W2(p_T, q_T) = 0.
      const ls = Array.from(process.alphaBars, (ab) => gaussianScoreLipschitz(Math.sqrt(ab), Math.sqrt(0.1), Math.sqrt(1 - ab)));
      const db = discreteBound(process.betas, ls, 0, 0);
      expect(db.bound).toBe(0);
      // Continuous Theorem 1 on the DDPM's continuous view: integral 0, offset I(T)·W2_T.
      const times = Array.from({ length: 11 }, (_, i) => i);
      const th = theoremBound(boundGrid(process, times, times.map((t) => ls[Math.max(0, t - 1)]!)), times.map(() => 0), 0.2);
      expect(th.integral).toBe(0);
      expect(th.bound).toBeAllclose(0.2 * Math.exp(th.logI[10]!), { rtol: 1e-14 });
      // With L_s = −1/(ᾱ·0.1 + 1 − ᾱ) > −1/0.1·… the growth factor stays below exp(½ Σ β) (L_s < 0).
      expect(db.logI[9]!).toBeLessThan(0.5 * process.betas.reduce((a, b) => a + b, 0));
    } finally {
      sampler.destroy();
      fwd.destroy();
      data.destroy();
      other.destroy();
    }
  });
});

describe('bound: live monitor', () => {
  const gpu = useGpu();
  it('records J_DSM, J_SM, W2, L_s and the bound during training, and W2 <= bound at every checkpoint (1-D)', async () => {
    const ctx = gpu();
    const process = new DdpmSigmoid({ steps: 10 });
    const data = await makeDataset(ctx, 'clusters2-1d', { n: 600, seed: 5 });
    const trainer = await Trainer.create(ctx, data, paperTraining(process, 1, { maximizeSteps: 20, seed: 5 }));
    const w2: W2Fn = async (x, y) => {
      const a = x.data instanceof Float32Array ? x.data : await ctx.readF32(x.data, 0, x.n);
      const b = y.data instanceof Float32Array ? y.data : await ctx.readF32(y.data, 0, y.n);
      return w2Sorted(a.subarray(0, Math.min(x.n, y.n)), b.subarray(0, Math.min(x.n, y.n)));
    };
    const monitor = await BoundMonitor.create(ctx, trainer, { process, data: { buffer: data.data, n: data.n, dim: 1, mixture: data.mixture!, exact: true }, w2, lsPoints: 32, gridSide: 6, evalBatches: 2, seed: 1 });
    try {
      const seen: number[] = [];
      const records = await monitor.run(40, 20, { onRecord: (r) => seen.push(r.step) });
      expect(seen).toEqual([0, 20, 40]);
      for (const r of records) {
        expect(r.ls).toHaveLength(10);
        for (const v of [r.loss, r.jdsm, r.jsm!, r.w2, r.w2Sliced, r.bound, r.boundSm!, ...r.ls]) expect(Number.isFinite(v)).toBe(true);
        expect(r.jdsm).toBeAllclose(5 * r.loss, { rtol: 1e-12 });
        // The bound's intercept is consistent with its log I.
        const db = discreteBound(process.betas, r.ls, r.jdsm, 0);
        expect(r.bound).toBeAllclose(db.bound, { rtol: 1e-12 });
        // Acceptance: the measured W2 does not exceed the bound with the estimated constants.
        expect(r.w2).toBeLessThanOrEqual(r.bound);
      }
    } finally {
      monitor.destroy();
      trainer.destroy();
      data.destroy();
    }
  });
});
