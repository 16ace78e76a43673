/**
 * Rectified flow (Liu, Gong & Liu 2023): learn a velocity field by regression,
 *   min_θ E_{t, (x0, x1)} ‖v_θ(x_t, t) − (x1 − x0)‖²,  x_t = (1 − t) x0 + t x1,
 * then transport by the ODE dx/dt = v_θ(x, t) from t = 0 to 1 (Euler or Heun). Reflow retrains on
 * the pairs (x0, ODE(x0)), which straightens the paths. Rectified flow is a geodesic-like path in
 * Wasserstein space; between N(0, I) and N(μ, Σ) its exact map is x_t = tμ + ((1−t)² I + t² Σ)^½ x0
 * (DESIGN.md; `rectifiedGaussianMap`), the OT map at t = 1.
 *
 * Reuses the model and training kernels: the MLP's fused forward / backward / grads (src/model),
 * dsm_loss for the squared error and its output gradient, adam_step with per-step StepParams slots;
 * the flow-specific kernels are the minibatch (flow_rectified_batch) and the ODE stages around the
 * forward pass (flow_velocity_ode). K training steps per submit; no allocation inside the loop.
 */
import { abortable, reportProgress, throwIfAborted, type RunOptions } from '../gpu/run.js';
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { toPoints } from '../gpu/validate.js';
import { AdamParams, AdamStepKernel } from '../kernels/adam_step.js';
import { DsmLossKernel, DsmLossParams } from '../kernels/dsm_loss.js';
import { FlowRectifiedBatch, RectifiedBatchParams } from '../kernels/flow_rectified_batch.js';
import { FlowVelocityOde, OdeStepParams, VelocityOdeParams } from '../kernels/flow_velocity_ode.js';
import { UniformSlots } from '../gpu/bindings.js';
import type { Activation, MlpSpec } from '../model/layout.js';
import { Mlp, type MlpBatchPlan } from '../train/mlp.js';
import { splitSeed } from '../rng/philox.js';
import { adamStepScalars, StepParams } from '../model/step.js';
import { type FlowPoint } from './flow.js';
import { cloudMoments, w2sqGaussian, type Gaussian } from './gaussian.js';
import { checkW2Options, FlowW2, type FlowW2Options } from './w2_measure.js';
import { ParticleFlow } from './particle_flow.js';

export interface RectifiedOptions {
  /** Source cloud x0 (n0 × dim), e.g. N(0, I) samples. */
  source: Float32Array;
  /** Target cloud x1 (n1 × dim). */
  target: Float32Array;
  dim: number;
  /** Pair x0[i] with x1[i] (a reflow coupling; needs n0 = n1) instead of independent draws. */
  paired?: boolean;
  /** Hidden widths (default [64, 64]). */
  hidden?: number[];
  activation?: Activation;
  /** Fourier feature pairs of t (default 4). */
  fourier?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  /** Training steps per submit (default 64). */
  stepsPerSubmit?: number;
}

export interface RectifiedLossPoint {
  step: number;
  /** Mean of ‖v_θ(x_t, t) − (x1 − x0)‖² over the steps since the previous point. */
  loss: number;
}

export type OdeMethod = 'euler' | 'heun';

export class RectifiedFlow {
  step = 0;
  private readonly owned: GPUBuffer[] = [];
  private readonly slots: UniformSlots<'step' | 'sign' | 'lr_bc1' | 'inv_sqrt_bc2' | 'lr_wd'>;
  private readonly bindBatch: GPUBindGroup;
  private readonly bindLoss: GPUBindGroup;
  private readonly bindAdam: GPUBindGroup;
  private readonly lossAcc: GPUBuffer;
  private lossPending = false;

  private constructor(
    private readonly ctx: GpuContext,
    readonly mlp: Mlp,
    private readonly plan: MlpBatchPlan,
    readonly dim: number,
    readonly batch: number,
    private readonly lr: number,
    private readonly K: number,
    readonly source: Float32Array,
    readonly target: Float32Array,
    private readonly kernels: { batch: FlowRectifiedBatch; loss: DsmLossKernel; adam: AdamStepKernel },
    seed: number,
  ) {
    const L = mlp.layout;
    const ws = plan.ws;
    const own = (b: GPUBuffer) => (this.owned.push(b), b);
    const src = own(ctx.storage('rectified:x0', source));
    const dst = own(ctx.storage('rectified:x1', target));
    const grads = own(ctx.storage('rectified:grads', L.size * 4));
    const m = own(ctx.storage('rectified:adam-m', L.size * 4));
    const v = own(ctx.storage('rectified:adam-v', L.size * 4));
    const ema = own(ctx.storage('rectified:ema-unused', L.size * 4));
    const stats = own(ctx.storage('rectified:grad-stats', new Float32Array([0, 1, 0, 0])));
    this.lossAcc = own(ctx.storage('rectified:loss-acc', this.dim * ws.bs * 4));
    plan.attachGrads(grads);
    this.slots = new UniformSlots(ctx, 'rectified:step-params', StepParams, K);
    this.owned.push(this.slots.buffer);
    const [lo, hi] = splitSeed(seed);
    const fourier = mlp.spec.time.kind === 'fourier' ? mlp.spec.time.features : 0;
    const ubBatch = own(ctx.uniform('flow_rectified_batch:params', RectifiedBatchParams.byteSize));
    ctx.write(ubBatch, RectifiedBatchParams.pack({
      batch, bs: ws.bs, dim: this.dim, n0: source.length / this.dim, n1: target.length / this.dim, fourier, x_off: ws.x, tgt_off: ws.target, lam_off: ws.lam, seed_lo: lo, seed_hi: hi,
    }));
    this.bindBatch = kernels.batch.bind({ bp: ubBatch, st: this.slots.resource, src, dst, acts: plan.acts });
    const Lh = L.layers.length - 1;
    const ubLoss = own(ctx.uniform('dsm_loss:params', DsmLossParams.byteSize));
    ctx.write(ubLoss, DsmLossParams.pack({ batch, bs: ws.bs, dim: this.dim, out_off: ws.u[Lh]!, tgt_off: ws.target, lam_off: ws.lam, dout_off: ws.du[Lh]! }));
    this.bindLoss = kernels.loss.bind({ lp: ubLoss, st: this.slots.resource, acts: plan.acts, loss_acc: this.lossAcc });
    const ubAdam = own(ctx.uniform('adam_step:params', AdamParams.byteSize));
    ctx.write(ubAdam, AdamParams.pack({ n4: L.trainable / 4, beta1: 0.9, beta2: 0.999, eps: 1e-8, wd: 0, clip: 0, ema_decay: 0 }));
    this.bindAdam = kernels.adam.bind({ ap: ubAdam, st: this.slots.resource, params: mlp.params, grads, m1: m, m2: v, ema, stats });
  }

  static async create(ctx: GpuContext, o: RectifiedOptions): Promise<RectifiedFlow> {
    const d = o.dim;
    const n0 = toPoints('rectified source', o.source, d).n;
    const n1 = toPoints('rectified target', o.target, d).n;
    if (o.paired && n0 !== n1) throw new InputError(`rectified: a paired coupling needs equal cloud sizes, got ${n0} and ${n1}`);
    const batch = o.batch ?? 256;
    if (!Number.isInteger(batch) || batch < 1 || batch > 65536) throw new InputError(`rectified: batch must be an integer in [1, 65536], got ${batch}`);
    const lr = o.lr ?? 2e-3;
    if (!(lr > 0) || !Number.isFinite(lr)) throw new InputError(`rectified: lr must be finite and > 0, got ${lr}`);
    const K = o.stepsPerSubmit ?? 64;
    if (!Number.isInteger(K) || K < 1 || K > 4096) throw new InputError(`rectified: stepsPerSubmit must be an integer in [1, 4096], got ${K}`);
    const spec: MlpSpec = { dim: d, hidden: o.hidden ?? [64, 64], activation: o.activation ?? 'silu', time: { kind: 'fourier', features: o.fourier ?? 4 }, output: 'velocity' };
    const seed = o.seed ?? 0;
    const mlp = await Mlp.create(ctx, spec, { seed });
    let plan: MlpBatchPlan | undefined;
    try {
      plan = await mlp.plan(batch);
      const [b, loss, adam] = await Promise.all([
        FlowRectifiedBatch.create(ctx, o.paired ?? false),
        DsmLossKernel.create(ctx),
        AdamStepKernel.create(ctx, { decoupled: false, clipWeights: false, ema: false }),
      ]);
      return new RectifiedFlow(ctx, mlp, plan, d, batch, lr, K, o.source, o.target, { batch: b, loss, adam }, seed);
    } catch (e) {
      plan?.destroy();
      mlp.destroy();
      throw e;
    }
  }

  private encodeChunk(enc: GPUCommandEncoder, count: number): void {
    for (let i = 0; i < count; i++) {
      const s = this.step + i;
      this.slots.set(i, { step: s, sign: 1, ...adamStepScalars(s + 1, this.lr, 0.9, 0.999, 0) });
    }
    this.slots.upload(count);
    if (this.lossPending) {
      enc.clearBuffer(this.lossAcc);
      this.lossPending = false;
    }
    const pass = enc.beginComputePass({ label: 'rectified:train' });
    const bs = this.plan.ws.bs;
    for (let i = 0; i < count; i++) {
      const off = this.slots.offset(i);
      this.kernels.batch.dispatch(pass, this.bindBatch, off, bs);
      this.plan.encodeForward(pass);
      this.kernels.loss.dispatch(pass, this.bindLoss, off, this.dim, bs);
      this.plan.encodeBackward(pass);
      this.plan.encodeGrads(pass);
      this.kernels.adam.dispatch(pass, this.bindAdam, off, this.mlp.layout.trainable / 4);
    }
    pass.end();
  }

  /** Train `steps` more steps; the loss is read once per `lossEvery` steps (default: every chunk). */
  async train(steps: number, opts: RunOptions & { lossEvery?: number } = {}): Promise<RectifiedLossPoint[]> {
    if (!Number.isInteger(steps) || steps < 0) throw new InputError(`rectified: steps must be a non-negative integer, got ${steps}`);
    const every = opts.lossEvery ?? this.K;
    if (!Number.isInteger(every) || every < 1) throw new InputError(`rectified: lossEvery must be a positive integer, got ${every}`);
    const out: RectifiedLossPoint[] = [];
    const end = this.step + steps;
    let since = 0;
    while (this.step < end) {
      throwIfAborted(opts.signal, 'rectified');
      const count = Math.min(this.K, end - this.step, every - since);
      const enc = this.ctx.device.createCommandEncoder({ label: 'rectified:train' });
      this.encodeChunk(enc, count);
      this.step += count;
      since += count;
      if (since === every || this.step === end) {
        const acc = new Float32Array(await abortable(this.ctx.read(this.lossAcc, 0, this.lossAcc.size, enc), opts.signal, 'rectified'));
        this.lossPending = true;
        let sum = 0;
        for (const v of acc) sum += v;
        const loss = sum / (this.batch * since);
        since = 0;
        out.push({ step: this.step, loss });
        reportProgress(opts, { stage: 'rectified', done: steps - (end - this.step), total: steps, metrics: { loss } });
      } else {
        this.ctx.submit(enc.finish());
      }
    }
    return out;
  }

  /**
   * The minibatch of training step `step` as the batch kernel writes it (for tests): the network
   * input x_t (batch × dim), the time features (batch × 2F) and the target x1 − x0 (batch × dim).
   */
  async drawBatch(step: number): Promise<{ x: Float32Array; features: Float32Array; target: Float32Array }> {
    this.slots.set(0, { step, sign: 1, ...adamStepScalars(1, this.lr, 0.9, 0.999, 0) });
    this.slots.upload(1);
    const enc = this.ctx.device.createCommandEncoder({ label: 'rectified:draw' });
    const pass = enc.beginComputePass({ label: 'rectified:draw' });
    this.kernels.batch.dispatch(pass, this.bindBatch, 0, this.plan.ws.bs);
    pass.end();
    const ws = this.plan.ws;
    const acts = new Float32Array(await this.ctx.read(this.plan.acts, 0, ws.size * 4, enc));
    const F = this.mlp.layout.inputFeatures - this.dim;
    const col = (off: number, rows: number) => {
      const out = new Float32Array(this.batch * rows);
      for (let b = 0; b < this.batch; b++) for (let r = 0; r < rows; r++) out[b * rows + r] = acts[off + r * ws.bs + b]!;
      return out;
    };
    return { x: col(ws.x, this.dim), features: col(ws.x + this.dim * ws.bs, F), target: col(ws.target, this.dim) };
  }

  /** v_θ(x, t) at points x (n × dim) and one time t ∈ [0, 1]. */
  velocity(x: Float32Array, t: number): Promise<Float32Array> {
    if (!(t >= 0 && t <= 1)) throw new InputError(`rectified: t must be in [0, 1], got ${t}`);
    return this.mlp.evaluate(x, t);
  }

  /**
   * A runner that transports `x0` (default: the source cloud) by dx/dt = v_θ(x, t) on t ∈ [0, 1]
   * with `steps` Euler or Heun steps, measuring W2 to `target` (default: the training target cloud;
   * after a reflow pass the original one); `exactLaw(t)` (optional) gives the closed-form marginal
   * for `w2Exact`; `w2` and `blur` choose the W2 estimator (FlowW2Options).
   */
  async transport(opts: { x0?: Float32Array; target?: Float32Array; steps?: number; method?: OdeMethod; exactLaw?: (t: number) => Gaussian } & FlowW2Options = {}): Promise<VelocityOdeFlow> {
    const target = opts.target ?? this.target;
    toPoints('rectified transport target', target, this.dim).n;
    checkW2Options(opts, 'rectified');
    return VelocityOdeFlow.create(this.ctx, this.mlp, opts.x0 ?? this.source, target, this.dim, opts.steps ?? 50, opts.method ?? 'heun', opts.exactLaw, opts);
  }

  /**
   * One reflow: transport the source cloud with the learned ODE and build a new rectified flow on
   * the pairs (x0, x1 = ODE(x0)). The caller trains and destroys it.
   */
  async reflow(opts: { odeSteps?: number; method?: OdeMethod; seed?: number; batch?: number; lr?: number; hidden?: number[] } = {}): Promise<RectifiedFlow> {
    const ode = await this.transport({ steps: opts.odeSteps ?? 50, method: opts.method ?? 'heun', w2: 'moment' });
    let x1: Float32Array;
    try {
      await ode.advance(ode.totalSteps);
      x1 = await ode.cloud();
    } finally {
      ode.destroy();
    }
    return RectifiedFlow.create(this.ctx, {
      source: this.source, target: x1, dim: this.dim, paired: true, seed: opts.seed ?? 1, batch: opts.batch ?? this.batch, lr: opts.lr ?? this.lr,
      hidden: opts.hidden ?? [...this.mlp.spec.hidden], activation: this.mlp.spec.activation,
      fourier: this.mlp.spec.time.kind === 'fourier' ? this.mlp.spec.time.features : 4,
    });
  }

  destroy(): void {
    this.plan.destroy();
    for (const b of this.owned) this.ctx.destroyBuffer(b);
    this.owned.length = 0;
    this.mlp.destroy();
  }
}

/** Euler / Heun transport by a learned velocity field, as a FlowRunner. */
export class VelocityOdeFlow extends ParticleFlow {
  readonly kind = 'rectified' as const;
  readonly energyName = '';
  private readonly bind: GPUBindGroup;
  private readonly targetLaw: Gaussian;

  private constructor(
    ctx: GpuContext,
    private readonly plan: MlpBatchPlan,
    private readonly ode: FlowVelocityOde,
    private readonly slots: UniformSlots<'tau' | 'h'>,
    x: GPUBuffer,
    dim: number,
    n: number,
    readonly totalSteps: number,
    readonly method: OdeMethod,
    private readonly target: Float32Array,
    private readonly exactLaw: ((t: number) => Gaussian) | undefined,
    fourier: number,
    meter: FlowW2,
  ) {
    super(ctx, x, meter, dim, n, 'the target cloud');
    const ws = plan.ws;
    this.ownedObjects.push(plan);
    this.ownedBuffers.push(x, slots.buffer);
    const xp = ctx.storage('rectified-ode:x-pred', n * dim * 4);
    const k = ctx.storage('rectified-ode:k1', n * dim * 4);
    const ubuf = ctx.uniform('flow_velocity_ode:params', VelocityOdeParams.byteSize);
    this.ownedBuffers.push(xp, k, ubuf);
    const Lh = plan.layout.layers.length - 1;
    ctx.write(ubuf, VelocityOdeParams.pack({ n, bs: ws.bs, dim, fourier, x_off: ws.x, out_off: ws.u[Lh]! }));
    this.bind = ode.bind({ op: ubuf, sp: slots.resource, x, xp, k, acts: plan.acts });
    this.targetLaw = cloudMoments(target, dim);
  }

  static async create(ctx: GpuContext, mlp: Mlp, x0: Float32Array, target: Float32Array, dim: number, steps: number, method: OdeMethod, exactLaw?: (t: number) => Gaussian, w2Options: FlowW2Options = {}): Promise<VelocityOdeFlow> {
    const n = toPoints('rectified transport x0', x0, dim).n;
    if (!Number.isInteger(steps) || steps < 1 || steps > 100_000) throw new InputError(`rectified: ODE steps must be an integer in [1, 100000], got ${steps}`);
    if (method !== 'euler' && method !== 'heun') throw new InputError(`rectified: method must be 'euler' or 'heun', got '${String(method)}'`);
    checkW2Options(w2Options, 'rectified');
    const meter = await FlowW2.create(ctx, dim, n, target, cloudMoments(target, dim), w2Options);
    const [ode, plan] = await Promise.all([FlowVelocityOde.create(ctx), mlp.plan(n)]).catch((e: unknown) => {
      meter.destroy();
      throw e;
    });
    const slots = new UniformSlots(ctx, 'rectified-ode:steps', OdeStepParams, 2 * steps);
    const h = 1 / steps;
    for (let i = 0; i < steps; i++) {
      slots.set(2 * i, { tau: i * h, h });
      slots.set(2 * i + 1, { tau: (i + 1) * h, h });
    }
    slots.upload();
    const x = ctx.storage('rectified-ode:x', x0);
    const fourier = mlp.spec.time.kind === 'fourier' ? mlp.spec.time.features : 0;
    return new VelocityOdeFlow(ctx, plan, ode, slots, x, dim, n, steps, method, target, exactLaw, fourier, meter);
  }

  measure(): Promise<FlowPoint> {
    const t = this.stepsDone / this.totalSteps;
    const law = this.exactLaw;
    return this.point(t, () => (law ? { w2Exact: Math.sqrt(w2sqGaussian(law(t), this.targetLaw)) } : {}));
  }

  async advance(steps: number): Promise<FlowPoint> {
    const to = this.stepsTo(steps);
    const enc = this.ctx.device.createCommandEncoder({ label: 'rectified:ode' });
    const pass = enc.beginComputePass({ label: 'rectified:ode' });
    for (let i = this.stepsDone; i < to; i++) {
      const a = this.slots.offset(2 * i);
      const b = this.slots.offset(2 * i + 1);
      this.ode.dispatch(pass, 'load', this.bind, a, this.n);
      this.plan.encodeForward(pass);
      if (this.method === 'euler') {
        this.ode.dispatch(pass, 'euler', this.bind, a, this.n);
      } else {
        this.ode.dispatch(pass, 'heun1', this.bind, a, this.n);
        this.ode.dispatch(pass, 'loadPred', this.bind, b, this.n);
        this.plan.encodeForward(pass);
        this.ode.dispatch(pass, 'heun2', this.bind, a, this.n);
      }
    }
    pass.end();
    return this.finishChunk(enc, to);
  }
}
