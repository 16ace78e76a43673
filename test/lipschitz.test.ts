// One-sided Lipschitz constants: closed forms (linear maps, Gaussian and two-cluster exact scores),
// the GPU kernels (exact symmetric-Jacobian eigenvalues, power iteration with JVP/VJP, pairwise
// estimator) against float64 references, and the certified upper bound.
import { describe, expect, it } from 'vitest';
import { certifiedUpperBound, spectralNorm } from '../src/lipschitz/certified.js';
import { gaussianScoreLipschitz, isotropicMixture, linearMapLipschitz, MixtureMarginal, symmetricEigenvalues, symmetricPartMax, twoClusterScoreLipschitz } from '../src/lipschitz/exact.js';
import { LipschitzEstimator } from '../src/lipschitz/estimator.js';
import type { TangentTime } from '../src/kernels/mlp_tangent.js';
import { PairwiseLipschitz } from '../src/kernels/pairwise_lipschitz.js';
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { useGpu } from './gpu.js';
import { mlpScoreJacobian, normalVec, pairwiseReference, randomParams } from './reference/mlp_tangent.js';

const gridPoints = (n: number, lo: number, hi: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out.push(lo + ((hi - lo) * i) / (n - 1), lo + ((hi - lo) * j) / (n - 1));
  return out;
};

describe('lipschitz: closed forms (float64)', () => {
  it('linear map: λ_max(½(A + Aᵀ)), Jacobi eigenvalues match the 2×2 formula', () => {
    const A = [1, 4, -2, 3];
    // ½(A + Aᵀ) = [[1, 1], [1, 3]] → 2 ± √2.
    expect(linearMapLipschitz(A, 2)).toBeAllclose(2 + Math.SQRT2, { rtol: 1e-14 });
    expect(symmetricEigenvalues([2, 0, 0, 0, 5, 1, 0, 1, 5], 3)).toBeAllclose([2, 4, 6], { rtol: 1e-13 });
    // Rotation: ½(A + Aᵀ) = 0.
    expect(linearMapLipschitz([0, -1, 1, 0], 2)).toBeAllclose(0, { atol: 1e-15 });
  });

  it('exact score of N(m, s²I) under VP: the Jacobian is −I/(α²s² + 1 − α²) everywhere', () => {
    for (const alpha of [0.999, 0.6, 0.05]) {
      const sigma = Math.sqrt(1 - alpha * alpha);
      const mm = new MixtureMarginal(isotropicMixture([[0.3, -0.2]], [0.1]), alpha, sigma);
      const exact = gaussianScoreLipschitz(alpha, 0.1, sigma);
      expect(mm.maxSymmetricEigenvalue(gridPoints(5, -2, 2))).toBeAllclose(exact, { rtol: 1e-12 });
      expect(-1 / (alpha * alpha * 0.01 + 1 - alpha * alpha)).toBeAllclose(exact, { rtol: 1e-15 });
    }
    // → −1 as α → 0 (t → ∞).
    expect(gaussianScoreLipschitz(1e-6, 0.1, 1)).toBeAllclose(-1, { rtol: 1e-10 });
  });

  it('symmetric two-cluster mixture ±m, variance v: −1/v + α²|m|²/v², attained on the midplane', () => {
    const m = [0.5, 0.5];
    for (const alpha of [0.9, 0.5, 0.2]) {
      const sigma = Math.sqrt(1 - alpha * alpha);
      const mm = new MixtureMarginal(isotropicMixture([m, [-0.5, -0.5]], [0.2, 0.2]), alpha, sigma);
      const closed = twoClusterScoreLipschitz(alpha, Math.hypot(...m), 0.2, sigma);
      // Dense grid through the midplane x1 + x2 = 0 (the origin is on it): the max is attained there.
      expect(mm.maxSymmetricEigenvalue(gridPoints(41, -1, 1))).toBeAllclose(closed, { rtol: 1e-10 });
    }
  });

  it('mixture Jacobian matches central finite differences of the mixture score', () => {
    const mix = { dim: 2, weights: [0.3, 0.7], means: [[1, 0], [-0.5, 0.4]], covariances: [[0.2, 0.05, 0.05, 0.1], [0.3, 0, 0, 0.3]] };
    const mm = new MixtureMarginal(mix, 0.8, 0.6);
    const x = [0.2, -0.1];
    const { jacobian } = mm.scoreAndJacobian(x);
    const h = 1e-5;
    const fd: number[] = [];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) {
        const xp = [...x];
        const xm = [...x];
        xp[j]! += h;
        xm[j]! -= h;
        fd.push((mm.scoreAndJacobian(xp).score[i]! - mm.scoreAndJacobian(xm).score[i]!) / (2 * h));
      }
    // Central differences: O(h²) truncation + O(1e-16/h) rounding ≈ 1e-9.
    expect(jacobian).toBeAllclose(fd, { rtol: 1e-6, atol: 1e-8 });
  });

  it('spectral norm of a block equals the largest singular value', () => {
    // [[3, 0], [4, 5]]: singular values √45 and √5.
    expect(spectralNorm([3, 0, 4, 5], 0, 2, 2)).toBeAllclose(Math.sqrt(45), { rtol: 1e-13 });
    // First column of a 2×3 matrix (stride 3): |(1, 2)| = √5.
    expect(spectralNorm([1, 7, 7, 2, 7, 7], 0, 2, 1, 3)).toBeAllclose(Math.sqrt(5), { rtol: 1e-13 });
  });
});

describe('lipschitz: GPU kernels against float64', () => {
  const gpu = useGpu();
  const kwon: MlpSpec = { dim: 2, hidden: [16, 16, 16], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' };

  async function runCurve(spec: MlpSpec, params: Float32Array, times: TangentTime[], src: number[], perTime: number, opts: { method: 'exact' | 'power'; noise?: boolean; pairwise?: boolean; iters?: number; shiftIters?: number }) {
    const ctx = gpu();
    const layout = mlpLayout(spec);
    const est = await LipschitzEstimator.create(ctx, layout, { maxPoints: times.length * perTime + 7, maxTimes: times.length });
    const pbuf = ctx.storage('test:params', params);
    const sbuf = ctx.storage('test:sources', new Float32Array(src));
    try {
      const curve = await est.curve(pbuf, {
        times,
        source: { buffer: sbuf, count: src.length / spec.dim, noise: opts.noise ?? false },
        perTime,
        method: opts.method,
        pairwise: opts.pairwise ?? false,
        seed: 7,
        ...(opts.iters ? { iters: opts.iters } : {}),
        ...(opts.shiftIters ? { shiftIters: opts.shiftIters } : {}),
      });
      const last = await est.lastPoints(times.length * perTime);
      return { curve, ...last, layout };
    } finally {
      est.destroy();
      ctx.destroyBuffer(pbuf);
      ctx.destroyBuffer(sbuf);
    }
  }

  it('exact kernel (d = 2, the paper model: softplus, per-step embedding, ε output) matches float64 Jacobians', async () => {
    const layout = mlpLayout(kwon);
    const params = randomParams(layout, 1);
    const times: TangentTime[] = [0, 3, 9].map((k) => ({ alpha: Math.sqrt(1 - 0.1 * (k + 1)), sigma: Math.sqrt(0.1 * (k + 1)), step: k }));
    const src = gridPoints(7, -1, 1); // 49 points: not a multiple of the workgroup size
    const r = await runCurve(kwon, params, times, src, 49, { method: 'exact', pairwise: true });
    const expected: number[] = [];
    const scores: number[] = [];
    times.forEach((t) => {
      for (let i = 0; i < 49; i++) {
        const x = src.slice(2 * i, 2 * i + 2);
        const { score, jacobian } = mlpScoreJacobian(layout, params, x, t);
        expected.push(symmetricPartMax(jacobian, 2));
        scores.push(...score);
      }
    });
    // f32 forward/JVP through 4 layers of width 16 and division by σ ≥ 0.3: ~1e-5 relative, scaled by |λ| ≤ ~30.
    expect(r.lam).toBeAllclose(expected, { rtol: 1e-4, atol: 1e-4 });
    expect(r.scores).toBeAllclose(scores, { rtol: 1e-4, atol: 1e-4 });
    const perTimeMax = times.map((_, m) => Math.max(...expected.slice(49 * m, 49 * m + 49)));
    expect(r.curve.ls).toBeAllclose(perTimeMax, { rtol: 1e-4, atol: 1e-4 });
    expect(r.curve.lowerEstimate).toBe(true);
    // Pairwise estimator against the float64 pairwise maximum on the same (f32) points and scores.
    const pw = pairwiseReference(r.xs, r.scores, 2, 49, 147);
    const pwMax = times.map((_, m) => Math.max(...pw.slice(49 * m, 49 * m + 49)));
    expect(r.curve.pairwise!).toBeAllclose(pwMax, { rtol: 1e-4, atol: 1e-4 });
    // A difference quotient is an average of λ(½(J+Jᵀ)) along a segment: never above the pointwise max (up to f32).
    const certified = certifiedUpperBound(layout, params, times);
    times.forEach((_, m) => {
      expect(r.curve.pairwise![m]!).toBeLessThanOrEqual(r.curve.ls[m]! + 0.05 * Math.abs(r.curve.ls[m]!) + 1e-3);
      expect(certified[m]!).toBeGreaterThanOrEqual(r.curve.ls[m]!);
    });
  });

  it('noised sources are x_t = α x_0 + σ ε with the Philox twin', async () => {
    const spec: MlpSpec = { dim: 3, hidden: [5], activation: 'silu', time: { kind: 'none' }, output: 'score' };
    const layout = mlpLayout(spec);
    const src = [0.1, 0.2, 0.3, -1, 0, 1];
    const times: TangentTime[] = [{ alpha: 0.8, sigma: 0.6 }, { alpha: 0.5, sigma: 0.866 }];
    const r = await runCurve(spec, randomParams(layout, 2), times, src, 3, { method: 'exact', noise: true });
    const expected: number[] = [];
    for (let g = 0; g < 6; g++) {
      const t = times[Math.floor(g / 3)]!;
      const z = normalVec(g, 0, 3, 7);
      for (let i = 0; i < 3; i++) expected.push(t.alpha * src[(g % 2) * 3 + i]! + t.sigma * z[i]!);
    }
    // f32 fma vs separate rounding: a few ulps.
    expect(r.xs).toBeAllclose(expected, { rtol: 1e-6, atol: 1e-6 });
  });

  it('exact kernel in d = 3 (SiLU, Fourier time, x0 output) and d = 1 (tanh, velocity)', async () => {
    const cases: { spec: MlpSpec; src: number[] }[] = [
      { spec: { dim: 3, hidden: [12, 9], activation: 'silu', time: { kind: 'fourier', features: 2 }, output: 'x0' }, src: Array.from({ length: 3 * 37 }, (_, i) => Math.sin(1.7 * i)) },
      { spec: { dim: 1, hidden: [8, 8], activation: 'tanh', time: { kind: 'none' }, output: 'velocity' }, src: Array.from({ length: 23 }, (_, i) => -2 + (4 * i) / 22) },
    ];
    for (const { spec, src } of cases) {
      const layout = mlpLayout(spec);
      const params = randomParams(layout, 3);
      const d = spec.dim;
      const n = src.length / d;
      const times: TangentTime[] = [{ alpha: 0.9, sigma: Math.sqrt(0.19), tau: 0.1 }, { alpha: 0.3, sigma: Math.sqrt(0.91), tau: 0.7 }];
      const r = await runCurve(spec, params, times, src, n, { method: 'exact' });
      const expected: number[] = [];
      times.forEach((t) => {
        for (let i = 0; i < n; i++) expected.push(symmetricPartMax(mlpScoreJacobian(layout, params, src.slice(d * i, d * i + d), t).jacobian, d));
      });
      // f32; the x0 output divides by σ² ≥ 0.19: ~1e-5 relative of values up to ~50.
      expect(r.lam).toBeAllclose(expected, { rtol: 2e-4, atol: 2e-4 });
    }
  });

  it('power iteration with JVP/VJP converges to the exact top eigenvalue (d = 2, 5) and never exceeds it', async () => {
    for (const spec of [kwon, { dim: 5, hidden: [24, 24], activation: 'tanh', time: { kind: 'fourier', features: 3 }, output: 'eps' } as MlpSpec]) {
      const layout = mlpLayout(spec);
      const params = randomParams(layout, 4);
      const d = spec.dim;
      const n = 61;
      const src = Array.from({ length: d * n }, (_, i) => Math.cos(0.37 * i * i));
      const times: TangentTime[] = [{ alpha: 0.95, sigma: Math.sqrt(1 - 0.9025), step: 1, tau: 0.05 }, { alpha: 0.4, sigma: Math.sqrt(0.84), step: 8, tau: 0.8 }];
      const r = await runCurve(spec, params, times, src, n, { method: 'power', iters: 200, shiftIters: 40 });
      const expected: number[] = [];
      times.forEach((t) => {
        for (let i = 0; i < n; i++) expected.push(symmetricPartMax(mlpScoreJacobian(layout, params, src.slice(d * i, d * i + d), t).jacobian, d));
      });
      const spread = Math.max(...expected) - Math.min(...expected);
      // Rayleigh quotient ≤ λ_max (up to f32 rounding) at every point…
      for (let i = 0; i < expected.length; i++) expect(r.lam[i]!).toBeLessThanOrEqual(expected[i]! + 1e-3 * (1 + Math.abs(expected[i]!)));
      // …and with 200 shifted steps it has converged at the vast majority (gap-dependent), and the per-time max agrees.
      const close = expected.filter((e, i) => Math.abs(r.lam[i]! - e) <= 2e-3 * (1 + Math.abs(e))).length;
      expect(close).toBeGreaterThan(0.9 * expected.length);
      const maxes = times.map((_, m) => Math.max(...expected.slice(n * m, n * m + n)));
      expect(r.curve.ls).toBeAllclose(maxes, { rtol: 2e-3, atol: 2e-3 * (1 + spread) });
    }
  });

  it('linear network (ReLU, all units active, score output): L_s = λ_max(½(A + Aᵀ)) with A = s₁W₁W₀, both methods', async () => {
    const spec: MlpSpec = { dim: 3, hidden: [6], activation: 'relu', time: { kind: 'none' }, output: 'score' };
    const layout = mlpLayout(spec);
    const params = randomParams(layout, 5);
    const [l0, l1] = layout.layers;
    for (let j = 0; j < 6; j++) params[l0!.bOffset + j] = 50; // every unit active on [-1, 1]³
    params[layout.scaleOffset + 1] = 0.7;
    const A: number[] = [];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 6; k++) s += params[l1!.wOffset + i * 6 + k]! * params[l0!.wOffset + k * 3 + j]!;
        A.push(0.7 * s);
      }
    const exact = linearMapLipschitz(A, 3);
    const src = Array.from({ length: 3 * 10 }, (_, i) => Math.sin(i));
    const times: TangentTime[] = [{ alpha: 1, sigma: 0 }];
    for (const method of ['exact', 'power'] as const) {
      const r = await runCurve(spec, params, times, src, 10, { method, iters: 300, shiftIters: 50 });
      // f32 products of O(1) weights: 1e-5.
      expect(r.lam).toBeAllclose(new Array(10).fill(exact), { rtol: 1e-4, atol: 1e-4 });
    }
  });

  it('pairwise estimator on the exact two-cluster score approaches −1/v + α²|m|²/v² from below', async () => {
    const ctx = gpu();
    const alpha = 0.6;
    const sigma = 0.8;
    const mm = new MixtureMarginal(isotropicMixture([[0.5, 0.5], [-0.5, -0.5]], [0.2, 0.2]), alpha, sigma);
    const closed = twoClusterScoreLipschitz(alpha, Math.SQRT1_2, 0.2, sigma);
    const xs = gridPoints(33, -1, 1);
    const sc: number[] = [];
    for (let i = 0; i < xs.length / 2; i++) sc.push(...mm.scoreAndJacobian(xs.slice(2 * i, 2 * i + 2)).score);
    const n = xs.length / 2;
    const pk = await PairwiseLipschitz.create(ctx, 2);
    const bx = ctx.storage('t:xs', new Float32Array(xs));
    const bs = ctx.storage('t:sc', new Float32Array(sc));
    const best = ctx.storage('t:best', n * 4);
    const binding = pk.bind({ xs: bx, scores: bs, best });
    await ctx.runPass('pairwise', (pass) => pk.dispatch(pass, binding, 1, n));
    const out = await ctx.readF32(best);
    for (const b of [bx, bs, best]) ctx.destroyBuffer(b);
    pk.destroy();
    const gpuMax = Math.max(...out);
    expect(Array.from(out)).toBeAllclose(pairwiseReference(xs, sc, 2, n, n), { rtol: 1e-4, atol: 1e-5 });
    // Below the supremum (quotients average the Jacobian along segments), and within 3% on a 33² grid.
    expect(gpuMax).toBeLessThanOrEqual(closed + 1e-4);
    expect(gpuMax).toBeGreaterThan(closed - 0.03 * Math.abs(closed));
  });

  it('bad input is rejected with a message naming the problem', async () => {
    const ctx = gpu();
    const layout = mlpLayout(kwon);
    const est = await LipschitzEstimator.create(ctx, layout, { maxPoints: 10, maxTimes: 2 });
    const pbuf = ctx.storage('p', layout.size * 4);
    const sbuf = ctx.storage('s', 8);
    const src = { buffer: sbuf, count: 1, noise: false };
    try {
      await expect(est.curve(pbuf, { times: [], source: src, perTime: 1 })).rejects.toThrow(/empty time grid/);
      await expect(est.curve(pbuf, { times: [{ alpha: 1, sigma: 0, step: 0 }], source: src, perTime: 1 })).rejects.toThrow(/σ = 0 makes the 'eps' score undefined/);
      await expect(est.curve(pbuf, { times: [{ alpha: 1, sigma: 1, step: 10 }], source: src, perTime: 1 })).rejects.toThrow(/step must be an integer in \[0, 9\]/);
      await expect(est.curve(pbuf, { times: [{ alpha: 1, sigma: 1 }], source: src, perTime: 11 })).rejects.toThrow(/exceed maxPoints/);
      await expect(est.curve(pbuf, { times: [{ alpha: 1, sigma: 1 }], source: { ...src, count: 2 }, perTime: 1 })).rejects.toThrow(/fewer than 2 points/);
    } finally {
      est.destroy();
      ctx.destroyBuffer(pbuf);
      ctx.destroyBuffer(sbuf);
    }
  });
});

