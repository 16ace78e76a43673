// Exact Gaussian-mixture scores under forward processes: the float64 eigen path against a direct
// inverse, closed forms (single Gaussian), finite differences of log p, and the GPU kernel against
// the float64 reference for d = 1, 2, 3, 4 with full covariances.
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/gpu/errors.js';
import { MixtureScore } from '../src/kernels/mixture_score.js';
import { Ve, VpLinear } from '../src/processes/process.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { mixtureScore64, prepareMixture, symmetricEigen, type MixtureDescription } from '../src/scores/mixture.js';
import { useGpu } from './gpu.js';
import { mixtureScoreRef } from './reference/mixture.js';

/** A K-component mixture in d dimensions with random full SPD covariances A Aᵀ·0.1 + 0.02 I. */
function randomMixture(d: number, K: number, seed: number): MixtureDescription {
  const u = rngFillCpu(K * (1 + d + d * d), seed);
  let p = 0;
  const next = () => u[p++]!;
  const weights: number[] = [], means: number[][] = [], covs: number[][][] = [];
  for (let k = 0; k < K; k++) {
    weights.push(0.2 + next());
    means.push(Array.from({ length: d }, () => 4 * next() - 2));
    const A = Array.from({ length: d }, () => Array.from({ length: d }, () => 2 * next() - 1));
    covs.push(A.map((ri, i) => A.map((rj, j) => 0.1 * ri.reduce((s, v, l) => s + v * rj[l]!, 0) + (i === j ? 0.02 : 0))));
  }
  return { weights, means, covs };
}

function points(d: number, n: number, seed: number, scale = 2.5): Float32Array {
  return rngFillCpu(n * d, seed, 1, 'normal').map((v) => scale * v);
}

describe('exact mixture score (float64)', () => {
  it('Jacobi eigendecomposition reconstructs the matrix', () => {
    const A = [[2, 0.5, 0.1], [0.5, 1, -0.3], [0.1, -0.3, 0.7]];
    const { values, vectors } = symmetricEigen(A);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const r = values.reduce((s, l, k) => s + vectors[i]![k]! * l * vectors[j]![k]!, 0);
        expect(r).toBeCloseTo(A[i]![j]!, 12);
      }
    }
  });

  it('eigen path equals a direct inverse (d = 3, K = 5) for VP and VE times', () => {
    const mix = randomMixture(3, 5, 11);
    const prep = prepareMixture(mix);
    const x = points(3, 20, 5);
    const vp = new VpLinear();
    const ve = new Ve();
    for (const [a, s] of [[1, 0], [vp.alpha(0.3), vp.sigma(0.3)], [vp.alpha(1), vp.sigma(1)], [1, ve.sigma(0.6)]] as const) {
      for (let i = 0; i < 20; i++) {
        const xi = Array.from(x.subarray(3 * i, 3 * i + 3));
        const got = mixtureScore64(prep, xi, a, s);
        const want = mixtureScoreRef(mix, xi, a, s);
        expect(Array.from(got.score)).toBeAllclose(want.score, { rtol: 1e-9, atol: 1e-9 });
        expect(got.logp).toBeAllclose(want.logp, { rtol: 1e-11, atol: 1e-11 });
      }
    }
  });

  it('single Gaussian N(m, s² I) under VP: score −(x − α m)/(α² s² + σ²) (DESIGN.md)', () => {
    const m = [0.3, -1], s2 = 0.25;
    const prep = prepareMixture({ weights: [1], means: [m], covs: [[[s2, 0], [0, s2]]] });
    const vp = new VpLinear();
    for (const t of [0, 0.1, 0.5, 1]) {
      const a = vp.alpha(t), sg = vp.sigma(t);
      const x = [1.2, 0.4];
      const got = mixtureScore64(prep, x, a, sg).score;
      const v = a * a * s2 + sg * sg;
      expect(Array.from(got)).toBeAllclose(x.map((xi, i) => -(xi - a * m[i]!) / v), { rtol: 1e-12, atol: 1e-14 });
    }
  });

  it('score is the gradient of log p (central differences, d = 2, K = 4)', () => {
    const prep = prepareMixture(randomMixture(2, 4, 3));
    const h = 1e-5;
    for (let i = 0; i < 10; i++) {
      const x = Array.from(points(2, 1, 100 + i, 1.5));
      const { score } = mixtureScore64(prep, x, 0.8, 0.6);
      for (let j = 0; j < 2; j++) {
        const xp = [...x], xm = [...x];
        xp[j]! += h;
        xm[j]! -= h;
        const fd = (mixtureScore64(prep, xp, 0.8, 0.6).logp - mixtureScore64(prep, xm, 0.8, 0.6).logp) / (2 * h);
        // O(h²) truncation plus 1e-16/h rounding: ~1e-10.
        expect(fd).toBeAllclose(score[j]!, { rtol: 1e-6, atol: 1e-7 });
      }
    }
  });

  it('bad mixtures are InputErrors naming the problem', () => {
    expect(() => prepareMixture({ weights: [], means: [], covs: [] })).toThrow(/no components/);
    expect(() => prepareMixture({ weights: [1, 1], means: [[0]], covs: [[[1]]] })).toThrow(/2 weights but 1 means/);
    expect(() => prepareMixture({ weights: [-1], means: [[0]], covs: [[[1]]] })).toThrow(/weight 0/);
    expect(() => prepareMixture({ weights: [1], means: [[0, 0]], covs: [[[1, 0], [0, -1]]] })).toThrow(/positive definite/);
    expect(() => prepareMixture({ weights: [1], means: [[0, 0]], covs: [[[1, 0.5], [0, 1]]] })).toThrow(/symmetric/);
    expect(() => prepareMixture({ weights: [1], means: [[0, Number.NaN]], covs: [[[1, 0], [0, 1]]] })).toThrow(/non-finite/);
    expect(() => prepareMixture({ weights: [1], means: [[0, 0, 0, 0, 0]], covs: [[[1]]] })).toThrow(InputError);
  });
});

describe('exact mixture score (GPU)', () => {
  const gpu = useGpu();

  for (const [d, K] of [[1, 2], [2, 4], [3, 5], [4, 3]] as const) {
    it(`d = ${d}, K = ${K}, n = 1001: score and log p equal the float64 reference`, async () => {
      const ctx = gpu();
      const mix = randomMixture(d, K, 7 + d);
      const ms = await MixtureScore.create(ctx, mix);
      const n = 1001; // not a multiple of the workgroup size (64)
      const x = points(d, n, 40 + d);
      const vp = new VpLinear();
      try {
        for (const t of [0.05, 0.4, 1]) {
          const a = vp.alpha(t), s = vp.sigma(t);
          const got = await ms.evaluate(x, a, s);
          const want = { score: new Float64Array(n * d), logp: new Float64Array(n) };
          let maxAbs = 0;
          for (let i = 0; i < n; i++) {
            const r = mixtureScoreRef(mix, Array.from(x.subarray(i * d, (i + 1) * d)), a, s);
            r.score.forEach((v, j) => { want.score[i * d + j] = v; maxAbs = Math.max(maxAbs, Math.abs(v)); });
            want.logp[i] = r.logp;
          }
          // f32: quadratic forms to ~1e-6 relative; the posterior weights amplify an absolute log-density
          // error δ into a relative weight error δ, with |log p| up to ~10³ at small t: 1e-3 of the largest score.
          expect(got.score).toBeAllclose(want.score, { rtol: 1e-3, atol: 1e-3 * maxAbs });
          expect(got.logp).toBeAllclose(want.logp, { rtol: 1e-4, atol: 1e-3 });
        }
      } finally {
        ms.destroy();
      }
    });
  }

  it('stays finite far from every component (log-domain weights)', async () => {
    const ctx = gpu();
    const mix = { weights: [1, 3], means: [[-1, 0], [1, 0]], covs: [[[1e-3, 0], [0, 1e-3]], [[1e-3, 0], [0, 1e-3]]] };
    const ms = await MixtureScore.create(ctx, mix);
    try {
      const x = new Float32Array([50, 50, -80, 3, 0, 0]);
      const got = await ms.evaluate(x, 1, 0);
      for (const v of got.score) expect(Number.isFinite(v)).toBe(true);
      // At x = (50, 50), component 2 dominates: score −(x − μ₂)/1e-3.
      expect(Array.from(got.score.subarray(0, 2))).toBeAllclose([-49 / 1e-3, -50 / 1e-3], { rtol: 1e-5 });
      expect(Array.from(got.score.subarray(2, 4))).toBeAllclose([79 / 1e-3, -3 / 1e-3], { rtol: 1e-5 });
      // Midpoint: r = (1/4, 3/4), score = Σ r_k (−(x − μ_k)/v) = (1/4)(−1/v) + (3/4)(+1/v).
      expect(Array.from(got.score.subarray(4, 6))).toBeAllclose([(0.75 - 0.25) / 1e-3, 0], { rtol: 1e-4, atol: 1e-3 });
    } finally {
      ms.destroy();
    }
  });

  it('rejects bad points', async () => {
    const ctx = gpu();
    const ms = await MixtureScore.create(ctx, randomMixture(2, 2, 1));
    try {
      await expect(ms.evaluate(new Float32Array(3), 1, 0.5)).rejects.toThrow(/multiple of d = 2/);
      await expect(ms.evaluate(new Float32Array([0, Number.NaN]), 1, 0.5)).rejects.toThrow(/NaN/);
    } finally {
      ms.destroy();
    }
  });
});
