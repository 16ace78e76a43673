/**
 * The dense Sinkhorn softmin kernel by itself, each shape the solver can run
 * (src/transport/sinkhorn/dense.ts): 'rows' (shaders/sinkhorn_softmin.wgsl, 4 rows per invocation
 * streaming every column: the CPU drivers' shape) and 'tiled' (shaders/sinkhorn_softmin_tiled.wgsl,
 * column tiles in workgroup memory and the columns split into chunks to fill a GPU; also
 * 'tiled-wg128' on hardware adapters). One run is K alternating iterations (the X rows, then the Y
 * rows: 2·N·M pairs each) of the benchmark clouds in 2-D (bench/sinkhorn.bench.ts), ε = 1 and zero
 * potentials so every row takes the fast path (its shifted sum in range, as near convergence),
 * ending in a readback. Reported in 10^9 pairs/s and as a share of the adapter's exp throughput
 * (one exp per pair).
 */
import { softminMainBindGroup, SoftminParams } from '../src/kernels/sinkhorn_softmin.js';
import { parseSoftminVariant, softminVariantName } from '../src/kernels/sinkhorn_softmin_tiled.js';
import { DenseSoftmin, denseTables } from '../src/transport/sinkhorn/dense.js';
import { layoutProblems, tableKey } from '../src/transport/sinkhorn/tables.js';
import { benchClouds } from './sinkhorn.bench.js';
import { measure, result, type BenchContext, type BenchOptions, type BenchResult } from './harness.js';

export const meta = { id: 'sinkhorn-softmin', title: 'Sinkhorn softmin kernel shapes: streamed rows vs workgroup-memory tiles with split columns' };

export async function run(b: BenchContext, opts: BenchOptions): Promise<BenchResult[]> {
  const { ctx } = b;
  const out: BenchResult[] = [];
  const variants = ['rows', 'tiled-wg64', ...(ctx.adapter.isSoftware ? [] : ['tiled-wg128'])];
  for (const n of opts.quick ? [2000] : [2000, 10_000]) {
    const d = 2;
    const { x, y } = benchClouds(n);
    const { layouts, total: T } = layoutProblems([{ n, m: n }]);
    const l = layouts[0]!;
    const pts = new Float32Array(T * d);
    pts.set(x, l.xs * d);
    pts.set(y, l.ys * d);
    const logw = new Float32Array(T).fill(-Math.log(n));
    const bufs = [ctx.uniform('bench:softmin-params', SoftminParams.byteSize), ctx.storage('bench:pts', pts), ctx.storage('bench:logw', logw), ctx.storage('bench:pot', 8 * T * 4), ctx.storage('bench:err', 2 * T * 4)] as const;
    try {
      ctx.write(bufs[0], SoftminParams.pack({ eps: 1, inv_eps: 1, omega_cross: 1, omega_self: 0.5, lo_off: 4 * T }));
      const main = softminMainBindGroup(ctx, 'bench:softmin', bufs[0], bufs[1], bufs[2], bufs[3], bufs[4]);
      const K = n <= 2000 ? 20 : ctx.adapter.isSoftware ? 2 : 20;
      for (const name of variants) {
        const dense = await DenseSoftmin.create(ctx, { d, problems: 1, total: T, tables: denseTables(layouts, T, false) }, parseSoftminVariant(name));
        try {
          const timing = await measure(
            async () => {
              const enc = ctx.device.createCommandEncoder({ label: 'bench:sinkhorn-softmin' });
              const pass = enc.beginComputePass();
              for (let k = 0; k < K; k++) {
                dense.dispatch(pass, main, tableKey('xRows', 0, 0));
                dense.dispatch(pass, main, tableKey('yRows', 0, 0));
              }
              pass.end();
              await ctx.read(bufs[4], 0, 4, enc);
            },
            { signal: b.signal, budgetMs: opts.quick ? 1000 : 5000, minRuns: opts.quick ? 3 : 5 },
          );
          const pairs = K * 2 * n * n;
          const splits = dense.splits;
          out.push(
            result({
              id: `sinkhorn-softmin.${softminVariantName(dense.variant)}.n${n}`,
              name: `Sinkhorn softmin, ${softminVariantName(dense.variant)} (column split ${splits[tableKey('xRows', 0, 0)]})`,
              size: `N = M = ${n}, d = 2, ${K} alternating iterations`,
              timing,
              work: pairs / 1e9,
              unit: '10^9 pairs/s',
              ceiling: { kind: 'exp', perRun: pairs },
            }),
          );
        } finally {
          dense.destroy();
        }
      }
    } finally {
      for (const buf of bufs) ctx.destroyBuffer(buf);
    }
  }
  return out;
}
