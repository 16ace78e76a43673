// J_SM(t) and J_DSM(t) at d > 4 (general path): equal to the float64 reference with the same noise
// for a random network on a 13-D full-covariance mixture.
import { describe, expect, it } from 'vitest';
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { VpLinear } from '../src/processes/process.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { scoreMatchingErrors } from '../src/bound/score_error.js';
import { useGpu } from './gpu.js';
import { mixtureScoreRef, randomMixture } from './reference/mixture.js';
import { normalRef, scoreRef } from './reference/sampler.js';

describe('score-matching errors at d = 13', () => {
  const gpu = useGpu();

  it('random network on a 13-D mixture: equal to the float64 reference (n = 131)', async () => {
    const ctx = gpu();
    const d = 13;
    const spec: MlpSpec = { dim: d, hidden: [20, 20], activation: 'silu', time: { kind: 'fourier', features: 2 }, output: 'eps' };
    const layout = mlpLayout(spec);
    const u = rngFillCpu(layout.size, 21);
    const params = u.map((v) => (0.8 * (2 * v - 1)) / 3);
    params.fill(1, layout.scaleOffset, layout.scaleOffset + layout.layers.length);
    const mixture = randomMixture(d, 2, 5);
    const n = 131;
    const data = rngFillCpu(d * n, 8, 2, 'normal').map((z) => 0.3 * z);
    const vp = new VpLinear();
    const times = [0.05, 0.5];
    const seed = 17;
    const r = await scoreMatchingErrors(ctx, { process: vp, network: { spec, params }, data, dim: d, times, mixture, seed });
    times.forEach((t, ti) => {
      let sm = 0, dsm = 0;
      const a = Math.fround(vp.alpha(t)), s = Math.fround(vp.sigma(t));
      for (let p = 0; p < n; p++) {
        const z = normalRef(p, ti, 4, seed, d);
        const xt = z.map((zj, j) => a * data[p * d + j]! + s * zj);
        const st = scoreRef({ kind: 'network', spec, params }, vp, xt, t);
        const ex = mixtureScoreRef(mixture, xt, a, s).score;
        for (let j = 0; j < d; j++) {
          sm += (ex[j]! - st[j]!) ** 2;
          dsm += (st[j]! + z[j]! / s) ** 2;
        }
      }
      // Means of n f32 terms of 13 coordinates each, ~1e-5 relative per term.
      expect(r.jsm![ti]!).toBeAllclose(sm / n, { rtol: 5e-4 });
      expect(r.jdsm[ti]!).toBeAllclose(dsm / n, { rtol: 5e-4 });
      expect(r.jdsmStderr[ti]!).toBeGreaterThan(0);
    });
  });
});
