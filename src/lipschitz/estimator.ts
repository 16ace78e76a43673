/**
 * L_s(t) of a trained MLP score on a time grid, on the GPU, at many points at once:
 *
 * - 'exact' (d ≤ 3): the Jacobian J = ∇_x s(x, t) at each point by d JVPs and the closed-form top
 *   eigenvalue of ½(J + Jᵀ) (shaders/sym_jacobian_eig.wgsl);
 * - 'power': power iteration on ½(J + Jᵀ) with batched JVP and VJP, any d (power_iteration.ts);
 * - optionally the paper's pairwise estimator max (s(x) − s(y))·(x − y)/|x − y|² over the same points.
 *
 * Every estimate is a maximum over finitely many points of a quantity whose supremum over ℝ^d is L_s,
 * so it is a LOWER estimate of the supremum (power iteration adds a second reason: the Rayleigh
 * quotient is below λ_max at each point). `certifiedUpperBound` (certified.ts) gives an upper bound.
 * Allocates its output buffers once (maxPoints); each call is one submit and one readback per chunk
 * of times.
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { reportProgress, throwIfAborted, type RunOptions } from '../gpu/run.js';
import { Reduce, type ReducePlan } from '../kernels/reduce.js';
import { MlpPointKernel, packTimes, type PointSource, type TangentTime } from '../kernels/mlp_tangent.js';
import { PairwiseLipschitz, type PairwiseBinding } from '../kernels/pairwise_lipschitz.js';
import { SymJacobianEig } from '../kernels/sym_jacobian_eig.js';
import type { MlpLayout } from '../model/layout.js';
import { PowerIteration, powerCapacity } from './power_iteration.js';

export type LipschitzMethod = 'exact' | 'power';

/** Options of `curve`: the shared RunOptions (signal; onProgress with stage 'lipschitz', done/total = grid times). */
export interface LipschitzCurveOptions extends RunOptions {
  /** The grid: one row per time (α_t, σ_t, step, τ). */
  times: readonly TangentTime[];
  /** Where the points come from (data samples noised to p_t, a fixed grid, or given samples). */
  source: PointSource;
  /** Points per time. */
  perTime: number;
  /** 'exact' (default for d ≤ 3) or 'power'. */
  method?: LipschitzMethod;
  /** Power iteration steps on the shifted matrix (default 30) and for the shift (default 15). */
  iters?: number;
  shiftIters?: number;
  /** Also run the pairwise estimator on the same points (O(perTime²) per time). */
  pairwise?: boolean;
  seed?: number | bigint;
}

export interface LipschitzCurve {
  method: LipschitzMethod;
  /** max over the points of each time of λ_max(½(J + Jᵀ)) (power: of the Rayleigh quotient). */
  ls: Float64Array;
  /** The pairwise estimator per time, when requested. */
  pairwise?: Float64Array;
  /** Always true: a max over finitely many points is a lower estimate of the supremum L_s. */
  lowerEstimate: true;
  note: string;
}

export const LOWER_ESTIMATE_NOTE =
  'L_s estimates are maxima over finitely many points (and, for power iteration, Rayleigh quotients below λ_max at each point): lower estimates of the supremum. The certified bound is an upper bound.';

export class LipschitzEstimator {
  private readonly plans = new Map<string, ReducePlan>();
  private exactKernel: MlpPointKernel | undefined;
  private power: PowerIteration | undefined;
  private pairwiseKernel: PairwiseLipschitz | undefined;
  private pairwiseBinding: PairwiseBinding | undefined;

  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: MlpLayout,
    readonly maxPoints: number,
    private readonly lam: GPUBuffer,
    private readonly xs: GPUBuffer,
    private readonly scores: GPUBuffer,
    private readonly best: GPUBuffer,
    private readonly timeBuf: GPUBuffer,
    private readonly maxTimes: number,
    private readonly reduce: Reduce,
  ) {}

  /** Allocate for up to `maxPoints` points per submit and `maxTimes` grid times. */
  static async create(ctx: GpuContext, layout: MlpLayout, opts: { maxPoints?: number; maxTimes?: number } = {}): Promise<LipschitzEstimator> {
    const maxPoints = opts.maxPoints ?? 1 << 18;
    const maxTimes = opts.maxTimes ?? 4096;
    if (!(Number.isInteger(maxPoints) && maxPoints >= 1)) throw new InputError(`maxPoints must be a positive integer, got ${maxPoints}`);
    const d = layout.spec.dim;
    const limit = ctx.device.limits.maxStorageBufferBindingSize;
    if (maxPoints * d * 4 > limit) throw new InputError(`${maxPoints} points of dimension ${d} need ${maxPoints * d * 4} bytes per buffer, above this adapter's binding limit of ${limit} bytes: use fewer points per time`);
    if (!(Number.isInteger(maxTimes) && maxTimes >= 1 && maxTimes * 16 <= limit)) throw new InputError(`maxTimes must be a positive integer of at most ${Math.floor(limit / 16)}, got ${maxTimes}`);
    const e = new LipschitzEstimator(
      ctx,
      layout,
      maxPoints,
      ctx.storage('lipschitz:lam', maxPoints * 4),
      ctx.storage('lipschitz:xs', maxPoints * d * 4),
      ctx.storage('lipschitz:scores', maxPoints * d * 4),
      ctx.storage('lipschitz:pairwise', maxPoints * 4),
      ctx.storage('lipschitz:times', maxTimes * 16),
      maxTimes,
      await Reduce.create(ctx),
    );
    return e;
  }

  /**
   * Points per submit for a method: maxPoints, and for power iteration also its working-memory
   * capacity (powerCapacity: points × the widest row within one storage binding, 512 MiB in all).
   */
  batchPoints(method: LipschitzMethod): number {
    return method === 'power' ? Math.min(this.maxPoints, powerCapacity(this.ctx, this.layout)) : this.maxPoints;
  }

  private async plan(input: GPUBuffer, segments: number, perTime: number): Promise<ReducePlan> {
    const key = `${input.label}|${segments}|${perTime}`;
    let p = this.plans.get(key);
    if (!p) {
      p = await this.reduce.plan('max', input, perTime, { segments });
      this.plans.set(key, p);
    }
    return p;
  }

  /** L_s at each grid time (and the pairwise estimator if asked). */
  async curve(params: GPUBuffer, opts: LipschitzCurveOptions): Promise<LipschitzCurve> {
    const d = this.layout.spec.dim;
    const method: LipschitzMethod = opts.method ?? (d <= 3 ? 'exact' : 'power');
    if (method === 'exact' && d > 3) throw new InputError(`method 'exact' needs dimension <= 3, got ${d}`);
    const M = opts.times.length;
    if (M === 0) throw new InputError('Lipschitz curve: empty time grid');
    if (M > this.maxTimes) throw new InputError(`Lipschitz curve: ${M} times, this estimator was created for at most ${this.maxTimes}`);
    if (!(Number.isInteger(opts.perTime) && opts.perTime >= 1)) throw new InputError(`points per time must be a positive integer, got ${opts.perTime}`);
    if (opts.perTime > this.maxPoints) throw new InputError(`${opts.perTime} points per time exceed maxPoints ${this.maxPoints}`);
    if (params.size < this.layout.size * 4) throw new InputError(`parameter buffer has ${params.size / 4} floats, the layout needs ${this.layout.size}`);
    const iters = opts.iters ?? 30;
    const shiftIters = opts.shiftIters ?? 15;
    if (method === 'power' && !(Number.isInteger(iters) && iters >= 1 && Number.isInteger(shiftIters) && shiftIters >= 1)) {
      throw new InputError(`power iteration needs iters and shiftIters >= 1 (got ${iters}, ${shiftIters})`);
    }
    const batch = this.batchPoints(method);
    if (opts.perTime > batch) throw new InputError(`${opts.perTime} points per time exceed the ${batch} points power iteration can hold at once at d = ${d} on this adapter (storage binding and working memory): use fewer points per time`);
    if (method === 'exact') this.exactKernel ??= await SymJacobianEig.create(this.ctx, this.layout);
    else {
      this.power ??= await PowerIteration.create(this.ctx, this.layout, batch);
      this.checkSource(opts.source, opts.perTime);
    }
    if (opts.pairwise) this.pairwiseKernel ??= await PairwiseLipschitz.create(this.ctx, d);
    this.ctx.write(this.timeBuf, packTimes(this.layout, opts.times));

    const ls = new Float64Array(M);
    const pw = opts.pairwise ? new Float64Array(M) : undefined;
    if (pw && opts.perTime < 2) throw new InputError('the pairwise estimator needs at least 2 points per time');
    // Bound once per curve; each chunk writes the kernels' uniforms and is one submit.
    const exact = this.exactKernel;
    const binding = method === 'exact' && exact ? exact.bind({ mlp: params, times: this.timeBuf, sources: opts.source.buffer, lam: this.lam, xs: this.xs, scores: this.scores }) : undefined;
    const pairwise = pw && this.pairwiseKernel ? { kernel: this.pairwiseKernel, binding: (this.pairwiseBinding ??= this.pairwiseKernel.bind({ xs: this.xs, scores: this.scores, best: this.best })) } : undefined;
    const chunk = Math.max(1, Math.floor(batch / opts.perTime));
    for (let m0 = 0; m0 < M; m0 += chunk) {
      throwIfAborted(opts.signal, 'Lipschitz curve');
      const nt = Math.min(chunk, M - m0);
      const enc = this.ctx.device.createCommandEncoder({ label: 'lipschitz:curve' });
      if (exact && binding) {
        const pass = enc.beginComputePass({ label: 'lipschitz:points' });
        exact.dispatch(pass, binding, { timeOffset: m0, timeCount: nt, perTime: opts.perTime, source: opts.source, seed: opts.seed ?? 0, iters, shiftIters });
        pass.end();
      } else {
        this.power!.encode(enc, { params, times: this.timeBuf, timeOffset: m0, timeCount: nt, perTime: opts.perTime, source: opts.source, lam: this.lam, xs: this.xs, scores: this.scores, seed: opts.seed ?? 0, iters, shiftIters });
      }
      const planL = await this.plan(this.lam, nt, opts.perTime);
      planL.encode(enc);
      let planP: ReducePlan | undefined;
      if (pairwise) {
        const pp = enc.beginComputePass({ label: 'lipschitz:pairwise' });
        pairwise.kernel.dispatch(pp, pairwise.binding, nt, opts.perTime);
        pp.end();
        planP = await this.plan(this.best, nt, opts.perTime);
        planP.encode(enc);
      }
      this.ctx.submit(enc.finish());
      const [a, b] = await Promise.all([this.ctx.readF32(planL.result, 0, nt * 4), planP ? this.ctx.readF32(planP.result, 0, nt * 4) : Promise.resolve(undefined)]);
      for (let i = 0; i < nt; i++) {
        ls[m0 + i] = a[4 * i]!;
        if (b && pw) pw[m0 + i] = b[4 * i]!;
      }
      reportProgress(opts, { stage: 'lipschitz', done: m0 + nt, total: M });
    }
    const out: LipschitzCurve = { method, ls, lowerEstimate: true, note: LOWER_ESTIMATE_NOTE };
    if (pw) out.pairwise = pw;
    return out;
  }

  /** Read back the points and scores of the last chunk (P × d each), for inspection and tests. */
  async lastPoints(count: number): Promise<{ xs: Float32Array; scores: Float32Array; lam: Float32Array }> {
    const d = this.layout.spec.dim;
    return {
      xs: await this.ctx.readF32(this.xs, 0, count * d),
      scores: await this.ctx.readF32(this.scores, 0, count * d),
      lam: await this.ctx.readF32(this.lam, 0, count),
    };
  }

  private checkSource(source: PointSource, perTime: number): void {
    const d = this.layout.spec.dim;
    if (!(Number.isInteger(source.count) && source.count >= 1)) throw new InputError(`source point count must be a positive integer, got ${source.count}`);
    const stride = source.stride ?? 0;
    if (!(Number.isInteger(stride) && stride >= 0)) throw new InputError(`source stride must be a non-negative integer, got ${stride}`);
    if (stride > 0 && stride < perTime) throw new InputError(`source stride ${stride} is smaller than the ${perTime} points per time`);
    if (source.buffer.size < source.count * d * 4) throw new InputError(`source buffer holds fewer than ${source.count} points of dimension ${d}`);
  }

  destroy(): void {
    for (const p of this.plans.values()) p.destroy();
    this.plans.clear();
    this.exactKernel?.destroy();
    this.exactKernel = undefined;
    this.power?.destroy();
    this.power = undefined;
    this.pairwiseKernel?.destroy();
    this.pairwiseKernel = undefined;
    this.pairwiseBinding = undefined;
    for (const b of [this.lam, this.xs, this.scores, this.best, this.timeBuf]) this.ctx.destroyBuffer(b);
  }
}
