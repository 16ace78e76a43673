/**
 * Diffusion flows on particle clouds, each step an exact Gaussian transition (flow_sde_step):
 *
 * - Brownian bridge between paired endpoints, dx = (x1 − x)/(1 − t) dt + σ dw on [0, 1]: marginal
 *   x_t ~ N((1−t) x0 + t x1, σ² t(1−t) I) per pair. Step h from t: mean x + h/(1−t)(x1 − x),
 *   variance σ² h(1−t−h)/(1−t) (exact, so the last step lands on x1).
 * - Gaussian Schrödinger bridge between two clouds: the SB for Brownian reference σ² is the mixture
 *   of Brownian bridges over the entropic-OT coupling with ε = 2σ² (Bunne et al. 2023; Mallasto et
 *   al. 2021). Both clouds are summarised by their moments, endpoints x1 are drawn from the
 *   closed-form Gaussian coupling's conditional x1 | x0 (flow_affine), then bridged.
 * - Heat flow, dx = √2 dw: the Wasserstein gradient flow of the negative entropy ∫ p log p
 *   (Jordan, Kinderlehrer & Otto 1998). Energy −H of the moment-matched Gaussian.
 * - VP flow, dx = −x dt + √2 dw (Ornstein–Uhlenbeck): the gradient flow of KL(p || N(0, I)); the
 *   score-model VP SDE dx = −½β x dt + √β dw is the same flow in time ∫β/2. Energy KL to N(0, I).
 *
 * All run in chunks: one submit per chunk, the cloud read back at its end for the energy (Gaussian
 * moments); W2 is measured by a FlowW2 (w2_measure.ts: exact in 1-D, debiased Sinkhorn on the GPU
 * buffer of the particles in d ≥ 2 by default, or the moment bound).
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { checkInteger, checkPositive, toPoints } from '../gpu/validate.js';
import { FlowAffine } from '../kernels/flow_affine.js';
import { FlowSdeStep, type SdeStepCoefs, type SdeStepPlan } from '../kernels/flow_sde_step.js';
import { sampleGaussianCloud } from './clouds.js';
import { type FlowKind, type FlowPoint } from './flow.js';
import { checkW2Options, FlowW2, type FlowW2Options } from './w2_measure.js';
import { ParticleFlow } from './particle_flow.js';
import {
  add,
  cloudMoments,
  couplingConditional,
  entropicCrossCov,
  entropyGaussian,
  eye,
  klGaussian,
  schrodingerMarginal,
  w2sqGaussian,
  type Gaussian,
} from './gaussian.js';

/** Per-step coefficients of the exact Brownian-bridge transition on t_k = k/steps. */
export function bridgeSteps(steps: number, sigma: number): SdeStepCoefs[] {
  return Array.from({ length: steps }, (_, k) => {
    const t = k / steps;
    const h = 1 / steps;
    const rest = 1 - t;
    return { a: 1, k: h / rest, s: sigma * Math.sqrt(Math.max(0, (h * (rest - h)) / rest)), stream: k };
  });
}

/** Heat flow dx = √2 dw: x ← x + √(2h) ξ. */
export function heatSteps(steps: number, T: number): SdeStepCoefs[] {
  const h = T / steps;
  return Array.from({ length: steps }, (_, k) => ({ a: 1, k: 0, s: Math.sqrt(2 * h), stream: k }));
}

/** OU flow dx = −x dt + √2 dw: x ← e^−h x + √(1 − e^−2h) ξ. */
export function vpSteps(steps: number, T: number): SdeStepCoefs[] {
  const h = T / steps;
  return Array.from({ length: steps }, (_, k) => ({ a: Math.exp(-h), k: 0, s: Math.sqrt(-Math.expm1(-2 * h)), stream: k }));
}

/** The flow's other trace fields (exact W2 of the law, energies) from the read-back cloud. */
type Measure = (cloud: Float32Array, t: number) => Omit<FlowPoint, 'step' | 't' | 'w2' | 'w2Estimator' | 'w2Moment'>;

/** A flow made of planned flow_sde_step transitions. */
export class SdeFlow extends ParticleFlow {
  constructor(
    ctx: GpuContext,
    readonly kind: FlowKind,
    dim: number,
    n: number,
    /** Virtual time after k steps. */
    private readonly timeOf: (k: number) => number,
    readonly energyName: string,
    /** What W2 is measured to, e.g. 'the x1 cloud'. */
    w2Target: string,
    x: GPUBuffer,
    private readonly plan: SdeStepPlan,
    meter: FlowW2,
    private readonly measureCloud: Measure,
    owned: GPUBuffer[],
  ) {
    super(ctx, x, meter, dim, n, w2Target);
    this.ownedObjects.push(plan);
    this.ownedBuffers.push(...owned);
  }

  get totalSteps(): number {
    return this.plan.steps;
  }

  measure(): Promise<FlowPoint> {
    const t = this.timeOf(this.stepsDone);
    return this.point(t, (cloud) => this.measureCloud(cloud, t));
  }

  async advance(steps: number): Promise<FlowPoint> {
    const to = this.stepsTo(steps);
    const enc = this.ctx.device.createCommandEncoder({ label: `${this.kind}:chunk` });
    this.plan.encode(enc, this.stepsDone, to);
    return this.finishChunk(enc, to);
  }
}

/** Plan steps on buffers already created; release them if planning fails. */
function planOrRelease(ctx: GpuContext, make: () => SdeStepPlan, owned: GPUBuffer[]): SdeStepPlan {
  try {
    return make();
  } catch (e) {
    for (const b of owned) ctx.destroyBuffer(b);
    throw e;
  }
}

/** Steps of an SDE flow: an integer in [1, 10^6]. */
const MAX_FLOW_STEPS = 1_000_000;

/** Make the flow's W2 meter, releasing the plan and buffers if that fails. */
async function meterOrRelease(ctx: GpuContext, plan: SdeStepPlan, owned: GPUBuffer[], make: () => Promise<FlowW2>): Promise<FlowW2> {
  try {
    return await make();
  } catch (e) {
    plan.destroy();
    for (const b of owned) ctx.destroyBuffer(b);
    throw e;
  }
}

/** Seed of the fixed reference sample of a target law (its own Philox stream, apart from the flow's noise). */
const REFERENCE_STREAM = 0x7ffffffe;

export interface BridgeOptions extends FlowW2Options {
  /** Start points, n×d. */
  x0: Float32Array;
  /** Paired end points, n×d. */
  x1: Float32Array;
  dim: number;
  /** Brownian noise level σ (default 1). */
  sigma?: number;
  steps?: number;
  seed?: number;
}

/** Brownian bridge between paired endpoints; W2 is measured to the x1 cloud. */
export async function brownianBridge(ctx: GpuContext, o: BridgeOptions): Promise<SdeFlow> {
  const d = o.dim;
  const n = toPoints('bridge x0', o.x0, d).n;
  if (toPoints('bridge x1', o.x1, d).n !== n) throw new InputError(`bridge: x0 has ${n} points but x1 has ${o.x1.length / d}`);
  const sigma = o.sigma ?? 1;
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new InputError(`bridge: sigma must be finite and >= 0, got ${sigma}`);
  const steps = o.steps ?? 100;
  checkInteger('bridge: steps', steps, 1, MAX_FLOW_STEPS);
  checkW2Options(o, 'bridge');
  const kernel = await FlowSdeStep.create(ctx);
  const x = ctx.storage('bridge:x', o.x0);
  const y = ctx.storage('bridge:x1', o.x1);
  const targetLaw = cloudMoments(o.x1, d);
  const plan = planOrRelease(ctx, () => kernel.plan(x, n * d, bridgeSteps(steps, sigma), { seed: o.seed ?? 1, y }), [x, y]);
  const meter = await meterOrRelease(ctx, plan, [x, y], () => FlowW2.create(ctx, d, n, o.x1, targetLaw, o));
  return new SdeFlow(ctx, 'bridge', d, n, (k) => k / steps, '', 'the x1 cloud', x, plan, meter, () => ({}), [x, y]);
}

export interface SchrodingerOptions extends FlowW2Options {
  /** Source cloud, n×d. */
  source: Float32Array;
  /** Target cloud, m×d (summarised by its moments). */
  target: Float32Array;
  dim: number;
  /** Reference Brownian noise σ; the static problem is entropic OT with ε = 2σ². */
  sigma: number;
  steps?: number;
  seed?: number;
}

/**
 * Gaussian Schrödinger bridge between the moment-matched Gaussians of two clouds, run on the
 * source cloud's points: endpoints from the closed-form entropic coupling, then Brownian bridges.
 * `w2Exact` is the Bures W2 of the closed-form SB marginal to the target law.
 */
export async function schrodingerBridge(ctx: GpuContext, o: SchrodingerOptions): Promise<SdeFlow & { readonly source: Gaussian; readonly targetLaw: Gaussian }> {
  const d = o.dim;
  const n = toPoints('schrodinger source', o.source, d).n;
  toPoints('schrodinger target', o.target, d).n;
  checkPositive('schrodinger: sigma', o.sigma);
  const steps = o.steps ?? 100;
  checkInteger('schrodinger: steps', steps, 1, MAX_FLOW_STEPS);
  checkW2Options(o, 'schrodinger');
  const p = cloudMoments(o.source, d);
  const q = cloudMoments(o.target, d);
  const cross = entropicCrossCov(p, q, o.sigma);
  const cond = couplingConditional(p, q, cross);
  const [kernel, affine] = [await FlowSdeStep.create(ctx), FlowAffine.create(ctx)];
  const x = ctx.storage('schrodinger:x', o.source);
  const y = ctx.storage('schrodinger:x1', n * d * 4);
  try {
    // Endpoint noise on its own counter row, far from the bridge steps' rows 0..steps-1.
    await affine.run(x, y, n, d, cond, { seed: o.seed ?? 1, stream: 0x7fffffff });
  } catch (e) {
    ctx.destroyBuffer(x);
    ctx.destroyBuffer(y);
    throw e;
  }
  const plan = planOrRelease(ctx, () => kernel.plan(x, n * d, bridgeSteps(steps, o.sigma), { seed: o.seed ?? 1, y }), [x, y]);
  const meter = await meterOrRelease(ctx, plan, [x, y], () => FlowW2.create(ctx, d, n, o.target, q, o));
  const flow = new SdeFlow(ctx, 'schrodinger', d, n, (k) => k / steps, '', 'the target cloud', x, plan, meter,
    (_cloud, t) => ({ w2Exact: Math.sqrt(w2sqGaussian(schrodingerMarginal(p, q, o.sigma, t), q)) }), [x, y]);
  return Object.assign(flow, { source: p, targetLaw: q });
}

export interface DiffusionOptions extends FlowW2Options {
  /** Start cloud, n×d. */
  x0: Float32Array;
  dim: number;
  /** Final virtual time (default 1 for heat, 3 for VP). */
  T?: number;
  steps?: number;
  seed?: number;
}

/** Closed-form law of the heat flow from N(m, C): N(m, C + 2t I). */
export function heatLaw(p0: Gaussian, t: number): Gaussian {
  const d = p0.mean.length;
  return { mean: Float64Array.from(p0.mean), cov: add(p0.cov, eye(d), 2 * t) };
}

/** Closed-form law of the OU flow from N(m, C): N(e^−t m, e^−2t C + (1 − e^−2t) I). */
export function vpLaw(p0: Gaussian, t: number): Gaussian {
  const d = p0.mean.length;
  const a = Math.exp(-t);
  return { mean: Float64Array.from(p0.mean, (v) => a * v), cov: add(eye(d), p0.cov, a * a, -Math.expm1(-2 * t)) };
}

/** What the heat and the VP flow differ in; `diffusionFlow` builds either. */
interface Diffusion {
  kind: 'heat' | 'vp';
  /** Default final time. */
  T: number;
  coefs: (steps: number, T: number) => SdeStepCoefs[];
  energyName: string;
  w2Target: string;
  /** What W2 is measured to: a cloud (or a maker of one) and its law. */
  reference: (x0: Float32Array, p0: Gaussian, n: number, seed: number) => { cloud: Float32Array | (() => Float32Array); law: Gaussian };
  /** The closed-form law at t from N(m, C). */
  law: (p0: Gaussian, t: number) => Gaussian;
  /** The energy of a Gaussian (given the reference law). */
  energy: (g: Gaussian, reference: Gaussian) => number;
}

async function diffusionFlow(ctx: GpuContext, o: DiffusionOptions, f: Diffusion): Promise<SdeFlow> {
  const d = o.dim;
  const n = toPoints(`${f.kind} x0`, o.x0, d).n;
  const T = o.T ?? f.T;
  checkPositive(`${f.kind}: T`, T);
  const steps = o.steps ?? 100;
  checkInteger(`${f.kind}: steps`, steps, 1, MAX_FLOW_STEPS);
  checkW2Options(o, f.kind);
  const p0 = cloudMoments(o.x0, d);
  const seed = o.seed ?? 1;
  const ref = f.reference(o.x0, p0, n, seed);
  const kernel = await FlowSdeStep.create(ctx);
  const x = ctx.storage(`${f.kind}:x`, o.x0);
  const plan = planOrRelease(ctx, () => kernel.plan(x, n * d, f.coefs(steps, T), { seed }), [x]);
  const meter = await meterOrRelease(ctx, plan, [x], () => FlowW2.create(ctx, d, n, ref.cloud, ref.law, o));
  return new SdeFlow(ctx, f.kind, d, n, (k) => (k * T) / steps, f.energyName, f.w2Target, x, plan, meter,
    (cloud, t) => ({
      w2Exact: Math.sqrt(w2sqGaussian(f.law(p0, t), ref.law)),
      energy: f.energy(cloudMoments(cloud, d), ref.law),
      energyExact: f.energy(f.law(p0, t), ref.law),
    }), [x]);
}

/**
 * Heat flow. W2 is measured to the start law (the distance travelled, W2(p0, p_t)); the energy is the
 * negative entropy of the cloud's moment-matched Gaussian, `energyExact` that of N(m, C0 + 2tI).
 */
export function heatFlow(ctx: GpuContext, o: DiffusionOptions): Promise<SdeFlow> {
  return diffusionFlow(ctx, o, {
    kind: 'heat', T: 1, coefs: heatSteps, energyName: '−H (negative entropy, Gaussian moments)', w2Target: 'the start cloud',
    reference: (x0, p0) => ({ cloud: x0, law: p0 }),
    law: heatLaw,
    energy: (g) => -entropyGaussian(g),
  });
}

/** VP (OU) flow towards N(0, I); energy KL(· || N(0, I)) of the moment-matched Gaussian. */
export function vpFlow(ctx: GpuContext, o: DiffusionOptions): Promise<SdeFlow> {
  return diffusionFlow(ctx, o, {
    kind: 'vp', T: 3, coefs: vpSteps, energyName: 'KL(p_t || N(0, I)) (Gaussian moments)', w2Target: 'a sample of N(0, I)',
    reference: (_x0, p0, n, seed) => {
      const prior: Gaussian = { mean: new Float64Array(p0.mean.length), cov: eye(p0.mean.length) };
      return { cloud: () => sampleGaussianCloud(prior, n, seed, REFERENCE_STREAM), law: prior };
    },
    law: vpLaw,
    energy: klGaussian,
  });
}
