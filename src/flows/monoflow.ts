/**
 * MonoFlow with an estimated log ratio (Yi et al., ICML 2023): particles follow
 *   x ← x + ε ∇x h(D(x)) = x + ε h'(D(x)) ∇x D(x),
 * the Euler discretisation of the Wasserstein gradient flow dx/dt = ∇h(log p/q_t), where the
 * discriminator MLP D ≈ log p/q_t is trained with the logistic loss on data (label 1) against the
 * current particles (label 0), K Adam steps between moves (after a warm-up).
 *
 * The discriminator (its logistic-loss training and the move) is src/flows/discriminator.ts, shared
 * with the generator flow of src/flows/monoflow_generator.ts.
 */
import type { GpuContext } from '../gpu/context.js';
import type { MonoH } from '../kernels/flow_gauss_ratio.js';
import type { Activation } from '../model/layout.js';
import type { Mlp } from '../train/mlp.js';
import { FlowDiscriminator } from './discriminator.js';
import { checkInteger, toPoints } from '../gpu/validate.js';
import { type FlowPoint } from './flow.js';
import { cloudMoments } from './gaussian.js';
import { checkW2Options, FlowW2, type FlowW2Options } from './w2_measure.js';
import { DiscriminatorMonoFlow } from './monoflow_base.js';

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

export class ParticleMonoFlow extends DiscriminatorMonoFlow {
  /** The discriminator network D. */
  get mlp(): Mlp {
    return this.disc.mlp;
  }

  static async create(ctx: GpuContext, o: MonoFlowOptions): Promise<ParticleMonoFlow> {
    const d = o.dim;
    toPoints('monoflow data', o.data, d).n;
    const n = toPoints('monoflow particles', o.particles, d).n;
    const moves = checkInteger('monoflow: moves', o.moves ?? 200, 1, 1e7);
    const discSteps = checkInteger('monoflow: discSteps', o.discSteps ?? 5, 1, 256);
    const warmup = checkInteger('monoflow: warmup', o.warmup ?? 300, 0, 100000);
    checkW2Options(o, 'monoflow');
    const eps = o.eps ?? 0.05;
    const x = ctx.storage('monoflow:particles', o.particles);
    let disc: FlowDiscriminator | undefined;
    try {
      disc = await FlowDiscriminator.create(ctx, x, n, Math.max(warmup > 0 ? 256 : 1, discSteps * 16), { ...o, eps });
      const meter = await FlowW2.create(ctx, d, n, o.data, cloudMoments(o.data, d), o);
      return new ParticleMonoFlow(ctx, { disc, x, meter, dim: d, n, totalSteps: moves, eps, discSteps, warmup });
    } catch (e) {
      disc?.destroy();
      ctx.destroyBuffer(x);
      throw e;
    }
  }

  /** `moves` more rounds of (K discriminator steps, one particle move); at most 16 rounds per submit. */
  async advance(moves: number): Promise<FlowPoint> {
    const end = this.stepsTo(moves, 'monoflow', 'move');
    await this.warm();
    const perSubmit = Math.floor(this.disc.maxStepsPerSubmit / this.discSteps);
    while (this.stepsDone < end) {
      const r = Math.min(perSubmit, end - this.stepsDone);
      this.disc.prepare(r * this.discSteps);
      const enc = this.ctx.device.createCommandEncoder({ label: 'monoflow:rounds' });
      const pass = enc.beginComputePass({ label: 'monoflow:rounds' });
      for (let round = 0; round < r; round++) {
        this.disc.encodeSteps(pass, this.discSteps);
        this.disc.encodeEval(pass);
        this.disc.encodeMove(pass);
      }
      pass.end();
      this.ctx.submit(enc.finish());
      this.stepsDone += r;
      await this.ctx.flush();
    }
    return this.measure();
  }

  /** D(x) and ∇x D(x) at the current particles (for tests): n values and n × dim. */
  async discriminatorAtParticles(): Promise<{ D: Float32Array; grad: Float32Array }> {
    const before = await this.cloud();
    // A move with the current D, read, then restore the particles: Δx = ε h'(D) ∇D.
    const enc = this.ctx.device.createCommandEncoder({ label: 'monoflow:probe' });
    const pass = enc.beginComputePass({ label: 'monoflow:probe' });
    this.disc.encodeEval(pass);
    this.disc.encodeMove(pass);
    pass.end();
    const D = await this.disc.readD(enc);
    const after = await this.cloud();
    this.ctx.write(this.x, before);
    return { D, grad: Float32Array.from(after, (v, e) => (v - before[e]!) / this.eps) };
  }

}
