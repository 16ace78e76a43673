/**
 * Owner of shaders/bench_matmul.wgsl: the register-blocked f32 matmul that measures the adapter's
 * arithmetic ceiling for the benchmarks (8×8 outputs per invocation, vec4 loads, no workgroup
 * memory). A plan binds fixed buffers once and encodes the same dispatch as often as needed.
 */
import source from '../../shaders/bench_matmul.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, UniformBlock, read, rw, uniform } from '../gpu/bindings.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';

const WG_X = 8;
const WG_Y = 8;
export const BenchMatmulParams = new ParamsLayout('BenchMatmulParams', { m: 'u32', n: 'u32', k: 'u32' });

export const BenchMatmulBindings = new Bindings('bench_matmul', {
  params: uniform(BenchMatmulParams),
  /** A, M×K row-major. */
  a: read('array<vec4<f32>>'),
  /** B, K×N row-major. */
  b: read('array<vec4<f32>>'),
  /** C = A·B, M×N row-major. */
  c: rw('array<vec4<f32>>'),
});

export interface MatmulShape {
  /** Rows of A and C. */
  m: number;
  /** Columns of B and C (multiple of 4). */
  n: number;
  /** Columns of A, rows of B (multiple of 4). */
  k: number;
}

/** A bound C = A·B: `encode()` records one dispatch; `destroy()` frees the uniform it owns. */
export class BenchMatmulPlan {
  constructor(
    private readonly pipeline: GPUComputePipeline,
    private readonly bind: GPUBindGroup,
    private readonly params: UniformBlock<'m' | 'n' | 'k'>,
    readonly shape: MatmulShape,
  ) {}

  /** FLOPs of one product (2·M·N·K). */
  get flops(): number {
    return 2 * this.shape.m * this.shape.n * this.shape.k;
  }

  encode(encoder: GPUCommandEncoder, timestampWrites?: GPUComputePassTimestampWrites): void {
    const pass = encoder.beginComputePass({ label: 'bench_matmul', ...(timestampWrites ? { timestampWrites } : {}) });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bind);
    pass.dispatchWorkgroups(Math.ceil(Math.ceil(this.shape.n / 8) / WG_X), Math.ceil(Math.ceil(this.shape.m / 8) / WG_Y));
    pass.end();
  }

  destroy(): void {
    this.params.destroy();
  }
}

export class BenchMatmul {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext): Promise<BenchMatmul> {
    const layout = BenchMatmulBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({ kernel: 'bench_matmul', source, layout, prelude: [BenchMatmulBindings.wgsl], constants: { WG_X, WG_Y } });
    return new BenchMatmul(ctx, pipeline);
  }

  /** Bind C (M×N) = A (M×K) · B (K×N), all row-major f32 storage buffers. */
  plan(a: GPUBuffer, b: GPUBuffer, c: GPUBuffer, shape: MatmulShape): BenchMatmulPlan {
    const { m, n, k } = shape;
    for (const [name, v] of Object.entries(shape)) {
      if (!Number.isInteger(v) || v < 1) throw new InputError(`bench_matmul: ${name} must be a positive integer, got ${v}`);
    }
    if (n % 4 !== 0 || k % 4 !== 0) throw new InputError(`bench_matmul: n and k must be multiples of 4 (vec4 rows), got n = ${n}, k = ${k}`);
    const need: [string, GPUBuffer, number][] = [['A', a, m * k], ['B', b, k * n], ['C', c, m * n]];
    for (const [name, buf, floats] of need) {
      if (buf.size < floats * 4) throw new InputError(`bench_matmul: ${name} holds ${buf.size / 4} floats, needs ${floats}`);
    }
    const params = new UniformBlock(this.ctx, 'bench_matmul:params', BenchMatmulParams);
    params.set({ m, n, k });
    const bind = BenchMatmulBindings.bind(this.ctx.device, { params: params.buffer, a, b, c });
    return new BenchMatmulPlan(this.pipeline, bind, params, shape);
  }
}
