/**
 * Runtime self-check: real kernels (Philox uniforms and normals, reductions) on the device, compared
 * with the CPU twin and float64 references. Used by `wasserflow selfcheck` and by the page.
 *
 * What "same seed, same bits" promises: on one adapter, every run is bit-identical. Across adapters,
 * Philox's integer stream (seen through the uniforms) is identical bit for bit; normals agree with
 * the CPU twin within NORMAL_TOLERANCE_UNITS (drivers may fuse multiply-adds), which software
 * adapters meet exactly.
 */
import type { GpuContext } from '../gpu/context.js';
import { Reduce } from '../kernels/reduce.js';
import { RngFill } from '../kernels/rng_fill.js';
import { compareNormals, NORMAL_TOLERANCE_UNITS, rngFillCpu } from '../rng/philox.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  ms: number;
}

export async function selfcheck(ctx: GpuContext, n = 1_000_003, seed = 1): Promise<Check[]> {
  const checks: Check[] = [];
  const rng = await RngFill.create(ctx);
  let t = performance.now();
  const ubuf = await rng.fill(n, { seed, dist: 'uniform' });
  try {
    const gu = new Uint32Array((await ctx.readF32(ubuf)).buffer);
    const cu = new Uint32Array(rngFillCpu(n, seed, 0, 'uniform').buffer);
    let mismatch = 0;
    for (let i = 0; i < n; i++) if (gu[i] !== cu[i]) mismatch++;
    checks.push({ name: `philox uniforms (n=${n}) equal the CPU twin bit for bit`, ok: mismatch === 0, detail: `${mismatch} mismatches`, ms: performance.now() - t });
  } finally {
    ctx.destroyBuffer(ubuf);
  }
  t = performance.now();
  const buf = await rng.fill(n, { seed, dist: 'normal' });
  try {
    const gpu = await ctx.readF32(buf);
    const cmp = compareNormals(gpu, rngFillCpu(n, seed, 0, 'normal'));
    checks.push({
      name: `philox normals (n=${n}) match the CPU twin within ${NORMAL_TOLERANCE_UNITS}·2^-24·(1+|z|)`,
      ok: cmp.ok,
      detail: cmp.mismatches === 0 ? 'bit for bit' : `${cmp.mismatches} differ in the last bits; worst ${cmp.worstUnits.toFixed(2)} units at ${cmp.worstAt}`,
      ms: performance.now() - t,
    });

    let s = 0;
    let m = -Infinity;
    for (const x of gpu) {
      s += x;
      m = Math.max(m, x);
    }
    const mean = s / n;
    let s2 = 0;
    let e = 0;
    for (const x of gpu) {
      s2 += (x - mean) ** 2;
      e += Math.exp(x - m);
    }
    const want = { sum: [s], logsumexp: [m + Math.log(e)], meanvar: [mean, s2 / n] };
    // f32 tree reductions vs float64: error ~ log2(n)·2^-24 times the magnitudes involved.
    const tol = { sum: 1e-5 * 10 * Math.sqrt(n), logsumexp: 1e-5, meanvar: 1e-5 };
    const red = await Reduce.create(ctx);
    for (const op of ['sum', 'logsumexp', 'meanvar'] as const) {
      t = performance.now();
      const plan = await red.plan(op, buf, n);
      const got = await plan.run();
      plan.destroy();
      const err = Math.max(...want[op].map((w, i) => Math.abs(w - got[i]!)));
      checks.push({
        name: `reduce ${op} (n=${n}) vs float64`,
        ok: err <= tol[op],
        detail: `gpu ${[...got].map((v) => v.toPrecision(8)).join(', ')}; float64 ${want[op].map((v) => v.toPrecision(8)).join(', ')}`,
        ms: performance.now() - t,
      });
    }
  } finally {
    ctx.destroyBuffer(buf);
  }
  return checks;
}
