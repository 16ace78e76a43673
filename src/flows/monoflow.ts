/**
 * MonoFlow with an estimated log ratio (Yi et al., ICML 2023): particles follow
 *   x ← x + ε ∇x h(D(x)) = x + ε h'(D(x)) ∇x D(x),
 * the Euler discretisation of the Wasserstein gradient flow dx/dt = ∇h(log p/q_t), where the
 * discriminator MLP D ≈ log p/q_t is trained with the logistic loss on data (label 1) against the
 * current particles (label 0), K Adam steps between moves (after a warm-up).
 *
 * Reuses the model kernels: fused forward / backward / grads of src/model for D and for its input
 * gradient (the backward pass seeded with dD/dout = e_0 gives dU_0, and ∇x D = s_0 W_0ᵀ dU_0), and
 * adam_step with per-step StepParams slots. Flow-specific kernels: flow_disc_batch (minibatch),
 * flow_disc_loss (logistic loss), flow_particle_step (seed and move). The network's output has the
 * data dimension (MlpSpec); D is its row 0 and the other rows get zero gradient.
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { AdamParams, AdamStepKernel } from '../kernels/adam_step.js';
import { DiscBatchParams, FlowDiscBatch } from '../kernels/flow_disc_batch.js';
import { DiscLossParams, FlowDiscLoss } from '../kernels/flow_disc_loss.js';
import { MONO_H, type MonoH } from '../kernels/flow_gauss_ratio.js';
import { FlowParticleStep, ParticleStepParams } from '../kernels/flow_particle_step.js';
import { UniformSlots } from '../model/bindings.js';
import type { Activation, MlpSpec } from '../model/layout.js';
import { Mlp, type MlpBatchPlan } from '../model/mlp.js';
import { splitSeed } from '../rng/philox.js';
import { adamStepScalars, StepParams } from '../train/step.js';
import { checkCloud, type FlowPoint, type FlowRunner } from './flow.js';
import { cloudMoments } from './gaussian.js';
import { checkW2Options, FlowW2, type FlowW2Options } from './w2_measure.js';

export interface MonoFlowOptions extends FlowW2Options {
  /** Data cloud (samples of p), n_data × dim. */
  data: Float32Array;
  /** Initial particles (samples of q_0), n × dim. */
  particles: Float32Array;
  dim: number;
  h?: MonoH;
  /** C in h = softplus(· + C). */
  shift?: number;
  /** Particle step size ε (default 0.05). */
  eps?: number;
  /** Particle moves (default 200). */
  moves?: number;
  /** Discriminator Adam steps between moves (default 5). */
  discSteps?: number;
  /** Discriminator steps before the first move (default 300). */
  warmup?: number;
  batch?: number;
  lr?: number;
  hidden?: number[];
  activation?: Activation;
  seed?: number;
}

export class ParticleMonoFlow implements FlowRunner {
  readonly kind = 'monoflow' as const;
  readonly energyName = 'KL(q || p) estimated as −E_q D';
  readonly w2Method: string;
  stepsDone = 0;
  private discStep = 0;
  private warmedUp = false;
  private readonly owned: GPUBuffer[] = [];
  private readonly slots: UniformSlots<'step' | 'sign' | 'lr_bc1' | 'inv_sqrt_bc2' | 'lr_wd'>;
  private readonly bind: { batch: GPUBindGroup; loss: GPUBindGroup; adam: GPUBindGroup; particle: GPUBindGroup };
  private readonly x: GPUBuffer;
  private readonly lossAcc: GPUBuffer;
  private meter: FlowW2 | undefined;

  private constructor(
    private readonly ctx: GpuContext,
    readonly mlp: Mlp,
    private readonly trainPlan: MlpBatchPlan,
    private readonly particlePlan: MlpBatchPlan,
    private readonly k: { batch: FlowDiscBatch; loss: FlowDiscLoss; adam: AdamStepKernel; particle: FlowParticleStep },
    readonly dim: number,
    readonly n: number,
    readonly totalSteps: number,
    readonly eps: number,
    private readonly discSteps: number,
    private readonly warmup: number,
    private readonly batch: number,
    private readonly lr: number,
    private readonly data: Float32Array,
    o: MonoFlowOptions,
  ) {
    const own = (b: GPUBuffer) => (this.owned.push(b), b);
    const L = mlp.layout;
    const tw = trainPlan.ws;
    const pw = particlePlan.ws;
    this.x = own(ctx.storage('monoflow:particles', o.particles));
    const dataBuf = own(ctx.storage('monoflow:data', o.data));
    const grads = own(ctx.storage('monoflow:grads', L.size * 4));
    const m = own(ctx.storage('monoflow:adam-m', L.size * 4));
    const v = own(ctx.storage('monoflow:adam-v', L.size * 4));
    const ema = own(ctx.storage('monoflow:ema-unused', L.size * 4));
    const stats = own(ctx.storage('monoflow:grad-stats', new Float32Array([0, 1, 0, 0])));
    this.lossAcc = own(ctx.storage('monoflow:loss-acc', tw.bs * 4));
    trainPlan.attachGrads(grads);
    this.slots = new UniformSlots(ctx, 'monoflow:disc-steps', StepParams, Math.max(warmup, discSteps * 16, 1));
    this.owned.push(this.slots.buffer);
    const [lo, hi] = splitSeed(o.seed ?? 0);
    const Lh = L.layers.length - 1;
    const ubBatch = own(ctx.uniform('flow_disc_batch:params', DiscBatchParams.byteSize));
    ctx.write(ubBatch, DiscBatchParams.pack({ batch: this.batch, bs: tw.bs, dim: this.dim, n_data: o.data.length / this.dim, n_particles: this.n, x_off: tw.x, tgt_off: tw.target, lam_off: tw.lam, seed_lo: lo, seed_hi: hi }));
    const ubLoss = own(ctx.uniform('flow_disc_loss:params', DiscLossParams.byteSize));
    ctx.write(ubLoss, DiscLossParams.pack({ batch: this.batch, bs: tw.bs, dim: this.dim, out_off: tw.u[Lh]!, tgt_off: tw.target, lam_off: tw.lam, dout_off: tw.du[Lh]! }));
    const ubAdam = own(ctx.uniform('adam_step:params', AdamParams.byteSize));
    ctx.write(ubAdam, AdamParams.pack({ n4: L.trainable / 4, beta1: 0.5, beta2: 0.999, eps: 1e-8, wd: 0, clip: 0, ema_decay: 0 }));
    const ubPart = own(ctx.uniform('flow_particle_step:params', ParticleStepParams.byteSize));
    ctx.write(ubPart, ParticleStepParams.pack({
      n: this.n, bs: pw.bs, dim: this.dim, x_off: pw.x, out_off: pw.u[Lh]!, dout_off: pw.du[Lh]!, du0_off: pw.du[0]!, w0_off: L.layers[0]!.wOffset,
      width0: L.layers[0]!.out, scale_off: L.scaleOffset, eps: this.eps, shift: o.shift ?? 0,
    }));
    this.bind = {
      batch: k.batch.bind({ ubuf: ubBatch, step: this.slots.resource, data: dataBuf, particles: this.x, acts: trainPlan.acts }),
      loss: k.loss.bind({ ubuf: ubLoss, acts: trainPlan.acts, lossAcc: this.lossAcc }),
      adam: k.adam.bind({ ubuf: ubAdam, step: this.slots.resource, params: mlp.params, grads, m, v, ema, stats }),
      particle: k.particle.bind({ ubuf: ubPart, params: mlp.params, x: this.x, acts: particlePlan.acts }),
    };
    this.w2Method = '';
  }

  static async create(ctx: GpuContext, o: MonoFlowOptions): Promise<ParticleMonoFlow> {
    const d = o.dim;
    checkCloud(o.data, d, 'monoflow data');
    const n = checkCloud(o.particles, d, 'monoflow particles');
    const h = o.h ?? 'identity';
    if (!MONO_H.includes(h)) throw new InputError(`monoflow: h must be one of ${MONO_H.join(', ')}, got '${h}'`);
    const int = (v: number, name: string, lo: number, hi: number) => {
      if (!Number.isInteger(v) || v < lo || v > hi) throw new InputError(`monoflow: ${name} must be an integer in [${lo}, ${hi}], got ${v}`);
      return v;
    };
    const moves = int(o.moves ?? 200, 'moves', 1, 1e7);
    const discSteps = int(o.discSteps ?? 5, 'discSteps', 1, 256);
    const warmup = int(o.warmup ?? 300, 'warmup', 0, 100000);
    const batch = int(o.batch ?? 256, 'batch', 2, 65536);
    const eps = o.eps ?? 0.05;
    if (!(eps > 0) || !Number.isFinite(eps)) throw new InputError(`monoflow: eps must be finite and > 0, got ${eps}`);
    const lr = o.lr ?? 2e-3;
    if (!(lr > 0) || !Number.isFinite(lr)) throw new InputError(`monoflow: lr must be finite and > 0, got ${lr}`);
    if (o.shift !== undefined && !Number.isFinite(o.shift)) throw new InputError(`monoflow: shift must be finite, got ${o.shift}`);
    // The output kind is irrelevant for a discriminator (row 0 of the head is D).
    const spec: MlpSpec = { dim: d, hidden: o.hidden ?? [64, 64], activation: o.activation ?? 'softplus', time: { kind: 'none' }, output: 'x0' };
    checkW2Options(o, 'monoflow');
    const mlp = await Mlp.create(ctx, spec, { seed: o.seed ?? 0 });
    let flow: ParticleMonoFlow;
    const plans: MlpBatchPlan[] = [];
    try {
      plans.push(await mlp.plan(batch));
      plans.push(await mlp.plan(n));
      const [b, loss, adam, particle] = await Promise.all([
        FlowDiscBatch.create(ctx), FlowDiscLoss.create(ctx), AdamStepKernel.create(ctx, { decoupled: false, clipWeights: false, ema: false }), FlowParticleStep.create(ctx, h),
      ]);
      flow = new ParticleMonoFlow(ctx, mlp, plans[0]!, plans[1]!, { batch: b, loss, adam, particle }, d, n, moves, eps, discSteps, warmup, batch, lr, o.data, o);
    } catch (e) {
      for (const p of plans) p.destroy();
      mlp.destroy();
      throw e;
    }
    try {
      flow.meter = await FlowW2.create(ctx, d, n, o.data, cloudMoments(o.data, d), o);
    } catch (e) {
      flow.destroy();
      throw e;
    }
    (flow as { w2Method: string }).w2Method = flow.meter.describe('the data cloud');
    return flow;
  }

  private encodeDiscSteps(pass: GPUComputePassEncoder, count: number): void {
    for (let i = 0; i < count; i++) {
      const s = this.discStep + i;
      // Adam with β1 = 0.5 (the usual GAN setting: the target moves every few steps).
      this.slots.set(i, { step: s, sign: 1, ...adamStepScalars(s + 1, this.lr, 0.5, 0.999, 0) });
    }
    this.slots.upload(count);
    const bs = this.trainPlan.ws.bs;
    for (let i = 0; i < count; i++) {
      const off = this.slots.offset(i);
      this.k.batch.dispatch(pass, this.bind.batch, off, bs);
      this.trainPlan.encodeForward(pass);
      this.k.loss.dispatch(pass, this.bind.loss, bs);
      this.trainPlan.encodeBackward(pass);
      this.trainPlan.encodeGrads(pass);
      this.k.adam.dispatch(pass, this.bind.adam, off, this.mlp.layout.trainable / 4);
    }
    this.discStep += count;
  }

  /** Forward + backward of D on every particle (D in the head output, dU_0 for the move). */
  private encodeParticleEval(pass: GPUComputePassEncoder): void {
    this.k.particle.dispatch(pass, 'load', this.bind.particle, this.n);
    this.particlePlan.encodeForward(pass);
    this.particlePlan.encodeBackward(pass);
  }

  private async warm(): Promise<void> {
    if (this.warmedUp) return;
    this.warmedUp = true;
    let left = this.warmup;
    while (left > 0) {
      const c = Math.min(left, this.slots.count);
      const enc = this.ctx.device.createCommandEncoder({ label: 'monoflow:warmup' });
      const pass = enc.beginComputePass({ label: 'monoflow:warmup' });
      this.encodeDiscSteps(pass, c);
      pass.end();
      this.ctx.submit(enc.finish());
      left -= c;
      // Uniform slots are rewritten per submit: wait so a later write cannot race this one.
      await this.ctx.flush();
    }
  }

  async measure(): Promise<FlowPoint> {
    await this.warm();
    const enc = this.ctx.device.createCommandEncoder({ label: 'monoflow:measure' });
    const pass = enc.beginComputePass({ label: 'monoflow:measure' });
    this.encodeParticleEval(pass);
    pass.end();
    const ws = this.particlePlan.ws;
    const Lh = this.mlp.layout.layers.length - 1;
    const dvals = new Float32Array(await this.ctx.read(this.particlePlan.acts, ws.u[Lh]! * 4, this.n * 4, enc));
    let s = 0;
    for (const v of dvals) s += v;
    const cloud = await this.cloud();
    return { step: this.stepsDone, t: this.stepsDone * this.eps, ...(await this.meter!.measure(cloud, this.x)), energy: -s / this.n };
  }

  /** `moves` more rounds of (K discriminator steps, one particle move); at most 16 rounds per submit. */
  async advance(moves: number): Promise<FlowPoint> {
    if (!Number.isInteger(moves) || moves < 1) throw new InputError(`monoflow: advance needs a positive integer move count, got ${moves}`);
    await this.warm();
    const end = Math.min(this.totalSteps, this.stepsDone + moves);
    const perSubmit = Math.floor(this.slots.count / this.discSteps);
    while (this.stepsDone < end) {
      const r = Math.min(perSubmit, end - this.stepsDone);
      const enc = this.ctx.device.createCommandEncoder({ label: 'monoflow:rounds' });
      const pass = enc.beginComputePass({ label: 'monoflow:rounds' });
      // Pack all discriminator slots of this submit first (one upload), then encode the rounds.
      for (let i = 0; i < r * this.discSteps; i++) {
        const s = this.discStep + i;
        this.slots.set(i, { step: s, sign: 1, ...adamStepScalars(s + 1, this.lr, 0.5, 0.999, 0) });
      }
      this.slots.upload(r * this.discSteps);
      const bs = this.trainPlan.ws.bs;
      for (let round = 0; round < r; round++) {
        for (let i = 0; i < this.discSteps; i++) {
          const off = this.slots.offset(round * this.discSteps + i);
          this.k.batch.dispatch(pass, this.bind.batch, off, bs);
          this.trainPlan.encodeForward(pass);
          this.k.loss.dispatch(pass, this.bind.loss, bs);
          this.trainPlan.encodeBackward(pass);
          this.trainPlan.encodeGrads(pass);
          this.k.adam.dispatch(pass, this.bind.adam, off, this.mlp.layout.trainable / 4);
        }
        this.encodeParticleEval(pass);
        this.k.particle.dispatch(pass, 'move', this.bind.particle, this.n);
      }
      pass.end();
      this.ctx.submit(enc.finish());
      this.discStep += r * this.discSteps;
      this.stepsDone += r;
      await this.ctx.flush();
    }
    return this.measure();
  }

  cloud(): Promise<Float32Array> {
    return this.ctx.readF32(this.x, 0, this.n * this.dim);
  }

  /** D(x) and ∇x D(x) at the current particles (for tests): n values and n × dim. */
  async discriminatorAtParticles(): Promise<{ D: Float32Array; grad: Float32Array }> {
    const before = await this.cloud();
    // A move with the current D, read, then restore the particles: Δx = ε h'(D) ∇D.
    const enc = this.ctx.device.createCommandEncoder({ label: 'monoflow:probe' });
    const pass = enc.beginComputePass({ label: 'monoflow:probe' });
    this.encodeParticleEval(pass);
    this.k.particle.dispatch(pass, 'move', this.bind.particle, this.n);
    pass.end();
    const ws = this.particlePlan.ws;
    const Lh = this.mlp.layout.layers.length - 1;
    const D = new Float32Array(await this.ctx.read(this.particlePlan.acts, ws.u[Lh]! * 4, this.n * 4, enc));
    const after = await this.cloud();
    this.ctx.write(this.x, before);
    return { D, grad: Float32Array.from(after, (v, e) => (v - before[e]!) / this.eps) };
  }

  destroy(): void {
    this.trainPlan.destroy();
    this.particlePlan.destroy();
    this.meter?.destroy();
    for (const b of this.owned) this.ctx.destroyBuffer(b);
    this.owned.length = 0;
    this.mlp.destroy();
  }
}
