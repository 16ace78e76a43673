/** Owner of shaders/rng_fill.wgsl: fill a buffer with seeded uniform or normal variates. */
import source from '../../shaders/rng_fill.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { computeLayout, grid2d } from '../gpu/dispatch.js';
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

export type Distribution = 'uniform' | 'normal';

export class RngFill {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly layout: GPUBindGroupLayout,
    private readonly pipelines: Record<Distribution, GPUComputePipeline>,
  ) {}

  static async create(ctx: GpuContext): Promise<RngFill> {
    const layout = computeLayout(ctx.device, 'rng_fill', ['uniform', 'rw']);
    const pl = ctx.device.createPipelineLayout({ label: 'rng_fill', bindGroupLayouts: [layout] });
    const make = (normal: boolean) =>
      ctx.pipelines.get({ kernel: 'rng_fill', source, layout: pl, prelude: [RngFillParams.wgsl], constants: { NORMAL: normal ? 1 : 0, WG } });
    const [uniform, normal] = await Promise.all([make(false), make(true)]);
    return new RngFill(ctx, layout, { uniform, normal });
  }

  /**
   * Encode a fill of `n` floats of `out` starting at float `offset`, with counter stream `stream`
   * (use a different stream per draw: step number, layer, ...). Returns the uniform buffer, which the
   * caller must keep alive until the commands run and then release with ctx.destroyBuffer.
   */
  encode(encoder: GPUCommandEncoder, out: GPUBuffer, n: number, opts: { seed: number | bigint; stream?: number; offset?: number; dist?: Distribution }): GPUBuffer {
    const [lo, hi] = splitSeed(opts.seed);
    const ubuf = this.ctx.uniform('rng_fill:params', RngFillParams.byteSize);
    this.ctx.write(ubuf, RngFillParams.pack({ n, offset: opts.offset ?? 0, stream: opts.stream ?? 0, seed_lo: lo, seed_hi: hi }));
    const bind = this.ctx.device.createBindGroup({
      label: 'rng_fill',
      layout: this.layout,
      entries: [
        { binding: 0, resource: { buffer: ubuf } },
        { binding: 1, resource: { buffer: out } },
      ],
    });
    const pass = encoder.beginComputePass({ label: 'rng_fill' });
    pass.setPipeline(this.pipelines[opts.dist ?? 'uniform']);
    pass.setBindGroup(0, bind);
    const [x, y] = grid2d(Math.ceil(Math.ceil(n / 4) / WG));
    pass.dispatchWorkgroups(x, y);
    pass.end();
    return ubuf;
  }

  /** Convenience: a new storage buffer of `n` variates. */
  async fill(n: number, opts: { seed: number | bigint; stream?: number; dist?: Distribution }): Promise<GPUBuffer> {
    const out = this.ctx.storage('rng:out', n * 4);
    const enc = this.ctx.device.createCommandEncoder({ label: 'rng_fill' });
    const ubuf = this.encode(enc, out, n, opts);
    this.ctx.submit(enc.finish());
    await this.ctx.flush();
    this.ctx.destroyBuffer(ubuf);
    return out;
  }
}
