/**
 * What every flow shares: a runner that advances on the GPU in chunks (one submit per chunk, one
 * small readback at its end) and reports a point of its trace — the virtual time, W2 to the target
 * and, where computable, the value of the energy functional the flow descends. `runFlow` drives a
 * runner to the end with progress and cancellation; the page calls `advance` itself to plot live.
 */
import { InputError } from '../gpu/errors.js';
import { reportProgress, throwIfAborted, type RunOptions } from '../gpu/run.js';
import { cloudMoments, gaussian, w2sqGaussian, type Gaussian } from './gaussian.js';
import type { W2Estimator } from './w2_measure.js';
import { w2sqExact1d } from '../transport/exact.js';

export type FlowKind = 'monoflow' | 'rectified' | 'bridge' | 'schrodinger' | 'heat' | 'vp';

/** One sample of a flow's trace. */
export interface FlowPoint {
  /** Steps done so far. */
  step: number;
  /** Virtual time of the flow. */
  t: number;
  /** W2 from the particle cloud to the target (see the runner's `w2Method`). */
  w2: number;
  /** Which estimator produced `w2`: 'exact1d' (sorting, d = 1), 'sinkhorn' (debiased S_ε), 'moment' (Bures bound). */
  w2Estimator: W2Estimator;
  /** Bures W2 between the moment-matched Gaussians of the cloud and the target (d ≥ 2), a lower bound on W2. */
  w2Moment?: number;
  /** Exact W2 from the flow's current law to the target, when the law is known in closed form. */
  w2Exact?: number;
  /** Energy functional (KL, negative entropy, …) at t, when computable; see `energyName`. */
  energy?: number;
  /** Closed-form value of the energy along the exact flow, for comparison. */
  energyExact?: number;
}

export interface FlowRunner {
  readonly kind: FlowKind;
  /** Data dimension. */
  readonly dim: number;
  /** Number of particles. */
  readonly n: number;
  readonly totalSteps: number;
  readonly stepsDone: number;
  /** What `energy` is, e.g. 'KL(q || p)'; empty when the flow reports none. */
  readonly energyName: string;
  /** How `w2` is measured, e.g. 'debiased Sinkhorn W2 to a sample of N(0, I) (blur 0.02 × diameter)'. */
  readonly w2Method: string;
  /** The point at the current state (one readback; no step). */
  measure(): Promise<FlowPoint>;
  /** Encode up to `steps` more steps in one submit, then measure. */
  advance(steps: number): Promise<FlowPoint>;
  /** The particle cloud, n×d floats. */
  cloud(): Promise<Float32Array>;
  destroy(): void;
}

/** Options of `runFlow`: the shared RunOptions (signal, onProgress at each trace point) and the chunk size. */
export interface FlowRunOptions extends RunOptions {
  /** Steps per chunk (one submit and one readback each); default totalSteps/20. */
  every?: number;
  /** Called with each trace point (onProgress gets the same point's step, total and W2). */
  onPoint?: (p: FlowPoint) => void;
}

/** Run a flow to its end; the trace starts with the initial state. */
export async function runFlow(flow: FlowRunner, opts: FlowRunOptions = {}): Promise<FlowPoint[]> {
  const every = opts.every ?? Math.max(1, Math.ceil(flow.totalSteps / 20));
  if (!Number.isInteger(every) || every < 1) throw new InputError(`runFlow: every must be a positive integer, got ${every}`);
  const trace: FlowPoint[] = [];
  const first = await flow.measure();
  const report = (p: FlowPoint) => {
    opts.onPoint?.(p);
    reportProgress(opts, { stage: 'flow', done: p.step, total: flow.totalSteps, metrics: { w2: p.w2 } });
  };
  trace.push(first);
  report(first);
  while (flow.stepsDone < flow.totalSteps) {
    throwIfAborted(opts.signal, 'flow');
    const p = await flow.advance(Math.min(every, flow.totalSteps - flow.stepsDone));
    trace.push(p);
    report(p);
  }
  return trace;
}

/** W2 between the moment-matched Gaussians of a cloud and a Gaussian target (a lower bound on W2). */
export function momentW2(cloud: ArrayLike<number>, d: number, target: Gaussian): number {
  return Math.sqrt(w2sqGaussian(cloudMoments(cloud, d), target));
}

/**
 * Exact W2 between two 1-D empirical measures (sorting).
 * @deprecated Use `w2sqExact1d` (src/transport/exact.ts; any sizes and weights): this is its square root.
 */
export function exactW2OneD(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return Math.sqrt(Math.max(0, w2sqExact1d(a, b)));
}


export { gaussian };
