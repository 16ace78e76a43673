// The exact mixture score's L_s as a supremum (src/lipschitz/mixture_sup.ts) against an independent
// float64 optimiser (test/reference/mixture_sup.ts: dense grid + zooming) and closed forms.
import { describe, expect, it } from 'vitest';
import { toGaussianMixture } from '../src/bound/monitor.js';
import { datasetMixture } from '../src/data/datasets.js';
import { isotropicMixture, MixtureMarginal, twoClusterScoreLipschitz, type GaussianMixture } from '../src/lipschitz/exact.js';
import { mixtureScoreSupremum } from '../src/lipschitz/mixture_sup.js';
import { DdpmSigmoid } from '../src/processes/process.js';
import { referenceMixtureSupremum } from './reference/mixture_sup.js';

const ddpm = new DdpmSigmoid({ steps: 10 });
const at = (k: number) => ({ alpha: Math.sqrt(ddpm.alphaBars[k]!), sigma: Math.sqrt(1 - ddpm.alphaBars[k]!) });

describe('exact score L_s: the supremum over x', () => {
  it('4 clusters, DDPM steps 1..6: the independent grid-and-zoom optimiser agrees, and the issue-16 figures', () => {
    const mix = toGaussianMixture(datasetMixture('clusters4')!);
    // Issue 16's figures (rounded to two digits there).
    const expected = [6.9e6, 2.9e6, 5.9e5, 7.3e4, 8.9e3, 1.7e3];
    for (let k = 0; k < 6; k++) {
      const { alpha, sigma } = at(k);
      const r = mixtureScoreSupremum(mix, alpha, sigma);
      // Both optimisers converge to the same float64 maximum; 1e-7 leaves room for where on the flat
      // ridge each stops (the value there varies by ~1e-9 relative).
      const ref = referenceMixtureSupremum(mix, alpha, sigma, { lo: [-1.2, -1.2], hi: [1.2, 1.2] }, { side: k < 2 ? 301 : 151 });
      expect(r.value).toBeAllclose(ref.value, { rtol: 1e-7 });
      expect(r.value).toBeAllclose(expected[k]!, { rtol: 0.02 });
      // The argmax is a point where the value is reached.
      const mm = new MixtureMarginal(mix, alpha, sigma);
      expect(mm.maxSymmetricEigenvalue(r.argmax)).toBeAllclose(r.value, { rtol: 1e-12 });
    }
  });

  it('far above every sample of p_t at small t (the valleys no sample visits)', () => {
    const mix = toGaussianMixture(datasetMixture('clusters4')!);
    const { alpha, sigma } = at(0);
    const mm = new MixtureMarginal(mix, alpha, sigma);
    const pts: number[] = [];
    for (let i = 0; i < 400; i++) pts.push(...mix.means[i % 4]!.map((m) => alpha * m + 0.02 * Math.sin(7 * i + m)));
    const samples = mm.maxSymmetricEigenvalue(pts);
    expect(samples).toBeLessThan(0);
    expect(mixtureScoreSupremum(mix, alpha, sigma).value).toBeGreaterThan(1e6);
  });

  it('symmetric two clusters: the closed form −1/v + α²|m|²/v²', () => {
    for (const alpha of [0.99, 0.7, 0.3]) {
      const sigma = Math.sqrt(1 - alpha * alpha);
      const mix = isotropicMixture([[0.4, 0.3], [-0.4, -0.3]], [0.05, 0.05]);
      expect(mixtureScoreSupremum(mix, alpha, sigma).value).toBeAllclose(twoClusterScoreLipschitz(alpha, 0.5, 0.05, sigma), { rtol: 1e-9 });
    }
  });

  it('random mixtures (shared anisotropic covariance, unequal weights; 2-D and 1-D): agrees with the reference optimiser', () => {
    let s = 7;
    const u = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    for (let trial = 0; trial < 3; trial++) {
      const K = 3 + trial;
      const means = Array.from({ length: K }, () => [2 * u() - 1, 2 * u() - 1]);
      const th = Math.PI * u();
      const a = 0.002 + 0.02 * u();
      const b = 0.002 + 0.02 * u();
      const c = Math.cos(th);
      const sn = Math.sin(th);
      const cov = [a * c * c + b * sn * sn, (a - b) * c * sn, (a - b) * c * sn, a * sn * sn + b * c * c];
      const mix: GaussianMixture = { dim: 2, weights: means.map(() => 0.2 + u()), means, covariances: means.map(() => cov) };
      for (const alpha of [0.995, 0.8]) {
        const sigma = Math.sqrt(1 - alpha * alpha);
        const r = mixtureScoreSupremum(mix, alpha, sigma);
        expect(r.unbounded).toBeUndefined();
        // With a shared covariance the boundaries are lines; along one that runs off to infinity the
        // value tends to a limit from below, so the box must be wide (ours may stop further out).
        const ref = referenceMixtureSupremum(mix, alpha, sigma, { lo: [-8, -8], hi: [8, 8] }, { side: 181 });
        expect(r.value).toBeGreaterThanOrEqual(ref.value * (1 - 1e-9) - 1e-9);
        // Within 1e-3 of the curvature scale 1/v (the value itself can be near 0; where the
        // supremum is a limit along a boundary running off to infinity the box's edge stops the
        // reference 1e-4 of the scale short, and ours is the larger).
        expect(r.value).toBeAllclose(ref.value, { rtol: 1e-6, atol: 1e-3 / Math.min(a, b) });
      }
    }
    // 1-D with unequal variances and weights: finite (two boundary points), found.
    const mix1: GaussianMixture = { dim: 1, weights: [0.8, 0.2], means: [[-0.5], [0.6]], covariances: [[0.001], [0.004]] };
    const r1 = mixtureScoreSupremum(mix1, 0.99, Math.sqrt(1 - 0.99 ** 2));
    const ref1 = referenceMixtureSupremum(mix1, 0.99, Math.sqrt(1 - 0.99 ** 2), { lo: [-2], hi: [2] });
    expect(r1.value).toBeAllclose(ref1.value, { rtol: 1e-8 });
  });

  it('different covariances whose boundary is unbounded: the supremum is +∞, and it does grow', () => {
    // Crossed elongated components: their boundary is a hyperbola; along its asymptotes both keep
    // posterior ½ and |s_1 − s_2| grows with the distance.
    const mix: GaussianMixture = { dim: 2, weights: [0.5, 0.5], means: [[0.2, 0], [-0.2, 0]], covariances: [[0.04, 0, 0, 0.01], [0.01, 0, 0, 0.04]] };
    const r = mixtureScoreSupremum(mix, 0.99, Math.sqrt(1 - 0.99 ** 2));
    expect(r.value).toBe(Infinity);
    expect(r.unbounded).toBeDefined();
    // Boxes around ρ·u (u the reported direction) at ρ = 5 and 50: λ_max grows like ρ².
    const u = r.unbounded!.direction;
    const near = (rho: number) => referenceMixtureSupremum(mix, 0.99, Math.sqrt(1 - 0.99 ** 2), { lo: u.map((c) => rho * c - rho / 4), hi: u.map((c) => rho * c + rho / 4) }, { side: 121 });
    expect(near(50).value).toBeGreaterThan(10 * near(5).value);
  });

  it('3-D: never below a dense grid; a single Gaussian gives −λ_min(C)⁻¹', () => {
    const mix = isotropicMixture([[0.5, 0, 0], [-0.5, 0.1, 0.2], [0, 0.6, -0.4]], [0.08, 0.1, 0.06]);
    const alpha = 0.95;
    const sigma = Math.sqrt(1 - alpha * alpha);
    const r = mixtureScoreSupremum(mix, alpha, sigma);
    const mm = new MixtureMarginal(mix, alpha, sigma);
    const pts: number[] = [];
    for (let i = 0; i < 21; i++) for (let j = 0; j < 21; j++) for (let k = 0; k < 21; k++) pts.push(-1 + i / 10 + 0.013, -1 + j / 10 + 0.007, -1 + k / 10 - 0.011);
    expect(r.value).toBeGreaterThanOrEqual(mm.maxSymmetricEigenvalue(pts));
    const one: GaussianMixture = { dim: 3, weights: [1], means: [[0.1, 0.2, 0.3]], covariances: [[0.04, 0.01, 0, 0.01, 0.09, 0, 0, 0, 0.01]] };
    const s1 = mixtureScoreSupremum(one, 1, 0);
    // Hessian −C⁻¹ everywhere: its top eigenvalue is −1/λ_max(C).
    const lmaxC = 0.065 + Math.hypot(0.025, 0.01);
    expect(s1.value).toBeAllclose(-1 / lmaxC, { rtol: 1e-10 });
  });
});
