/** The adapter's ceiling kernel measured at a workload's own shape (bench/harness.ts ceiling.atShape). */
import type { GpuContext } from '../src/gpu/context.js';
import { BenchMatmul } from '../src/kernels/bench_matmul.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { measure, type BenchContext, type BenchOptions } from './harness.js';

/**
 * The ceiling kernel (bench_matmul, its tuned shape) at a workload's own layer shape: M = K = the
 * widest hidden layer, N = the batch (at most 65536), 4 products per run, timed like ceiling.matmul (wall-clock
 * median of awaited runs). FLOP/s; the row's share counts against it when it is above the
 * adapter-wide ceiling, so no row can show more than 100% of what the adapter's best kernel does
 * at that shape.
 */
export async function matmulAtShape(ctx: GpuContext, width: number, batch: number, b: BenchContext, opts: BenchOptions): Promise<{ perSecond: number; shape: string }> {
  const m = Math.ceil(width / 4) * 4;
  // The rate is flat in N once N fills the adapter: larger batches (10^6 particles) are measured at 65536.
  const n = Math.ceil(Math.min(batch, 65536) / 4) * 4;
  const bufA = ctx.storage('bench:shape-A', rngFillCpu(m * m, 5, 0, 'normal'));
  const bufB = ctx.storage('bench:shape-B', rngFillCpu(m * n, 6, 0, 'normal'));
  const bufC = ctx.storage('bench:shape-C', m * n * 4);
  const mm = await BenchMatmul.create(ctx);
  const plan = mm.plan(bufA, bufB, bufC, { m, n, k: m });
  const reps = 4;
  try {
    const t = await measure(
      async () => {
        const enc = ctx.device.createCommandEncoder({ label: 'bench:matmul-at-shape' });
        for (let r = 0; r < reps; r++) plan.encode(enc);
        await ctx.read(bufC, 0, 4, enc);
      },
      { signal: b.signal, budgetMs: opts.quick ? 500 : 3000, minRuns: 3, warmup: 1 },
    );
    return { perSecond: (reps * plan.flops) / (t.medianMs / 1000), shape: `${m}×${n}×${m}` };
  } finally {
    plan.destroy();
    for (const x of [bufA, bufB, bufC]) ctx.destroyBuffer(x);
  }
}

