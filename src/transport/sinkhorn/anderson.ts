/**
 * The GPU state of Anderson acceleration at the final ε (shaders/sinkhorn_anderson.wgsl): the
 * history of X potentials per problem, its state, and one bind group per copy of the cross
 * potentials. When it runs and when it restarts is decided in level.ts.
 */
import type { GpuContext } from '../../gpu/context.js';
import { AndersonParams, SinkhornAnderson } from '../../kernels/sinkhorn_anderson.js';
import type { Layout } from './tables.js';

export class AndersonMixing {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly kernel: SinkhornAnderson,
    private readonly problems: number,
    /** Its history, state, problem table and the uniforms of copy 0 and copy 1. */
    readonly buffers: GPUBuffer[],
    private readonly state: GPUBuffer,
    /** Bind groups for the cross potentials in copy 0 and in copy 1. */
    private readonly binds: GPUBindGroup[],
  ) {}

  /** Allocate the history for the problems of `layouts` (`total` points) and compile the kernel. */
  static async create(ctx: GpuContext, layouts: readonly Layout[], total: number, logw: GPUBuffer, pot: GPUBuffer): Promise<AndersonMixing> {
    const kernel = await SinkhornAnderson.create(ctx);
    const hist = ctx.storage('sinkhorn:anderson-history', SinkhornAnderson.historyFloats(total) * 4);
    const state = ctx.storage('sinkhorn:anderson-state', Math.max(16, layouts.length * 4));
    const problems = ctx.storage('sinkhorn:anderson-problems', Uint32Array.from(layouts.flatMap((l) => [l.xs, l.n])));
    const params: GPUBuffer[] = [];
    const binds: GPUBindGroup[] = [];
    for (const copy of [0, 1]) {
      const u = ctx.uniform(`sinkhorn:anderson${copy}`, AndersonParams.byteSize);
      ctx.write(u, AndersonParams.pack({ total, lo_off: 4 * total, cross: 2 * copy * total }));
      params.push(u);
      binds.push(kernel.bind(ctx, `sinkhorn:anderson${copy}`, { params: u, problems, logw, pot, hist, state }));
    }
    return new AndersonMixing(ctx, kernel, layouts.length, [hist, state, problems, ...params], state, binds);
  }

  /** Clear the history (a restart from the current potentials). */
  clear(enc: GPUCommandEncoder): void {
    enc.clearBuffer(this.state);
  }

  /** One Anderson step on the cross X potentials held in copy `copy`. */
  dispatch(pass: GPUComputePassEncoder, copy: number): void {
    this.kernel.dispatch(pass, this.binds[copy]!, this.problems);
  }

  destroy(): void {
    for (const b of this.buffers) this.ctx.destroyBuffer(b);
  }
}
