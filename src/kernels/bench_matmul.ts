/**
 * Owner of shaders/bench_matmul.wgsl: the register-blocked f32 matmul that measures the adapter's
 * arithmetic ceiling for the benchmarks (a block of 4 or 8 rows × 4 or 8 columns per invocation,
 * vec4 loads, no workgroup memory). The block and workgroup shape are tuned per adapter
 * (src/gpu/tuning.ts: every candidate timed once at first use, the fastest kept, in memory and in
 * the Node disk cache), so the ceiling is the best this kernel family does on the adapter. A plan
 * binds fixed buffers once and encodes the same dispatch as often as needed.
 */
import source from '../../shaders/bench_matmul.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, UniformBlock, read, rw, uniform } from '../gpu/bindings.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';
import { GpuTimer } from '../gpu/timing.js';
import { bestTime } from '../gpu/tuning.js';

/** One shape of the kernel: rows × vec4 columns of C per invocation, workgroup size. */
export interface MatmulVariant {
  rows: 4 | 8;
  cols: 1 | 2;
  wgX: number;
  wgY: number;
  /** The subgroup shape (8 rows per workgroup, A shared by subgroupShuffle; cols 1): see the shader. */
  sg?: boolean;
}

/** The shape used before tuning existed (8 rows × 2 vec4 columns, 8×8 invocations). */
export const DEFAULT_MATMUL_VARIANT: MatmulVariant = { rows: 8, cols: 2, wgX: 8, wgY: 8 };

export function matmulVariantName(v: MatmulVariant): string {
  return `${v.sg ? 'sg-' : ''}r${v.rows}c${v.cols * 4}-wg${v.wgX}x${v.wgY}`;
}

/**
 * The candidates searched on an adapter allowing `maxInvocations` per workgroup; the subgroup
 * shapes (the MLP layer kernels' 'sg' structure) where subgroups have at least 8 lanes.
 */
export function matmulCandidates(maxInvocations: number, subgroupMinSize = 0): MatmulVariant[] {
  // 4-row blocks: on CPU drivers each vec4 register is several SIMD registers, and 8×8 spills; a
  // workgroup that is one row of invocations shares its rows of A (uniform loads). 16×16: GPUs.
  const all: MatmulVariant[] = [
    DEFAULT_MATMUL_VARIANT,
    { rows: 4, cols: 2, wgX: 8, wgY: 8 },
    { rows: 4, cols: 2, wgX: 16, wgY: 4 },
    { rows: 4, cols: 2, wgX: 64, wgY: 1 },
    { rows: 8, cols: 2, wgX: 16, wgY: 16 },
    { rows: 4, cols: 2, wgX: 32, wgY: 8 },
  ];
  if (subgroupMinSize >= 8) all.push({ rows: 8, cols: 1, wgX: 64, wgY: 1, sg: true }, { rows: 8, cols: 1, wgX: 256, wgY: 1, sg: true });
  return all.filter((v) => v.wgX * v.wgY <= maxInvocations);
}
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
    readonly variant: MatmulVariant,
  ) {}

  /** FLOPs of one product (2·M·N·K). */
  get flops(): number {
    return 2 * this.shape.m * this.shape.n * this.shape.k;
  }

  encode(encoder: GPUCommandEncoder, timestampWrites?: GPUComputePassTimestampWrites): void {
    const pass = encoder.beginComputePass({ label: 'bench_matmul', ...(timestampWrites ? { timestampWrites } : {}) });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bind);
    const v = this.variant;
    if (v.sg) pass.dispatchWorkgroups(Math.ceil(this.shape.n / 4 / (v.wgX * v.wgY)), Math.ceil(this.shape.m / 8));
    else pass.dispatchWorkgroups(Math.ceil(Math.ceil(this.shape.n / (4 * v.cols)) / v.wgX), Math.ceil(Math.ceil(this.shape.m / v.rows) / v.wgY));
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
    /** The kernel shape in use. */
    readonly variant: MatmulVariant,
  ) {}

  /**
   * The kernel in the shape tuned for this adapter (searched at first use, see tuneMatmul), or in
   * `variant` when given.
   */
  static async create(ctx: GpuContext, variant?: MatmulVariant): Promise<BenchMatmul> {
    const v = variant ?? (await tuneMatmul(ctx));
    return new BenchMatmul(ctx, await BenchMatmul.pipeline(ctx, v), v);
  }

  private static pipeline(ctx: GpuContext, v: MatmulVariant): Promise<GPUComputePipeline> {
    const layout = BenchMatmulBindings.pipelineLayout(ctx.device);
    return ctx.pipelines.get({
      kernel: 'bench_matmul',
      source,
      layout,
      prelude: [...(v.sg ? ['enable subgroups;'] : []), BenchMatmulBindings.wgsl],
      defines: { ROWS8: v.rows === 8, COLS2: v.cols === 2, SG: v.sg === true },
      constants: { WG_X: v.wgX, WG_Y: v.wgY },
    });
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
    return new BenchMatmulPlan(this.pipeline, bind, params, shape, this.variant);
  }
}

/**
 * The fastest candidate shape on this adapter: each candidate multiplies two n×n matrices (n = 256
 * on software adapters, 1024 on GPUs) a few times; GPU timestamps when the device has them, else
 * wall-clock per awaited submit. The choice is recorded under the key 'bench_matmul'.
 */
export async function tuneMatmul(ctx: GpuContext): Promise<MatmulVariant> {
  const candidates = matmulCandidates(ctx.device.limits.maxComputeInvocationsPerWorkgroup, ctx.subgroupMinSize).map((v) => ({ name: matmulVariantName(v), value: v }));
  const n = ctx.adapter.isSoftware ? 256 : 1024;
  const reps = 3;
  let bufs: GPUBuffer[] | undefined;
  let timer: GpuTimer | undefined;
  try {
    return await ctx.tuner.choose(
      'bench_matmul',
      candidates,
      async (v) => {
        if (!bufs) {
          const fill = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
          bufs = [ctx.storage('tune:A', fill), ctx.storage('tune:B', fill), ctx.storage('tune:C', n * n * 4)];
          timer = ctx.hasTimestamps ? new GpuTimer(ctx, reps) : undefined;
        }
        const mm = await BenchMatmul.create(ctx, v);
        const plan = mm.plan(bufs[0]!, bufs[1]!, bufs[2]!, { m: n, n, k: n });
        try {
          return await bestTime(async () => {
            const enc = ctx.device.createCommandEncoder({ label: 'tune:bench_matmul' });
            const t0 = performance.now();
            for (let r = 0; r < reps; r++) plan.encode(enc, timer?.passTimestamps(`r${r}`));
            if (timer) {
              timer.resolve(enc);
              ctx.submit(enc.finish());
              const ms = await timer.read();
              return [...ms.values()].reduce((a, b) => a + b, 0) / reps;
            }
            await ctx.read(bufs![2]!, 0, 4, enc);
            return (performance.now() - t0) / reps;
          }, 3);
        } finally {
          plan.destroy();
        }
      },
      ctx.hasTimestamps ? 'gpu-timestamps' : 'wall-clock',
    );
  } finally {
    timer?.destroy();
    for (const b of bufs ?? []) ctx.destroyBuffer(b);
  }
}
