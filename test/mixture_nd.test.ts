// Exact Gaussian-mixture scores at d > 4 (full covariances) against the float64 reference, and
// sampling a 16-D three-component mixture with EM and the PF-ODE: projected Kolmogorov–Smirnov
// distances against the exact projected mixture CDF, and the covariance.
import { describe, expect, it } from 'vitest';
import { MixtureScore } from '../src/kernels/mixture_score.js';
import { VpLinear } from '../src/processes/process.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { sample } from '../src/samplers/sampler.js';
import { checkMixtureNdFits, mixtureScore64, prepareMixture, type PreparedMixture } from '../src/scores/mixture.js';
import { useGpu } from './gpu.js';
import { ksProjected, mixtureMoments, projectedMixtureCdf, sampleCov } from './reference/ks.js';
import { mixtureScoreRef, randomMixture } from './reference/mixture.js';

describe('exact mixture scores at any dimension', () => {
  const gpu = useGpu();

  it('score and log-density at d = 16 and d = 13 match the float64 reference (direct inverse)', async () => {
    const ctx = gpu();
    for (const d of [16, 13]) {
      const mix = randomMixture(d, 3, 40 + d);
      const n = 53;
      const pts = rngFillCpu(n * d, 7, 2, 'normal');
      const alpha = 0.8, sigma = 0.6;
      const ms = await MixtureScore.create(ctx, mix);
      try {
        const { score, logp } = await ms.evaluate(pts, alpha, sigma);
        const wantS: number[] = [], wantL: number[] = [];
        for (let i = 0; i < n; i++) {
          const r = mixtureScoreRef(mix, Array.from(pts.subarray(i * d, (i + 1) * d)), alpha, sigma);
          wantS.push(...r.score);
          wantL.push(r.logp);
          // The host float64 path (eigendecomposition) agrees with the direct inverse.
          expect(Array.from(mixtureScore64(prepareMixture(mix), pts.subarray(i * d, (i + 1) * d), alpha, sigma).score)).toBeAllclose(r.score, { rtol: 1e-9, atol: 1e-9 });
        }
        // f32 sums of d products over O(1) values with C⁻¹ up to 1/0.36: ~d·1e-7 relative.
        expect(score).toBeAllclose(wantS, { rtol: 1e-4, atol: 1e-4 });
        expect(logp).toBeAllclose(wantL, { rtol: 1e-5, atol: 1e-4 });
      } finally {
        ms.destroy();
      }
    }
  });

  it('sampling a 16-D three-component full-covariance mixture (EM and PF-ODE) passes projected KS and matches the covariance', async () => {
    const ctx = gpu();
    const d = 16, n = 1201;
    const mix = randomMixture(d, 3, 99);
    const { cov } = mixtureMoments(mix);
    const dirs = [0, 1, 2, 3].map((s) => {
      const u = Array.from(rngFillCpu(d, 300 + s, 1, 'normal'));
      const nrm = Math.hypot(...u);
      return u.map((v) => v / nrm);
    });
    // Plus a direction through two component means, where the mixture is bimodal.
    const dm = mix.means[0]!.map((v, i) => v - mix.means[1]![i]!);
    dirs.push(dm.map((v) => v / Math.hypot(...dm)));
    for (const kind of ['em', 'ode'] as const) {
      const { samples } = await sample(ctx, { process: new VpLinear(), score: { kind: 'exact', mixture: mix }, n, steps: 100, sampler: kind, seed: 21 });
      for (const u of dirs) {
        const D = ksProjected(samples, d, u, projectedMixtureCdf(mix, u));
        // KS critical value at level 0.001 for n = 1201: 1.95/sqrt(n) = 0.056 (time-discretisation
        // bias of 100 steps is far below it).
        expect(D, `${kind} KS`).toBeLessThan(0.056);
      }
      const C = sampleCov(samples, d);
      // Entry (i, j) of a sample covariance has standard error ≈ sqrt((C_ii C_jj + C_ij²)/n) ≤
      // sqrt(2/n)·max C_ii; 5 of them.
      const maxVar = Math.max(...cov.map((r, i) => r[i]!));
      expect(C.flat(), `${kind} covariance`).toBeAllclose(cov.flat(), { atol: 5 * Math.sqrt(2 / n) * maxVar });
    }
  });

  it('above 512-D (d = 520, two components): GPU eigen path against the float64 Cholesky reference and Gauss–Jordan', async () => {
    const ctx = gpu();
    const d = 520, n = 6;
    const mix = randomMixture(d, 2, 5);
    const prep = prepareMixture(mix);
    const pts = rngFillCpu(n * d, 9, 2, 'normal');
    const alpha = 0.7, sigma = 0.5;
    const ms = await MixtureScore.create(ctx, prep);
    try {
      const { score, logp } = await ms.evaluate(pts, alpha, sigma);
      const wantS: number[] = [], wantL: number[] = [];
      for (let i = 0; i < n; i++) {
        const r = mixtureScore64(prep, pts.subarray(i * d, (i + 1) * d), alpha, sigma);
        wantS.push(...r.score);
        wantL.push(r.logp);
      }
      // The Cholesky path is itself checked against the direct inverse at one point.
      const r0 = mixtureScoreRef(mix, Array.from(pts.subarray(0, d)), alpha, sigma);
      expect(wantS.slice(0, d)).toBeAllclose(r0.score, { rtol: 1e-9, atol: 1e-9 });
      expect(wantL[0]!).toBeCloseTo(r0.logp, 8);
      // f32 sums of d = 520 products of O(1) terms, C⁻¹ up to 1/0.25: ~d·6e-8 ≈ 3e-5 relative per
      // score entry (|score| ~ 3); log p ~ −800 to f32 relative 1e-6 plus the same sums.
      expect(score).toBeAllclose(wantS, { rtol: 2e-3, atol: 2e-3 });
      expect(logp).toBeAllclose(wantL, { rtol: 1e-5, atol: 1e-2 });
    } finally {
      ms.destroy();
    }
  });

  it('d = 4096, the limit: the GPU kernel (one component, Q = I so the answer is in closed form)', async () => {
    const ctx = gpu();
    const d = 4096, n = 3;
    const lam = Float64Array.from({ length: d }, (_, i) => 0.05 + (0.5 * ((i * 37) % 101)) / 101);
    const mu = Float64Array.from({ length: d }, (_, i) => Math.sin(i));
    const q = new Float64Array(d * d);
    for (let i = 0; i < d; i++) q[i * d + i] = 1;
    // A prepared mixture given directly (its eigen path), so the test times the GPU kernel at
    // ND = 4096 and not the host's O(d³) factorisations (checked at d = 520 above and in
    // test/linalg_spd.test.ts); covariances are not read by the GPU path.
    const prepared: PreparedMixture = { dim: d, components: 1, logWeights: Float64Array.of(0), means: mu, covariances: new Float64Array(0), eigenvalues: lam, eigenvectors: q };
    const ms = await MixtureScore.create(ctx, prepared);
    try {
      const pts = rngFillCpu(n * d, 4, 2, 'normal');
      const alpha = 0.6, sigma = 0.8;
      const { score, logp } = await ms.evaluate(pts, alpha, sigma);
      const wantS: number[] = [], wantL: number[] = [];
      for (let p = 0; p < n; p++) {
        let quad = 0, ld = 0;
        for (let i = 0; i < d; i++) {
          const c = alpha * alpha * lam[i]! + sigma * sigma;
          const r = pts[p * d + i]! - alpha * mu[i]!;
          wantS.push(-r / c);
          quad += (r * r) / c;
          ld += Math.log(c);
        }
        wantL.push(-0.5 * quad - 0.5 * ld - 0.5 * d * Math.log(2 * Math.PI));
      }
      // Each score entry is one f32 quotient after sums of d products with one non-zero term: ~1e-6 relative.
      expect(score).toBeAllclose(wantS, { rtol: 1e-4, atol: 1e-5 });
      // log p ~ −5000: f32 sums of 4096 terms, ~d·6e-8 relative.
      expect(logp).toBeAllclose(wantL, { rtol: 3e-4, atol: 0 });
    } finally {
      ms.destroy();
    }
  });

  it('refuses a mixture over one storage binding, naming the limit', () => {
    // 2 components at d = 4096 need 2 × (4096² + 2·4096 + 1 → 16 785 412) floats = 134 283 296 bytes.
    expect(() => checkMixtureNdFits({ dim: 4096, components: 2 }, 128 * 2 ** 20)).toThrow(/134283296 bytes.*maxStorageBufferBindingSize = 134217728 bytes \(at most 1 component at this d\)/);
    expect(() => checkMixtureNdFits({ dim: 4096, components: 15 }, 2 ** 30)).not.toThrow();
    expect(() => prepareMixture({ weights: [1], means: [new Array<number>(4097).fill(0)], covs: [[[1]]] })).toThrow(/dimension must be 1..4096, got 4097/);
  });
});
