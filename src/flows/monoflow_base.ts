/**
 * What the two discriminator MonoFlows share (particles moved by ε∇h(D), monoflow.ts; an MLP
 * generator following them, monoflow_generator.ts): the discriminator D ≈ log p/q trained `warmup`
 * steps once before the first measurement or move, and the energy KL(q || p) estimated as −E_q D.
 */
import type { GpuContext } from '../gpu/context.js';
import type { FlowPoint } from './flow.js';
import type { FlowDiscriminator } from './discriminator.js';
import { ParticleFlow } from './particle_flow.js';
import type { FlowW2 } from './w2_measure.js';

/** What both discriminator MonoFlows are built from (their `create` makes it). */
export interface DiscriminatorFlowParts {
  /** The discriminator D ≈ log p/q (owned by the flow). */
  disc: FlowDiscriminator;
  /** The cloud D is trained against and moves, n × dim (owned by the flow). */
  x: GPUBuffer;
  meter: FlowW2;
  dim: number;
  n: number;
  /** Moves or rounds. */
  totalSteps: number;
  /** Virtual time per step. */
  eps: number;
  /** Discriminator steps per move or round. */
  discSteps: number;
  /** Discriminator steps before the first measurement or move. */
  warmup: number;
}

export abstract class DiscriminatorMonoFlow extends ParticleFlow {
  readonly kind = 'monoflow' as const;
  readonly energyName = 'KL(q || p) estimated as −E_q D';
  /** The discriminator D ≈ log p/q. */
  readonly disc: FlowDiscriminator;
  readonly totalSteps: number;
  /** Virtual time per step. */
  readonly eps: number;
  /** Discriminator steps per move or round. */
  protected readonly discSteps: number;
  /** Discriminator steps before the first measurement or move. */
  protected readonly warmup: number;
  private warmedUp = false;

  protected constructor(ctx: GpuContext, p: DiscriminatorFlowParts) {
    super(ctx, p.x, p.meter, p.dim, p.n, 'the data cloud');
    this.disc = p.disc;
    this.totalSteps = p.totalSteps;
    this.eps = p.eps;
    this.discSteps = p.discSteps;
    this.warmup = p.warmup;
    this.ownedObjects.push(p.disc);
    this.ownedBuffers.push(p.x);
  }

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
