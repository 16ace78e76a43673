// Segmented reductions (sum, max, logsumexp, mean/variance) against float64 references, on
// lengths around the workgroup size and one far above it.
import { describe, expect, it } from 'vitest';
import { Reduce, type ReduceOp } from '../src/kernels/reduce.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { logsumexp64, max64, meanvar64, sum64 } from './reference/reduce.js';
import { useGpu } from './gpu.js';

const LENGTHS = [1, 255, 256, 257, 2049, 1_000_003];

function data(n: number, seed: number): Float32Array {
  // Values in [-3, 5): a nonzero mean, so cancellation in the variance is exercised.
  return rngFillCpu(n, seed).map((u) => 8 * u - 3);
}

describe('reduce', () => {
  const gpu = useGpu();

  async function reduce(op: ReduceOp, x: Float32Array, segments = 1): Promise<Float64Array> {
    const ctx = gpu();
    const r = await Reduce.create(ctx);
    const input = ctx.storage('x', x);
    const plan = await r.plan(op, input, x.length / segments, { segments });
    try {
      return await plan.run();
    } finally {
      plan.destroy();
      ctx.destroyBuffer(input);
    }
  }

  for (const n of LENGTHS) {
    it(`sum, max, logsumexp, meanvar match float64 for n = ${n}`, async () => {
      const x = data(n, n);
      // f32 tree sums: relative error ~ log2(n)·2^-24 of Σ|x|, far under 1e-5·Σ|x| for these n.
      const absSum = sum64(x.map(Math.abs));
      expect((await reduce('sum', x))[0]).toBeAllclose(sum64(x), { atol: 1e-5 * absSum, rtol: 0 });
      expect((await reduce('max', x))[0]).toBe(max64(x)); // max is exact
      // logsumexp: relative error of the sum ~1e-6, absolute in the log.
      expect((await reduce('logsumexp', x))[0]).toBeAllclose(logsumexp64(x), { atol: 1e-5, rtol: 1e-6 });
      const [mean, variance] = meanvar64(x);
      const mv = await reduce('meanvar', x);
      expect(mv[0]).toBeAllclose(mean, { atol: 1e-5, rtol: 1e-5 });
      expect(mv[1]).toBeAllclose(variance, { atol: 1e-6, rtol: 1e-5 });
    });
  }

  it('reduces many segments at once', async () => {
    const segs = 37;
    const len = 300;
    const x = data(segs * len, 5);
    const got = await reduce('logsumexp', x, segs);
    const want = Array.from({ length: segs }, (_, s) => logsumexp64(x.subarray(s * len, (s + 1) * len)));
    expect(got).toBeAllclose(want, { atol: 1e-5, rtol: 1e-6 });
  });

  it('logsumexp of -inf everywhere is -inf, and of huge values does not overflow', async () => {
    expect((await reduce('logsumexp', new Float32Array(300).fill(-Infinity)))[0]).toBe(-Infinity);
    const big = new Float32Array(1000).fill(1e30);
    expect((await reduce('logsumexp', big))[0]).toBeAllclose(1e30 + Math.log(1000), { rtol: 1e-6 });
  });
});
