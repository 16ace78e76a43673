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
import type { FlowW2Options } from './w2_measure.js';

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

export interface PresetOptions extends FlowW2Options {
  /** Particles (default 1024). */
  n?: number;
  /** Steps (rounds / moves / ODE or SDE steps); each kind has its own default. */
  steps?: number;
  seed?: number;
  /** MonoFlow's h (default identity). */
  h?: MonoH;
  /** MonoFlow generator: its loss (default 'regression') and Adam steps per round (default 1). */
  genLoss?: GeneratorLoss;
  genSteps?: number;
  /** Rectified flow: Adam steps of velocity matching before transport (default 1500). */
  trainSteps?: number;
}

export interface FlowPreset {
  flow: FlowRunner;
  /** A sample of the target (n × 2), or of the start for the heat flow (its W2 is to the start). */
  target: Float32Array;
  /** One line describing the set-up. */
  title: string;
  destroy(): void;
}

/** Build the demonstration flow `kind` (2-D). */
export async function createPreset(ctx: GpuContext, kind: PresetKind, o: PresetOptions = {}): Promise<FlowPreset> {
  if (!PRESET_KINDS.includes(kind)) throw new InputError(`flow preset: expected one of ${PRESET_KINDS.join(', ')}, got '${kind}'`);
  const n = o.n ?? 1024;
  const seed = o.seed ?? 1;
  const dataSeed = seed + 0x9e3779b9;
  const w2: FlowW2Options = { ...(o.w2 ? { w2: o.w2 } : {}), ...(o.blur ? { blur: o.blur } : {}) };
  const h = o.h ?? 'identity';
  const own = (flow: FlowRunner, target: Float32Array, title: string, extra: { destroy(): void }[] = []): FlowPreset => ({
    flow,
    target,
    title,
    destroy: () => {
      flow.destroy();
      for (const e of extra) e.destroy();
    },
  });
  switch (kind) {
    case 'monoflow': {
      const flow = await GaussianMonoFlow.create(ctx, { target: TOY_TARGET, mu: [1, 1], L: [1, 0, 0, 1], h, n, iterations: o.steps ?? 300, seed, optimizer: { kind: 'adam', lr: 0.01 }, ...w2 });
      return own(flow, sampleGaussianCloud(TOY_TARGET, n, dataSeed, 1), `MonoFlow, exact log-ratio, h = ${h}: affine generator from N((1,1), I) to N(0, [[1,.8],[.8,.89]])`);
    }
    case 'monoflow-particles': {
      const data = sampleGaussianCloud(TOY_TARGET, Math.max(n, 2000), dataSeed, 1);
      const flow = await ParticleMonoFlow.create(ctx, {
        data, particles: sampleGaussianCloud(TOY_START, n, dataSeed, 2), dim: 2, h, eps: 0.1, moves: o.steps ?? 60, discSteps: 20, lr: 2e-3, hidden: [32, 32], seed, ...w2,
      });
      return own(flow, data, `MonoFlow particles x += ε∇h(D(x)), discriminator D ≈ log p/q, h = ${h}`);
    }
    case 'monoflow-generator': {
      const data = sampleGaussianCloud(TOY_TARGET, Math.max(n, 2000), dataSeed, 1);
      const genLoss = o.genLoss ?? 'regression';
      const genSteps = o.genSteps ?? 1;
      const flow = await GeneratorMonoFlow.create(ctx, { data, dim: 2, n, h, eps: 0.1, rounds: o.steps ?? 200, discSteps: 20, lr: 2e-3, genLoss, genSteps, genLr: 1e-3, seed, ...w2 });
      return own(flow, data, `MonoFlow generator g(z) (${genLoss} loss, ${genSteps} step${genSteps > 1 ? 's' : ''} per round) against D ≈ log p/q, h = ${h}`);
    }
    case 'rectified': {
      const source = sampleGaussianCloud(SOURCE, n, dataSeed, 1);
      const target = sampleGaussianCloud(TARGET, n, dataSeed, 2);
      const rf = await RectifiedFlow.create(ctx, { source, target, dim: 2, lr: 2e-3, seed });
      try {
        await rf.train(o.trainSteps ?? 1500);
        const exactLaw = (t: number) => {
          const { c, m } = rectifiedGaussianMap(TARGET, t);
          return { mean: c, cov: matmul(m, transpose(m, 2), 2) };
        };
        const flow = await rf.transport({ steps: o.steps ?? 20, method: 'heun', exactLaw, target, ...w2 });
        return own(flow, target, 'rectified flow N(0, I) → N((2,-1), Σ), MLP velocity, Heun', [rf]);
      } catch (e) {
        rf.destroy();
        throw e;
      }
    }
    case 'bridge':
    case 'schrodinger': {
      const x0 = sampleGaussianCloud(SOURCE, n, dataSeed, 1);
      const x1 = sampleGaussianCloud(TARGET, n, dataSeed, 2);
      const steps = o.steps ?? 100;
      const flow =
        kind === 'bridge'
          ? await brownianBridge(ctx, { x0, x1, dim: 2, sigma: 1, steps, seed, ...w2 })
          : await schrodingerBridge(ctx, { source: x0, target: x1, dim: 2, sigma: 0.5, steps, seed, ...w2 });
      return own(flow, x1, kind === 'bridge' ? 'Brownian bridge N(0, I) → paired samples of N((2,-1), Σ), σ = 1' : 'Gaussian Schrödinger bridge N(0, I) → N((2,-1), Σ), σ = 0.5');
    }
    case 'heat':
    case 'vp': {
      const x0 = sampleGaussianCloud(START, n, dataSeed, 3);
      const steps = o.steps ?? 100;
      if (kind === 'heat') return own(await heatFlow(ctx, { x0, dim: 2, T: 1, steps, seed, ...w2 }), x0, 'heat flow dx = √2 dw from N((1,-2), Σ): W2 travelled from the start');
      return own(await vpFlow(ctx, { x0, dim: 2, T: 3, steps, seed, ...w2 }), sampleGaussianCloud(SOURCE, n, dataSeed, 4), 'VP (Ornstein–Uhlenbeck) flow from N((1,-2), Σ) to N(0, I)');
    }
  }
}
