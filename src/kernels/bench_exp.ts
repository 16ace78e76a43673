/**
 * Owner of shaders/bench_exp.wgsl: the exp-throughput kernel behind the benchmarks' second adapter
 * ceiling (Sinkhorn's softmin is one exp per point pair). `n` invocations × ITERS × 16 exps.
 */
import source from '../../shaders/bench_exp.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { computeLayout, grid2d } from '../gpu/dispatch.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';

const WG = 256;
export const BenchExpParams = new ParamsLayout('BenchExpParams', { n: 'u32' });
/** Exps per iteration per invocation (four vec4 chains). */
export const EXPS_PER_ITER = 16;

export class BenchExpPlan {
  constructor(
    private readonly ctx: GpuContext,
    private readonly pipeline: GPUComputePipeline,
    private readonly bind: GPUBindGroup,
    private readonly ubuf: GPUBuffer,
    readonly n: number,
    readonly iters: number,
  ) {}

  /** Exps evaluated by one dispatch. */
  get exps(): number {
    return this.n * this.iters * EXPS_PER_ITER;
  }

  encode(encoder: GPUCommandEncoder, timestampWrites?: GPUComputePassTimestampWrites): void {
    const pass = encoder.beginComputePass({ label: 'bench_exp', ...(timestampWrites ? { timestampWrites } : {}) });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bind);
    const [x, y] = grid2d(Math.ceil(this.n / WG));
    pass.dispatchWorkgroups(x, y);
    pass.end();
  }

  destroy(): void {
    this.ctx.destroyBuffer(this.ubuf);
  }
}

export class BenchExp {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly layout: GPUBindGroupLayout,
    private readonly pipelineLayout: GPUPipelineLayout,
  ) {}

  static create(ctx: GpuContext): BenchExp {
    const layout = computeLayout(ctx.device, 'bench_exp', ['uniform', 'rw']);
    return new BenchExp(ctx, layout, ctx.device.createPipelineLayout({ label: 'bench_exp', bindGroupLayouts: [layout] }));
  }

  /** `n` invocations of `iters` iterations each, writing one float per invocation to `out`. */
  async plan(out: GPUBuffer, n: number, iters = 256): Promise<BenchExpPlan> {
    if (!Number.isInteger(n) || n < 1) throw new InputError(`bench_exp: n must be a positive integer, got ${n}`);
    // Arguments fall by 1e-3 per iteration from at most -3.85: keep them well inside exp's range.
    if (!Number.isInteger(iters) || iters < 1 || iters > 4096) throw new InputError(`bench_exp: iters must be an integer in [1, 4096], got ${iters}`);
    if (out.size < n * 4) throw new InputError(`bench_exp: out holds ${out.size / 4} floats, needs ${n}`);
    const pipeline = await this.ctx.pipelines.get({ kernel: 'bench_exp', source, layout: this.pipelineLayout, prelude: [BenchExpParams.wgsl], constants: { WG, ITERS: iters } });
    const ubuf = this.ctx.uniform('bench_exp:params', BenchExpParams.byteSize);
    this.ctx.write(ubuf, BenchExpParams.pack({ n }));
    const bind = this.ctx.device.createBindGroup({
      label: 'bench_exp',
      layout: this.layout,
      entries: [
        { binding: 0, resource: { buffer: ubuf } },
        { binding: 1, resource: { buffer: out } },
      ],
    });
    return new BenchExpPlan(this.ctx, pipeline, bind, ubuf, n, iters);
  }
}
