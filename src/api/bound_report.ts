/**
 * `engine.bound`: the W2 bound of Kwon et al. for a network, term by term (docs/theory.md).
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { abortable, reportProgress, throwIfAborted, type RunOptions } from '../gpu/run.js';
import { checkBindingSize, checkInteger, checkNumber, checkOneOf, checkSeed, checkSignal, toPoints, type PointsInput } from '../gpu/validate.js';
import { boundGrid, corollaryBound, scoreMatchingObjective, theoremBound, type BoundTerms, type Dynamics } from '../bound/bound.js';
import { scoreMatchingErrors } from '../bound/score_error.js';
import type { LipschitzCurve, LipschitzMethod } from '../lipschitz/estimator.js';
import type { NetworkScore } from '../model/network.js';
import type { ForwardProcess } from '../processes/process.js';
import { embedIndex } from '../processes/grid.js';
import type { MixtureDescription } from '../scores/mixture.js';
import type { LipschitzOptions } from './lipschitz.js';
import { checkNetwork, flatDim } from './checks.js';

export interface BoundOptions extends RunOptions {
  process: ForwardProcess;
  /** Samples of p_0 (n × dim): where L_s is probed (noised to p_t) and J_DSM(t) is averaged. */
  data: PointsInput;
  /** The exact p_0 as a Gaussian mixture, when known: enables Theorem 1 with the exact J_SM(t). */
  mixture?: MixtureDescription;
  /** Grid times, strictly ascending in (0, T] (default: 32 uniform times from process.tMin to T). */
  times?: ArrayLike<number>;
  /** Points per time for L_s (default 1024; point p uses data row p mod n). */
  perTime?: number;
  /** L_s estimator: 'exact' (d ≤ 3, default there) or 'power'. */
  method?: LipschitzMethod;
  /** W2(p_T, q_T) (default 0: the sampler starts from the forward-noised data, q_T = p_T). */
  w2T?: number;
  /** 'sde' (reverse SDE, default) or 'ode' (probability-flow ODE). */
  dynamics?: Dynamics;
  seed?: number | bigint;
}

/** The W2 bound of a network, term by term (docs/theory.md says what each estimate promises). */
export interface BoundReport {
  times: Float64Array;
  /** L_s(t): max over the probed points — a lower estimate of the supremum. */
  ls: Float64Array;
  lowerEstimate: true;
  /** J_DSM(t) = E|s_θ(x_t, t) + z/σ_t|² and its standard error. */
  jdsm: Float64Array;
  jdsmStderr: Float64Array;
  /** J_SM(t) = E_{p_t}|∇log p_t − s_θ|² (with `mixture`) and its standard error. */
  jsm?: Float64Array;
  jsmStderr?: Float64Array;
  /** J = ½ ∫ g² J(t) dt over the grid, for J_DSM and (with `mixture`) J_SM. */
  objective: { jdsm: number; jsm?: number };
  /** Theorem 1 with the exact score error (with `mixture`). */
  theorem?: BoundTerms;
  /** Corollary 1 with J_DSM (valid for any data; J_DSM ≥ J_SM). */
  corollary: BoundTerms;
  note: string;
}

/**
 * Evaluate the W2 bound of Kwon et al. for a network (docs/theory.md): L_s(t) on the GPU at
 * `perTime` points of p_t per grid time, J_DSM(t) (and J_SM(t) with an exact `mixture`) by Monte
 * Carlo on the GPU, then I(t), Theorem 1 and Corollary 1 in float64. Progress: stage 'bound',
 * done 1..3 (L_s, score errors, bound).
 */
export async function evaluateBound(
  ctx: GpuContext,
  network: NetworkScore,
  opts: BoundOptions,
  lipschitz: (network: NetworkScore, opts: LipschitzOptions) => Promise<LipschitzCurve>,
): Promise<BoundReport> {
  const layout = checkNetwork('bound', network);
  if (typeof opts !== 'object' || opts === null || typeof opts.process?.g2 !== 'function') {
    throw new InputError('bound: process must be a forward process (makeProcess(...), new VpLinear(), ...)');
  }
  const { process } = opts;
  const dim = layout.spec.dim;
  const pts = toPoints('bound: data', opts.data, flatDim(opts.data, dim), dim);
  checkBindingSize(`bound: ${pts.n} points`, pts.data.byteLength, ctx.device.limits);
  const T = process.T;
  const times = opts.times !== undefined ? Float64Array.from(opts.times) : Float64Array.from({ length: 32 }, (_, i) => process.tMin + ((T - process.tMin) * i) / 31);
  if (times.length < 2) throw new InputError(`bound: times needs at least 2 grid times, got ${times.length}`);
  times.forEach((t, i) => {
    if (!(Number.isFinite(t) && t > 0 && t <= T)) throw new InputError(`bound: times[${i}] = ${t} must be in (0, ${T}]`);
    if (i > 0 && !(t > times[i - 1]!)) throw new InputError(`bound: times must be strictly ascending (times[${i}] = ${t} after ${times[i - 1]})`);
  });
  const perTime = checkInteger('bound: perTime', opts.perTime ?? 1024, 1, 1 << 20);
  const w2T = checkNumber('bound: w2T', opts.w2T ?? 0, { min: 0 });
  const dynamics = checkOneOf('bound: dynamics', opts.dynamics ?? 'sde', ['sde', 'ode'] as const);
  if (opts.seed !== undefined) checkSeed('bound: seed', opts.seed);
  const signal = checkSignal('bound: signal', opts.signal);
  throwIfAborted(signal, 'bound');

  const steps = layout.spec.time.kind === 'step' ? layout.spec.time.steps : 0;
  const tangentTimes = Array.from(times, (t) => ({ alpha: process.alpha(t), sigma: process.sigma(t), step: embedIndex(t, T, steps), tau: t / T }));
  const curve = await lipschitz(network, {
    times: tangentTimes,
    points: pts.data,
    noise: true,
    perTime,
    ...(opts.method ? { method: opts.method } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(signal ? { signal } : {}),
  });
  reportProgress(opts, { stage: 'bound', done: 1, total: 3 });
  throwIfAborted(signal, 'bound');
  const errors = await abortable(
    scoreMatchingErrors(ctx, {
      process,
      network,
      data: pts.data,
      dim,
      times,
      ...(opts.mixture ? { mixture: opts.mixture } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    }),
    signal,
    'bound',
  );
  reportProgress(opts, { stage: 'bound', done: 2, total: 3 });
  const grid = boundGrid(process, times, curve.ls);
  const jdsm = scoreMatchingObjective(grid, errors.jdsm);
  const report: BoundReport = {
    times,
    ls: curve.ls,
    lowerEstimate: true,
    jdsm: errors.jdsm,
    jdsmStderr: errors.jdsmStderr,
    objective: { jdsm },
    corollary: corollaryBound(grid, jdsm, w2T, dynamics),
    note:
      `${curve.note} The integrals run over the grid [${times[0]}, ${times[times.length - 1]}] (trapezoidal rule); ` +
      'J(t) are Monte Carlo estimates (standard errors given). See docs/theory.md.',
  };
  if (errors.jsm && errors.jsmStderr) {
    report.jsm = errors.jsm;
    report.jsmStderr = errors.jsmStderr;
    report.objective.jsm = scoreMatchingObjective(grid, errors.jsm);
    report.theorem = theoremBound(grid, errors.jsm, w2T, dynamics);
  }
  reportProgress(opts, { stage: 'bound', done: 3, total: 3, metrics: { bound: report.corollary.bound, ...(report.theorem ? { theorem: report.theorem.bound } : {}) } });
  return report;
}
