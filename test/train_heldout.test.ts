// The held-out DSM loss of a network in float64 (src/train/heldout.ts): its forward pass against the
// test reference, its exact-score half against the closed form for one Gaussian, a network that
// outputs zero against E λ||ε||² = λ d, and bad input refused by name.
import { describe, expect, it } from 'vitest';
import { datasetMixture } from '../src/data/datasets.js';
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { DdpmSigmoid } from '../src/processes/process.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { dsmCoefficients } from '../src/train/coefficients.js';
import { dsmHeldOut, mlpForward64 } from '../src/train/heldout.js';
import { forward64 } from './reference/mlp.js';

const table = dsmCoefficients(new DdpmSigmoid({ steps: 10 }), 'paper');
const paper: MlpSpec = { dim: 2, hidden: [7, 5], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' };

describe('dsmHeldOut', () => {
  it('runs the network as the float64 reference does (per-step embedding and Fourier time)', () => {
    const specs: MlpSpec[] = [paper, { dim: 3, hidden: [6], activation: 'silu', time: { kind: 'fourier', features: 2 }, output: 'eps' }];
    for (const spec of specs) {
      const L = mlpLayout(spec);
      const p = rngFillCpu(L.size, 5).map((u) => u - 0.5);
      const x = [0.3, -0.7, 0.2].slice(0, spec.dim);
      const tau = 0.37;
      const inputs = spec.time.kind === 'fourier' ? [[...x, Math.sin(Math.PI * tau), Math.sin(2 * Math.PI * tau), Math.cos(Math.PI * tau), Math.cos(2 * Math.PI * tau)]] : [x];
      const ref = forward64(L, p, inputs, [3]).out[0]!;
      const got = Array.from(mlpForward64(L, p, x, 3, tau));
      // Same float64 maths in a different order: agreement to rounding.
      expect(got).toBeAllclose(ref, { rtol: 1e-12, atol: 1e-12 });
    }
  });

  it("the exact score's half equals the closed form for one Gaussian; a zero network reads λ·d", () => {
    // N(m, s² I): E λ||ε* − ε||² = λ d α² s² / (α² s² + σ²) per step, and a network with all
    // parameters zero outputs 0, so its loss is λ E||ε||² = λ d.
    const s2 = 0.02;
    const mix = { weights: [1], means: [[0.3, -0.2]], covs: [[[s2, 0], [0, s2]]] };
    const L = mlpLayout(paper);
    const r = dsmHeldOut(paper, new Float32Array(L.size), table, mix, 3000, 4);
    let exact = 0;
    let zero = 0;
    for (let k = 0; k < table.rows; k++) {
      const [a, sg, lam] = [table.data[4 * k]!, table.data[4 * k + 1]!, table.data[4 * k + 2]!];
      exact += (lam * 2 * a * a * s2) / (a * a * s2 + sg * sg) / table.rows;
      zero += (lam * 2) / table.rows;
    }
    // Monte Carlo: 3000 draws per step; the per-step losses are λ·χ²-like with relative sd ≈ 1,
    // so the mean over 30 000 draws is within ~2% at 3 sd.
    expect(r.exact).toBeAllclose(exact, { rtol: 0.03 });
    expect(r.model).toBeAllclose(zero, { rtol: 0.03 });
    expect(r.gap).toBeCloseTo(r.model - r.exact, 12);
    expect(r.gapStderr).toBeGreaterThan(0);
    expect(r.perStep).toHaveLength(10);
  });

  it('a network equal to the exact score of one Gaussian has a gap of zero', () => {
    // For N(0, s² I), ε*(x, k) = σ_k x / (α_k² s² + σ_k²): linear in x. A 1-hidden-layer ReLU net
    // represents it exactly as c·(relu(x) − relu(−x)), with the per-step scale in the embedding.
    const s2 = 0.05;
    const spec: MlpSpec = { dim: 1, hidden: [2], activation: 'relu', time: { kind: 'step', steps: 10 }, output: 'eps' };
    const L = mlpLayout(spec);
    const p = new Float32Array(L.size);
    const [h, o] = [L.layers[0]!, L.layers[1]!];
    p[h.wOffset] = 1;
    p[h.wOffset + 1] = -1;
    for (let k = 0; k < 10; k++) {
      const [a, sg] = [table.data[4 * k]!, table.data[4 * k + 1]!];
      const c = sg / (a * a * s2 + sg * sg);
      p[h.eOffset + 2 * k] = c;
      p[h.eOffset + 2 * k + 1] = c;
    }
    p[o.wOffset] = 1;
    p[o.wOffset + 1] = -1;
    p[L.scaleOffset] = 1;
    p[L.scaleOffset + 1] = 1;
    const r = dsmHeldOut(spec, p, table, { weights: [1], means: [[0]], covs: [[[s2]]] }, 500, 2);
    // Only float32 rounding of the embedding separates the two: relative 1e-6.
    expect(Math.abs(r.gap)).toBeLessThan(1e-5 * r.exact);
  });

  it('refuses a non-ε network, a dimension mismatch and too few samples, by name', () => {
    const mix = datasetMixture('clusters4')!;
    const p = new Float32Array(mlpLayout(paper).size);
    expect(() => dsmHeldOut({ ...paper, output: 'score' }, p, table, mix)).toThrow(/ε-predicting/);
    expect(() => dsmHeldOut({ ...paper, dim: 1 }, new Float32Array(1000), table, mix)).toThrow(/dimension/);
    expect(() => dsmHeldOut(paper, p, table, mix, 1)).toThrow(/samples/);
  });
});
