/**
 * MonoFlow's exact-ratio mode (no discriminator) for an affine generator x = μ + L z against a
 * Gaussian target p. MonoFlow (Yi et al., ICML 2023) reads a GAN as the Euler discretisation of the
 * Wasserstein gradient flow dx/dt = ∇h(log r_t(x)), r_t = p/q_t; the generator follows it by
 * descending ℓ(θ) = −E_z h(D(g_θ(z))) with D = log r frozen at the current θ. With h = identity that
 * gradient is exactly ∇_θ KL(q_θ || p) (the score-function term has zero mean), so the reverse-KL
 * toy of DESIGN.md converges exactly: at q = p, ∇D ≡ 0 for every sample.
 *
 * A round freezes the ratio at θ_t and takes k generator steps on either ℓ_gan(θ) = −E h(D(g_θ(z)))
 * or the regression ℓ_reg(θ) = ½ E ‖g_θ(z) − g_θt(z) − ε ∇h(D(g_θt(z)))‖² (MonoFlow's eq.): with
 * k = 1 both are one gradient step of the flow, but many steps on ℓ_gan chase the frozen D past
 * the ε-step (and diverge when q_t is narrower than p somewhere), while many steps on ℓ_reg
 * converge to the least-squares fit of the moved particles, i.e. to one Euler step of size ε.
 *
 * One iteration = two GPU dispatches, no allocation: flow_gauss_ratio (fresh z from Philox stream
 * `iter`, x, register partial sums of the loss terms) and flow_param_update (sums the partials,
 * SGD/Adam, iter += 1). θ is read back (d + d² floats) once per chunk. (The segmented tree
 * reduction of src/kernels/reduce.ts was 7× slower here on SwiftShader: its workgroup barriers
 * dominate at these sizes.)
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { FlowGaussRatio, gaussRatioGroups, gaussRatioRows, MONO_H, type GaussRatioPlan, type GeneratorLoss, type MonoH } from '../kernels/flow_gauss_ratio.js';
import { FlowParamUpdate, validateOptimizer, type OptimizerSpec, type ParamUpdatePlan } from '../kernels/flow_param_update.js';
import type { FlowPoint, FlowRunner } from './flow.js';
import { sampleGaussianCloud } from './clouds.js';
import { checkW2Options, FlowW2, type FlowW2Options } from './w2_measure.js';
import { dimOf, inv, klGaussian, logAbsDet, matmul, transpose, w2sqGaussian, type Gaussian } from './gaussian.js';

export interface GaussianMonoFlowOptions extends FlowW2Options {
  target: Gaussian;
  /** Initial generator: mean μ (d) and factor L (d×d row-major); q = N(μ, L Lᵀ). */
  mu: ArrayLike<number>;
  L: ArrayLike<number>;
  h?: MonoH;
  /** C in h = softplus(· + C). */
  shift?: number;
  /** Particles z per iteration (default 4096). */
  n?: number;
  /** Rounds (default 1000). */
  iterations?: number;
  /** Generator loss (default 'gan'). */
  loss?: GeneratorLoss;
  /** Generator steps per round, with the ratio frozen at the round's start (default 1). */
  generatorSteps?: number;
  /** Flow step ε of the regression loss (default 0.1). */
  eps?: number;
  optimizer?: OptimizerSpec;
  seed?: number;
}

/** Generator parameters θ = (μ, L) as read back from the GPU. */
export interface AffineGenerator {
  mu: Float64Array;
  L: Float64Array;
}

export class GaussianMonoFlow implements FlowRunner {
  readonly kind = 'monoflow' as const;
  readonly energyName = 'KL(q_θ || p)';
  readonly w2Method: string;
  stepsDone = 0;

  private constructor(
    private readonly ctx: GpuContext,
    readonly dim: number,
    readonly n: number,
    readonly totalSteps: number,
    /** Virtual time per round: lr for 'gan' (one gradient step), ε for 'regression'. */
    readonly dt: number,
    readonly generatorSteps: number,
    private readonly target: Gaussian,
    private readonly buffers: Record<'target' | 'theta' | 'frozen' | 'moments' | 'iter' | 'x' | 'partial', GPUBuffer>,
    private readonly ratio: GaussRatioPlan,
    private readonly update: ParamUpdatePlan,
    private readonly meter: FlowW2,
  ) {
    this.w2Method = `${meter.describe('a sample of the target')} of the generated cloud (w2), exact Bures W2 of N(μ, LLᵀ) (w2Exact)`;
  }

  static async create(ctx: GpuContext, o: GaussianMonoFlowOptions): Promise<GaussianMonoFlow> {
    const d = dimOf(o.target);
    if (o.mu.length !== d || o.L.length !== d * d) throw new InputError(`monoflow: μ must have ${d} and L ${d * d} entries for the target's dimension ${d}`);
    for (const v of [...Array.from(o.mu), ...Array.from(o.L)]) if (!Number.isFinite(v)) throw new InputError('monoflow: μ or L has a NaN/Inf');
    if (!Number.isFinite(logAbsDet(o.L, d))) throw new InputError('monoflow: the initial L is singular');
    const n = o.n ?? 4096;
    const iterations = o.iterations ?? 1000;
    if (!Number.isInteger(n) || n < 2) throw new InputError(`monoflow: n must be an integer >= 2, got ${n}`);
    if (!Number.isInteger(iterations) || iterations < 1) throw new InputError(`monoflow: iterations must be a positive integer, got ${iterations}`);
    const h = o.h ?? 'identity';
    if (!MONO_H.includes(h)) throw new InputError(`monoflow: h must be one of ${MONO_H.join(', ')}, got '${h}'`);
    const opt = o.optimizer ?? { kind: 'adam', lr: 0.01 };
    validateOptimizer(opt);
    const loss = o.loss ?? 'gan';
    const k = o.generatorSteps ?? 1;
    if (!Number.isInteger(k) || k < 1 || k > 10_000) throw new InputError(`monoflow: generatorSteps must be an integer in [1, 10000], got ${k}`);
    const eps = o.eps ?? 0.1;
    if (!(eps > 0) || !Number.isFinite(eps)) throw new InputError(`monoflow: eps must be finite and > 0, got ${eps}`);
    checkW2Options(o, 'monoflow');
    const prec = inv(o.target.cov, d);
    const targetData = new Float32Array([...o.target.mean, ...prec, logAbsDet(o.target.cov, d)]);
    const P = d + d * d;
    const rows = gaussRatioRows(d);
    const [ratioK, updateK] = await Promise.all([FlowGaussRatio.create(ctx, h, d, loss), FlowParamUpdate.create(ctx, opt.kind)]);
    const groups = gaussRatioGroups(n);
    const buffers = {
      target: ctx.storage('monoflow:target', targetData),
      theta: ctx.storage('monoflow:theta', new Float32Array([...Array.from(o.mu), ...Array.from(o.L)])),
      frozen: ctx.storage('monoflow:theta-frozen', new Float32Array([...Array.from(o.mu), ...Array.from(o.L)])),
      moments: ctx.storage('monoflow:adam', 2 * P * 4),
      iter: ctx.storage('monoflow:iter', new Uint32Array([0])),
      x: ctx.storage('monoflow:x', n * d * 4),
      partial: ctx.storage('monoflow:partial', rows * groups * 4),
    };
    let meter: FlowW2 | undefined;
    try {
      // The W2 reference: a fixed sample of the target on its own Philox stream.
      meter = await FlowW2.create(ctx, d, n, () => sampleGaussianCloud(o.target, n, o.seed ?? 1, 0x7ffffffe), o.target, o);
      const ratio = ratioK.plan(n, d, buffers, { seed: o.seed ?? 1, shift: o.shift ?? 0, eps });
      const update = updateK.plan(P, groups, 1 / n, opt, { partial: buffers.partial, theta: buffers.theta, moments: buffers.moments, iter: buffers.iter });
      // Generate the initial cloud (the first iteration draws the same z again).
      const enc = ctx.device.createCommandEncoder({ label: 'monoflow:init' });
      const pass = enc.beginComputePass({ label: 'monoflow:init' });
      ratio.encode(pass);
      pass.end();
      ctx.submit(enc.finish());
      return new GaussianMonoFlow(ctx, d, n, iterations, loss === 'gan' ? opt.lr : eps, k, o.target, buffers, ratio, update, meter);
    } catch (e) {
      meter?.destroy();
      for (const b of Object.values(buffers)) ctx.destroyBuffer(b);
      throw e;
    }
  }

  /** Encode one iteration (ratio and partial sums → update) into `pass`. */
  private encodeIteration(pass: GPUComputePassEncoder): void {
    this.ratio.encode(pass);
    this.update.encode(pass);
  }

  /** The generator's current θ (one small readback). */
  async generator(): Promise<AffineGenerator> {
    const d = this.dim;
    const th = await this.ctx.readF32(this.buffers.theta, 0, d + d * d);
    return { mu: Float64Array.from(th.subarray(0, d)), L: Float64Array.from(th.subarray(d)) };
  }

  /** The generator's law N(μ, LLᵀ). */
  async law(): Promise<Gaussian> {
    const { mu, L } = await this.generator();
    return { mean: mu, cov: matmul(L, transpose(L, this.dim), this.dim) };
  }

  async measure(): Promise<FlowPoint> {
    const q = await this.law();
    const x = await this.cloud();
    return {
      step: this.stepsDone,
      t: this.stepsDone * this.dt,
      ...(await this.meter.measure(x, this.buffers.x)),
      w2Exact: Math.sqrt(w2sqGaussian(q, this.target)),
      energy: klGaussian(q, this.target),
    };
  }

  async advance(steps: number): Promise<FlowPoint> {
    const k = Math.min(steps, this.totalSteps - this.stepsDone);
    if (!Number.isInteger(steps) || steps < 1) throw new InputError(`monoflow: advance needs a positive integer step count, got ${steps}`);
    if (k > 0) {
      const enc = this.ctx.device.createCommandEncoder({ label: 'monoflow:chunk' });
      const bytes = (this.dim + this.dim * this.dim) * 4;
      for (let r = 0; r < k; r++) {
        // Freeze the ratio at this round's θ_t, then k generator steps.
        enc.copyBufferToBuffer(this.buffers.theta, 0, this.buffers.frozen, 0, bytes);
        const pass = enc.beginComputePass({ label: 'monoflow:round' });
        for (let i = 0; i < this.generatorSteps; i++) this.encodeIteration(pass);
        pass.end();
      }
      this.ctx.submit(enc.finish());
      this.stepsDone += k;
    }
    return this.measure();
  }

  /** The cloud the last generator step drew (x = μ + L z with that step's θ, before its update). */
  cloud(): Promise<Float32Array> {
    return this.ctx.readF32(this.buffers.x, 0, this.n * this.dim);
  }

  /** Sums of the last iteration's loss terms: [−Σv (d), −Σ v⊗z (d²), Σ D]; for tests. */
  async lastTermSums(): Promise<Float64Array> {
    const rows = gaussRatioRows(this.dim);
    const groups = gaussRatioGroups(this.n);
    const s = await this.ctx.readF32(this.buffers.partial, 0, rows * groups);
    return Float64Array.from({ length: rows }, (_, c) => {
      let t = 0;
      for (let j = 0; j < groups; j++) t += s[c * groups + j]!;
      return t;
    });
  }

  destroy(): void {
    this.ratio.destroy();
    this.update.destroy();
    this.meter.destroy();
    for (const b of Object.values(this.buffers)) this.ctx.destroyBuffer(b);
  }
}
