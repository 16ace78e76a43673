/**
 * Score-model training entirely on the GPU. One training step is either the fused step,
 *   dsm_step_fused → adam_step (2 dispatches; the default for small problems on lavapipe),
 * or the per-layer path
 *   dsm_batch → mlp_forward × (L+1) → dsm_loss → mlp_backward × L → mlp_grads → [grad_norm] → adam_step
 * (2L + 5 dispatches, + 1 with gradient clipping, + 2 with spectral normalisation: a power step
 * before the forward pass and the gradient correction through σ after the gradients); K steps are encoded into one compute pass and
 * one submit, each step selecting its StepParams slot by dynamic offset, so nothing is allocated
 * or read back inside the loop. The loss is accumulated on the GPU and read every `lossEvery` steps.
 * A seed fixes the initial weights and every minibatch (counter-based Philox keyed by the step), so
 * a run repeats bit for bit on the same adapter, and a checkpoint resumes it exactly.
 */
import { abortable, reportProgress, throwIfAborted, type RunOptions } from '../gpu/run.js';
import type { GpuContext } from '../gpu/context.js';
import type { Pacer } from '../gpu/pacing.js';
import { InputError } from '../gpu/errors.js';
import { AdamParams, AdamStepKernel } from '../kernels/adam_step.js';
import { DsmStepFusedKernel, FUSED_STORAGE_BUFFERS, FusedStepParams } from '../kernels/dsm_step_fused.js';
import { gradsPlan } from '../kernels/mlp_grads.js';
import { MlpLayerParams } from '../kernels/mlp_forward.js';
import { ACTIVATION_CODE } from '../model/layout.js';
import { DsmBatchKernel, DsmBatchParams } from '../kernels/dsm_batch.js';
import { DsmLossKernel, DsmLossParams } from '../kernels/dsm_loss.js';
import { GradNormKernel } from '../kernels/grad_norm.js';
import { SnParams, SpectralNormKernel, spectralState } from '../kernels/spectral_norm.js';
import type { InitScheme } from '../kernels/mlp_init.js';
import { UniformSlots } from '../gpu/bindings.js';
import { OUTPUT_CODE, type MlpSpec } from '../model/layout.js';
import { Mlp, TUNE_MIN_MACS, type MlpBatchPlan, type MlpKernelChoice } from './mlp.js';
import type { ForwardProcess } from '../processes/process.js';
import { splitSeed } from '../rng/philox.js';
import { dsmCoefficients, type CoefficientTable, type Weighting } from './coefficients.js';
import { adamStepScalars, StepParams } from '../model/step.js';
import type { PointCloud } from '../gpu/points.js';
import { CHECKPOINT_VERSION, encodeCheckpoint, parseCheckpoint, processSpecOf, type CheckpointHeader } from './checkpoint.js';

export interface TrainConfig {
  spec: MlpSpec;
  process: ForwardProcess;
  /** DSM weighting λ(t) (default 'none'). */
  weighting?: Weighting;
  /** 'uniform' (default) or 'antithetic' (the second half of the batch uses mirrored times). */
  timeSampling?: 'uniform' | 'antithetic';
  batch: number;
  /** 'adamw' (default: decoupled weight decay) or 'adam' (L2 added to the gradient). */
  optimizer?: 'adam' | 'adamw';
  lr?: number;
  /**
   * Cosine learning-rate decay over this many steps, from `lr` to `lr · lrFinal` (then constant);
   * 0 (default) keeps `lr` constant. Set it to the run's length to anneal: at a constant lr Adam's
   * minibatch noise keeps the DSM loss well above its optimum (paper model: 0.41 after 20 000 steps).
   */
  lrDecaySteps?: number;
  /** Final fraction of `lr` reached by the cosine decay (default 0.01). */
  lrFinal?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Default 0.01 for AdamW (PyTorch's default), 0 for Adam. */
  weightDecay?: number;
  /** Clip the global gradient norm to this value (0 = off, default). */
  gradClip?: number;
  /** EMA decay of the weights (0 = off, default). */
  ema?: number;
  /** Clamp every trainable parameter to [-c, c] after each step (0 = off, default). */
  weightClip?: number;
  /** Spectral normalisation of every weight matrix (one power-iteration step per training step). */
  spectralNorm?: boolean;
  /** Maximise the loss for the first k steps (the paper's bad-model start; default 0). */
  maximizeSteps?: number;
  seed?: number | bigint;
  init?: InitScheme;
  /** Steps encoded per submit (default 64). */
  stepsPerSubmit?: number;
  /** Read the loss every N steps (default 100; rounded to whole chunks). */
  lossEvery?: number;
  /** Rows of the coefficient table for continuous processes (default 1024). */
  tableRows?: number;
  /**
   * The fused step (it needs no spectral normalisation and 9 storage buffers per stage): minibatch,
   * forward, loss, backward and per-workgroup gradient sums in one dispatch (dsm_step_fused),
   * clipping and Adam in a second; otherwise the per-layer kernels (2L + 6 dispatches). Default: fused
   * on lavapipe when a pass does fewer than TUNE_MIN_MACS multiply-adds (the paper model at batch
   * ≤ 256), per-layer elsewhere (SwiftShader, GPUs, large problems); true or false forces one
   * (scripts/gpu-train-fused.mjs measures both).
   */
  fused?: boolean;
  /**
   * Samples per workgroup of the fused step (a multiple of 8 dividing the batch rounded up to 8;
   * default: the largest such divisor up to 64 when fused by default, batch / 8 rounded to a divisor
   * with `fused: true`). It fixes the order of the batch sums, so results depend on it (by ulps).
   */
  samplesPerWorkgroup?: number;
  /** Shapes of the per-layer kernels (default: tuned for the adapter, src/train/mlp.ts MlpBatchPlan.create). */
  kernels?: Partial<MlpKernelChoice>;
}

export interface LossPoint {
  /** Steps done when the loss was read. */
  step: number;
  /** Mean DSM loss J over the steps since the previous read. */
  loss: number;
}

interface Resolved {
  weighting: Weighting;
  antithetic: boolean;
  decoupled: boolean;
  lr: number;
  lrDecaySteps: number;
  lrFinal: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  gradClip: number;
  ema: number;
  weightClip: number;
  maximizeSteps: number;
  spectralNorm: boolean;
  seed: number | bigint;
  init: InitScheme;
  K: number;
  lossEvery: number;
}

/**
 * Defaults of training, written once: `resolve` fills a TrainConfig with them, and the front ends
 * (CLI `train`, the page) show and use these values (the paper's setting: AdamW lr 1e-3, batch 128,
 * three hidden layers of 64).
 */
export const TRAIN_DEFAULTS = {
  lr: 1e-3,
  batch: 128,
  /** Hidden width and depth of the front ends' default network. */
  width: 64,
  depth: 3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  stepsPerSubmit: 64,
  lossEvery: 100,
} as const;

function resolve(c: TrainConfig): Resolved {
  const num = (name: string, v: number | undefined, dflt: number, lo: number, hi: number, openLo = false): number => {
    const x = v ?? dflt;
    if (!Number.isFinite(x) || x < lo || x > hi || (openLo && x === lo)) throw new InputError(`train: ${name} must be in ${openLo ? '(' : '['}${lo}, ${hi}], got ${x}`);
    return x;
  };
  const optimizer = c.optimizer ?? 'adamw';
  if (optimizer !== 'adam' && optimizer !== 'adamw') throw new InputError(`train: optimizer must be 'adam' or 'adamw', got '${String(optimizer)}'`);
  const ts = c.timeSampling ?? 'uniform';
  if (ts !== 'uniform' && ts !== 'antithetic') throw new InputError(`train: timeSampling must be 'uniform' or 'antithetic', got '${String(ts)}'`);
  const K = num('stepsPerSubmit', c.stepsPerSubmit, TRAIN_DEFAULTS.stepsPerSubmit, 1, 4096);
  if (!Number.isInteger(K)) throw new InputError(`train: stepsPerSubmit must be an integer, got ${K}`);
  const lossEvery = num('lossEvery', c.lossEvery, TRAIN_DEFAULTS.lossEvery, 1, 1e9);
  return {
    weighting: c.weighting ?? 'none',
    antithetic: ts === 'antithetic',
    decoupled: optimizer === 'adamw',
    lr: num('lr', c.lr, TRAIN_DEFAULTS.lr, 0, 10, true),
    lrDecaySteps: Math.floor(num('lrDecaySteps', c.lrDecaySteps, 0, 0, 1e12)),
    lrFinal: num('lrFinal', c.lrFinal, 0.01, 0, 1),
    beta1: num('beta1', c.beta1, TRAIN_DEFAULTS.beta1, 0, 0.999999),
    beta2: num('beta2', c.beta2, TRAIN_DEFAULTS.beta2, 0, 0.99999999),
    eps: num('eps', c.eps, TRAIN_DEFAULTS.eps, 0, 1, true),
    weightDecay: num('weightDecay', c.weightDecay, optimizer === 'adamw' ? 0.01 : 0, 0, 1),
    gradClip: num('gradClip', c.gradClip, 0, 0, 1e30),
    ema: num('ema', c.ema, 0, 0, 0.999999999),
    weightClip: num('weightClip', c.weightClip, 0, 0, 1e30),
    maximizeSteps: num('maximizeSteps', c.maximizeSteps, 0, 0, 1e12),
    spectralNorm: c.spectralNorm ?? false,
    seed: c.seed ?? 0,
    init: c.init ?? 'xavier',
    K,
    lossEvery,
  };
}

export class Trainer {
  readonly mlp: Mlp;
  /** Training steps done. */
  step = 0;
  /** Dispatches encoded per training step. */
  readonly dispatchesPerStep: number;
  /**
   * Estimated global-memory bytes a step moves (parameter reads per dispatch, gradients, optimizer
   * state, the activation workspace), for the benchmark rows; not measured.
   */
  readonly bytesPerStep: number;
  /** Samples per workgroup of the fused step, or 0 when the per-layer kernels run. */
  get samplesPerWorkgroup(): number {
    return this.kernels.fused?.spw ?? 0;
  }
  private fusedParts = 0;
  private bindFused: GPUBindGroup | undefined;
  private bindAdamFused: GPUBindGroup | undefined;

  private readonly r: Resolved;
  private readonly owned: GPUBuffer[] = [];
  private readonly stepSlots: UniformSlots<StepField>;
  private readonly bindBatch: GPUBindGroup;
  private readonly bindLoss: GPUBindGroup;
  private readonly bindAdam: GPUBindGroup;
  private readonly bindNorm: GPUBindGroup | undefined;
  private readonly bindSn: GPUBindGroup | undefined;
  /** Spectral-normalisation state (u, v per layer), when on. */
  readonly snState: GPUBuffer | undefined;
  readonly grads: GPUBuffer;
  readonly m: GPUBuffer;
  readonly v: GPUBuffer;
  readonly emaBuffer: GPUBuffer;
  private readonly lossAcc: GPUBuffer;
  private lossPending = false;
  private destroyed = false;
  /** Sleeps through most of each loss readback's wait instead of polling (src/gpu/pacing.ts); units: steps. */
  private readonly pacer: Pacer;

  private constructor(
    private readonly ctx: GpuContext,
    readonly config: TrainConfig,
    mlp: Mlp,
    readonly plan: MlpBatchPlan,
    readonly coefficients: CoefficientTable,
    private readonly data: PointCloud<GPUBuffer>,
    private readonly kernels: {
      batch: DsmBatchKernel;
      loss: DsmLossKernel;
      norm: GradNormKernel | undefined;
      adam: AdamStepKernel;
      sn: SpectralNormKernel | undefined;
      fused: { step: DsmStepFusedKernel; adam: AdamStepKernel; spw: number } | undefined;
    },
  ) {
    this.mlp = mlp;
    this.r = resolve(config);
    this.pacer = ctx.pacer();
    const L = mlp.layout;
    const ws = plan.ws;
    const own = (b: GPUBuffer) => (this.owned.push(b), b);
    this.grads = own(ctx.storage('train:grads', L.size * 4));
    this.m = own(ctx.storage('train:adam-m', L.size * 4));
    this.v = own(ctx.storage('train:adam-v', L.size * 4));
    this.emaBuffer = own(ctx.storage('train:ema', L.size * 4));
    this.lossAcc = own(ctx.storage('train:loss-acc', config.spec.dim * ws.bs * 4));
    const stats = own(ctx.storage('train:grad-stats', new Float32Array([0, 1, 0, 0])));
    const coef = own(ctx.storage('train:coefficients', coefficients.data));
    plan.attachGrads(this.grads);
    this.stepSlots = new UniformSlots(ctx, 'train:step-params', StepParams, this.r.K);
    this.owned.push(this.stepSlots.buffer);

    const [lo, hi] = splitSeed(this.r.seed);
    const fourier = config.spec.time.kind === 'fourier' ? config.spec.time.features : 0;
    const ubBatch = own(ctx.uniform('dsm_batch:params', DsmBatchParams.byteSize));
    ctx.write(
      ubBatch,
      DsmBatchParams.pack({
        batch: config.batch, bs: ws.bs, dim: config.spec.dim, n_points: data.n, m_coef: coefficients.rows, fourier,
        x_off: ws.x, tgt_off: ws.target, lam_off: ws.lam, inv_t: 1 / coefficients.T, seed_lo: lo, seed_hi: hi,
      }),
    );
    this.bindBatch = kernels.batch.bind({ bp: ubBatch, st: this.stepSlots.resource, data: data.data, coef, acts: plan.acts, tidx: plan.tidx });
    const Lh = L.layers.length - 1;
    const ubLoss = own(ctx.uniform('dsm_loss:params', DsmLossParams.byteSize));
    ctx.write(ubLoss, DsmLossParams.pack({ batch: config.batch, bs: ws.bs, dim: config.spec.dim, out_off: ws.u[Lh]!, tgt_off: ws.target, lam_off: ws.lam, dout_off: ws.du[Lh]! }));
    this.bindLoss = kernels.loss.bind({ lp: ubLoss, st: this.stepSlots.resource, acts: plan.acts, loss_acc: this.lossAcc });
    if (kernels.norm) {
      const ubNorm = own(kernels.norm.params(L.trainable, this.r.gradClip));
      this.bindNorm = kernels.norm.bind({ np: ubNorm, grads: this.grads, stats });
    }
    const ubAdam = own(ctx.uniform('adam_step:params', AdamParams.byteSize));
    ctx.write(
      ubAdam,
      AdamParams.pack({ n4: L.trainable / 4, beta1: this.r.beta1, beta2: this.r.beta2, eps: this.r.eps, wd: this.r.weightDecay, clip: this.r.weightClip, ema_decay: this.r.ema }),
    );
    this.bindAdam = kernels.adam.bind({ ap: ubAdam, st: this.stepSlots.resource, params: mlp.params, grads: this.grads, m1: this.m, m2: this.v, ema: this.emaBuffer, stats });
    if (kernels.sn) {
      const { layers, state } = spectralState(L, this.r.seed);
      this.snState = own(ctx.storage('train:sn-state', state));
      const layersBuf = own(ctx.storage('train:sn-layers', layers));
      const ubSn = own(ctx.uniform('spectral_norm:params', SnParams.byteSize));
      ctx.write(ubSn, SnParams.pack({ nlayers: L.layers.length }));
      this.bindSn = kernels.sn.bind({ sp: ubSn, params: mlp.params, state: this.snState, layers: layersBuf, grads: this.grads });
    }
    if (kernels.fused) {
      const { spw } = kernels.fused;
      const parts = ws.bs / spw;
      const partials = own(ctx.storage('train:grad-partials', parts * L.trainable * 4));
      const gp = gradsPlan(L, ws);
      const segs = own(ctx.storage('train:fused-plan', gp.words));
      const layers = own(ctx.storage('train:fused-layers', new Uint32Array(MlpLayerParams.packArray(plan.layerFields))));
      const ubFused = own(ctx.uniform('dsm_step_fused:params', FusedStepParams.byteSize));
      ctx.write(
        ubFused,
        FusedStepParams.pack({
          nlayers: L.layers.length, spw, emb: L.steps > 0 ? 1 : 0, njobs: gp.jobs, nsegments: gp.segments,
          part_stride: L.trainable, dim: config.spec.dim, bs: ws.bs,
        }),
      );
      this.fusedParts = parts;
      this.bindFused = kernels.fused.step.bind({
        fp: ubFused, st: this.stepSlots.resource, bp: ubBatch, lp: ubLoss, layers, plan: segs, data: data.data, coef,
        params4: mlp.params, acts: plan.acts, tidx: plan.tidx, grads: partials, loss_acc: this.lossAcc,
      });
      const ubAdamFused = own(ctx.uniform('adam_step:params-fused', AdamParams.byteSize));
      ctx.write(
        ubAdamFused,
        AdamParams.pack({
          n4: L.trainable / 4, beta1: this.r.beta1, beta2: this.r.beta2, eps: this.r.eps, wd: this.r.weightDecay, clip: this.r.weightClip,
          ema_decay: this.r.ema, stride4: L.trainable / 4, max_norm: this.r.gradClip,
        }),
      );
      this.bindAdamFused = kernels.fused.adam.bind({ ap: ubAdamFused, st: this.stepSlots.resource, params: mlp.params, grads: partials, m1: this.m, m2: this.v, ema: this.emaBuffer, stats });
      this.dispatchesPerStep = 2;
      // Per step: the fused kernel reads the parameters once per workgroup and writes its gradient
      // slice; Adam reads the slices (twice with clipping), params, m, v (and EMA) and writes them back.
      const f = L.trainable * 4;
      this.bytesPerStep = parts * f + parts * f * (this.r.gradClip > 0 ? 2 : 1) + f * (this.r.ema > 0 ? 8 : 6) + ws.size * 4;
    } else {
      const d = plan.dispatches;
      this.dispatchesPerStep = 1 + d.forward + 1 + d.backward + d.grads + (kernels.norm ? 1 : 0) + 1 + (kernels.sn ? 2 : 0);
      // Per step: each layer dispatch reads its weights; the gradient kernel writes a gradient the
      // size of the parameters, the norm reads it, Adam reads it and params, m, v and writes them back.
      const f = L.trainable * 4;
      this.bytesPerStep = (d.forward + d.backward) * f + f + (kernels.norm ? f : 0) + f * (this.r.ema > 0 ? 8 : 6) + ws.size * 4 * 2;
    }
  }

  /** Build a trainer on `data` (points on the GPU, kept by the caller) with a fresh seeded network. */
  static async create(ctx: GpuContext, data: PointCloud<GPUBuffer>, config: TrainConfig): Promise<Trainer> {
    const r = resolve(config);
    if (!Number.isInteger(config.batch) || config.batch < 1 || config.batch > 1 << 20) throw new InputError(`train: batch must be an integer in [1, 1048576], got ${config.batch}`);
    if (data.d !== config.spec.dim) throw new InputError(`train: data has dimension ${data.d} but the network's spec.dim is ${config.spec.dim}`);
    if (!Number.isInteger(data.n) || data.n < 1) throw new InputError(`train: data must hold at least one point, got ${data.n}`);
    const table = dsmCoefficients(config.process, r.weighting, config.tableRows ?? 1024);
    if (config.spec.time.kind === 'step') {
      if (!table.discrete) throw new InputError(`train: per-step time embedding needs a discrete process (ddpm), got ${config.process.label}`);
      if (config.spec.time.steps !== table.rows) throw new InputError(`train: spec.time.steps (${config.spec.time.steps}) must equal the process's step count (${table.rows})`);
    }
    const mlp = await Mlp.create(ctx, config.spec, { seed: r.seed, init: r.init });
    let plan: MlpBatchPlan | undefined;
    try {
      plan = await mlp.plan(config.batch, mlp.params, config.kernels ?? {});
      const macs = plan.ws.bs * mlp.layout.layers.reduce((a, l) => a + l.in * l.out, 0);
      const spw = fusedSamplesPerWorkgroup(ctx, config, r, plan.ws.bs, macs);
      const [batch, loss, norm, adam, sn, fusedStep, fusedAdam] = await Promise.all([
        DsmBatchKernel.create(ctx, { discrete: table.discrete, antithetic: r.antithetic, output: OUTPUT_CODE[config.spec.output] }),
        DsmLossKernel.create(ctx),
        r.gradClip > 0 ? GradNormKernel.create(ctx) : Promise.resolve(undefined),
        AdamStepKernel.create(ctx, { decoupled: r.decoupled, clipWeights: r.weightClip > 0, ema: r.ema > 0 }),
        r.spectralNorm ? SpectralNormKernel.create(ctx) : Promise.resolve(undefined),
        spw
          ? DsmStepFusedKernel.create(ctx, {
              act: ACTIVATION_CODE[config.spec.activation], discrete: table.discrete, antithetic: r.antithetic, output: OUTPUT_CODE[config.spec.output], wg: 64,
            })
          : Promise.resolve(undefined),
        spw
          ? AdamStepKernel.create(ctx, { decoupled: r.decoupled, clipWeights: r.weightClip > 0, ema: r.ema > 0, parts: plan.ws.bs / spw, norm: r.gradClip > 0 })
          : Promise.resolve(undefined),
      ]);
      const fused = spw && fusedStep && fusedAdam ? { step: fusedStep, adam: fusedAdam, spw } : undefined;
      const t = new Trainer(ctx, config, mlp, plan, table, data, { batch, loss, norm, adam, sn, fused });
      // EMA starts at the initial weights.
      const enc = ctx.device.createCommandEncoder({ label: 'train:init' });
      enc.copyBufferToBuffer(mlp.params, 0, t.emaBuffer, 0, mlp.layout.size * 4);
      ctx.submit(enc.finish());
      return t;
    } catch (e) {
      plan?.destroy();
      mlp.destroy();
      throw e;
    }
  }

  /** Encode `count` steps (count <= stepsPerSubmit) starting at this.step into `enc`. */
  private encodeChunk(enc: GPUCommandEncoder, count: number): void {
    const r = this.r;
    for (let i = 0; i < count; i++) {
      const s = this.step + i;
      this.stepSlots.set(i, { step: s, sign: s < r.maximizeSteps ? -1 : 1, ...adamStepScalars(s + 1, lrAt(r, s), r.beta1, r.beta2, r.weightDecay) });
    }
    this.stepSlots.upload(count);
    if (this.lossPending) {
      enc.clearBuffer(this.lossAcc);
      this.lossPending = false;
    }
    const pass = enc.beginComputePass({ label: 'train:steps' });
    const fused = this.kernels.fused;
    if (fused && this.bindFused && this.bindAdamFused) {
      // With clipping every Adam workgroup recomputes the global norm (all slices, the same order in
      // each, so the count never changes the result): one workgroup per 8192 vec4 of parameters, at
      // most 4. The paper model (2641 vec4) gets one: 2.56 ms of CPU per step against 2.62 with 4.
      const adamGroups = this.r.gradClip > 0 ? Math.min(4, Math.ceil(this.mlp.layout.trainable / 4 / 8192)) : Infinity;
      for (let i = 0; i < count; i++) {
        const off = this.stepSlots.offset(i);
        fused.step.dispatch(pass, this.bindFused, off, this.fusedParts);
        fused.adam.dispatch(pass, this.bindAdamFused, off, this.mlp.layout.trainable / 4, adamGroups);
      }
      pass.end();
      return;
    }
    const bs = this.plan.ws.bs;
    const sn = this.kernels.sn;
    const nl = this.mlp.layout.layers.length;
    for (let i = 0; i < count; i++) {
      const off = this.stepSlots.offset(i);
      if (sn && this.bindSn) sn.dispatch(pass, this.bindSn, 'power', nl);
      this.kernels.batch.dispatch(pass, this.bindBatch, off, bs);
      this.plan.encodeForward(pass);
      this.kernels.loss.dispatch(pass, this.bindLoss, off, this.config.spec.dim, bs);
      this.plan.encodeBackward(pass);
      this.plan.encodeGrads(pass);
      if (sn && this.bindSn) sn.dispatch(pass, this.bindSn, 'correct', nl);
      if (this.kernels.norm && this.bindNorm) this.kernels.norm.dispatch(pass, this.bindNorm);
      this.kernels.adam.dispatch(pass, this.bindAdam, off, this.mlp.layout.trainable / 4);
    }
    pass.end();
  }

  /**
   * The DSM loss of step `step`'s minibatch at the current weights, and (optionally) its gradient
   * (the trainer's `grads` buffer layout), without updating weights or optimizer state. With
   * spectral normalisation the scales are recomputed from the stored u, v (no power step). Resets
   * the running loss sum, so call it between `train()` calls. For validation and tests.
   */
  async evaluate(step: number, withGradient = false): Promise<{ loss: number; gradient?: Float32Array }> {
    this.alive();
    if (!Number.isInteger(step) || step < 0) throw new InputError(`evaluate: step must be a non-negative integer, got ${step}`);
    const r = this.r;
    this.stepSlots.set(0, { step, sign: 1, ...adamStepScalars(step + 1, lrAt(r, step), r.beta1, r.beta2, r.weightDecay) });
    this.stepSlots.upload(1);
    const enc = this.ctx.device.createCommandEncoder({ label: 'train:evaluate' });
    enc.clearBuffer(this.lossAcc);
    const pass = enc.beginComputePass({ label: 'train:evaluate' });
    const bs = this.plan.ws.bs;
    const nl = this.mlp.layout.layers.length;
    if (this.kernels.sn && this.bindSn) this.kernels.sn.dispatch(pass, this.bindSn, 'scale', nl);
    this.kernels.batch.dispatch(pass, this.bindBatch, 0, bs);
    this.plan.encodeForward(pass);
    this.kernels.loss.dispatch(pass, this.bindLoss, 0, this.config.spec.dim, bs);
    if (withGradient) {
      this.plan.encodeBackward(pass);
      this.plan.encodeGrads(pass);
      if (this.kernels.sn && this.bindSn) this.kernels.sn.dispatch(pass, this.bindSn, 'correct', nl);
    }
    pass.end();
    const acc = new Float32Array(await this.ctx.read(this.lossAcc, 0, this.lossAcc.size, enc));
    this.lossPending = true;
    let sum = 0;
    for (const x of acc) sum += x;
    const loss = sum / this.config.batch;
    if (!withGradient) return { loss };
    return { loss, gradient: await this.ctx.readF32(this.grads, 0, this.mlp.layout.size) };
  }

  /**
   * Train `steps` more steps. Reads the loss every `lossEvery` steps (and at the end), reporting
   * progress there; cancellable between chunks. Returns the loss points read.
   */
  async train(steps: number, opts: RunOptions = {}): Promise<LossPoint[]> {
    this.alive();
    if (!Number.isInteger(steps) || steps < 0) throw new InputError(`train: steps must be a non-negative integer, got ${steps}`);
    // A previous train() that was cancelled may have left sums of steps it never read in the
    // accumulator (cancelled while awaiting the readback): start every call from a clean sum.
    this.lossPending = true;
    const out: LossPoint[] = [];
    const end = this.step + steps;
    let sinceRead = 0;
    let nextRead = Math.min(end, (Math.floor(this.step / this.r.lossEvery) + 1) * this.r.lossEvery);
    while (this.step < end) {
      throwIfAborted(opts.signal, 'train');
      const count = Math.min(this.r.K, nextRead - this.step);
      const enc = this.ctx.device.createCommandEncoder({ label: 'train' });
      this.encodeChunk(enc, count);
      this.step += count;
      sinceRead += count;
      if (this.step === nextRead) {
        const bytes = await abortable(this.ctx.read(this.lossAcc, 0, this.lossAcc.size, enc, { pacer: this.pacer, units: sinceRead }), opts.signal, 'train');
        this.lossPending = true;
        const acc = new Float32Array(bytes);
        let sum = 0;
        for (const x of acc) sum += x;
        const loss = sum / (this.config.batch * sinceRead);
        sinceRead = 0;
        out.push({ step: this.step, loss });
        reportProgress(opts, { stage: 'train', done: steps - (end - this.step), total: steps, metrics: { loss, step: this.step } });
        nextRead = Math.min(end, nextRead + this.r.lossEvery);
      } else {
        this.ctx.submit(enc.finish());
      }
    }
    return out;
  }

  /** Read the weights (or the EMA weights). */
  async readParams(which: 'params' | 'ema' = 'params'): Promise<Float32Array> {
    this.alive();
    // Without an EMA decay the EMA buffer is never updated: it would be the initial network.
    if (which === 'ema' && this.r.ema === 0) throw new InputError("this run trains without EMA (ema = 0): there are no EMA weights; read 'params', or train with ema > 0");
    return this.ctx.readF32(which === 'params' ? this.mlp.params : this.emaBuffer, 0, this.mlp.layout.size);
  }

  /** Serialise weights and optimizer state: "WFCK", version, header length, JSON header, f32 buffers. */
  async saveCheckpoint(): Promise<Uint8Array> {
    this.alive();
    const L = this.mlp.layout;
    const bufs = [this.mlp.params, this.m, this.v, this.emaBuffer, ...(this.snState ? [this.snState] : [])];
    const sizes = bufs.map((b) => (b === this.snState ? b.size / 4 : L.size));
    const arrays = await Promise.all(bufs.map((b, i) => this.ctx.readF32(b, 0, sizes[i]!)));
    const header: CheckpointHeader = {
      format: 'wasserflow-mlp-checkpoint',
      version: CHECKPOINT_VERSION,
      spec: this.config.spec,
      step: this.step,
      floats: L.size,
      buffers: ['params', 'adam_m', 'adam_v', 'ema', ...(this.snState ? ['sn_uv'] : [])],
      sizes,
      process: this.config.process.label,
      processSpec: processSpecOf(this.config.process),
      config: { ...this.config, spec: undefined, process: undefined, seed: String(this.r.seed), ema: this.r.ema },
    };
    return encodeCheckpoint(header, arrays);
  }

  /** Restore weights, optimizer state and step count from `saveCheckpoint` bytes (same spec). */
  loadCheckpoint(bytes: Uint8Array): void {
    this.alive();
    const { header, buffers } = parseCheckpoint(bytes);
    if (JSON.stringify(header.spec) !== JSON.stringify(this.config.spec)) throw new InputError('checkpoint: its network spec differs from this trainer\'s');
    if (header.floats !== this.mlp.layout.size) throw new InputError(`checkpoint: ${header.floats} floats per buffer, expected ${this.mlp.layout.size}`);
    const targets = [this.mlp.params, this.m, this.v, this.emaBuffer, ...(this.snState ? [this.snState] : [])];
    if (header.buffers.length !== targets.length) throw new InputError(`checkpoint: holds ${header.buffers.join(', ')}; this trainer needs ${targets.length} buffers (spectral normalisation ${this.snState ? 'on' : 'off'})`);
    targets.forEach((b, i) => {
      if (buffers[i]!.byteLength !== b.size && b === this.snState) throw new InputError('checkpoint: spectral-normalisation state has the wrong size');
      this.ctx.write(b, buffers[i]!);
    });
    this.step = header.step;
    this.lossPending = true;
  }

  private alive(): void {
    if (this.destroyed) throw new InputError('this trainer (training session) was destroyed: start a new one');
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const b of this.owned) this.ctx.destroyBuffer(b);
    this.owned.length = 0;
    this.plan.destroy();
    this.mlp.destroy();
  }
}

type StepField = typeof StepParams extends { pack(v: Partial<Record<infer F, number>>): ArrayBuffer } ? F & string : never;

/**
 * Samples per workgroup of the fused step, or 0 when the per-layer kernels run (spectral
 * normalisation, too few storage buffers per stage, `fused: false`, or by default a problem that
 * is not small or an adapter other than lavapipe).
 */
function fusedSamplesPerWorkgroup(ctx: GpuContext, config: TrainConfig, r: Resolved, bs: number, macs: number): number {
  if (config.fused === false || r.spectralNorm) return 0;
  if (ctx.device.limits.maxStorageBuffersPerShaderStage < FUSED_STORAGE_BUFFERS) return 0;
  if (config.samplesPerWorkgroup !== undefined) {
    const s = config.samplesPerWorkgroup;
    if (!Number.isInteger(s) || s < 8 || s % 8 !== 0 || bs % s !== 0) {
      throw new InputError(`train: samplesPerWorkgroup must be a multiple of 8 dividing ${bs} (the batch rounded up to 8), got ${s}`);
    }
    return s;
  }
  if (config.fused === true) {
    // About 8 workgroups (enough for the cores of a CPU adapter), each a multiple of 8 samples.
    let s = 8;
    while (bs % (s * 2) === 0 && bs / (s * 2) >= 8) s *= 2;
    return s;
  }
  // Default: fused on lavapipe (llvmpipe) for small problems (the paper model at batch 128: 1.1·10^6
  // multiply-adds per pass), where the per-layer path's 2L + 6 dispatches cost more than the layers:
  // on lavapipe an empty dispatch costs about 30 µs, and with 12 per step the driver's queue thread
  // alone spent 0.44 ms of CPU per step against 0.09 ms with the fused step's 2 (perf per thread).
  // Paper model, batch 128, lavapipe on the 2-core machine, runs alternated in one process: fused
  // 683 / 642 steps/s against per-layer 519 / 485 when the machine was quiet, equal (±10%) under
  // another process's load. On SwiftShader the per-layer path stayed ahead (112 vs 99 steps/s, CPU
  // 9.0 vs 9.9 ms per step), and GPUs were not measured: both keep it, as do large problems, whose
  // layer shapes are tuned and whose gradient needs no partial slices.
  if (!isLavapipe(ctx.adapter) || macs >= TUNE_MIN_MACS) return 0;
  // Up to FUSED_DEFAULT_SPW samples per workgroup: at batch 128 two workgroups, one per core of the
  // 2-core machine; fewer samples per workgroup cost more (each workgroup's partial gradient is summed
  // over fewer samples, and Adam adds more slices). Fixed by the batch alone, so a seed gives the same
  // bits on every machine with the same adapter.
  let s = 8;
  for (let c = 16; c <= FUSED_DEFAULT_SPW; c += 8) if (bs % c === 0) s = c;
  return s;
}

/** Mesa's CPU Vulkan driver (lavapipe, reported as llvmpipe), where the fused step is the default. */
export function isLavapipe(a: { vendor: string; architecture: string; description: string; device: string }): boolean {
  return /llvmpipe|lavapipe/i.test(`${a.vendor} ${a.architecture} ${a.description} ${a.device}`);
}

/** Largest samples-per-workgroup the default fused step takes (see fusedSamplesPerWorkgroup). */
export const FUSED_DEFAULT_SPW = 64;

/** The learning rate of 0-based step s: constant, or the cosine decay to lr·lrFinal over lrDecaySteps. */
function lrAt(r: Resolved, s: number): number {
  if (r.lrDecaySteps <= 0) return r.lr;
  const f = Math.min(s, r.lrDecaySteps) / r.lrDecaySteps;
  return r.lr * (r.lrFinal + (1 - r.lrFinal) * 0.5 * (1 + Math.cos(Math.PI * f)));
}
