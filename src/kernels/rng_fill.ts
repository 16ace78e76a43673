/** Owner of shaders/rng_fill.wgsl: fill a buffer with seeded uniform or normal variates. */
import source from '../../shaders/rng_fill.wgsl?raw';
import { Bindings, UniformBlock, rw, uniform } from '../gpu/bindings.js';
import type { GpuContext } from '../gpu/context.js';
import { workgroups } from '../gpu/dispatch.js';
import { ParamsLayout } from '../gpu/params.js';
import { splitSeed } from '../rng/philox.js';

const WG = 256;
export const RngFillParams = new ParamsLayout('RngFillParams', {
  n: 'u32',
  offset: 'u32',
  stream: 'u32',
  seed_lo: 'u32',
  seed_hi: 'u32',
});

export const RngFillBindings = new Bindings('rng_fill', {
  params: uniform(RngFillParams),
  /** Floats [offset, offset + n) are written. */
  out: rw('array<f32>'),
});

export type Distribution = 'uniform' | 'normal';

export interface RngFillDraw {
  seed: number | bigint;
  /** Counter stream (use a different one per draw: step number, layer, ...). */
  stream?: number;
  /** First float of `out` written (default 0). */
  offset?: number;
  dist?: Distribution;
}

/** A fill bound to its buffer: its uniform is allocated once; `destroy()` releases it. */
export class RngFillBinding {
  constructor(
    readonly group: GPUBindGroup,
    readonly params: UniformBlock<'n' | 'offset' | 'stream' | 'seed_lo' | 'seed_hi'>,
    readonly dist: Distribution,
    readonly n: number,
  ) {}

  destroy(): void {
    this.params.destroy();
  }
}

export class RngFill {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly pipelines: Record<Distribution, GPUComputePipeline>,
  ) {}

  static async create(ctx: GpuContext): Promise<RngFill> {
    const layout = RngFillBindings.pipelineLayout(ctx.device);
    const make = (normal: boolean) =>
      ctx.pipelines.get({ kernel: 'rng_fill', source, layout, prelude: [RngFillBindings.wgsl], constants: { NORMAL: normal ? 1 : 0, WG } });
    const [uniform, normal] = await Promise.all([make(false), make(true)]);
    return new RngFill(ctx, { uniform, normal });
  }

  /** Bind a fill of `n` floats of `out`; the caller destroys the binding once its commands ran. */
  bind(out: GPUBuffer, n: number, draw: RngFillDraw): RngFillBinding {
    const [lo, hi] = splitSeed(draw.seed);
    const params = new UniformBlock(this.ctx, 'rng_fill:params', RngFillParams);
    params.set({ n, offset: draw.offset ?? 0, stream: draw.stream ?? 0, seed_lo: lo, seed_hi: hi });
    return new RngFillBinding(RngFillBindings.bind(this.ctx.device, { params: params.buffer, out }), params, draw.dist ?? 'uniform', n);
  }

  dispatch(pass: GPUComputePassEncoder, b: RngFillBinding): void {
    pass.setPipeline(this.pipelines[b.dist]);
    pass.setBindGroup(0, b.group);
    pass.dispatchWorkgroups(...workgroups(Math.ceil(b.n / 4), WG));
  }

  /** Convenience: a new storage buffer of `n` variates (one submit, waits). */
  async fill(n: number, draw: Omit<RngFillDraw, 'offset'>): Promise<GPUBuffer> {
    const out = this.ctx.storage('rng:out', n * 4);
    const b = this.bind(out, n, draw);
    try {
      await this.ctx.runPass('rng_fill', (pass) => this.dispatch(pass, b));
    } catch (e) {
      this.ctx.destroyBuffer(out);
      throw e;
    } finally {
      b.destroy();
    }
    return out;
  }
}
