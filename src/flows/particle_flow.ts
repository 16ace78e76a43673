/**
 * The skeleton every particle flow shares: n particles of dimension `dim` in one GPU buffer `x`,
 * W2 to the flow's target measured by a FlowW2 at each trace point, steps counted in `stepsDone`.
 * A flow adds what moves the particles (`advance`, ending in `finishChunk`), what else it reports at a
 * point (`measure` through `point`), and what it owns (`ownedObjects`, `ownedBuffers`; `release` frees them).
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import type { FlowKind, FlowPoint, FlowRunner } from './flow.js';
import type { FlowW2 } from './w2_measure.js';

export abstract class ParticleFlow implements FlowRunner {
  abstract readonly kind: FlowKind;
  abstract readonly energyName: string;
  abstract readonly totalSteps: number;
  /** How `w2` is measured (the meter's description of its target). */
  readonly w2Method: string;
  stepsDone = 0;
  /** Objects the flow owns besides the meter (plans, discriminators, networks): destroyed by `release`, first. */
  protected readonly ownedObjects: { destroy(): void }[] = [];
  /** GPU buffers the flow owns (the particle buffer where it owns it): freed by `release`, after the objects. */
  protected readonly ownedBuffers: GPUBuffer[] = [];

  protected constructor(
    protected readonly ctx: GpuContext,
    /** The particles, n × dim row-major. */
    protected readonly x: GPUBuffer,
    protected readonly meter: FlowW2,
    readonly dim: number,
    readonly n: number,
    /** What W2 is measured to, e.g. 'the target cloud'. */
    w2Target: string,
  ) {
    this.w2Method = meter.describe(w2Target);
  }

  abstract measure(): Promise<FlowPoint>;
  abstract advance(steps: number): Promise<FlowPoint>;

  /** The particle cloud, n × dim floats (one readback). */
  cloud(): Promise<Float32Array> {
    return this.ctx.readF32(this.x, 0, this.n * this.dim);
  }

  /** The step `steps` more steps reach (capped at totalSteps); `steps` must be a positive integer. */
  protected stepsTo(steps: number, what: string = this.kind, unit = 'step'): number {
    if (!Number.isInteger(steps) || steps < 1) throw new InputError(`${what}: advance needs a positive integer ${unit} count, got ${steps}`);
    return Math.min(this.totalSteps, this.stepsDone + steps);
  }

  /** The trace point at virtual time `t`: W2 of the read-back cloud, plus the flow's `extra` fields. */
  protected async point(t: number, extra: (cloud: Float32Array) => Partial<FlowPoint> = () => ({})): Promise<FlowPoint> {
    const cloud = await this.cloud();
    return { step: this.stepsDone, t, ...(await this.meter.measure(cloud, this.x)), ...extra(cloud) };
  }

  /** Submit a chunk of steps encoded in `enc`, count the steps up to `to`, and measure the point reached. */
  protected finishChunk(enc: GPUCommandEncoder, to: number): Promise<FlowPoint> {
    this.ctx.submit(enc.finish());
    this.stepsDone = to;
    return this.measure();
  }

  destroy(): void {
    this.meter.destroy();
    this.release();
  }

  /** Free what the flow owns besides the meter: `ownedObjects`, then `ownedBuffers` (the particle buffer included). */
  protected release(): void {
    for (const o of this.ownedObjects) o.destroy();
    for (const b of this.ownedBuffers) this.ctx.destroyBuffer(b);
    this.ownedObjects.length = 0;
    this.ownedBuffers.length = 0;
  }
}
