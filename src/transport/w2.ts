/**
 * One entry point for W2 between two point clouds, by any of the methods:
 *  - 'sinkhorn' (default): GPU debiased Sinkhorn divergence S_ε (or OT_ε with debias: false);
 *  - 'exact': optimal assignment (equal sizes, uniform weights, n <= 5000; CPU, O(n³));
 *  - 'exact1d': sorting, for d = 1 (any sizes and weights; CPU);
 *  - 'sliced': sliced W2 with seeded directions (CPU; not W2 itself, see slicedW2sq).
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { exactAssignment, slicedW2sq, w2sqExact1d } from './exact.js';
import { sameDim, toCloud, type Cloud, type CloudLike } from './input.js';
import { sinkhorn, type SinkhornOptions, type SinkhornResult } from './sinkhorn/index.js';

export type W2Method = 'sinkhorn' | 'exact' | 'exact1d' | 'sliced';
export const W2_METHODS: readonly W2Method[] = ['sinkhorn', 'exact', 'exact1d', 'sliced'];

/** Defaults of the sliced method's options. */
export const SLICED_DEFAULTS = { directions: 128, seed: 0 } as const;

export interface W2Options extends SinkhornOptions {
  method?: W2Method;
  /** Sliced: number of directions (default 128) and their seed (default 0). */
  directions?: number;
  seed?: number;
}

export interface W2Result {
  w2: number;
  w2sq: number;
  method: W2Method;
  /** Sinkhorn iterations (0 for the CPU methods). */
  iterations: number;
  /** Final L1 marginal error (0 for the exact methods, which are feasible by construction). */
  marginalError: number;
  ms: number;
  /** The full Sinkhorn result (method 'sinkhorn' only). */
  sinkhorn?: SinkhornResult;
  /** The optimal permutation (method 'exact' only). */
  assignment?: Int32Array;
}

async function hostPoints(ctx: GpuContext, c: Cloud): Promise<Float32Array> {
  return c.host ?? (await ctx.readF32(c.gpu!, 0, c.n * c.d));
}

/** W2 between X and Y by `options.method` (see the module comment). */
export async function w2(ctx: GpuContext, X: CloudLike, Y: CloudLike, options: W2Options = {}): Promise<W2Result> {
  const t0 = performance.now();
  const method = options.method ?? 'sinkhorn';
  if (!W2_METHODS.includes(method)) throw new InputError(`method must be one of ${W2_METHODS.join(', ')}, got '${String(method)}'`);
  const x = toCloud('X', X);
  const y = toCloud('Y', Y);
  sameDim(x, y);
  if (method === 'sinkhorn') {
    const r = await sinkhorn(ctx, X, Y, options);
    return { w2: r.w2, w2sq: r.w2sq, method, iterations: r.iterations, marginalError: r.marginalError, ms: performance.now() - t0, sinkhorn: r };
  }
  const hx = await hostPoints(ctx, x);
  const hy = await hostPoints(ctx, y);
  let w2sq: number;
  let assignment: Int32Array | undefined;
  if (method === 'exact1d') {
    if (x.d !== 1) throw new InputError(`exact1d needs 1-D points, got dimension ${x.d}`);
    w2sq = w2sqExact1d(hx, hy, x.uniform ? undefined : x.weights, y.uniform ? undefined : y.weights);
  } else if (method === 'exact') {
    if (!x.uniform || !y.uniform) throw new InputError('exact needs uniform weights (use exact1d in 1-D, or sinkhorn)');
    if (x.n !== y.n) throw new InputError(`exact needs clouds of the same size, got ${x.n} and ${y.n} (use sinkhorn, or exact1d in 1-D)`);
    const r = exactAssignment(hx, hy, x.d, options.signal);
    w2sq = r.w2sq;
    assignment = r.assignment;
  } else {
    const opts: Parameters<typeof slicedW2sq>[3] = { directions: options.directions ?? SLICED_DEFAULTS.directions, seed: options.seed ?? SLICED_DEFAULTS.seed };
    if (!x.uniform) opts.a = x.weights;
    if (!y.uniform) opts.b = y.weights;
    w2sq = slicedW2sq(hx, hy, x.d, opts);
  }
  const out: W2Result = { w2: Math.sqrt(Math.max(0, w2sq)), w2sq, method, iterations: 0, marginalError: 0, ms: performance.now() - t0 };
  if (assignment) out.assignment = assignment;
  return out;
}
