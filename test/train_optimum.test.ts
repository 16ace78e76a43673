// J*, the DSM loss of the exact score (src/train/optimum.ts): the closed form for one Gaussian, and
// the paper's 4 clusters (the figure the main job's summary compares the final loss with).
import { describe, expect, it } from 'vitest';
import { datasetMixture } from '../src/data/datasets.js';
import { DdpmSigmoid } from '../src/processes/process.js';
import { dsmCoefficients } from '../src/train/coefficients.js';
import { dsmOptimum } from '../src/train/optimum.js';

describe('dsmOptimum', () => {
  const table = dsmCoefficients(new DdpmSigmoid({ steps: 10 }), 'paper');

  it('equals the closed form for one Gaussian N(m, s² I) within its Monte Carlo error', () => {
    // ∇log p_k = −(x − α m)/v with v = α² s² + σ², so E||∇log p_k||² = d/v and
    // J* = (1/K) Σ λ_k d α_k² s² / (α_k² s² + σ_k²).
    const s2 = 0.3;
    const d = 3;
    const mix = { weights: [1], means: [[0.2, -1, 0.5]], covs: [[[s2, 0, 0], [0, s2, 0], [0, 0, s2]]] };
    let exact = 0;
    for (let k = 0; k < table.rows; k++) {
      const [a, sg, lam] = [table.data[4 * k]!, table.data[4 * k + 1]!, table.data[4 * k + 2]!];
      exact += (lam * d * a * a * s2) / (a * a * s2 + sg * sg) / table.rows;
    }
    const r = dsmOptimum(table, mix, 4000, 3);
    expect(r.stderr).toBeGreaterThan(0);
    // 5 standard errors: a false failure once in ~10^6 runs.
    expect(Math.abs(r.value - exact)).toBeLessThan(5 * r.stderr);
  });

  it('is about 0.32 for the paper 4 clusters (DDPM n = 10, weighting β/(1 − ᾱ))', () => {
    const r = dsmOptimum(table, datasetMixture('clusters4')!, 4000, 1);
    expect(r.value).toBeGreaterThan(0.29);
    expect(r.value).toBeLessThan(0.34);
    expect(r.stderr).toBeLessThan(0.01);
  });

  it('refuses a continuous table and a non-diagonal covariance, by name', () => {
    const mix = { weights: [1], means: [[0, 0]], covs: [[[1, 0.5], [0.5, 1]]] };
    expect(() => dsmOptimum(table, mix)).toThrow(/non-diagonal covariance/);
    expect(() => dsmOptimum({ ...table, discrete: false }, datasetMixture('clusters4')!)).toThrow(/discrete/);
  });
});
