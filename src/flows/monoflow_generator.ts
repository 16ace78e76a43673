/**
 * MonoFlow with a generator (Yi et al., ICML 2023, §4): the generated cloud g_θ(z) follows the
 * particle flow x ← x + ε ∇h(D(x)) with D ≈ log p/q_θ the logistic-loss discriminator
 * (src/flows/discriminator.ts), and the generator MLP g_θ is trained to realise that move. Each round:
 * K discriminator steps on data vs g_θ(z), then k generator Adam steps on one of two losses:
 *
 *  - 'direct' (the usual GAN generator loss): J(θ) = −(1/n) Σ_i h(D(g_θ(z_i))), gradient
 *    −(1/n) Σ_i h'(D) ∇D · ∂g/∂θ, recomputed at every step with the round's (frozen) D;
 *  - 'regression' (the seeds' equation): J(θ) = (1/n) Σ_i ||g_θ(z_i) − y_i||² with the targets
 *    y_i = g_θt(z_i) + ε ∇h(D(g_θt(z_i))) frozen at the round's start.
 *
 * One step of either equals the same step in function space (at θ = θt the regression gradient is
 * 2ε times the direct one, which Adam's normalisation absorbs). They differ with k > 1 steps: the
 * direct loss keeps pushing along ∇h(D) of a stale discriminator (k Euler steps with one ratio, an
 * overshoot), the regression loss converges to the ε-move and stops.
 *
 * The latent sample z (n points of N(0, I) in the data dimension) is drawn once and fixed; after
 * training, `generate(m)` maps fresh latent points. Kernels per generator step (all on the GPU, no
 * readback): generator forward, flow_gen_loss (its gradient into the head's dU), backward, grads,
 * Adam; 'direct' adds the discriminator's forward/backward and the move of the cloud per step,
 * 'regression' once per round. flow_gen_loss's 'emit' stage copies g_θ(z) into the row-major cloud
 * the discriminator and the W2 meter read.
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { AdamParams, AdamStepKernel } from '../kernels/adam_step.js';
import { FlowGenLoss, GenLossParams } from '../kernels/flow_gen_loss.js';
import type { MonoH } from '../kernels/flow_gauss_ratio.js';
import { UniformSlots } from '../gpu/bindings.js';
import type { Activation, MlpSpec } from '../model/layout.js';
import { Mlp, type MlpBatchPlan } from '../train/mlp.js';
import { adamStepScalars, StepParams } from '../model/step.js';
import { sampleGaussianCloud } from './clouds.js';
import { FlowDiscriminator } from './discriminator.js';
import { checkInteger, checkPositive, toPoints } from '../gpu/validate.js';
import { type FlowPoint } from './flow.js';
import { cloudMoments, eye, gaussian } from './gaussian.js';
import { checkW2Options, FlowW2, type FlowW2Options } from './w2_measure.js';
import { DiscriminatorMonoFlow, type DiscriminatorFlowParts } from './monoflow_base.js';

export type GeneratorLoss = 'direct' | 'regression';
export const GENERATOR_LOSSES: readonly GeneratorLoss[] = ['direct', 'regression'];

export interface GeneratorMonoFlowOptions extends FlowW2Options {
  /** Data cloud (samples of p), n_data × dim. */
  data: Float32Array;
  dim: number;
  /** Latent points z (the generated cloud's size; default 2000). */
  n?: number;
  h?: MonoH;
  /** C in h = softplus(· + C). */
  shift?: number;
  /** Step ε of the particle flow the generator follows (default 0.1). */
  eps?: number;
  /** Rounds (default 100). */
  rounds?: number;
  /** Discriminator Adam steps per round (default 20). */
  discSteps?: number;
  /** Discriminator steps before the first round (default 300). */
  warmup?: number;
  /** Generator Adam steps per round (default 1). */
  genSteps?: number;
  /** Generator loss (default 'regression'). */
  genLoss?: GeneratorLoss;
  /** Generator Adam learning rate (default 1e-3). */
  genLr?: number;
  /** Discriminator Adam learning rate (default 2e-3). */
  lr?: number;
  /** Discriminator minibatch (default 256). */
  batch?: number;
  /** Discriminator hidden widths (default [32, 32]). */
  hidden?: number[];
  /** Generator hidden widths (default [64, 64]). */
  genHidden?: number[];
  activation?: Activation;
  seed?: number;
}

/** Rounds per submit at most (bounded by the uniform slots of both optimizers). */
const ROUNDS_PER_SUBMIT = 8;

export class GeneratorMonoFlow extends DiscriminatorMonoFlow {
  private genStep = 0;
  private readonly slots: UniformSlots<'step' | 'sign' | 'lr_bc1' | 'inv_sqrt_bc2' | 'lr_wd'>;
  private readonly bind: { loss: GPUBindGroup; adam: GPUBindGroup };
  private readonly grads: GPUBuffer;

  private constructor(
    ctx: GpuContext,
    /** The discriminator, the generated cloud g_θ(z) (n × dim; between the move and the next emit: the targets), the meter, the steps. */
    parts: DiscriminatorFlowParts,
    /** The generator network g_θ. */
    readonly generator: Mlp,
    private readonly plan: MlpBatchPlan,
    private readonly k: { loss: FlowGenLoss; adam: AdamStepKernel },
    readonly loss: GeneratorLoss,
    private readonly genSteps: number,
    private readonly genLr: number,
    /** The fixed latent sample z, n × dim. */
    readonly latent: Float32Array,
  ) {
    super(ctx, parts);
    const x = parts.x;
    const n = parts.n;
    const eps = parts.eps;
    this.ownedObjects.push(plan, generator);
    const own = (b: GPUBuffer) => (this.ownedBuffers.push(b), b);
    const L = generator.layout;
    const ws = plan.ws;
    this.grads = own(ctx.storage('monoflow-gen:grads', L.size * 4));
    const m = own(ctx.storage('monoflow-gen:adam-m', L.size * 4));
    const v = own(ctx.storage('monoflow-gen:adam-v', L.size * 4));
    const ema = own(ctx.storage('monoflow-gen:ema-unused', L.size * 4));
    const stats = own(ctx.storage('monoflow-gen:grad-stats', new Float32Array([0, 1, 0, 0])));
    const lossAcc = own(ctx.storage('monoflow-gen:loss-acc', ws.bs * 4));
    plan.attachGrads(this.grads);
    this.slots = new UniformSlots(ctx, 'monoflow-gen:steps', StepParams, ROUNDS_PER_SUBMIT * genSteps);
    this.ownedBuffers.push(this.slots.buffer);
    const Lh = L.layers.length - 1;
    // dJ/dg = c(g − y): regression 2/n; direct 1/(εn) with y = g + ε∇h(D(g)), i.e. −∇h(D(g))/n.
    const c = loss === 'regression' ? 2 / n : 1 / (eps * n);
    const ubLoss = own(ctx.uniform('flow_gen_loss:params', GenLossParams.byteSize));
    ctx.write(ubLoss, GenLossParams.pack({ n, bs: ws.bs, dim: this.dim, out_off: ws.u[Lh]!, dout_off: ws.du[Lh]!, c }));
    const ubAdam = own(ctx.uniform('adam_step:params', AdamParams.byteSize));
    ctx.write(ubAdam, AdamParams.pack({ n4: L.trainable / 4, beta1: 0.5, beta2: 0.999, eps: 1e-8, wd: 0, clip: 0, ema_decay: 0 }));
    this.bind = {
      loss: k.loss.bind({ gp: ubLoss, acts: plan.acts, target_y: x, loss_acc: lossAcc }),
      adam: k.adam.bind({ ap: ubAdam, st: this.slots.resource, params: generator.params, grads: this.grads, m1: m, m2: v, ema, stats }),
    };
  }

  static async create(ctx: GpuContext, o: GeneratorMonoFlowOptions): Promise<GeneratorMonoFlow> {
    const F = 'monoflow generator';
    const d = o.dim;
    toPoints(`${F} data`, o.data, d).n;
    const n = checkInteger(`${F}: n`, o.n ?? 2000, 2, 1 << 22);
    const rounds = checkInteger(`${F}: rounds`, o.rounds ?? 100, 1, 1e7);
    const discSteps = checkInteger(`${F}: discSteps`, o.discSteps ?? 20, 1, 256);
    const genSteps = checkInteger(`${F}: genSteps`, o.genSteps ?? 1, 1, 256);
    const warmup = checkInteger(`${F}: warmup`, o.warmup ?? 300, 0, 100000);
    const eps = checkPositive(`${F}: eps`, o.eps ?? 0.1);
    const genLr = checkPositive(`${F}: genLr`, o.genLr ?? 1e-3);
    const loss = o.genLoss ?? 'regression';
    if (!GENERATOR_LOSSES.includes(loss)) throw new InputError(`${F}: genLoss must be one of ${GENERATOR_LOSSES.join(', ')}, got '${loss}'`);
    checkW2Options(o, F);
    const seed = o.seed ?? 0;
    const spec: MlpSpec = { dim: d, hidden: o.genHidden ?? [64, 64], activation: o.activation ?? 'softplus', time: { kind: 'none' }, output: 'x0' };
    const x = ctx.storage('monoflow-gen:cloud', n * d * 4);
    const made: { destroy(): void }[] = [];
    try {
      const disc = await FlowDiscriminator.create(ctx, x, n, Math.max(256, ROUNDS_PER_SUBMIT * discSteps), { ...o, hidden: o.hidden ?? [32, 32], eps, seed }, F);
      made.push(disc);
      const generator = await Mlp.create(ctx, spec, { seed: seed + 1 });
      made.push(generator);
      const plan = await generator.plan(n);
      made.push(plan);
      // The latent sample: its own Philox stream, fixed for the whole run.
      const latent = sampleGaussianCloud(gaussian(new Float64Array(d), eye(d)), n, seed, 0x6e6e);
      plan.setInput(latent, 0);
      const [lossK, adam] = await Promise.all([FlowGenLoss.create(ctx), AdamStepKernel.create(ctx, { decoupled: false, clipWeights: false, ema: false })]);
      const meter = await FlowW2.create(ctx, d, n, o.data, cloudMoments(o.data, d), o);
      made.push(meter);
      const flow = new GeneratorMonoFlow(ctx, { disc, x, meter, dim: d, n, totalSteps: rounds, eps, discSteps, warmup }, generator, plan, { loss: lossK, adam }, loss, genSteps, genLr, latent);
      made.length = 0;
      flow.emit();
      return flow;
    } catch (e) {
      for (const m of made.reverse()) m.destroy();
      ctx.destroyBuffer(x);
      throw e;
    }
  }

  /** Generator forward on the latent sample and its copy into the cloud (one submit). */
  private emit(): void {
    const enc = this.ctx.device.createCommandEncoder({ label: 'monoflow-gen:emit' });
    const pass = enc.beginComputePass({ label: 'monoflow-gen:emit' });
    this.plan.encodeForward(pass);
    this.k.loss.dispatch(pass, this.bind.loss, this.plan.ws.bs, 'emit');
    pass.end();
    this.ctx.submit(enc.finish());
  }

  /**
   * The loss gradient into `grads`, given the forward pass of the current θ in the workspace and,
   * for 'regression', the targets in the cloud. 'direct' first moves the cloud (g → g + ε∇h(D(g))).
   */
  private encodeGradient(pass: GPUComputePassEncoder): void {
    if (this.loss === 'direct') {
      this.disc.encodeEval(pass);
      this.disc.encodeMove(pass);
    }
    this.k.loss.dispatch(pass, this.bind.loss, this.plan.ws.bs);
    this.plan.encodeBackward(pass);
    this.plan.encodeGrads(pass);
  }

  /** One round: K discriminator steps, k generator steps, the new cloud emitted. Invariant at entry and exit: the workspace holds the forward pass of θ and the cloud holds g_θ(z). */
  private encodeRound(pass: GPUComputePassEncoder, slot0: number): void {
    this.disc.encodeSteps(pass, this.discSteps);
    if (this.loss === 'regression') {
      // Targets y = g_θt + ε∇h(D(g_θt)), frozen for the round.
      this.disc.encodeEval(pass);
      this.disc.encodeMove(pass);
    }
    for (let s = 0; s < this.genSteps; s++) {
      if (s > 0) this.plan.encodeForward(pass);
      this.encodeGradient(pass);
      this.k.adam.dispatch(pass, this.bind.adam, this.slots.offset(slot0 + s), this.generator.layout.trainable / 4);
    }
    this.plan.encodeForward(pass);
    this.k.loss.dispatch(pass, this.bind.loss, this.plan.ws.bs, 'emit');
  }

  /** Dispatches per round (K discriminator steps, the move(s), k generator steps, the emit). */
  get dispatchesPerRound(): number {
    const d = this.disc.dispatches;
    const p = this.plan.dispatches;
    const moves = this.loss === 'direct' ? this.genSteps : 1;
    const gen = this.genSteps * (1 + p.backward + p.grads + 1) + (this.genSteps - 1) * p.forward;
    return this.discSteps * d.step + moves * (d.eval + d.move) + gen + p.forward + 1;
  }

  /** `rounds` more rounds, at most ROUNDS_PER_SUBMIT per submit, then one measurement. */
  async advance(rounds: number): Promise<FlowPoint> {
    const end = this.stepsTo(rounds, 'monoflow generator', 'round');
    await this.warm();
    while (this.stepsDone < end) {
      const r = Math.min(ROUNDS_PER_SUBMIT, end - this.stepsDone);
      this.disc.prepare(r * this.discSteps);
      for (let i = 0; i < r * this.genSteps; i++) {
        const t = this.genStep + i + 1;
        this.slots.set(i, { step: t - 1, sign: 1, ...adamStepScalars(t, this.genLr, 0.5, 0.999, 0) });
      }
      this.slots.upload(r * this.genSteps);
      const enc = this.ctx.device.createCommandEncoder({ label: 'monoflow-gen:rounds' });
      const pass = enc.beginComputePass({ label: 'monoflow-gen:rounds' });
      for (let round = 0; round < r; round++) this.encodeRound(pass, round * this.genSteps);
      pass.end();
      this.ctx.submit(enc.finish());
      this.genStep += r * this.genSteps;
      this.stepsDone += r;
      // Both optimizers' slots are rewritten at the next submit.
      await this.ctx.flush();
    }
    return this.measure();
  }

  /** m fresh samples g_θ(z') with z' ~ N(0, I) drawn under `seed` (not the training latents). */
  generate(m: number, seed = 1): Promise<Float32Array> {
    const z = sampleGaussianCloud(gaussian(new Float64Array(this.dim), eye(this.dim)), m, seed, 0x6e6f);
    return this.generator.evaluate(z, 0);
  }

  /**
   * The gradient dJ/dθ of the generator loss at the current θ with the current discriminator (for
   * tests; no parameter changes; the cloud is restored). Layout of the generator's parameters.
   */
  async lossGradient(): Promise<Float32Array> {
    const enc = this.ctx.device.createCommandEncoder({ label: 'monoflow-gen:gradient' });
    const pass = enc.beginComputePass({ label: 'monoflow-gen:gradient' });
    this.plan.encodeForward(pass);
    if (this.loss === 'regression') {
      this.disc.encodeEval(pass);
      this.disc.encodeMove(pass);
    }
    this.encodeGradient(pass);
    pass.end();
    const grads = new Float32Array(await this.ctx.read(this.grads, 0, this.generator.layout.size * 4, enc));
    this.emit();
    return grads;
  }

}
