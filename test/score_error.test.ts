// J_SM(t) and J_DSM(t) on the GPU: closed forms for a constant "network" on a 1-D Gaussian
// (J_SM = 1/v_t + c², J_DSM = 1/σ_t² + c²), and per-sample agreement with the float64 reference
// for a random network on a 2-D mixture with the same noise.
import { describe, expect, it } from 'vitest';
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { VpLinear } from '../src/processes/process.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { scoreMatchingErrors } from '../src/bound/score_error.js';
import { useGpu } from './gpu.js';
import { mixtureScoreRef } from './reference/mixture.js';
import { normal4Ref, scoreRef } from './reference/sampler.js';

describe('score-matching errors J_SM and J_DSM', () => {
  const gpu = useGpu();

  it('constant network s_θ = c on N(m, s²): closed forms within 4 standard errors', async () => {
    const ctx = gpu();
    const spec: MlpSpec = { dim: 1, hidden: [4], activation: 'relu', time: { kind: 'none' }, output: 'score' };
    const layout = mlpLayout(spec);
    const params = new Float32Array(layout.size);
    const c = 0.7;
    params[layout.layers[1]!.bOffset] = c;
    params.fill(1, layout.scaleOffset, layout.scaleOffset + 2);
    const m = 0.5, s2 = 0.09, n = 20_001;
    const data = rngFillCpu(n, 3, 1, 'normal').map((z) => m + Math.sqrt(s2) * z);
    const vp = new VpLinear();
    const times = [0.05, 0.3, 1];
    const r = await scoreMatchingErrors(ctx, { process: vp, network: { spec, params }, data, dim: 1, times, mixture: { weights: [1], means: [[m]], covs: [[[s2]]] }, seed: 5 });
    times.forEach((t, i) => {
      const v = vp.alpha(t) ** 2 * s2 + vp.sigma(t) ** 2;
      expect(Math.abs(r.jsm![i]! - (1 / v + c * c))).toBeLessThan(4 * r.jsmStderr![i]! + 1e-4);
      expect(Math.abs(r.jdsm[i]! - (1 / vp.sigma(t) ** 2 + c * c))).toBeLessThan(4 * r.jdsmStderr[i]! + 1e-4);
    });
  });

  it('random network on a 2-D mixture: equal to the float64 reference with the same noise (n = 203)', async () => {
    const ctx = gpu();
    const spec: MlpSpec = { dim: 2, hidden: [12, 12], activation: 'silu', time: { kind: 'fourier', features: 2 }, output: 'eps' };
    const layout = mlpLayout(spec);
    const u = rngFillCpu(layout.size, 21);
    const params = u.map((v) => 0.8 * (2 * v - 1));
    params.fill(1, layout.scaleOffset, layout.scaleOffset + layout.layers.length);
    const mixture = { weights: [1, 2], means: [[0.5, 0], [-0.5, 0.2]], covs: [[[0.02, 0.01], [0.01, 0.03]], [[0.04, 0], [0, 0.01]]] };
    const n = 203;
    const data = rngFillCpu(2 * n, 8, 2, 'normal').map((z) => 0.3 * z);
    const vp = new VpLinear();
    const times = [0.01, 0.2, 0.9];
    const seed = 17;
    const r = await scoreMatchingErrors(ctx, { process: vp, network: { spec, params }, data, dim: 2, times, mixture, seed });
    times.forEach((t, ti) => {
      let sm = 0, dsm = 0;
      const a = vp.alpha(t), s = vp.sigma(t);
      for (let p = 0; p < n; p++) {
        const z = normal4Ref(p, ti, 4, seed).slice(0, 2);
        const xt = [a * data[2 * p]! + s * z[0]!, a * data[2 * p + 1]! + s * z[1]!];
        const st = scoreRef({ kind: 'network', spec, params }, vp, xt, t);
        const ex = mixtureScoreRef(mixture, xt, a, s).score;
        sm += (ex[0]! - st[0]!) ** 2 + (ex[1]! - st[1]!) ** 2;
        dsm += (st[0]! + z[0]! / s) ** 2 + (st[1]! + z[1]! / s) ** 2;
      }
      // Means of n f32 terms, each to ~1e-5 relative (the mixture score at t = 0.01 has |s| ~ 30).
      expect(r.jsm![ti]!).toBeAllclose(sm / n, { rtol: 2e-4 });
      expect(r.jdsm[ti]!).toBeAllclose(dsm / n, { rtol: 2e-4 });
    });
  });

  it('rejects times where σ_t = 0 and mismatched data', async () => {
    const ctx = gpu();
    const spec: MlpSpec = { dim: 2, hidden: [4], activation: 'relu', time: { kind: 'none' }, output: 'eps' };
    const params = new Float32Array(mlpLayout(spec).size);
    const base = { process: new VpLinear(), network: { spec, params }, dim: 2 };
    await expect(scoreMatchingErrors(ctx, { ...base, data: new Float32Array(4), times: [0] })).rejects.toThrow(/σ_t > 0/);
    await expect(scoreMatchingErrors(ctx, { ...base, data: new Float32Array(3), times: [0.5] })).rejects.toThrow(/multiple of d/);
    await expect(scoreMatchingErrors(ctx, { ...base, data: new Float32Array(4), times: [] })).rejects.toThrow(/empty/);
  });
});
