// Training quality: the paper's model on the 4-cluster data lowers the DSM loss toward the
// Bayes-optimal level J* (computed from the exact mixture score); on a single Gaussian, where the
// score is known in closed form, training cuts the score error at several t by a large factor.
import { describe, expect, it } from 'vitest';
import { datasetMixture, makeDataset, uploadPoints } from '../src/data/datasets.js';
import { scoreFromOutput } from '../src/model/layout.js';
import { DdpmSigmoid, VpLinear } from '../src/processes/process.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { dsmCoefficients } from '../src/train/coefficients.js';
import { Trainer } from '../src/train/trainer.js';
import { optimalDsmLoss } from './reference/dsm.js';
import { useGpu } from './gpu.js';

describe('training quality', () => {
  const gpu = useGpu();

  it("the paper's model on 4 clusters lowers the DSM loss from ~1.15 to below 0.9 in 400 steps (J* ≈ 0.32)", async () => {
    const ctx = gpu();
    const data = await makeDataset(ctx, 'clusters4', { seed: 1 });
    const process = new DdpmSigmoid({ steps: 10 });
    const trainer = await Trainer.create(ctx, data, {
      spec: { dim: 2, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' },
      process, weighting: 'paper', timeSampling: 'antithetic', batch: 128, optimizer: 'adamw', lr: 1e-2, gradClip: 1, seed: 1, lossEvery: 100,
    });
    try {
      const jStar = optimalDsmLoss(datasetMixture('clusters4')!, dsmCoefficients(process, 'paper'), 8000);
      expect(jStar).toBeGreaterThan(0.28);
      expect(jStar).toBeLessThan(0.36);
      const initial = (await trainer.evaluate(1_000_000)).loss;
      const curve = await trainer.train(400);
      const last = curve.at(-1)!.loss;
      // An untrained ε-network predicts ~0: its loss is about Σ λ·d / n ≈ 1.15 here.
      expect(initial).toBeGreaterThan(1);
      // Deterministic for the seed on one adapter (it reaches ~0.8 on SwiftShader); the bound leaves room for
      // other adapters' rounding while staying far under the untrained level.
      expect(last).toBeLessThan(0.9);
      expect(last).toBeGreaterThan(jStar); // no network beats the Bayes-optimal loss
    } finally {
      trainer.destroy();
      data.destroy();
    }
  });

  it('on N(m, s²I) the trained score error E|s_θ − ∇log p_t|² is far below the untrained one at t = 0.1, 0.3, 0.6', async () => {
    const ctx = gpu();
    const m = [0.5, -0.3];
    const s = 0.3;
    const z = rngFillCpu(2 * 4000, 3, 0, 'normal');
    const data = uploadPoints(ctx, 'gaussian', z.map((v, i) => m[i % 2]! + s * v), 2);
    const process = new VpLinear({});
    const trainer = await Trainer.create(ctx, data, {
      spec: { dim: 2, hidden: [48, 48], activation: 'silu', time: { kind: 'fourier', features: 3 }, output: 'eps' },
      process, weighting: 'sigma2', batch: 256, optimizer: 'adam', lr: 3e-3, seed: 2, lossEvery: 500,
    });
    try {
      const times = [0.1, 0.3, 0.6];
      const scoreError = async () => {
        const errs: number[] = [];
        for (const t of times) {
          const a = process.alpha(t), sg = process.sigma(t);
          const v = a * a * s * s + sg * sg;
          const n = 2000;
          const w = rngFillCpu(2 * n, 100 + Math.round(100 * t), 0, 'normal');
          const x = w.map((q, i) => a * m[i % 2]! + Math.sqrt(v) * q);
          const out = await trainer.mlp.evaluate(x, t / process.T);
          let e = 0;
          for (let i = 0; i < 2 * n; i++) e += (scoreFromOutput('eps', out[i]!, x[i]!, a, sg) + (x[i]! - a * m[i % 2]!) / v) ** 2;
          errs.push(e / n);
        }
        return errs;
      };
      const before = await scoreError();
      await trainer.train(500);
      const after = await scoreError();
      for (let i = 0; i < times.length; i++) {
        // Trained: within a few percent of E|∇log p_t|² = 2/v; untrained: of the order of 2/σ_t².
        expect(after[i], `t = ${times[i]}: ${after[i]} vs untrained ${before[i]}`).toBeLessThan(0.1 * before[i]!);
      }
    } finally {
      trainer.destroy();
      data.destroy();
    }
  });
});
