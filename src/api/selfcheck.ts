/**
 * Runtime self-check: real kernels (Philox normals, reductions) on the device, compared with the
 * CPU twin and float64 references. Used by `wasserflow selfcheck` and by the page.
 */
import type { GpuContext } from '../gpu/context.js';
import { Reduce } from '../kernels/reduce.js';
import { RngFill } from '../kernels/rng_fill.js';
import { rngFillCpu } from '../rng/philox.js';

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
  const buf = await rng.fill(n, { seed, dist: 'normal' });
  try {
    const gpu = await ctx.readF32(buf);
    const cpu = rngFillCpu(n, seed, 0, 'normal');
    let mismatch = 0;
    const gb = new Uint32Array(gpu.buffer);
    const cb = new Uint32Array(cpu.buffer);
    for (let i = 0; i < n; i++) if (gb[i] !== cb[i]) mismatch++;
    checks.push({ name: `philox normals (n=${n}) equal the CPU twin bit for bit`, ok: mismatch === 0, detail: `${mismatch} mismatches`, ms: performance.now() - t });

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
