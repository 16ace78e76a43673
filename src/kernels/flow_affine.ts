/** Owner of shaders/flow_affine.wgsl: y = c + M x + R ξ for every point of a cloud (d ≤ 16). */
import source from '../../shaders/flow_affine.wgsl?raw';
import { Bindings, UniformBlock, read, rw, uniform } from '../gpu/bindings.js';
import type { GpuContext } from '../gpu/context.js';
import { workgroups } from '../gpu/dispatch.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';
import { splitSeed } from '../rng/philox.js';

const WG = 64;
export const FLOW_AFFINE_MAX_DIM = 16;
export const FlowAffineParams = new ParamsLayout('FlowAffineParams', { n: 'u32', stream: 'u32', seed_lo: 'u32', seed_hi: 'u32' });

export const FlowAffineBindings = new Bindings('flow_affine', {
  params: uniform(FlowAffineParams),
  /** [c (d), M (d×d row-major), R (d×d row-major)]. */
  coef: read('array<f32>'),
  x: read('array<f32>'),
  y: rw('array<f32>'),
});

export interface AffineMap {
  /** Offset (d). */
  c: ArrayLike<number>;
  /** Linear part (d×d row-major). */
  m: ArrayLike<number>;
  /** Noise factor (d×d row-major); omit for a deterministic map. */
  r?: ArrayLike<number>;
}

/** A map bound to its clouds: owns its uniform and coefficient buffers until `destroy()`. */
export class FlowAffineBinding {
  constructor(
    readonly pipeline: GPUComputePipeline,
    readonly group: GPUBindGroup,
    readonly n: number,
    private readonly owned: { destroy(): void }[],
  ) {}

  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
  }
}

export class FlowAffine {
  private constructor(private readonly ctx: GpuContext) {}

  static create(ctx: GpuContext): FlowAffine {
    return new FlowAffine(ctx);
  }

  /**
   * Bind y = c + M x + R ξ on n points of dimension d. `stream` selects the Philox counter row, so
   * distinct maps draw independent noise.
   */
  async bind(x: GPUBuffer, y: GPUBuffer, n: number, d: number, map: AffineMap, opts: { seed?: number | bigint; stream?: number } = {}): Promise<FlowAffineBinding> {
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
      layout: FlowAffineBindings.pipelineLayout(this.ctx.device),
      prelude: [FlowAffineBindings.wgsl],
      constants: { WG, DIM: d, NOISE: map.r ? 1 : 0 },
    });
    const [lo, hi] = splitSeed(opts.seed ?? 1);
    const params = new UniformBlock(this.ctx, 'flow_affine:params', FlowAffineParams);
    const coef = this.ctx.storage('flow_affine:coef', coefs);
    params.set({ n, stream: opts.stream ?? 0, seed_lo: lo, seed_hi: hi });
    const group = FlowAffineBindings.bind(this.ctx.device, { params: params.buffer, coef, x, y });
    return new FlowAffineBinding(pipeline, group, n, [params, { destroy: () => this.ctx.destroyBuffer(coef) }]);
  }

  dispatch(pass: GPUComputePassEncoder, b: FlowAffineBinding): void {
    pass.setPipeline(b.pipeline);
    pass.setBindGroup(0, b.group);
    pass.dispatchWorkgroups(...workgroups(b.n, WG));
  }

  /** Bind, dispatch, submit and wait; releases its buffers. */
  async run(x: GPUBuffer, y: GPUBuffer, n: number, d: number, map: AffineMap, opts: { seed?: number | bigint; stream?: number } = {}): Promise<void> {
    const b = await this.bind(x, y, n, d, map, opts);
    try {
      await this.ctx.runPass('flow_affine', (pass) => this.dispatch(pass, b));
    } finally {
      b.destroy();
    }
  }
}
