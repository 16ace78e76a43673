/**
 * MonoFlow's discriminator: an MLP D ≈ log p/q trained with the logistic loss on data (label 1)
 * against a cloud of generated points (label 0), and the move x ← x + ε ∇x h(D(x)) of that cloud.
 * Shared by the particle flow (src/flows/monoflow.ts, the cloud is the particles) and the generator
 * flow (src/flows/monoflow_generator.ts, the cloud is g_θ(z), and the moved cloud is the target of
 * the generator's loss).
 *
 * Reuses the model kernels: fused forward / backward / grads of src/model for D and for its input
 * gradient (the backward pass seeded with dD/dout = e_0 gives dU_0, and ∇x D = s_0 W_0ᵀ dU_0), and
 * adam_step with per-step StepParams slots. Flow-specific kernels: flow_disc_batch (minibatch),
 * flow_disc_loss (logistic loss), flow_particle_step (seed and move). The network's output has the
 * data dimension (MlpSpec); D is its row 0 and the other rows get zero gradient.
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { checkInteger, checkPositive } from '../gpu/validate.js';
import { AdamParams, AdamStepKernel } from '../kernels/adam_step.js';
import { DiscBatchParams, FlowDiscBatch } from '../kernels/flow_disc_batch.js';
import { DiscLossParams, FlowDiscLoss } from '../kernels/flow_disc_loss.js';
import { MONO_H, type MonoH } from '../kernels/flow_gauss_ratio.js';
import { FlowParticleStep, ParticleStepParams } from '../kernels/flow_particle_step.js';
import { UniformSlots } from '../gpu/bindings.js';
import type { Activation, MlpSpec } from '../model/layout.js';
import { Mlp, type MlpBatchPlan } from '../train/mlp.js';
import { splitSeed } from '../rng/philox.js';
import { adamStepScalars, StepParams } from '../model/step.js';

export interface DiscriminatorOptions {
  /** Data cloud (samples of p), n_data × dim, label 1. */
  data: Float32Array;
  dim: number;
  h?: MonoH;
  /** C in h = softplus(· + C). */
  shift?: number;
  /** Step size ε of the move x ← x + ε∇h(D(x)). */
  eps: number;
  /** Minibatch size of the logistic loss (half data, half cloud; default 256). */
  batch?: number;
  /** Adam learning rate (default 2e-3). */
  lr?: number;
  hidden?: number[];
  activation?: Activation;
  seed?: number;
}

export class FlowDiscriminator {
  /** Adam steps taken so far. */
  steps = 0;
  private cursor = 0;
  private readonly owned: GPUBuffer[] = [];
  private readonly slots: UniformSlots<'step' | 'sign' | 'lr_bc1' | 'inv_sqrt_bc2' | 'lr_wd'>;
  private readonly bind: { batch: GPUBindGroup; loss: GPUBindGroup; adam: GPUBindGroup; particle: GPUBindGroup };

  private constructor(
    private readonly ctx: GpuContext,
    readonly mlp: Mlp,
    private readonly trainPlan: MlpBatchPlan,
    private readonly evalPlan: MlpBatchPlan,
    private readonly k: { batch: FlowDiscBatch; loss: FlowDiscLoss; adam: AdamStepKernel; particle: FlowParticleStep },
    /** The cloud D is trained against and moves: n × dim row-major (not owned). */
    readonly cloud: GPUBuffer,
    readonly n: number,
    readonly eps: number,
    private readonly lr: number,
    maxStepsPerSubmit: number,
    o: DiscriminatorOptions,
  ) {
    const own = (b: GPUBuffer) => (this.owned.push(b), b);
    const L = mlp.layout;
    const tw = trainPlan.ws;
    const pw = evalPlan.ws;
    const dim = o.dim;
    const dataBuf = own(ctx.storage('discriminator:data', o.data));
    const grads = own(ctx.storage('discriminator:grads', L.size * 4));
    const m = own(ctx.storage('discriminator:adam-m', L.size * 4));
    const v = own(ctx.storage('discriminator:adam-v', L.size * 4));
    const ema = own(ctx.storage('discriminator:ema-unused', L.size * 4));
    const stats = own(ctx.storage('discriminator:grad-stats', new Float32Array([0, 1, 0, 0])));
    const lossAcc = own(ctx.storage('discriminator:loss-acc', tw.bs * 4));
    trainPlan.attachGrads(grads);
    this.slots = new UniformSlots(ctx, 'discriminator:steps', StepParams, maxStepsPerSubmit);
    this.owned.push(this.slots.buffer);
    const [lo, hi] = splitSeed(o.seed ?? 0);
    const Lh = L.layers.length - 1;
    const ubBatch = own(ctx.uniform('flow_disc_batch:params', DiscBatchParams.byteSize));
    ctx.write(ubBatch, DiscBatchParams.pack({ batch: tw.batch, bs: tw.bs, dim, n_data: o.data.length / dim, n_particles: n, x_off: tw.x, tgt_off: tw.target, lam_off: tw.lam, seed_lo: lo, seed_hi: hi }));
    const ubLoss = own(ctx.uniform('flow_disc_loss:params', DiscLossParams.byteSize));
    ctx.write(ubLoss, DiscLossParams.pack({ batch: tw.batch, bs: tw.bs, dim, out_off: tw.u[Lh]!, tgt_off: tw.target, lam_off: tw.lam, dout_off: tw.du[Lh]! }));
    const ubAdam = own(ctx.uniform('adam_step:params', AdamParams.byteSize));
    ctx.write(ubAdam, AdamParams.pack({ n4: L.trainable / 4, beta1: 0.5, beta2: 0.999, eps: 1e-8, wd: 0, clip: 0, ema_decay: 0 }));
    const ubPart = own(ctx.uniform('flow_particle_step:params', ParticleStepParams.byteSize));
    ctx.write(ubPart, ParticleStepParams.pack({
      n, bs: pw.bs, dim, x_off: pw.x, out_off: pw.u[Lh]!, dout_off: pw.du[Lh]!, du0_off: pw.du[0]!, w0_off: L.layers[0]!.wOffset,
      width0: L.layers[0]!.out, scale_off: L.scaleOffset, eps, shift: o.shift ?? 0,
    }));
    this.bind = {
      batch: k.batch.bind({ bp: ubBatch, st: this.slots.resource, data: dataBuf, particles: cloud, acts: trainPlan.acts }),
      loss: k.loss.bind({ lp: ubLoss, acts: trainPlan.acts, loss_acc: lossAcc }),
      adam: k.adam.bind({ ap: ubAdam, st: this.slots.resource, params: mlp.params, grads, m1: m, m2: v, ema, stats }),
      particle: k.particle.bind({ pp: ubPart, params: mlp.params, x: cloud, acts: evalPlan.acts }),
    };
  }

  /**
   * A discriminator for `cloud` (n points, row-major, owned by the caller). At most
   * `maxStepsPerSubmit` Adam steps can be prepared per submit (`prepare`).
   */
  static async create(ctx: GpuContext, cloud: GPUBuffer, n: number, maxStepsPerSubmit: number, o: DiscriminatorOptions, flow = 'monoflow'): Promise<FlowDiscriminator> {
    const h = o.h ?? 'identity';
    if (!MONO_H.includes(h)) throw new InputError(`${flow}: h must be one of ${MONO_H.join(', ')}, got '${h}'`);
    const batch = checkInteger(`${flow}: batch`, o.batch ?? 256, 2, 65536);
    checkPositive(`${flow}: eps`, o.eps);
    const lr = checkPositive(`${flow}: lr`, o.lr ?? 2e-3);
    if (o.shift !== undefined && !Number.isFinite(o.shift)) throw new InputError(`${flow}: shift must be finite, got ${o.shift}`);
    // The output kind is irrelevant for a discriminator (row 0 of the head is D).
    const spec: MlpSpec = { dim: o.dim, hidden: o.hidden ?? [64, 64], activation: o.activation ?? 'softplus', time: { kind: 'none' }, output: 'x0' };
    const mlp = await Mlp.create(ctx, spec, { seed: o.seed ?? 0 });
    const plans: MlpBatchPlan[] = [];
    try {
      plans.push(await mlp.plan(batch));
      plans.push(await mlp.plan(n));
      const [b, loss, adam, particle] = await Promise.all([
        FlowDiscBatch.create(ctx), FlowDiscLoss.create(ctx), AdamStepKernel.create(ctx, { decoupled: false, clipWeights: false, ema: false }), FlowParticleStep.create(ctx, h),
      ]);
      return new FlowDiscriminator(ctx, mlp, plans[0]!, plans[1]!, { batch: b, loss, adam, particle }, cloud, n, o.eps, lr, Math.max(1, maxStepsPerSubmit), o);
    } catch (e) {
      for (const p of plans) p.destroy();
      mlp.destroy();
      throw e;
    }
  }

  /** Dispatches per Adam step (encodeSteps), per encodeEval and per encodeMove. */
  get dispatches(): { step: number; eval: number; move: number } {
    const t = this.trainPlan.dispatches;
    const e = this.evalPlan.dispatches;
    return { step: 3 + t.forward + t.backward + t.grads, eval: 1 + e.forward + e.backward, move: 1 };
  }

  /** Largest number of Adam steps one submit can hold. */
  get maxStepsPerSubmit(): number {
    return this.slots.count;
  }

  /**
   * Pack and upload the uniforms of the next `count` Adam steps; encode them with `encodeSteps`
   * before the submit. Wait for a submit's work before preparing the next one (the slots are reused).
   */
  prepare(count: number): void {
    if (count > this.slots.count) throw new InputError(`discriminator: ${count} steps in one submit, over the ${this.slots.count} prepared slots`);
    for (let i = 0; i < count; i++) {
      const s = this.steps + i;
      // Adam with β1 = 0.5 (the usual GAN setting: the target moves every few steps).
      this.slots.set(i, { step: s, sign: 1, ...adamStepScalars(s + 1, this.lr, 0.5, 0.999, 0) });
    }
    this.slots.upload(count);
    this.steps += count;
    this.cursor = 0;
  }

  /** Encode the next `count` prepared Adam steps of the logistic loss (data vs the current cloud). */
  encodeSteps(pass: GPUComputePassEncoder, count: number): void {
    const bs = this.trainPlan.ws.bs;
    for (let i = 0; i < count; i++) {
      const off = this.slots.offset(this.cursor++);
      this.k.batch.dispatch(pass, this.bind.batch, off, bs);
      this.trainPlan.encodeForward(pass);
      this.k.loss.dispatch(pass, this.bind.loss, bs);
      this.trainPlan.encodeBackward(pass);
      this.trainPlan.encodeGrads(pass);
      this.k.adam.dispatch(pass, this.bind.adam, off, this.mlp.layout.trainable / 4);
    }
  }

  /** Forward + backward of D on every point of the cloud (D in the head output, dU_0 for the move). */
  encodeEval(pass: GPUComputePassEncoder): void {
    this.k.particle.dispatch(pass, 'load', this.bind.particle, this.n);
    this.evalPlan.encodeForward(pass);
    this.evalPlan.encodeBackward(pass);
  }

  /** After encodeEval: cloud ← cloud + ε h'(D) ∇D. */
  encodeMove(pass: GPUComputePassEncoder): void {
    this.k.particle.dispatch(pass, 'move', this.bind.particle, this.n);
  }

  /** Read D at the cloud from the last encodeEval (submits `enc`). */
  async readD(enc: GPUCommandEncoder): Promise<Float32Array> {
    const ws = this.evalPlan.ws;
    const Lh = this.mlp.layout.layers.length - 1;
    return new Float32Array(await this.ctx.read(this.evalPlan.acts, ws.u[Lh]! * 4, this.n * 4, enc));
  }

  /** E_q D over the cloud (one evaluation, one readback): −E_q D estimates KL(q || p). */
  async meanD(): Promise<number> {
    const enc = this.ctx.device.createCommandEncoder({ label: 'discriminator:mean' });
    const pass = enc.beginComputePass({ label: 'discriminator:mean' });
    this.encodeEval(pass);
    pass.end();
    let s = 0;
    for (const v of await this.readD(enc)) s += v;
    return s / this.n;
  }

  /** Run `count` Adam steps now (warm-up), in submits of at most `maxStepsPerSubmit`. */
  async train(count: number): Promise<void> {
    let left = count;
    while (left > 0) {
      const c = Math.min(left, this.slots.count);
      this.prepare(c);
      const enc = this.ctx.device.createCommandEncoder({ label: 'discriminator:train' });
      const pass = enc.beginComputePass({ label: 'discriminator:train' });
      this.encodeSteps(pass, c);
      pass.end();
      this.ctx.submit(enc.finish());
      left -= c;
      // Uniform slots are rewritten per submit: wait so a later write cannot race this one.
      await this.ctx.flush();
    }
  }

  destroy(): void {
    this.trainPlan.destroy();
    this.evalPlan.destroy();
    for (const b of this.owned) this.ctx.destroyBuffer(b);
    this.owned.length = 0;
    this.mlp.destroy();
  }
}
