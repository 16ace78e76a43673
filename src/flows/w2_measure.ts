/**
 * How the flows measure W2 from their particle cloud to the target, once per trace point:
 *  - d = 1: exact, by sorting (transport's w2sqExact1d; any sizes);
 *  - d ≥ 2, estimator 'sinkhorn' (default): the debiased Sinkhorn divergence S_ε on the GPU
 *    (transport's SinkhornSolver, allocated once per flow and reused at every measurement). The
 *    particles go in as the flow's own GPU buffer (no upload; the solver copies it on the GPU), the
 *    target cloud is uploaded once. The blur is fixed for the whole flow at the first measurement:
 *    `blur` × the bounding-box diagonal of (particles ∪ target) then (default 0.05), so ε = blur² and
 *    the entropic bias of S_ε (O(ε²), Feydy et al. 2019) stays the same along the trace;
 *  - d ≥ 2, estimator 'moment': the Bures W2 between the moment-matched Gaussians (a lower bound on
 *    W2, exact when both laws are Gaussian; cheap: use it for very large clouds).
 * The moment W2 is always reported too (`w2Moment`). Where the target is a law rather than a cloud
 * (VP: N(0, I); heat: the start law; Schrödinger bridge and Gaussian MonoFlow: the target Gaussian) the
 * Sinkhorn target is a fixed sample of that law with as many points as particles, so `w2` carries
 * the sampling error of both clouds (≈ the W2 between two samples of the same law, see the tests).
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { checkNumber, checkOneOf } from '../gpu/validate.js';
import { w2sqExact1d } from '../transport/exact.js';
import { SinkhornSolver } from '../transport/sinkhorn/index.js';
import { cloudMoments, w2sqGaussian, type Gaussian } from './gaussian.js';

/** Which estimator produced a trace point's `w2`. */
export type W2Estimator = 'exact1d' | 'sinkhorn' | 'moment';

/** The W2 options every flow accepts. */
export interface FlowW2Options {
  /** Estimator of W2 in d ≥ 2: 'sinkhorn' (default) or 'moment' (Bures lower bound). d = 1 is always exact. */
  w2?: 'sinkhorn' | 'moment';
  /** Sinkhorn blur as a fraction of the data diameter at the first measurement (default 0.05). */
  blur?: number;
}

export interface W2Measurement {
  w2: number;
  w2Estimator: W2Estimator;
  /** Bures W2 between the moment-matched Gaussians of the cloud and the target (d ≥ 2). */
  w2Moment?: number;
}

export const DEFAULT_FLOW_BLUR = 0.05;
const W2_ESTIMATORS = ['sinkhorn', 'moment'] as const;

/** Check the W2 options of a flow (InputError naming the problem). */
export function checkW2Options(o: FlowW2Options, name: string): void {
  if (o.w2 !== undefined) checkOneOf(`${name}: w2`, o.w2, W2_ESTIMATORS);
  if (o.blur !== undefined) checkNumber(`${name}: blur (a fraction of the data diameter)`, o.blur, { min: 0, minExclusive: true, max: 1 });
}

/** Per-axis bounds of a cloud. */
function bounds(p: ArrayLike<number>, d: number, lo = new Float64Array(d).fill(Infinity), hi = new Float64Array(d).fill(-Infinity)) {
  for (let k = 0; k < p.length; k++) {
    const c = k % d;
    lo[c] = Math.min(lo[c]!, p[k]!);
    hi[c] = Math.max(hi[c]!, p[k]!);
  }
  return { lo, hi };
}

/** A flow's W2 meter to one fixed target: allocate once, measure many times, destroy. */
export class FlowW2 {
  private blurAbs: number | undefined;
  private destroyed = false;

  private constructor(
    private readonly ctx: GpuContext,
    readonly dim: number,
    readonly n: number,
    private readonly target: Float32Array,
    private readonly targetLaw: Gaussian,
    readonly estimator: W2Estimator,
    private readonly blurFrac: number,
    private readonly solver: SinkhornSolver | undefined,
    private readonly targetBuf: GPUBuffer | undefined,
  ) {}

  /**
   * `target`: the target cloud (m×d), or undefined to sample `sampleLaw()` once (Sinkhorn only).
   * `targetLaw`: the target law, or the moments of the target cloud.
   */
  static async create(ctx: GpuContext, dim: number, n: number, target: Float32Array | (() => Float32Array), targetLaw: Gaussian, o: FlowW2Options = {}): Promise<FlowW2> {
    checkW2Options(o, 'flow');
    const estimator: W2Estimator = dim === 1 ? 'exact1d' : (o.w2 ?? 'sinkhorn');
    const cloud = estimator === 'moment' ? new Float32Array(0) : typeof target === 'function' ? target() : target;
    if (estimator !== 'moment' && (cloud.length === 0 || cloud.length % dim !== 0)) throw new InputError(`flow: target cloud of ${cloud.length} floats is not a non-empty multiple of d = ${dim}`);
    if (estimator !== 'sinkhorn') return new FlowW2(ctx, dim, n, cloud, targetLaw, estimator, o.blur ?? DEFAULT_FLOW_BLUR, undefined, undefined);
    const solver = await SinkhornSolver.create(ctx, { d: dim, sizes: [{ n, m: cloud.length / dim }], debias: true });
    const buf = ctx.storage('flow:w2-target', cloud);
    return new FlowW2(ctx, dim, n, cloud, targetLaw, estimator, o.blur ?? DEFAULT_FLOW_BLUR, solver, buf);
  }

  /** Human-readable description of `w2`, e.g. for plots: 'debiased Sinkhorn W2 to the target cloud'. */
  describe(what: string): string {
    if (this.estimator === 'exact1d') return `exact 1-D W2 to ${what}`;
    if (this.estimator === 'moment') return `moment (Bures) W2 to ${what}`;
    return `debiased Sinkhorn W2 to ${what} (blur ${this.blurFrac} × diameter)`;
  }

  /** The absolute blur in use (after the first Sinkhorn measurement). */
  get blur(): number | undefined {
    return this.blurAbs;
  }

  /**
   * W2 of the particle cloud (`host`, n×d, already read back by the flow for its energy; and the same
   * points in `gpu` at offset 0, handed to the solver without another upload).
   */
  async measure(host: Float32Array, gpu?: GPUBuffer): Promise<W2Measurement> {
    if (this.destroyed) throw new InputError('flow: W2 meter used after destroy()');
    const d = this.dim;
    if (this.estimator === 'exact1d') return { w2: Math.sqrt(Math.max(0, w2sqExact1d(host, this.target))), w2Estimator: 'exact1d' };
    const w2Moment = Math.sqrt(Math.max(0, w2sqGaussian(cloudMoments(host, d), this.targetLaw)));
    if (this.estimator === 'moment') return { w2: w2Moment, w2Estimator: 'moment', w2Moment };
    const b = bounds(host, d);
    bounds(this.target, d, b.lo, b.hi);
    let diam = 0;
    for (let c = 0; c < d; c++) diam += (b.hi[c]! - b.lo[c]!) ** 2;
    diam = Math.max(Math.sqrt(diam), 1e-12);
    this.blurAbs ??= this.blurFrac * diam;
    // With the particles on the GPU, a diameter and `multiscale: false` the solver copies both clouds
    // on the GPU (no readback, no upload; no centring, which W2 does not need at this scale); from the
    // host it centres and scales them and starts from a coarse problem.
    const problem = gpu
      ? { x: { data: gpu, d, n: this.n }, y: { data: this.targetBuf!, d, n: this.target.length / d } }
      : { x: { data: host, d }, y: { data: this.target, d } };
    const [r] = await this.solver!.solve([problem], {
      diameter: Math.max(diam, this.blurAbs),
      blur: this.blurAbs,
      tol: 1e-3,
      maxIterations: 2000,
      ...(gpu ? { multiscale: false } : {}),
    });
    return { w2: r!.w2, w2Estimator: 'sinkhorn', w2Moment };
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.solver?.destroy();
    if (this.targetBuf) this.ctx.destroyBuffer(this.targetBuf);
  }
}
