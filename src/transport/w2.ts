/**
 * One entry point for W2 between two point clouds (weighted, any sizes), by any of the methods:
 *  - 'exact': exact OT on the CPU in float64 (network simplex, any sizes, weights and dimension;
 *    the O(n³) assignment solver where it is faster: equal sizes, uniform weights, n <= 32);
 *  - 'sinkhorn': GPU debiased Sinkhorn divergence S_ε (or OT_ε with debias: false);
 *  - 'exact1d': the weighted quantile coupling, for d = 1 (CPU);
 *  - 'sliced': sliced W2 with seeded directions (CPU; not W2 itself, see slicedW2sq);
 *  - 'auto' (default): exact while it is faster than Sinkhorn at the requested accuracy, else
 *    Sinkhorn (see chooseMethod; the result says which ran and why).
 */
import type { AdapterReport, GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { exactAssignment, slicedW2sq, w2sqExact1d } from './exact.js';
import { hostPoints, sameDim, toCloud, type Cloud, type CloudLike, type HostPoints } from './input.js';
import { EXACT_MAX_PAIRS, exactOTAsync, type ExactOTOptions, type SparsePlan } from './network_simplex.js';
import { sinkhorn, type SinkhornOptions, type SinkhornResult } from './sinkhorn/index.js';

export type W2Method = 'auto' | 'sinkhorn' | 'exact' | 'exact1d' | 'sliced';
export const W2_METHODS: readonly W2Method[] = ['auto', 'sinkhorn', 'exact', 'exact1d', 'sliced'];

/**
 * Equal uniform clouds up to this size go to the assignment solver (faster there than the simplex;
 * measured: 0.21 vs 0.22 ms at 32 points, 1.49 vs 0.68 ms at 64, 21 vs 1.6 ms at 96, 2-D).
 */
export const ASSIGNMENT_MAX_POINTS = 32;

/** Defaults of the sliced method's options. */
export const SLICED_DEFAULTS = { directions: 128, seed: 0 } as const;

export interface W2Options extends SinkhornOptions {
  /** Default 'auto'. */
  method?: W2Method;
  /** Sliced: number of directions (default 128) and their seed (default 0). */
  directions?: number;
  seed?: number;
  /** Exact: also return the optimal plan (sparse, at most n + m − 1 entries). Default false. */
  plan?: boolean;
}

export interface W2Result {
  w2: number;
  w2sq: number;
  /** The method that ran (never 'auto'). */
  method: Exclude<W2Method, 'auto'>;
  /** Why this method ran (for 'auto': the rule that chose it; otherwise 'requested'). */
  reason: string;
  /** Exact: which solver ran. */
  solver?: 'network-simplex' | 'assignment';
  /** Sinkhorn iterations, or simplex pivots for the exact method (0 for the others). */
  iterations: number;
  /** Final L1 marginal error (0 for the exact methods, which are feasible by construction). */
  marginalError: number;
  ms: number;
  /** The full Sinkhorn result (method 'sinkhorn' only). */
  sinkhorn?: SinkhornResult;
  /** The optimal permutation (method 'exact' by the assignment solver only). */
  assignment?: Int32Array;
  /** Exact: the optimal plan, when `plan: true` was asked (indices into X and Y, masses summing to 1). */
  plan?: SparsePlan;
  /** Exact (network simplex): the dual potentials, f_i + g_j ≤ |x_i − y_j|² with equality on the plan. */
  potentials?: { f: Float64Array; g: Float64Array };
}

async function readHost(ctx: GpuContext | null, c: Cloud): Promise<HostPoints> {
  const host = hostPoints(c);
  if (host) return host;
  if (!ctx) throw new InputError('w2: a cloud on the GPU needs a GPU context');
  return ctx.readF32(c.data as GPUBuffer, 0, c.n * c.d);
}

/** The points and weights of a host cloud without its zero-weight points (the same measure). */
function dropZeroWeights(c: Cloud, data: HostPoints): { data: HostPoints; d: number; weights: Float64Array } {
  const keep: number[] = [];
  for (let i = 0; i < c.n; i++) if (c.weights[i]! > 0) keep.push(i);
  const out = data instanceof Float64Array ? new Float64Array(keep.length * c.d) : new Float32Array(keep.length * c.d);
  keep.forEach((i, k) => out.set(data.subarray(i * c.d, (i + 1) * c.d), k * c.d));
  return { data: out, d: c.d, weights: Float64Array.from(keep, (i) => c.weights[i]!) };
}

/**
 * W2 between X and Y by `options.method` (see the module comment). `ctx` may be null when the
 * method that runs is a CPU one on host clouds (the CLI then never starts a GPU device).
 */
export async function w2(ctx: GpuContext | null, X: CloudLike, Y: CloudLike, options: W2Options = {}): Promise<W2Result> {
  const t0 = performance.now();
  const requested = options.method ?? 'auto';
  if (!W2_METHODS.includes(requested)) throw new InputError(`method must be one of ${W2_METHODS.join(', ')}, got '${String(requested)}'`);
  const x = toCloud('X', X, { zeroWeights: true });
  const y = toCloud('Y', Y, { zeroWeights: true });
  sameDim(x, y);
  const { method, reason } = requested === 'auto' ? chooseMethod(x, y, ctx?.adapter) : { method: requested, reason: 'requested' };
  if (method === 'sinkhorn') {
    if (!ctx) throw new InputError('w2: method sinkhorn needs a GPU context');
    let r: SinkhornResult;
    if (x.hasZero || y.hasZero) {
      // Sinkhorn works with log-weights: solve the same measures without their zero-weight points.
      const hx = hostPoints(x);
      const hy = hostPoints(y);
      if (!hx || !hy) throw new InputError('sinkhorn: zero weights need host (Float32Array) clouds; drop those points, or use method exact or sliced');
      r = await sinkhorn(ctx, dropZeroWeights(x, hx), dropZeroWeights(y, hy), options);
    } else r = await sinkhorn(ctx, X, Y, options);
    return { w2: r.w2, w2sq: r.w2sq, method, reason, iterations: r.iterations, marginalError: r.marginalError, ms: performance.now() - t0, sinkhorn: r };
  }
  const hx = await readHost(ctx, x);
  const hy = await readHost(ctx, y);
  const out: W2Result = { w2: 0, w2sq: 0, method, reason, iterations: 0, marginalError: 0, ms: 0 };
  if (method === 'exact1d') {
    if (x.d !== 1) throw new InputError(`exact1d needs 1-D points, got dimension ${x.d} (use exact)`);
    out.w2sq = w2sqExact1d(hx, hy, x.uniform ? undefined : x.weights, y.uniform ? undefined : y.weights);
  } else if (method === 'exact') {
    if (x.n * y.n > EXACT_MAX_PAIRS) throw new InputError(`exact: ${x.n}×${y.n} pairs is over the limit of ${EXACT_MAX_PAIRS}; use sinkhorn`);
    if (x.n === y.n && x.uniform && y.uniform && x.n <= ASSIGNMENT_MAX_POINTS && !options.plan) {
      const r = exactAssignment(hx, hy, x.d, options.signal);
      out.w2sq = r.w2sq;
      out.assignment = r.assignment;
      out.solver = 'assignment';
    } else {
      // In slices with the event loop's turns between them: cancellable, with progress.
      const o: ExactOTOptions = { plan: options.plan ?? false };
      if (!x.uniform) o.a = x.weights;
      if (!y.uniform) o.b = y.weights;
      if (options.signal) o.signal = options.signal;
      if (options.onProgress) o.onProgress = options.onProgress;
      const r = await exactOTAsync(hx, hy, x.d, o);
      out.w2sq = r.cost;
      out.iterations = r.pivots;
      out.solver = 'network-simplex';
      out.potentials = { f: r.f, g: r.g };
      if (r.plan) out.plan = r.plan;
    }
  } else {
    const opts: Parameters<typeof slicedW2sq>[3] = { directions: options.directions ?? SLICED_DEFAULTS.directions, seed: options.seed ?? SLICED_DEFAULTS.seed };
    if (!x.uniform) opts.a = x.weights;
    if (!y.uniform) opts.b = y.weights;
    out.w2sq = slicedW2sq(hx, hy, x.d, opts);
  }
  out.w2 = Math.sqrt(Math.max(0, out.w2sq));
  out.ms = performance.now() - t0;
  return out;
}

/**
 * Method 'auto' on a hardware GPU takes the exact solver up to this many pairs n·m. An estimate,
 * not measured here (this machine has no GPU): the simplex takes ~0.4 s at 1000×1000 on one CPU
 * core, where a GPU Sinkhorn at the default blur (a few hundred iterations over 10^6 pairs) takes
 * about as long once dispatch and read-back latency are counted.
 */
export const AUTO_EXACT_MAX_PAIRS_GPU = 1000 * 1000;

/**
 * On a software adapter (lavapipe, SwiftShader: the GPU Sinkhorn runs on the CPU) the exact solver
 * stays faster up to about 5000×5000. Measured here (bench/exact.bench.ts, rows exact.auto.N, 2-D,
 * equal uniform clouds, the 2 cores shared with other jobs), exact vs the Sinkhorn divergence at its
 * defaults on lavapipe: 0.11 vs 1.25 s (N = 500), 1.2 vs 2.2 s (1000), 3.5 vs 7.9 s (2000); exact at
 * 5000 takes 42–49 s, where Sinkhorn's N² × iterations extrapolates to ~50 s. On SwiftShader
 * Sinkhorn is slower still (`wasserflow w2`: 0.4 vs 11 s at 500, 0.4 vs 22 s at 1000).
 */
export const AUTO_EXACT_MAX_PAIRS_SOFTWARE = 5000 * 5000;

/**
 * The rule behind method 'auto': d = 1 → exact1d (sorting, any size); otherwise, in any dimension,
 * exact while n·m <= AUTO_EXACT_MAX_PAIRS_GPU, or up to AUTO_EXACT_MAX_PAIRS_SOFTWARE on a software
 * adapter; Sinkhorn above (above d = 64 with stored costs, src/transport/sinkhorn/stored_cost.ts,
 * which refuses problems whose cost matrices exceed its memory limit). `adapter` undefined: only
 * the rules that hold on every adapter are applied, and 'sinkhorn' means "ask again with the adapter".
 */
export function chooseMethod(
  x: Pick<Cloud, 'n' | 'd'>,
  y: Pick<Cloud, 'n' | 'd'>,
  adapter?: Pick<AdapterReport, 'isSoftware'>,
): { method: Exclude<W2Method, 'auto'>; reason: string } {
  if (x.d === 1) return { method: 'exact1d', reason: 'd = 1: exact by sorting (the quantile coupling), any size' };
  const pairs = x.n * y.n;
  if (pairs <= AUTO_EXACT_MAX_PAIRS_GPU) return { method: 'exact', reason: `n·m = ${pairs} <= ${AUTO_EXACT_MAX_PAIRS_GPU}: the exact solver is faster than Sinkhorn at this size` };
  if (adapter?.isSoftware && pairs <= AUTO_EXACT_MAX_PAIRS_SOFTWARE) {
    return { method: 'exact', reason: `software adapter (Sinkhorn runs on the CPU) and n·m = ${pairs} <= ${AUTO_EXACT_MAX_PAIRS_SOFTWARE}: the exact solver is faster at this size` };
  }
  const why = adapter?.isSoftware ? `n·m = ${pairs} > ${AUTO_EXACT_MAX_PAIRS_SOFTWARE} on a software adapter` : `n·m = ${pairs} > ${AUTO_EXACT_MAX_PAIRS_GPU} on a GPU`;
  return { method: 'sinkhorn', reason: `${why}: GPU Sinkhorn` };
}
