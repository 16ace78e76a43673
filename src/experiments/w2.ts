/** The experiments' W2: the transport module's debiased Sinkhorn (and the paper's sliced W2 on 128 directions). */
import type { W2Fn } from '../bound/monitor.js';
import type { PointCloud } from '../gpu/points.js';
import type { GpuContext } from '../gpu/context.js';
import { bboxDiagonal } from '../transport/sinkhorn/index.js';
import { w2 } from '../transport/w2.js';

/**
 * W2 by debiased Sinkhorn or by 128 seeded slices (the paper's estimator).
 *
 * Sinkhorn: blur = max(`blur` (default 0.05, in data units), 0.01 × the clouds' bounding-box
 * diagonal), tolerance 1e-3 on the L1 marginal error, at most `maxIterations` (default 1500). The
 * relative floor matters for the badly trained models at the start of the loglog runs (the first
 * steps maximise the loss), whose samples spread over thousands of units: a fixed blur of 0.05 there
 * means ε-scaling over 20+ levels and a final ε far below what the W2 estimate needs (its relative
 * error is set by blur / W2). Clouds are read back once to measure the diagonal (a few thousand points).
 */
export function transportW2(ctx: GpuContext, opts: { blur?: number; seed?: number; maxIterations?: number } = {}): W2Fn {
  const host = async (c: PointCloud<Float32Array | GPUBuffer>) => (c.data instanceof Float32Array ? c.data.subarray(0, c.n * c.d) : await ctx.readF32(c.data, 0, c.n * c.d));
  return async (x, y, method) => {
    const hx = await host(x);
    const hy = await host(y);
    const X = { data: hx, d: x.d, n: x.n };
    const Y = { data: hy, d: y.d, n: y.n };
    if (method === 'sliced') return (await w2(ctx, X, Y, { method: 'sliced', directions: 128, seed: opts.seed ?? 0 })).w2;
    const blur = Math.max(opts.blur ?? 0.05, 0.01 * bboxDiagonal(hx, hy, x.d));
    return (await w2(ctx, X, Y, { method: 'sinkhorn', blur, tol: 1e-3, maxIterations: opts.maxIterations ?? 1500 })).w2;
  };
}
