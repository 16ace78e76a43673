// Exact-score sampling returns p0 up to a discretisation error that shrinks with the step count:
// order ~1 for Euler–Maruyama and the Euler ODE, ~2 for Heun, on a 1-D Gaussian p0 = N(m, s²) under
// VP (β 0.1 → 20), where the marginals, the probability-flow map and EM's own law are closed forms;
// and a 2-D four-cluster mixture returns its moments.
import { describe, expect, it } from 'vitest';
import { VpLinear } from '../src/processes/process.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { ReverseSampler, sample } from '../src/samplers/sampler.js';
import { useGpu } from './gpu.js';
import { moments, w2Sorted1d } from './reference/sampler.js';

const vp = new VpLinear();
const m = 0.5, s2 = 0.09, s = 0.3;
const gaussian = { kind: 'exact' as const, mixture: { weights: [1], means: [[m]], covs: [[[s2]]] } };
const vAt = (t: number) => vp.alpha(t) ** 2 * s2 + vp.sigma(t) ** 2;

/** n exact samples of p_T (so the only error left is the discretisation). */
function pT(n: number, seed: number): Float32Array {
  const z = rngFillCpu(n, seed, 11, 'normal');
  return z.map((v) => vp.alpha(1) * m + Math.sqrt(vAt(1)) * v);
}

/** EM's own output law for a linear score: x ← c1 x + c0 + g sqrt(h) z, from N(α_T m, v_T). */
function emLaw(N: number): { mean: number; variance: number; w2: number } {
  const h = 1 / N;
  let mu = vp.alpha(1) * m, V = vAt(1);
  for (let k = N; k > 0; k--) {
    const t = k / N;
    const g2 = vp.g2(t), v = vAt(t);
    const c1 = 1 - h * (vp.driftCoef(t) + g2 / v);
    mu = c1 * mu + (h * g2 * vp.alpha(t) * m) / v;
    V = c1 * c1 * V + g2 * h;
  }
  return { mean: mu, variance: V, w2: Math.hypot(mu - m, Math.sqrt(V) - s) };
}

const slope = (e1: number, e2: number) => Math.log2(e1 / e2);

describe('sampling convergence with the exact score', () => {
  const gpu = useGpu();

  it('EM: sample moments follow the closed-form law, W2 to p0 shrinks at order ~1', async () => {
    const ctx = gpu();
    // Closed form: the weak order of EM is 1 (asymptotic slopes 1.0–1.3 between 32 and 256 steps).
    const laws = [32, 64, 128, 256].map(emLaw);
    for (let i = 0; i + 1 < laws.length; i++) {
      const k = slope(laws[i]!.w2, laws[i + 1]!.w2);
      expect(k).toBeGreaterThan(0.8);
      expect(k).toBeLessThan(1.5);
    }
    const n = 20_000;
    const data = rngFillCpu(n, 99, 12, 'normal').map((z) => m + s * z);
    const w2s: number[] = [];
    for (const N of [8, 16, 32]) {
      const { samples } = await sample(ctx, { process: vp, score: gaussian, n, steps: N, init: pT(n, N), seed: N });
      const law = emLaw(N);
      const got = moments(samples);
      // Monte Carlo: 4 standard errors of the mean and of the variance.
      expect(Math.abs(got.mean - law.mean)).toBeLessThan(4 * Math.sqrt(law.variance / n));
      expect(Math.abs(got.variance - law.variance)).toBeLessThan(4 * law.variance * Math.sqrt(2 / n));
      // Exact 1-D W2 between the samples and fresh data: the law's W2 plus a sampling floor of ~0.005.
      const w2 = Math.sqrt(w2Sorted1d(samples, data));
      expect(Math.abs(w2 - law.w2)).toBeLessThan(0.01 + 0.1 * law.w2);
      w2s.push(w2);
    }
    expect(w2s[1]!).toBeLessThan(w2s[0]! / 2);
    expect(w2s[2]!).toBeLessThan(w2s[1]! / 2);
  });

  it('probability-flow ODE: Euler converges at order ~1 and Heun at order ~2 to the exact flow map', async () => {
    const ctx = gpu();
    const n = 1001;
    const init = pT(n, 5);
    // The PF-ODE flow of a Gaussian is affine: x_0 = m + sqrt(v_0/v_T) (x_T − α_T m).
    const exact = Float64Array.from(init, (x) => m + Math.sqrt(s2 / vAt(1)) * (x - vp.alpha(1) * m));
    const rms = (a: Float32Array) => Math.sqrt(a.reduce((acc, v, i) => acc + (v - exact[i]!) ** 2, 0) / n);
    const errors = async (kind: 'ode' | 'heun', steps: number[]) => {
      const out: number[] = [];
      for (const N of steps) out.push(rms((await sample(ctx, { process: vp, score: gaussian, n, steps: N, sampler: kind, init })).samples));
      return out;
    };
    const euler = await errors('ode', [32, 64, 128, 256]);
    const heun = await errors('heun', [16, 32, 64, 128]);
    for (let i = 0; i + 1 < 4; i++) {
      expect(slope(euler[i]!, euler[i + 1]!)).toBeGreaterThan(0.8);
      expect(slope(euler[i]!, euler[i + 1]!)).toBeLessThan(1.4);
      expect(slope(heun[i]!, heun[i + 1]!)).toBeGreaterThan(1.6);
      expect(slope(heun[i]!, heun[i + 1]!)).toBeLessThan(2.6);
    }
    expect(heun[3]!).toBeLessThan(euler[3]!);
  });

  it('four clusters in 2-D (std 0.03): EM with 200 steps returns the mixture mean and covariance', async () => {
    const ctx = gpu();
    const mix = { weights: [1, 1, 1, 1], means: [[0.5, 0.5], [-0.5, 0.5], [0.5, -0.5], [-0.5, -0.5]], covs: Array(4).fill([[0.03 ** 2, 0], [0, 0.03 ** 2]]) };
    // EM is stable while h·g²/v < 2 near t = 0: 0.005 · 0.1/0.03² = 0.56.
    const n = 4000;
    const s = await ReverseSampler.create(ctx, { process: vp, score: { kind: 'exact', mixture: mix }, n, steps: 200, stepsPerDispatch: 50 });
    try {
      await s.run({ seed: 11 });
      const x = await s.read();
      // Mixture moments: mean 0, per-axis variance 0.25 + 0.03²; and 99% of the samples within 4 std of a centre.
      for (const j of [0, 1]) {
        const { mean, variance } = moments(x, 2, j);
        expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(0.25 / n));
        expect(Math.abs(variance - 0.25 - 0.03 ** 2)).toBeLessThan(0.01);
      }
      let near = 0;
      for (let i = 0; i < n; i++) if (Math.abs(Math.abs(x[2 * i]!) - 0.5) < 0.12 && Math.abs(Math.abs(x[2 * i + 1]!) - 0.5) < 0.12) near++;
      expect(near / n).toBeGreaterThan(0.99);
    } finally {
      s.destroy();
    }
  });
});
