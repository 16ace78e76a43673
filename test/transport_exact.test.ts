// Exact W2 references on the CPU (sorting, assignment, sliced) and the CSV reader of `wasserflow w2`.
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/gpu/errors.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { exactAssignment, slicedDirections, slicedW2sq, w2sqExact1d } from '../src/transport/exact.js';
import { bruteAssignment, w2sq1dUniform64 } from './reference/transport.js';

const normals = (n: number, seed: number) => rngFillCpu(n, seed, 0, 'normal');

describe('exact 1-D W2 by sorting', () => {
  it('equals the sorted-pairs formula for uniform clouds of equal size', () => {
    const x = normals(1001, 1);
    const y = normals(1001, 2).map((v) => 2 + 0.5 * v);
    expect(w2sqExact1d(x, y)).toBeAllclose(w2sq1dUniform64(x, y), { rtol: 1e-12 });
  });

  it('handles unequal sizes and weights by merging quantiles', () => {
    // X = {0, 1} with weights (1/4, 3/4), Y = {0} : W2² = 3/4.
    expect(w2sqExact1d([0, 1], [0], [0.25, 0.75], [1])).toBeAllclose(0.75, { rtol: 1e-12 });
    // Uniform {0, 1, 2} vs uniform {0, 2}: quantiles [0,1/3]→0, [1/3,1/2] 1→0, [1/2,2/3] 1→2, [2/3,1] 2→2.
    expect(w2sqExact1d([2, 0, 1], [2, 0])).toBeAllclose(1 / 6 + 1 / 6, { rtol: 1e-12 });
    // Splitting a point into two halves at the same place changes nothing.
    const x = normals(50, 3);
    const y = normals(40, 4);
    const x2 = Float64Array.from([...x, ...x]);
    expect(w2sqExact1d(x2, y)).toBeAllclose(w2sqExact1d(x, y), { rtol: 1e-10 });
  });
});

describe('exact assignment (Hungarian)', () => {
  it('matches brute force over all permutations (n = 7, d = 1, 2, 3)', () => {
    for (const d of [1, 2, 3]) {
      const x = normals(7 * d, 10 + d);
      const y = normals(7 * d, 20 + d);
      expect(exactAssignment(x, y, d).w2sq).toBeAllclose(bruteAssignment(x, y, d), { rtol: 1e-12 });
    }
  });

  it('matches sorting in 1-D (n = 400)', () => {
    const x = normals(400, 5);
    const y = normals(400, 6).map((v) => 1 + 2 * v);
    expect(exactAssignment(x, y, 1).w2sq).toBeAllclose(w2sq1dUniform64(x, y), { rtol: 1e-10 });
  });

  it('recovers a known optimal permutation: a shuffled translate', () => {
    // Y = X + t, shuffled: the translation is the optimal map (gradient of the convex |x|²/2 + t·x),
    // so W2² = |t|² and the assignment undoes the shuffle.
    const n = 200;
    const d = 2;
    const x = normals(n * d, 7);
    const perm = Array.from({ length: n }, (_, i) => (i * 37) % n);
    const y = new Float64Array(n * d);
    perm.forEach((p, k) => {
      y[k * d] = x[p * d]! + 0.3;
      y[k * d + 1] = x[p * d + 1]! - 0.4;
    });
    const r = exactAssignment(x, y, d);
    expect(r.w2sq).toBeAllclose(0.25, { rtol: 1e-6 });
    perm.forEach((p, k) => expect(r.assignment[p]).toBe(k));
  });

  it('rejects unequal sizes', () => {
    expect(() => exactAssignment([0, 1], [0], 1)).toThrow(InputError);
  });
});

describe('sliced W2', () => {
  it('directions are unit vectors, seeded and reproducible', () => {
    const a = slicedDirections(16, 3, 42);
    expect(a).toEqual(slicedDirections(16, 3, 42));
    expect(a).not.toEqual(slicedDirections(16, 3, 43));
    for (let k = 0; k < 16; k++) expect(Math.hypot(a[3 * k]!, a[3 * k + 1]!, a[3 * k + 2]!)).toBeAllclose(1, { rtol: 1e-12 });
  });

  it('refuses a number of directions with no limit (issue 20: --directions 1e9 hung)', () => {
    expect(() => slicedW2sq([0, 1], [1, 2], 1, { directions: 1e9 })).toThrow(/directions must be an integer in \[1, 100000\], got 1000000000/);
    expect(() => slicedW2sq([0, 1], [1, 2], 1, { directions: 0 })).toThrow(InputError);
  });

  it('in 1-D equals the exact W2', () => {
    const x = normals(300, 8);
    const y = normals(300, 9).map((v) => v * 3);
    expect(slicedW2sq(x, y, 1, { directions: 5 })).toBeAllclose(w2sqExact1d(x, y), { rtol: 1e-12 });
  });

  it('of a translate is E(θ·t)² = |t|²/d', () => {
    // Every projection is a translate by θ·t, whose 1-D W2² is (θ·t)²; E(θ·t)² = |t|²/d for uniform θ.
    // With 4000 directions the Monte Carlo error of the mean of (θ·t)² (sd ≈ 0.9|t|²/(d·sqrt(L))) is ~2%.
    const d = 3;
    const x = normals(60 * d, 10);
    const t = [1, -2, 0.5];
    const y = x.map((v, k) => v + t[k % d]!);
    expect(slicedW2sq(x, y, d, { directions: 4000, seed: 1 })).toBeAllclose(5.25 / 3, { rtol: 0.06 });
  });
});
