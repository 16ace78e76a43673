/** Owner of shaders/flow_affine.wgsl: y = c + M x + R ξ for every point of a cloud (d ≤ 16). */
import source from '../../shaders/flow_affine.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { computeLayout, grid2d } from '../gpu/dispatch.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';
import { splitSeed } from '../rng/philox.js';

const WG = 64;
export const FLOW_AFFINE_MAX_DIM = 16;
export const FlowAffineParams = new ParamsLayout('FlowAffineParams', { n: 'u32', stream: 'u32', seed_lo: 'u32', seed_hi: 'u32' });

export interface AffineMap {
  /** Offset (d). */
  c: ArrayLike<number>;
  /** Linear part (d×d row-major). */
  m: ArrayLike<number>;
  /** Noise factor (d×d row-major); omit for a deterministic map. */
  r?: ArrayLike<number>;
}

export class FlowAffine {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly layout: GPUBindGroupLayout,
    private readonly pipelineLayout: GPUPipelineLayout,
  ) {}

  static create(ctx: GpuContext): FlowAffine {
    const layout = computeLayout(ctx.device, 'flow_affine', ['uniform', 'read', 'read', 'rw']);
    return new FlowAffine(ctx, layout, ctx.device.createPipelineLayout({ label: 'flow_affine', bindGroupLayouts: [layout] }));
  }

  /**
   * Run y = c + M x + R ξ on n points of dimension d (one submit, no wait). `stream` selects the
   * Philox counter row, so distinct calls draw independent noise.
   */
  async run(x: GPUBuffer, y: GPUBuffer, n: number, d: number, map: AffineMap, opts: { seed?: number | bigint; stream?: number } = {}): Promise<void> {
    if (!Number.isInteger(d) || d < 1 || d > FLOW_AFFINE_MAX_DIM) throw new InputError(`flow_affine: dimension must be 1..${FLOW_AFFINE_MAX_DIM}, got ${d}`);
    if (!Number.isInteger(n) || n < 1) throw new InputError(`flow_affine: point count must be a positive integer, got ${n}`);
    if (map.c.length !== d || map.m.length !== d * d || (map.r && map.r.length !== d * d)) throw new InputError(`flow_affine: c must have ${d} and M, R ${d * d} entries`);
    if (x.size < n * d * 4 || y.size < n * d * 4) throw new InputError(`flow_affine: x and y must hold ${n}×${d} floats`);
    const coefs = new Float32Array(d + 2 * d * d);
    coefs.set(Array.from(map.c), 0);
    coefs.set(Array.from(map.m), d);
    if (map.r) coefs.set(Array.from(map.r), d + d * d);
    if (!coefs.every(Number.isFinite)) throw new InputError('flow_affine: coefficients have a NaN/Inf');
    const pipeline = await this.ctx.pipelines.get({
      kernel: 'flow_affine',
      source,
      layout: this.pipelineLayout,
      prelude: [FlowAffineParams.wgsl],
      constants: { WG, DIM: d, NOISE: map.r ? 1 : 0 },
    });
    const [lo, hi] = splitSeed(opts.seed ?? 1);
    const ubuf = this.ctx.uniform('flow_affine:params', FlowAffineParams.byteSize);
    const cbuf = this.ctx.storage('flow_affine:coef', coefs);
    try {
      this.ctx.write(ubuf, FlowAffineParams.pack({ n, stream: opts.stream ?? 0, seed_lo: lo, seed_hi: hi }));
      const bind = this.ctx.device.createBindGroup({
        label: 'flow_affine',
        layout: this.layout,
        entries: [ubuf, cbuf, x, y].map((buffer, binding) => ({ binding, resource: { buffer } })),
      });
      const enc = this.ctx.device.createCommandEncoder({ label: 'flow_affine' });
      const pass = enc.beginComputePass({ label: 'flow_affine' });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      const [gx, gy] = grid2d(Math.ceil(n / WG));
      pass.dispatchWorkgroups(gx, gy);
      pass.end();
      this.ctx.submit(enc.finish());
      await this.ctx.flush();
    } finally {
      this.ctx.destroyBuffer(ubuf);
      this.ctx.destroyBuffer(cbuf);
    }
  }
}
