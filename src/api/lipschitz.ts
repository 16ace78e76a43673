/**
 * `engine.lipschitz` and `engine.lipschitzSupremum`: L_s(t) of a network's score, estimated at
 * points on the GPU (a lower estimate) or searched and certified over a region (docs/lipschitz.md).
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { reportProgress, throwIfAborted, type RunOptions } from '../gpu/run.js';
import { checkBindingSize, checkFinite, checkInteger, checkSignal, toPoints, type PointsInput } from '../gpu/validate.js';
import type { TangentTime } from '../kernels/mlp_tangent.js';
import { LipschitzEstimator, type LipschitzCurve, type LipschitzCurveOptions } from '../lipschitz/estimator.js';
import { networkSupremum, type NetworkSupOptions, type NetworkSupReport } from '../lipschitz/network_sup.js';
import type { NetworkScore } from '../model/network.js';
import { checkNetwork, flatDim } from './checks.js';

/** Options of `engine.lipschitz`: the estimator's options with the points given as plain arrays. */
export interface LipschitzOptions extends Omit<LipschitzCurveOptions, 'source'> {
  /** Points (n × dim): used as given, or as data samples noised to p_t when `noise` is true. */
  points: PointsInput;
  noise?: boolean;
}

/** Options of `engine.lipschitzSupremum`: the grid times and the search / certificate options. */
export interface LipschitzSupremumOptions extends Omit<NetworkSupOptions, 'signal' | 'onTime' | 'samples'>, RunOptions {
  /** One { alpha, sigma, step?, tau? } per grid time. */
  times: readonly TangentTime[];
  /** Samples per time (each n × dim, e.g. of p_t and q_t): the samples-only estimate and starts of the search. */
  samples?: readonly PointsInput[];
}

/**
 * L_s(t), the one-sided Lipschitz constant of a network's score at each grid time, estimated on
 * the GPU at `perTime` points per time: a LOWER estimate of the supremum (see docs/theory.md).
 * The points are `points` as given (`noise: false`), or samples of p_t made from them
 * (`noise: true`: α_t·x + σ_t·ε); point p of a time uses row p mod (number of points).
 */
export async function estimateLipschitz(ctx: GpuContext, network: NetworkScore, opts: LipschitzOptions): Promise<LipschitzCurve> {
  const layout = checkNetwork('lipschitz', network);
  if (typeof opts !== 'object' || opts === null || !Array.isArray(opts.times) || opts.times.length === 0) {
    throw new InputError('lipschitz: times (one { alpha, sigma, step?, tau? } per grid time) must be a non-empty array');
  }
  checkInteger('lipschitz: perTime', opts.perTime, 1, 1 << 22);
  const pts = toPoints('lipschitz: points', opts.points, flatDim(opts.points, layout.spec.dim), layout.spec.dim);
  checkBindingSize(`lipschitz: ${pts.n} points`, pts.data.byteLength, ctx.device.limits);
  checkSignal('lipschitz: signal', opts.signal);
  throwIfAborted(opts.signal, 'lipschitz');
  const maxPoints = Math.max(opts.perTime, Math.min(opts.perTime * opts.times.length, 1 << 16));
  const est = await LipschitzEstimator.create(ctx, layout, { maxPoints, maxTimes: opts.times.length });
  const owned: GPUBuffer[] = [];
  try {
    const params = network.params instanceof Float32Array ? (owned.push(ctx.storage('engine:lipschitz:params', network.params)), owned[0]!) : network.params;
    const source = ctx.storage('engine:lipschitz:points', pts.data);
    owned.push(source);
    const { points: _points, noise, ...rest } = opts;
    return await est.curve(params, { ...rest, source: { buffer: source, count: pts.n, noise: noise ?? false } });
  } finally {
    for (const b of owned) ctx.destroyBuffer(b);
    est.destroy();
  }
}

/**
 * L_s(t) = sup_x λ_max(½(J + Jᵀ)) of a network's score at each grid time: `ls`, a LOWER estimate
 * (GPU multi-start projected ascent over a box at any d, float64 re-evaluation at its argmax, with
 * `lsSamples` the samples alone beside it), and at d ≤ 3 `certified`, an UPPER bound (host
 * branch-and-bound seeded with every value found, so never below `ls`) over `certifiedRegion`:
 * at d ≤ 2 by default (region 'plane') over all of ℝ^d — the box [−box, box]^d and the outside of
 * the ball of radius `box` — and null, with the sound but open `certifiedLoose`, when a part did not
 * close to `tol` within the budget (`secondsPerTime`, `boxesPerTime` per part); at d = 3, or with
 * region 'box', over the box only: the box doubles while the argmax sits on its edge and `edge`
 * says when it still does (then the supremum over ℝ^d may exceed `certified`). Above d = 3
 * `certified` is null with `certifiedReason`.
 * Progress: stage 'lipschitz-supremum', times done.
 */
export async function lipschitzSupremumOf(ctx: GpuContext, network: NetworkScore, opts: LipschitzSupremumOptions): Promise<NetworkSupReport> {
  const layout = checkNetwork('lipschitzSupremum', network);
  if (typeof opts !== 'object' || opts === null || !Array.isArray(opts.times) || opts.times.length === 0) {
    throw new InputError('lipschitzSupremum: times (one { alpha, sigma, step?, tau? } per grid time) must be a non-empty array');
  }
  checkSignal('lipschitzSupremum: signal', opts.signal);
  throwIfAborted(opts.signal, 'lipschitzSupremum');
  const d = layout.spec.dim;
  if (opts.samples !== undefined && (!Array.isArray(opts.samples) || opts.samples.length !== opts.times.length)) {
    throw new InputError(`lipschitzSupremum: samples must hold one point set per time (${opts.times.length})`);
  }
  const samples = opts.samples?.map((s, m) => toPoints(`lipschitzSupremum: samples[${m}]`, s, flatDim(s, d), d).data);
  const params = network.params instanceof Float32Array ? network.params : await ctx.readF32(network.params, 0, layout.size);
  checkFinite('lipschitzSupremum: network.params', params);
  const { samples: _s, signal, onProgress: _p, times, ...rest } = opts;
  return networkSupremum(ctx, layout, params, times, {
    ...rest,
    ...(samples ? { samples } : {}),
    ...(signal ? { signal } : {}),
    onTime: (done, total) => reportProgress(opts, { stage: 'lipschitz-supremum', done, total }),
  });
}
