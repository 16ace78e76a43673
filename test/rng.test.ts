// Counter-based RNG: Philox4x32-10 known answers, GPU output equal to the CPU twin bit for bit,
// and the moments of 10^6 normals.
import { describe, expect, it } from 'vitest';
import { RngFill } from '../src/kernels/rng_fill.js';
import { compareNormals, philox4x32, rngFillCpu } from '../src/rng/philox.js';
import { useGpu } from './gpu.js';

describe('philox4x32-10 (CPU twin)', () => {
  // Known-answer vectors from Random123's kat_vectors (philox4x32_10).
  it('matches the Random123 known answers', () => {
    expect(philox4x32([0, 0, 0, 0], [0, 0]).map((x) => x.toString(16))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    const ones = 0xffffffff;
    expect(philox4x32([ones, ones, ones, ones], [ones, ones]).map((x) => x.toString(16))).toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
    expect(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]).map((x) => x.toString(16))).toEqual([
      'd16cfe09',
      '94fdcceb',
      '5001e420',
      '24126ea1',
    ]);
  });
});

describe('normal tolerance across drivers', () => {
  it('accepts a fused-multiply-add-sized gap and rejects one bit in the exponent, a sign flip and NaN', () => {
    const want = rngFillCpu(4096, 7, 0, 'normal');
    expect(compareNormals(want.slice(), want)).toEqual({ mismatches: 0, worstUnits: 0, worstAt: -1, ok: true });
    const near = want.slice();
    near[5] = Math.fround(near[5]! + 4 * 2 ** -24 * (1 + Math.abs(near[5]!)));
    expect(compareNormals(near, want)).toMatchObject({ mismatches: 1, worstAt: 5, ok: true });
    for (const bad of [(a: Float32Array) => (a[9] = -a[9]!), (a: Float32Array) => (a[9] = a[9]! * 2), (a: Float32Array) => (a[9] = NaN)]) {
      const got = want.slice();
      bad(got);
      expect(compareNormals(got, want)).toMatchObject({ worstAt: 9, ok: false });
    }
  });
});

describe('rng_fill on the GPU', () => {
  const gpu = useGpu();

  it('uniforms equal the CPU twin bit for bit (n = 1003, not a multiple of 4 or the workgroup)', async () => {
    const ctx = gpu();
    const rng = await RngFill.create(ctx);
    const buf = await rng.fill(1003, { seed: 12345n, stream: 7 });
    const got = await ctx.readF32(buf);
    ctx.destroyBuffer(buf);
    const want = rngFillCpu(1003, 12345n, 7, 'uniform');
    expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(want.buffer));
  });

  it('10^6 normals equal the CPU twin bit for bit on a software adapter (within the cross-driver tolerance elsewhere), with mean and variance within 4 standard errors', async () => {
    const ctx = gpu();
    const rng = await RngFill.create(ctx);
    const n = 1_000_000;
    const buf = await rng.fill(n, { seed: 2022, stream: 3, dist: 'normal' });
    const got = await ctx.readF32(buf);
    ctx.destroyBuffer(buf);
    const want = rngFillCpu(n, 2022, 3, 'normal');
    const cmp = compareNormals(got, want);
    expect(cmp.ok, `worst ${cmp.worstUnits} units at ${cmp.worstAt}: gpu ${got[cmp.worstAt]} cpu ${want[cmp.worstAt]}`).toBe(true);
    // Software adapters round every f32 operation as the twin does: bit for bit there.
    if (ctx.adapter.isSoftware) expect(cmp.mismatches).toBe(0);
    let s = 0, s2 = 0;
    for (const x of got) { s += x; s2 += x * x; }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    // Standard errors: mean 1/sqrt(n); variance sqrt(2/n) for a normal.
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
  });
});
