/**
 * The convergence checks' readback: the softmin kernels write each point's marginal error into
 * `err`; per problem a sum reduction gives the L1 errors of the cross and (debiased) self problems,
 * gathered into one small buffer that is read back, waiting (`read`) or a check behind the queue
 * (`start`: the pipelined checks of solver.ts).
 */
import type { GpuContext, PendingRead } from '../../gpu/context.js';
import type { Pace } from '../../gpu/pacing.js';
import { Reduce, type ReducePlan } from '../../kernels/reduce.js';
import type { MarginalErrors } from './level.js';
import type { Layout } from './tables.js';

export class MarginalErrorReadback {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly plans: ReducePlan[],
    /** 16 bytes per problem and kind (cross, then self when debiased): each reduction's result. */
    private readonly gather: GPUBuffer,
    private readonly segments: number,
  ) {}

  /** Plans the reductions of `err` ([cross | self][point], stride `total`) for each problem of `layouts`. */
  static async create(ctx: GpuContext, err: GPUBuffer, layouts: readonly Layout[], total: number, debias: boolean): Promise<MarginalErrorReadback> {
    const segments = debias ? 2 : 1;
    const reduce = await Reduce.create(ctx);
    const gather = ctx.storage('sinkhorn:errors', layouts.length * segments * 16);
    const plans: ReducePlan[] = [];
    try {
      for (const l of layouts) plans.push(await reduce.plan('sum', err, l.span, { segments, inOffset: l.xs, inStride: total }));
    } catch (e) {
      for (const p of plans) p.destroy();
      ctx.destroyBuffer(gather);
      throw e;
    }
    return new MarginalErrorReadback(ctx, plans, gather, segments);
  }

  get buffers(): GPUBuffer[] {
    return [this.gather];
  }

  private get bytes(): number {
    return this.plans.length * this.segments * 16;
  }

  /** Encode the reductions and gather their results. */
  private encode(enc: GPUCommandEncoder): void {
    this.plans.forEach((plan, p) => {
      plan.encode(enc);
      enc.copyBufferToBuffer(plan.result, 0, this.gather, p * this.segments * 16, this.segments * 16);
    });
  }

  /** The errors (max over the batch) in the gathered values; NaN reads as infinite (never below a tolerance). */
  private parse(bytes: ArrayBuffer): MarginalErrors {
    const v = new Float32Array(bytes);
    const s = this.segments;
    let cross = 0;
    let self = 0;
    for (let p = 0; p < this.plans.length; p++) {
      cross = Math.max(cross, v[p * s * 4]!);
      if (s === 2) self = Math.max(self, v[(p * s + 1) * 4]!);
    }
    return { cross: Number.isNaN(cross) ? Infinity : cross, self: Number.isNaN(self) ? Infinity : self };
  }

  /** Submit `enc` with the reductions and wait for the errors. */
  async read(enc: GPUCommandEncoder, pace?: Pace): Promise<MarginalErrors> {
    this.encode(enc);
    return this.parse(await this.ctx.read(this.gather, 0, this.bytes, enc, pace));
  }

  /** Submit `enc` with the reductions and start reading the errors back without waiting. */
  start(enc: GPUCommandEncoder): PendingErrors {
    this.encode(enc);
    const read: PendingRead = this.ctx.readAhead(this.gather, 0, this.bytes, enc);
    return { wait: async (pace?: Pace) => this.parse(await read.wait(pace)) };
  }

  destroy(): void {
    for (const p of this.plans) p.destroy();
    this.ctx.destroyBuffer(this.gather);
  }
}

/** Errors being read back a check behind the queue; `wait` must be called (it returns the staging buffer). */
export interface PendingErrors {
  wait(pace?: Pace): Promise<MarginalErrors>;
}
