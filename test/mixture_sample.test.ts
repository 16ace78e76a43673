// The mixture dataset generator at any dimension: a 13-D three-component full-covariance mixture
// drawn on the GPU passes projected KS against the exact projected CDF and matches mean and
// covariance; a seed reproduces; bad mixtures are refused.
import { describe, expect, it } from 'vitest';
import { makeMixtureDataset } from '../src/data/datasets.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { useGpu } from './gpu.js';
import { ksProjected, mixtureMoments, projectedMixtureCdf, sampleCov } from './reference/ks.js';
import { randomMixture } from './reference/mixture.js';

describe('mixture datasets at any dimension', () => {
  const gpu = useGpu();

  it('13-D, 3 components: KS on projections, mean and covariance', async () => {
    const ctx = gpu();
    const d = 13, n = 6001;
    const mix = randomMixture(d, 3, 31);
    const ds = await makeMixtureDataset(ctx, mix, { n, seed: 4 });
    try {
      const x = await ctx.readF32(ds.data);
      const again = await makeMixtureDataset(ctx, mix, { n, seed: 4 });
      expect(await ctx.readF32(again.data)).toEqual(x);
      again.destroy();
      for (let s = 0; s < 3; s++) {
        const u0 = Array.from(rngFillCpu(d, 50 + s, 1, 'normal'));
        const u = u0.map((v) => v / Math.hypot(...u0));
        // KS critical value at level 0.001 for n = 6001: 1.95/sqrt(n) = 0.025.
        expect(ksProjected(x, d, u, projectedMixtureCdf(mix, u))).toBeLessThan(0.025);
      }
      const { mean, cov } = mixtureMoments(mix);
      const maxVar = Math.max(...cov.map((r, i) => r[i]!));
      const m = Array.from({ length: d }, (_, j) => x.filter((_, k) => k % d === j).reduce((a, b) => a + b, 0) / n);
      expect(m).toBeAllclose(mean, { atol: 5 * Math.sqrt(maxVar / n) }); // 5 standard errors
      expect(sampleCov(x, d).flat()).toBeAllclose(cov.flat(), { atol: 5 * Math.sqrt(2 / n) * maxVar });
    } finally {
      ds.destroy();
    }
  });

  it('refuses a covariance that is not positive definite', async () => {
    const ctx = gpu();
    const bad = { weights: [1], means: [[0, 0, 0, 0, 0]], covs: [Array.from({ length: 5 }, (_, i) => Array.from({ length: 5 }, (_, j) => (i === j ? 1 : 2)))] };
    await expect(makeMixtureDataset(ctx, bad, { n: 10 })).rejects.toThrow(/covariance 0 is not positive definite/);
  });
});
