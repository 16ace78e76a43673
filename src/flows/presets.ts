/**
 * The flows' demonstration set-ups (DESIGN.md's Gaussians), shared by the CLI (`wasserflow flow`)
 * and the page's Flows tab: each preset builds a ready FlowRunner plus a sample of its target for
 * plotting. Every preset owns what it allocates: call `destroy()` on the preset, not the runner.
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import type { MonoH } from '../kernels/flow_gauss_ratio.js';
import { sampleGaussianCloud } from './clouds.js';
import type { FlowRunner } from './flow.js';
import { gaussian, matmul, rectifiedGaussianMap, transpose } from './gaussian.js';
import { ParticleMonoFlow } from './monoflow.js';
import { GeneratorMonoFlow, type GeneratorLoss } from './monoflow_generator.js';
import { GaussianMonoFlow } from './monoflow_gaussian.js';
import { RectifiedFlow } from './rectified.js';
import { brownianBridge, heatFlow, schrodingerBridge, vpFlow } from './sde_flows.js';
import type { ProgressEvent } from '../gpu/run.js';
import type { AffineGenerator } from './monoflow_gaussian.js';
import type { Gaussian } from './gaussian.js';
import type { OdeMethod, RectifiedLossPoint } from './rectified.js';
import { DEFAULT_FLOW_BLUR, type FlowW2Options } from './w2_measure.js';

/** Source of the rectified flow and the bridges. */
export const SOURCE = gaussian([0, 0], [1, 0, 0, 1]);
/** Target of the rectified flow and the bridges. */
export const TARGET = gaussian([2, -1], [0.6, -0.2, -0.2, 1.4]);
/** Start of the heat and VP flows. */
export const START = gaussian([1, -2], [0.5, 0.2, 0.2, 0.3]);
/** MonoFlow's affine toy: from x = μ + Lz with μ = (1, 1), L = I to this target. */
export const TOY_TARGET = gaussian([0, 0], [1, 0.8, 0.8, 0.89]);
export const TOY_START = gaussian([1, 1], [1, 0, 0, 1]);

export const PRESET_KINDS = ['monoflow', 'monoflow-particles', 'monoflow-generator', 'rectified', 'bridge', 'schrodinger', 'heat', 'vp'] as const;
export type PresetKind = (typeof PRESET_KINDS)[number];

/** `w2: 'auto'` measures with Sinkhorn up to this many points (it costs n² per iteration), else with the moment bound. */
export const FLOW_W2_AUTO_MAX_POINTS = 2048;

/** The presets' defaults: particles and the steps of each kind (rounds, moves, ODE or SDE steps). */
export const PRESET_DEFAULTS = {
  n: 1024,
  seed: 1,
  steps: { monoflow: 300, 'monoflow-particles': 60, 'monoflow-generator': 200, rectified: 20, bridge: 100, schrodinger: 100, heat: 100, vp: 100 },
  trainSteps: 1500,
} as const;

export interface PresetOptions extends Omit<FlowW2Options, 'w2'> {
  /** Particles (default 1024). */
  n?: number;
  /** Steps (rounds / moves / ODE or SDE steps); each kind has its own default (PRESET_DEFAULTS.steps). */
  steps?: number;
  seed?: number;
  /**
   * W2 estimator: 'sinkhorn' (the flows' default), 'moment' (Bures bound), or 'auto': Sinkhorn when
   * the cloud measured has at most FLOW_W2_AUTO_MAX_POINTS points (the particle MonoFlows measure
   * against at least 2000 data points), else the moment bound.
   */
  w2?: 'auto' | 'sinkhorn' | 'moment';
  /** MonoFlow's h (default identity) and the shift C of its softplus (default 0). */
  h?: MonoH;
  shift?: number;
  /** MonoFlow step ε (exact ratio: of the regression loss; particles and generator: of the move). Default 0.1. */
  eps?: number;
  /** Learning rate: MonoFlow (exact ratio) 0.01, the discriminator flows' D 2e-3, rectified flow's velocity 2e-3. */
  lr?: number;
  /** MonoFlow (exact ratio): optimizer of the affine generator (default 'adam'), its loss (default 'gan'), steps per round (default 1). */
  optimizer?: 'adam' | 'sgd';
  loss?: 'gan' | 'regression';
  generatorSteps?: number;
  /** Discriminator flows: D steps per move or round (default 20). */
  discSteps?: number;
  /** MonoFlow generator: its loss (default 'regression'), Adam steps per round (default 1) and their learning rate (default 1e-3). */
  genLoss?: GeneratorLoss;
  genSteps?: number;
  genLr?: number;
  /** Rectified flow: Adam steps of velocity matching before transport (default 1500), the loss read every `lossEvery` of them, progress of that training. */
  trainSteps?: number;
  lossEvery?: number;
  onTrainProgress?: (e: ProgressEvent) => void;
  /** Rectified flow: the ODE method (default 'heun'); `reflow`: one reflow (retrain on its own couplings) before transport. */
  method?: OdeMethod;
  reflow?: boolean;
  /** Bridges: σ (Brownian default 1, Schrödinger 0.5). Heat and VP flows: the horizon T (default 1 and 3). */
  sigma?: number;
  T?: number;
}

export interface FlowPreset {
  flow: FlowRunner;
  /** A sample of the target (n × 2), or of the start for the heat flow (its W2 is to the start). */
  target: Float32Array;
  /** One line describing the set-up. */
  title: string;
  /** The Sinkhorn blur the flow measures with (a fraction of the data diameter), when it measures with Sinkhorn. */
  blur?: number;
  /** What the set-up did besides the flow: rectified flow's training losses (and after a reflow), the generator's loss and steps. */
  details: { trainLoss?: RectifiedLossPoint[]; reflowLoss?: RectifiedLossPoint[]; generator?: { loss: GeneratorLoss; steps: number } };
  /** MonoFlow with the exact ratio: the affine generator (μ, L) and its law N(μ, LLᵀ) now. */
  generator?: () => Promise<AffineGenerator>;
  law?: () => Promise<Gaussian>;
  destroy(): void;
}

/** Build the demonstration flow `kind` (2-D). */
export async function createPreset(ctx: GpuContext, kind: PresetKind, o: PresetOptions = {}): Promise<FlowPreset> {
  if (!PRESET_KINDS.includes(kind)) throw new InputError(`flow preset: expected one of ${PRESET_KINDS.join(', ')}, got '${kind}'`);
  const n = o.n ?? PRESET_DEFAULTS.n;
  const seed = o.seed ?? PRESET_DEFAULTS.seed;
  const steps = o.steps ?? PRESET_DEFAULTS.steps[kind];
  const dataSeed = seed + 0x9e3779b9;
  const measured = kind === 'monoflow-particles' || kind === 'monoflow-generator' ? Math.max(n, 2000) : n;
  const estimator = o.w2 === 'auto' ? (measured <= FLOW_W2_AUTO_MAX_POINTS ? 'sinkhorn' : 'moment') : o.w2;
  const w2: FlowW2Options = { ...(estimator ? { w2: estimator } : {}), ...(o.blur ? { blur: o.blur } : {}) };
  const blur = estimator === 'moment' ? undefined : (o.blur || DEFAULT_FLOW_BLUR);
  const h = o.h ?? 'identity';
  const shift = o.shift ?? 0;
  const eps = o.eps ?? 0.1;
  const discSteps = o.discSteps ?? 20;
  const own = (flow: FlowRunner, target: Float32Array, title: string, extra: { destroy(): void }[] = [], more: Partial<FlowPreset> = {}): FlowPreset => ({
    flow,
    target,
    title,
    ...(blur !== undefined ? { blur } : {}),
    details: {},
    ...more,
    destroy: () => {
      flow.destroy();
      for (const e of extra) e.destroy();
    },
  });
  switch (kind) {
    case 'monoflow': {
      const flow = await GaussianMonoFlow.create(ctx, {
        target: TOY_TARGET, mu: [1, 1], L: [1, 0, 0, 1], h, shift, n, iterations: steps, seed, loss: o.loss ?? 'gan', generatorSteps: o.generatorSteps ?? 1, eps,
        optimizer: { kind: o.optimizer ?? 'adam', lr: o.lr ?? 0.01 }, ...w2,
      });
      return own(flow, sampleGaussianCloud(TOY_TARGET, n, dataSeed, 1), `MonoFlow, exact log-ratio, h = ${h}: affine generator from N((1,1), I) to N(0, [[1,.8],[.8,.89]])`, [], {
        generator: () => flow.generator(),
        law: () => flow.law(),
      });
    }
    case 'monoflow-particles': {
      const data = sampleGaussianCloud(TOY_TARGET, Math.max(n, 2000), dataSeed, 1);
      const flow = await ParticleMonoFlow.create(ctx, {
        data, particles: sampleGaussianCloud(TOY_START, n, dataSeed, 2), dim: 2, h, shift, eps, moves: steps, discSteps, lr: o.lr ?? 2e-3, hidden: [32, 32], seed, ...w2,
      });
      return own(flow, data, `MonoFlow particles x += ε∇h(D(x)), discriminator D ≈ log p/q, h = ${h}`);
    }
    case 'monoflow-generator': {
      const data = sampleGaussianCloud(TOY_TARGET, Math.max(n, 2000), dataSeed, 1);
      const genLoss = o.genLoss ?? 'regression';
      const genSteps = o.genSteps ?? 1;
      const flow = await GeneratorMonoFlow.create(ctx, { data, dim: 2, n, h, shift, eps, rounds: steps, discSteps, lr: o.lr ?? 2e-3, genLoss, genSteps, genLr: o.genLr ?? 1e-3, seed, ...w2 });
      return own(flow, data, `MonoFlow generator g(z) (${genLoss} loss, ${genSteps} step${genSteps > 1 ? 's' : ''} per round) against D ≈ log p/q, h = ${h}`, [], {
        details: { generator: { loss: genLoss, steps: genSteps } },
      });
    }
    case 'rectified': {
      const source = sampleGaussianCloud(SOURCE, n, dataSeed, 1);
      const target = sampleGaussianCloud(TARGET, n, dataSeed, 2);
      const method = o.method ?? 'heun';
      const trainSteps = o.trainSteps ?? PRESET_DEFAULTS.trainSteps;
      const trained: RectifiedFlow[] = [];
      try {
        let rf = await RectifiedFlow.create(ctx, { source, target, dim: 2, lr: o.lr ?? 2e-3, seed });
        trained.push(rf);
        const lossOpts = { ...(o.lossEvery !== undefined ? { lossEvery: o.lossEvery } : {}) };
        const details: FlowPreset['details'] = { trainLoss: await rf.train(trainSteps, { ...lossOpts, ...(o.onTrainProgress ? { onProgress: o.onTrainProgress } : {}) }) };
        if (o.reflow) {
          rf = await rf.reflow({ odeSteps: steps, method });
          trained.push(rf);
          details.reflowLoss = await rf.train(trainSteps, lossOpts);
        }
        const exactLaw = (t: number) => {
          const { c, m } = rectifiedGaussianMap(TARGET, t);
          return { mean: c, cov: matmul(m, transpose(m, 2), 2) };
        };
        const flow = await rf.transport({ steps, method, exactLaw, target, ...w2 });
        return own(flow, target, `rectified flow N(0, I) → N((2,-1), Σ), MLP velocity, ${method === 'heun' ? 'Heun' : 'Euler'}${o.reflow ? ', one reflow' : ''}`, trained, { details });
      } catch (e) {
        for (const rf of trained) rf.destroy();
        throw e;
      }
    }
    case 'bridge':
    case 'schrodinger': {
      const x0 = sampleGaussianCloud(SOURCE, n, dataSeed, 1);
      const x1 = sampleGaussianCloud(TARGET, n, dataSeed, 2);
      const sigma = o.sigma ?? (kind === 'bridge' ? 1 : 0.5);
      const flow =
        kind === 'bridge'
          ? await brownianBridge(ctx, { x0, x1, dim: 2, sigma, steps, seed, ...w2 })
          : await schrodingerBridge(ctx, { source: x0, target: x1, dim: 2, sigma, steps, seed, ...w2 });
      return own(flow, x1, kind === 'bridge' ? `Brownian bridge N(0, I) → paired samples of N((2,-1), Σ), σ = ${sigma}` : `Gaussian Schrödinger bridge N(0, I) → N((2,-1), Σ), σ = ${sigma}`);
    }
    case 'heat':
    case 'vp': {
      const x0 = sampleGaussianCloud(START, n, dataSeed, 3);
      if (kind === 'heat') return own(await heatFlow(ctx, { x0, dim: 2, T: o.T ?? 1, steps, seed, ...w2 }), x0, 'heat flow dx = √2 dw from N((1,-2), Σ): W2 travelled from the start');
      return own(await vpFlow(ctx, { x0, dim: 2, T: o.T ?? 3, steps, seed, ...w2 }), sampleGaussianCloud(SOURCE, n, dataSeed, 4), 'VP (Ornstein–Uhlenbeck) flow from N((1,-2), Σ) to N(0, I)');
    }
  }
}
