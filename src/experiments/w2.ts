/**
 * The experiments' W2: the transport module's `w2` with method 'auto' (and the paper's sliced W2 on
 * 128 directions), counting which method measured each W2 so that the summaries can say so.
 */
import type { W2Fn } from '../bound/monitor.js';
import type { PointCloud } from '../gpu/points.js';
import type { GpuContext } from '../gpu/context.js';
import { bboxDiagonal } from '../transport/sinkhorn/index.js';
import { w2 } from '../transport/w2.js';

/** A W2Fn that also counts, per method, the W2 values it measured ('sliced' apart). */
export type ExperimentW2 = W2Fn & { readonly methods: ReadonlyMap<string, number> };

/**
 * W2 by method 'auto' (or 'sinkhorn' when asked) or by 128 seeded slices (the paper's estimator).
 *
 * 'auto' runs the exact solver (network simplex in float64; exact1d in 1-D) where it is faster —
 * every experiment size on a CPU adapter — and the GPU debiased Sinkhorn divergence above. Sinkhorn:
 * blur = max(`blur` (default 0.05, in data units), 0.01 × the clouds' bounding-box diagonal),
 * tolerance 1e-3 on the L1 marginal error, at most `maxIterations` (default 1500); a run that does
 * not converge prints no W2 of its own: the exact solver measures that one instead. The relative blur
 * floor matters for the badly trained models at the start of the loglog runs (the first steps maximise
 * the loss), whose samples spread over thousands of units. Clouds are read back once (a few thousand
 * points).
 */
export function transportW2(ctx: GpuContext, opts: { blur?: number; seed?: number; maxIterations?: number; method?: 'auto' | 'sinkhorn' } = {}): ExperimentW2 {
  const methods = new Map<string, number>();
  const count = (m: string) => methods.set(m, (methods.get(m) ?? 0) + 1);
  const host = async (c: PointCloud<Float32Array | GPUBuffer>) => (c.data instanceof Float32Array ? c.data.subarray(0, c.n * c.d) : await ctx.readF32(c.data, 0, c.n * c.d));
  const fn: W2Fn = async (x, y, method) => {
    const hx = await host(x);
    const hy = await host(y);
    const X = { data: hx, d: x.d, n: x.n };
    const Y = { data: hy, d: y.d, n: y.n };
    if (method === 'sliced') return (await w2(ctx, X, Y, { method: 'sliced', directions: 128, seed: opts.seed ?? 0 })).w2;
    const blur = Math.max(opts.blur ?? 0.05, 0.01 * bboxDiagonal(hx, hy, x.d));
    const r = await w2(ctx, X, Y, { method: opts.method ?? 'auto', blur, tol: 1e-3, maxIterations: opts.maxIterations ?? 1500 });
    if (r.method === 'sinkhorn' && !r.sinkhorn?.converged) {
      count('exact (Sinkhorn did not converge)');
      return (await w2(null, X, Y, { method: 'exact' })).w2;
    }
    count(r.method === 'sinkhorn' ? `debiased Sinkhorn (blur ${r.sinkhorn?.blur.toPrecision(2) ?? blur.toPrecision(2)})` : r.method === 'exact' ? 'exact (network simplex, float64)' : `${r.method} (exact in 1-D)`);
    return r.w2;
  };
  return Object.assign(fn, { methods: methods as ReadonlyMap<string, number> });
}

/** "exact (network simplex, float64) at 13 of 13 measurements" (or one clause per method used). */
export function describeW2(fn: W2Fn | ExperimentW2): string {
  const methods = 'methods' in fn ? [...fn.methods] : [];
  const total = methods.reduce((s, [, k]) => s + k, 0);
  if (total === 0) return 'W2 by the experiment context\'s own function';
  return 'W2 ' + methods.map(([m, k]) => `${m} at ${k} of ${total} measurements`).join(', ');
}

/**
 * The figures' short name for how W2 was measured: 'exact', 'Sinkhorn' or 'exact and Sinkhorn'
 * (figures written before the experiments measured W2 by method auto say 'Sinkhorn').
 */
export function w2Legend(fn: W2Fn | ExperimentW2): string {
  const names = 'methods' in fn ? [...fn.methods.keys()] : [];
  // Names as counted by transportW2: 'exact …' (also the exact stand-in for an unconverged Sinkhorn) or 'debiased Sinkhorn …'.
  const exact = names.some((m) => m.startsWith('exact'));
  const sinkhorn = names.some((m) => m.startsWith('debiased Sinkhorn'));
  return exact && sinkhorn ? 'exact and Sinkhorn' : exact ? 'exact' : sinkhorn ? 'Sinkhorn' : 'measured';
}
