// Properties of W2 that hold at any scale: scale covariance W2(sX, sY) = s·W2(X, Y), translation and
// permutation invariance, symmetry, non-negativity and W2(X, X) = 0, for the exact solver and the
// GPU Sinkhorn divergence, with clouds scaled from 1e-12 to 1e12 (sizes 37 and 41: not multiples of
// the workgroup size). Sinkhorn's default blur is a fraction of the diameter, so S_ε is scale
// covariant too: each result is compared with the same problem at scale 1.
import { describe, expect, it } from 'vitest';
import { w2, type W2Method } from '../src/transport/w2.js';
import { useGpu } from './gpu.js';

/** Seeded standard normals (Box–Muller on a xorshift stream): the test's own data. */
function cloud(n: number, d: number, seed: number, shift: number): Float64Array {
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 2 ** 32;
  };
  return Float64Array.from({ length: n * d }, (_, i) => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) + (i % d === 0 ? shift : 0));
}

const D = 2;
const X = cloud(37, D, 1, 0);
const Y = cloud(41, D, 2, 1.5);
const scaled = (a: Float64Array, s: number, t = 0) => Float32Array.from(a, (v) => (v + t) * s);
/** Rows of `a` in a fixed shuffled order. */
function permuted(a: Float64Array): Float64Array {
  const n = a.length / D;
  const order = Array.from({ length: n }, (_, i) => (i * 17 + 5) % n);
  const out = new Float64Array(a.length);
  order.forEach((src, i) => out.set(a.subarray(src * D, src * D + D), i * D));
  return out;
}

// 1e20: squared distances (~1e40) are past float32's range; the solver works in units of the data, so
// it answers there too (it used to refuse: the bad-inputs test had it as an overflow error).
const SCALES = [1e-12, 1e-8, 1e-4, 1, 1e4, 1e8, 1e12, 1e20];

describe('W2 properties across scales', () => {
  const gpu = useGpu();

  // Sinkhorn works in units of the data (issue 20, items 1 and 2: before, it returned 0 at scale
  // 1e-12, 1.9× W2 at 1e-8, and W2² < 0 for identical clouds).
  for (const method of ['exact', 'sinkhorn'] as W2Method[]) {
    // Exact: float64 on float32 inputs (relative rounding 6e-8 per coordinate). Sinkhorn: f32 on the
    // GPU, converged to its default tolerance; the same normalised problem at every scale.
    const rtol = method === 'exact' ? 1e-5 : 2e-3;
    it(`${method}: scale covariance, translation, permutation, symmetry, identical clouds`, async () => {
      const ctx = method === 'exact' ? null : gpu();
      const run = async (a: Float32Array, b: Float32Array) => (await w2(ctx, { data: a, d: D }, { data: b, d: D }, { method })).w2;
      const base = await run(scaled(X, 1), scaled(Y, 1));
      expect(base).toBeGreaterThan(1);
      for (const s of SCALES) {
        const v = await run(scaled(X, s), scaled(Y, s));
        expect(v / s, `scale ${s}`).toBeAllclose(base, { rtol });
        const swapped = await run(scaled(Y, s), scaled(X, s));
        expect(swapped / s, `symmetry at scale ${s}`).toBeAllclose(base, { rtol });
        // Translated by 10 (a few diameters: f32 keeps 1e-6 of the spread) and rows shuffled.
        const moved = await run(scaled(permuted(X), s, 10), scaled(permuted(Y), s, 10));
        expect(moved / s, `translation + permutation at scale ${s}`).toBeAllclose(base, { rtol });
      }
      for (const s of [1e-12, 1, 1e12]) {
        const r = await w2(ctx, { data: scaled(X, s), d: D }, { data: scaled(X, s), d: D }, { method });
        expect(r.w2sq, `identical at scale ${s}`).toBeGreaterThanOrEqual(0);
        expect(r.w2 / s, `identical at scale ${s}`).toBeLessThan(method === 'exact' ? 1e-6 : 1e-2);
      }
    }, 120_000);
  }

  // Data far from the origin, given in float64 (a Float64Array, or arrays of numbers): Y = X + t, so
  // W2 = |t| exactly, whatever the offset. Before, every input was rounded to f32 on arrival (an ulp
  // of 1 at 1e7) and W2 came out 30% wrong with nothing said (the CLI's CSV reader did the same).
  describe('data around 1e7 in float64: W2(X, X + t) = |t|', () => {
    const t = [0.3, -0.4]; // |t| = 0.5
    const far = Float64Array.from(X, (v) => v + 1e7);
    const moved = Float64Array.from(far, (v, k) => v + t[k % D]!);
    it('exact and sliced (CPU, float64 as given)', async () => {
      const r = await w2(null, { data: far, d: D }, { data: moved, d: D }, { method: 'exact' });
      // The only rounding left: x + 1e7 + t in float64 (1e-9 absolute), and the simplex's sums.
      expect(r.w2).toBeAllclose(0.5, { atol: 1e-8 });
      const rows = (a: Float64Array) => Array.from({ length: a.length / D }, (_, i) => Array.from(a.subarray(i * D, i * D + D)));
      expect((await w2(null, rows(far), rows(moved), { method: 'exact' })).w2).toBeAllclose(0.5, { atol: 1e-8 });
      // The same data rounded to f32 lose the differences: the test can tell.
      const f32 = await w2(null, { data: Float32Array.from(far), d: D }, { data: Float32Array.from(moved), d: D }, { method: 'exact' });
      expect(Math.abs(f32.w2 - 0.5)).toBeGreaterThan(1e-2);
    });
    it('exact1d (CPU, float64 as given)', async () => {
      const x1 = Float64Array.from({ length: 37 }, (_, i) => X[i * D]! + 1e7);
      const r = await w2(null, { data: x1, d: 1 }, { data: x1.map((v) => v - 0.25), d: 1 });
      expect(r.method).toBe('exact1d');
      expect(r.w2).toBeAllclose(0.25, { atol: 1e-8 });
    });
    it('sinkhorn (centred in float64 before rounding to f32)', async () => {
      // S_ε(α, α shifted by t) = |t|² exactly (OT_ε gains |t|², the self terms are unchanged); the
      // solve stops at marginal error 1e-4, whose effect on S_ε is second order: 1e-3 relative.
      const r = await w2(gpu(), { data: far, d: D }, { data: moved, d: D }, { method: 'sinkhorn' });
      expect(r.w2sq).toBeAllclose(0.25, { rtol: 1e-3 });
    }, 60_000);
  });
});
