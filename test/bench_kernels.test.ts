// The adapter-ceiling kernels of the benchmarks compute what they claim: bench_matmul in every
// tuning candidate's shape against a float64 matmul (shapes not multiples of any block or
// workgroup), the tuned choice recorded for the adapter, bench_exp against
// float64 sums of exps (n not a multiple of the workgroup size).
import { describe, expect, it } from 'vitest';
import { BenchExp, EXP_STEPS_PER_ITER, EXPS_PER_ITER } from '../src/kernels/bench_exp.js';
import { BenchFma, FMA_FLOPS_PER_ITER, FMA_STEPS_PER_ITER } from '../src/kernels/bench_fma.js';
import { BenchMatmul, matmulCandidates, matmulVariantName } from '../src/kernels/bench_matmul.js';
import { InputError } from '../src/gpu/errors.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { useGpu } from './gpu.js';
import { expSumRef, fmaSumRef, matmulRef } from './reference/bench_kernels.js';

const gpu = useGpu();

describe('bench_matmul', () => {
  for (const [m, n, k] of [
    [37, 44, 52],
    [130, 68, 100],
    [8, 8, 4],
  ] as const) {
    it(`matches float64 for M=${m} N=${n} K=${k} in every candidate shape`, async () => {
      const ctx = gpu();
      for (const v of matmulCandidates(ctx.device.limits.maxComputeInvocationsPerWorkgroup, ctx.subgroupMinSize)) {
      const a = rngFillCpu(m * k, 3, 0, 'normal');
      const b = rngFillCpu(k * n, 4, 0, 'normal');
      const ab = ctx.storage('A', a);
      const bb = ctx.storage('B', b);
      // Pre-filled with a marker so an element the kernel forgets to write is caught.
      const cb = ctx.storage('C', new Float32Array(m * n).fill(-12345));
      const mm = await BenchMatmul.create(ctx, v);
      const plan = mm.plan(ab, bb, cb, { m, n, k });
      const enc = ctx.device.createCommandEncoder();
      plan.encode(enc);
      ctx.submit(enc.finish());
      const got = await ctx.readF32(cb);
      const { c, absSum } = matmulRef(a, b, m, n, k);
      // f32 accumulation over K terms: |error| <= K·2^-24·Σ|a·b| (classic bound); use that per element.
      const tol = Array.from(absSum, (s) => k * 2 ** -24 * s + 1e-6);
      const err = Array.from(got, (g, i) => Math.abs(g - c[i]!) / tol[i]!);
      expect(Math.max(...err), matmulVariantName(v)).toBeLessThanOrEqual(1);
      plan.destroy();
      for (const x of [ab, bb, cb]) ctx.destroyBuffer(x);
      }
    });
  }

  it('the tuned shape is one of the candidates and is recorded with every candidate timed', async () => {
    const ctx = gpu();
    const mm = await BenchMatmul.create(ctx);
    const names = matmulCandidates(ctx.device.limits.maxComputeInvocationsPerWorkgroup, ctx.subgroupMinSize).map(matmulVariantName);
    const rec = ctx.tuner.choices['bench_matmul'];
    expect(rec?.choice).toBe(matmulVariantName(mm.variant));
    // Loaded from an older disk cache, a record may hold fewer candidates; a fresh one holds all.
    for (const name of Object.keys(rec!.ms)) expect(names).toContain(name);
    expect(names).toContain(rec!.choice);
  });

  it('rejects shapes that are not vec4 rows and buffers that are too small', async () => {
    const ctx = gpu();
    const buf = ctx.storage('x', 64 * 4);
    const mm = await BenchMatmul.create(ctx);
    expect(() => mm.plan(buf, buf, buf, { m: 4, n: 6, k: 4 })).toThrow(InputError);
    expect(() => mm.plan(buf, buf, buf, { m: 4, n: 4, k: 3 })).toThrow(/multiples of 4/);
    expect(() => mm.plan(buf, buf, buf, { m: 64, n: 8, k: 8 })).toThrow(/needs 512/);
    ctx.destroyBuffer(buf);
  });
});

describe('bench_exp', () => {
  it('sums the exps it claims to evaluate (n = 1000, not a multiple of 256)', async () => {
    const ctx = gpu();
    const n = 1000;
    const iters = 16;
    const out = ctx.storage('out', new Float32Array(n).fill(-1));
    const plan = await BenchExp.create(ctx).plan(out, n, iters);
    expect(plan.operations).toBe(n * iters * EXPS_PER_ITER);
    const enc = ctx.device.createCommandEncoder();
    plan.encode(enc);
    ctx.submit(enc.finish());
    const got = await ctx.readF32(out);
    const want = Array.from({ length: n }, (_, i) => expSumRef(i, iters * EXP_STEPS_PER_ITER));
    // 1024 positive terms summed in f32 (each exp within a few ulp, arguments rounded to f32 as
    // they are decremented 64 times): relative error well under 1e-4.
    expect(got).toBeAllclose(want, { rtol: 1e-4, atol: 0 });
    plan.destroy();
    ctx.destroyBuffer(out);
  });
});

describe('bench_fma', () => {
  it('computes the fma chains it claims to (n = 1000, not a multiple of 256)', async () => {
    const ctx = gpu();
    const n = 1000;
    const iters = 200;
    const out = ctx.storage('out', new Float32Array(n).fill(-1));
    const plan = await BenchFma.create(ctx).plan(out, n, iters);
    expect(plan.operations).toBe(n * iters * FMA_FLOPS_PER_ITER);
    const enc = ctx.device.createCommandEncoder();
    plan.encode(enc);
    ctx.submit(enc.finish());
    const got = await ctx.readF32(out);
    const want = Array.from({ length: n }, (_, i) => fmaSumRef(i, iters * FMA_STEPS_PER_ITER));
    // x ← a·x + b contracts (a < 1), so each f32 rounding (fused or not) is damped rather than
    // amplified: 32 chains of values ≤ 8, a few ulp each, summed in f32 — relative error ≪ 1e-5.
    expect(got).toBeAllclose(want, { rtol: 1e-5, atol: 0 });
    await expect(BenchFma.create(ctx).plan(out, n, 0)).rejects.toThrow(/iters must be/);
    plan.destroy();
    ctx.destroyBuffer(out);
  });
});
