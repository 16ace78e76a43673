// The experiments' W2 (src/experiments/w2.ts): method 'auto' measures exactly where the exact solver
// is faster (every experiment size on a CPU adapter), and a Sinkhorn run that does not converge never
// gives its own number: the exact solver measures that W2 instead, and the count says so.
import { describe, expect, it } from 'vitest';
import { describeW2, transportW2, w2Legend } from '../src/experiments/w2.js';
import { w2 } from '../src/transport/w2.js';
import { useGpu } from './gpu.js';
import { xorshift32 } from './reference/random.js';

function cloud(n: number, seed: number, shift: number): Float32Array {
  const next = xorshift32(seed);
  return Float32Array.from({ length: 2 * n }, (_, i) => next() * 2 - 1 + (i % 2 === 0 ? shift : 0));
}

describe('experiments W2', () => {
  const gpu = useGpu();
  const X = { data: cloud(300, 1, 0), n: 300, d: 2 };
  const Y = { data: cloud(250, 2, 0.7), n: 250, d: 2 };

  it('auto: the exact W2 on a CPU adapter, counted as exact', async () => {
    const ctx = gpu();
    const fn = transportW2(ctx, { seed: 1 });
    const exact = (await w2(null, X, Y, { method: 'exact' })).w2;
    expect(await fn(X, Y, 'sinkhorn')).toBe(exact);
    expect([...fn.methods]).toEqual([['exact (network simplex, float64)', 1]]);
    expect(describeW2(fn)).toBe('W2 exact (network simplex, float64) at 1 of 1 measurements');
    expect(w2Legend(fn)).toBe('exact');
    // The sliced estimate is not counted: it is the paper's second column, not W2.
    await fn(X, Y, 'sliced');
    expect([...fn.methods.values()]).toEqual([1]);
  });

  it('Sinkhorn that stops unconverged is replaced by the exact solve', async () => {
    const ctx = gpu();
    // 3 iterations at blur 0.01 cannot reach a marginal error of 1e-3.
    const fn = transportW2(ctx, { method: 'sinkhorn', blur: 0.01, maxIterations: 3 });
    const exact = (await w2(null, X, Y, { method: 'exact' })).w2;
    expect(await fn(X, Y, 'sinkhorn')).toBe(exact);
    expect([...fn.methods]).toEqual([['exact (Sinkhorn did not converge)', 1]]);
    expect(w2Legend(fn)).toBe('exact');
  });

  it('a converged Sinkhorn is kept and its blur named', async () => {
    const ctx = gpu();
    const fn = transportW2(ctx, { method: 'sinkhorn', blur: 0.05 });
    const v = await fn(X, Y, 'sinkhorn');
    const exact = (await w2(null, X, Y, { method: 'exact' })).w2;
    // The debiased divergence at blur 0.05 on clouds of diameter ~3.6 is within a few % of W2
    // (its bias is O(blur²) relative to W2² ≈ 0.6 here).
    expect(Math.abs(v - exact) / exact).toBeLessThan(0.05);
    expect([...fn.methods.keys()]).toEqual(['debiased Sinkhorn (blur 0.050)']);
    expect(w2Legend(fn)).toBe('Sinkhorn');
    await fn(X, Y, 'sinkhorn');
    expect(w2Legend(Object.assign(async () => 0, { methods: new Map([['exact (network simplex, float64)', 1], ['debiased Sinkhorn (blur 0.050)', 1]]) }))).toBe('exact and Sinkhorn');
  });
});
