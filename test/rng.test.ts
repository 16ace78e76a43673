// Counter-based RNG: Philox4x32-10 known answers, GPU output equal to the CPU twin bit for bit,
// and the moments of 10^6 normals.
import { describe, expect, it } from 'vitest';
import { RngFill } from '../src/kernels/rng_fill.js';
import { philox4x32, rngFillCpu } from '../src/rng/philox.js';
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

  it('10^6 normals equal the CPU twin bit for bit, with mean and variance within 4 standard errors', async () => {
    const ctx = gpu();
    const rng = await RngFill.create(ctx);
    const n = 1_000_000;
    const buf = await rng.fill(n, { seed: 2022, stream: 3, dist: 'normal' });
    const got = await ctx.readF32(buf);
    ctx.destroyBuffer(buf);
    const want = rngFillCpu(n, 2022, 3, 'normal');
    const gotBits = new Uint32Array(got.buffer);
    const wantBits = new Uint32Array(want.buffer);
    let mismatches = 0;
    let first = -1;
    for (let i = 0; i < n; i++) if (gotBits[i] !== wantBits[i]) { mismatches++; if (first < 0) first = i; }
    expect(mismatches, `first mismatch at ${first}: gpu ${got[first]} cpu ${want[first]}`).toBe(0);
    let s = 0, s2 = 0;
    for (const x of got) { s += x; s2 += x * x; }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    // Standard errors: mean 1/sqrt(n); variance sqrt(2/n) for a normal.
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
  });
});
