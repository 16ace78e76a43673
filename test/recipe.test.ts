// The docs' newcomer recipe (docs/api.md, "Sampling from the right start"), run as written: the
// paper's 10-step DDPM ends at ᾱ_T ≈ 0.97, so p_T is nowhere near N(0, I); sampling from N(0, I)
// gives W2 ≈ 1 whatever the score, and the right start is the forward-noised data (q_T = p_T).
// With the exact mixture score (a perfect model) the recipe's W2 is small and the prior's is not:
// the test fails if the recipe's start is wrong. Also: mlpSpec() types a spec literal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/api/engine.js';
import { datasetMixture } from '../src/data/datasets.js';
import { InputError } from '../src/gpu/errors.js';
import { mlpSpec, type MlpSpec } from '../src/model/layout.js';
import { DdpmSigmoid } from '../src/processes/process.js';

describe('docs recipe: sample from the forward-noised data when p_T is not N(0, I)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine();
  });
  afterAll(() => engine?.destroy());

  it('q_T = p_T gives a small W2 with a perfect score; N(0, I) does not', async () => {
    const process = new DdpmSigmoid({ steps: 10 });
    const exact = { kind: 'exact' as const, mixture: datasetMixture('clusters4')! };
    // --- as in docs/api.md ---
    const spec = mlpSpec({ dim: 2, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' });
    const session = await engine.train('clusters4', { spec, process, batch: 128, weighting: 'paper', gradClip: 1 });
    await session.train(300);
    const score = { kind: 'network' as const, network: await session.network() };
    const data = await engine.dataset('clusters4', { n: 1000, seed: 2 });
    const eps = await engine.random(data.data.length, { seed: 3, dist: 'normal' });
    const [a, s] = [process.alpha(process.T), process.sigma(process.T)]; // ᾱ_T = a² ≈ 0.97 here
    const init = data.data.map((x, i) => a * x + s * eps[i]!); // x_T = a·x_0 + s·ε: samples of p_T
    const { samples } = await engine.sample({ process, score, n: data.n, sampler: 'ddpm', seed: 1, init });
    // ---
    expect(a * a).toBeGreaterThan(0.9);
    const fromData = await engine.w2({ data: data.data, d: 2 }, { data: samples, d: 2 });
    const { samples: fromPrior } = await engine.sample({ process, score, n: data.n, sampler: 'ddpm', seed: 1 });
    const prior = await engine.w2({ data: data.data, d: 2 }, { data: fromPrior, d: 2 });
    // The same with the exact mixture score (a perfect model) from the right start.
    const { samples: perfect } = await engine.sample({ process, score: exact, n: data.n, sampler: 'ddpm', seed: 1, init });
    const floor = await engine.w2({ data: data.data, d: 2 }, { data: perfect, d: 2 });
    console.log(`recipe: W2 after 300 steps from q_T = p_T ${fromData.w2.toFixed(3)}, from N(0, I) ${prior.w2.toFixed(3)}; exact score from q_T = p_T ${floor.w2.toFixed(3)}`);
    // A perfect score from the right start: W2 near the two-sample floor of 1000 points.
    expect(floor.w2).toBeLessThan(0.15);
    // From N(0, I) the 10 steps cannot carry the prior to the data: W2 stays far above the recipe's.
    expect(prior.w2).toBeGreaterThan(2 * fromData.w2);
    session.destroy();
  });

  it('mlpSpec types a literal without `satisfies` and names a bad value', () => {
    const spec = mlpSpec({ dim: 2, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' });
    const typed: MlpSpec = spec; // compiles: 'softplus' stayed a literal
    expect(typed.activation).toBe('softplus');
    expect(() => mlpSpec({ dim: 2, hidden: [0], activation: 'softplus', time: { kind: 'none' }, output: 'eps' })).toThrow(InputError);
  });
});
