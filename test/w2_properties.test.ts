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
});
