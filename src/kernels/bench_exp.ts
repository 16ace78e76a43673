/**
 * Owner of shaders/bench_exp.wgsl: the exp-throughput kernel behind the benchmarks' second adapter
 * ceiling (Sinkhorn's softmin is one exp per point pair). `n` invocations × ITERS × 16 exps.
 */
import source from '../../shaders/bench_exp.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, UniformBlock, rw, uniform } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';

const WG = 256;
export const BenchExpParams = new ParamsLayout('BenchExpParams', { n: 'u32' });
export const BenchExpBindings = new Bindings('bench_exp', {
  params: uniform(BenchExpParams),
  /** One float per invocation (keeps the exps alive). */
  out: rw('array<f32>'),
});
/** Exps per iteration per invocation (four vec4 chains). */
export const EXPS_PER_ITER = 16;

export class BenchExpPlan {
  constructor(
    private readonly pipeline: GPUComputePipeline,
    private readonly bind: GPUBindGroup,
    private readonly params: UniformBlock<'n'>,
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
    pass.dispatchWorkgroups(...workgroups(this.n, WG));
    pass.end();
  }

  destroy(): void {
    this.params.destroy();
  }
}

export class BenchExp {
  private constructor(private readonly ctx: GpuContext) {}

  static create(ctx: GpuContext): BenchExp {
    return new BenchExp(ctx);
  }

  /** `n` invocations of `iters` iterations each, writing one float per invocation to `out`. */
  async plan(out: GPUBuffer, n: number, iters = 256): Promise<BenchExpPlan> {
    if (!Number.isInteger(n) || n < 1) throw new InputError(`bench_exp: n must be a positive integer, got ${n}`);
    // Arguments fall by 1e-3 per iteration from at most -3.85: keep them well inside exp's range.
    if (!Number.isInteger(iters) || iters < 1 || iters > 4096) throw new InputError(`bench_exp: iters must be an integer in [1, 4096], got ${iters}`);
    if (out.size < n * 4) throw new InputError(`bench_exp: out holds ${out.size / 4} floats, needs ${n}`);
    const pipeline = await this.ctx.pipelines.get({ kernel: 'bench_exp', source, layout: BenchExpBindings.pipelineLayout(this.ctx.device), prelude: [BenchExpBindings.wgsl], constants: { WG, ITERS: iters } });
    const params = new UniformBlock(this.ctx, 'bench_exp:params', BenchExpParams);
    params.set({ n });
    const bind = BenchExpBindings.bind(this.ctx.device, { params: params.buffer, out });
    return new BenchExpPlan(pipeline, bind, params, n, iters);
  }
}
