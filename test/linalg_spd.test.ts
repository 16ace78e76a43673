// Dense symmetric float64 linear algebra at high dimension (src/linalg/spd.ts): the tridiagonal QL
// eigensolver against cyclic Jacobi and its own definition (A V = V diag(w), VᵀV = I), and the
// Cholesky solve and log-determinant against Gauss–Jordan (test/reference/mixture.ts).
import { describe, expect, it } from 'vitest';
import { eigh } from '../src/linalg/eigh.js';
import { choleskyLower, eighTridiagonal, logDetCholesky, solveCholesky } from '../src/linalg/spd.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { invert64 } from './reference/mixture.js';

function randomSpd(d: number, seed: number, shift = 0.1): Float64Array {
  const b = rngFillCpu(d * d, seed, 0, 'normal');
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += b[i * d + k]! * b[j * d + k]!;
      a[i * d + j] = a[j * d + i] = s / d + (i === j ? shift : 0);
    }
  return a;
}

describe('float64 dense symmetric linear algebra', () => {
  it('eighTridiagonal: eigenpairs satisfy A v = λ v and VᵀV = I, eigenvalues equal Jacobi’s', () => {
    for (const d of [1, 2, 7, 40, 130]) {
      const a = randomSpd(d, 3 + d);
      const { w, v } = eighTridiagonal(a, d);
      const ref = eigh(a, d).w.slice().sort();
      // Both backward stable: eigenvalues within a few ulps of |A| (~4 here) times d.
      expect(Array.from(w)).toBeAllclose(Array.from(ref), { rtol: 0, atol: 1e-12 * d });
      let res = 0, orth = 0;
      for (let c = 0; c < d; c++) {
        for (let r = 0; r < d; r++) {
          let av = 0;
          for (let k = 0; k < d; k++) av += a[r * d + k]! * v[k * d + c]!;
          res = Math.max(res, Math.abs(av - w[c]! * v[r * d + c]!));
        }
        for (let c2 = 0; c2 <= c; c2++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += v[k * d + c]! * v[k * d + c2]!;
          orth = Math.max(orth, Math.abs(s - (c === c2 ? 1 : 0)));
        }
      }
      expect(res).toBeLessThan(1e-12 * d);
      expect(orth).toBeLessThan(1e-13 * d);
      for (let i = 1; i < d; i++) expect(w[i]!).toBeGreaterThanOrEqual(w[i - 1]!);
    }
  });

  it('eighTridiagonal: repeated eigenvalues (identity plus a rank-one term) and a diagonal matrix', () => {
    const d = 20;
    const u = Array.from({ length: d }, (_, i) => Math.sin(i + 1));
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) a[i * d + j] = (i === j ? 2 : 0) + u[i]! * u[j]!;
    const { w } = eighTridiagonal(a, d);
    const uu = u.reduce((s, x) => s + x * x, 0);
    expect(Array.from(w)).toBeAllclose([...new Array<number>(d - 1).fill(2), 2 + uu], { rtol: 0, atol: 1e-12 });
    const diag = new Float64Array(9);
    [3, -1, 2].forEach((x, i) => (diag[i * 4] = x));
    expect(Array.from(eighTridiagonal(diag, 3).w)).toEqual([-1, 2, 3]);
  });

  it('Cholesky: solve and log det match Gauss–Jordan; a non-positive pivot is reported', () => {
    const d = 60;
    const a = randomSpd(d, 11);
    const f = choleskyLower(a, d);
    expect(f.l).toBeDefined();
    const rows = Array.from({ length: d }, (_, i) => Array.from(a.subarray(i * d, (i + 1) * d)));
    const { inv, logdet } = invert64(rows);
    expect(logDetCholesky(f.l!, d)).toBeCloseTo(logdet, 10);
    const y = Array.from(rngFillCpu(d, 5, 0, 'normal'));
    const { x, quad } = solveCholesky(f.l!, d, y);
    const want = inv.map((r) => r.reduce((s, v, j) => s + v * y[j]!, 0));
    expect(Array.from(x)).toBeAllclose(want, { rtol: 1e-10, atol: 1e-10 });
    expect(quad).toBeCloseTo(want.reduce((s, v, i) => s + v * y[i]!, 0), 9);
    const bad = Float64Array.from([1, 2, 2, 1]);
    const g = choleskyLower(bad, 2);
    expect(g.l).toBeUndefined();
    expect(g.failedAt).toBe(1);
  });
});
