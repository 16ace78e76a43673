/**
 * What the two discriminator MonoFlows share (particles moved by ε∇h(D), monoflow.ts; an MLP
 * generator following them, monoflow_generator.ts): the discriminator D ≈ log p/q trained `warmup`
 * steps once before the first measurement or move, and the energy KL(q || p) estimated as −E_q D.
 */
import type { FlowPoint } from './flow.js';
import type { FlowDiscriminator } from './discriminator.js';
import { ParticleFlow } from './particle_flow.js';

export abstract class DiscriminatorMonoFlow extends ParticleFlow {
  readonly kind = 'monoflow' as const;
  readonly energyName = 'KL(q || p) estimated as −E_q D';
  /** The discriminator D ≈ log p/q. */
  abstract readonly disc: FlowDiscriminator;
  /** Virtual time per step. */
  abstract readonly eps: number;
  /** Discriminator steps before the first measurement or move. */
  protected abstract readonly warmup: number;
  private warmedUp = false;

  protected async warm(): Promise<void> {
    if (this.warmedUp) return;
    this.warmedUp = true;
    await this.disc.train(this.warmup);
  }

  async measure(): Promise<FlowPoint> {
    await this.warm();
    const energy = -(await this.disc.meanD());
    return this.point(this.stepsDone * this.eps, () => ({ energy }));
  }
}
