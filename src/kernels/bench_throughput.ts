/**
 * The plan shared by the benchmarks' throughput-ceiling kernels (bench_exp, bench_fma): `n`
 * invocations of `iters` iterations, each iteration `perIter` operations, one float written per
 * invocation to keep the work alive. The owners (src/kernels/bench_exp.ts, bench_fma.ts) hold the
 * shader and the operation's name.
 */
import type { GpuContext } from '../gpu/context.js';
import { Bindings, UniformBlock, rw, uniform } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';

const WG = 256;
export const ThroughputParams = new ParamsLayout('ThroughputParams', { n: 'u32' });
export const ThroughputBindings = new Bindings('bench_throughput', {
  params: uniform(ThroughputParams),
  /** One float per invocation (keeps the work alive). */
  out: rw('array<f32>'),
});

export interface ThroughputKernel {
  /** Pipeline-cache name, also the label and the prefix of error messages. */
  kernel: string;
  source: string;
  /** Operations per iteration per invocation. */
  perIter: number;
  /** Largest iteration count the shader's arithmetic stays in range for. */
  maxIters: number;
}

export class ThroughputPlan {
  constructor(
    private readonly label: string,
    private readonly pipeline: GPUComputePipeline,
    private readonly bind: GPUBindGroup,
    private readonly params: UniformBlock<'n'>,
    readonly n: number,
    readonly iters: number,
    private readonly perIter: number,
  ) {}

  /** Operations evaluated by one dispatch. */
  get operations(): number {
    return this.n * this.iters * this.perIter;
  }

  encode(encoder: GPUCommandEncoder, timestampWrites?: GPUComputePassTimestampWrites): void {
    const pass = encoder.beginComputePass({ label: this.label, ...(timestampWrites ? { timestampWrites } : {}) });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bind);
    pass.dispatchWorkgroups(...workgroups(this.n, WG));
    pass.end();
  }

  destroy(): void {
    this.params.destroy();
  }
}

/** Bind `out` (one float per invocation) and plan `n` invocations of `iters` iterations of `k`. */
export async function throughputPlan(ctx: GpuContext, k: ThroughputKernel, out: GPUBuffer, n: number, iters: number): Promise<ThroughputPlan> {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${k.kernel}: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(iters) || iters < 1 || iters > k.maxIters) throw new InputError(`${k.kernel}: iters must be an integer in [1, ${k.maxIters}], got ${iters}`);
  if (out.size < n * 4) throw new InputError(`${k.kernel}: out holds ${out.size / 4} floats, needs ${n}`);
  const pipeline = await ctx.pipelines.get({ kernel: k.kernel, source: k.source, layout: ThroughputBindings.pipelineLayout(ctx.device), prelude: [ThroughputBindings.wgsl], constants: { WG, ITERS: iters } });
  const params = new UniformBlock(ctx, `${k.kernel}:params`, ThroughputParams);
  params.set({ n });
  const bind = ThroughputBindings.bind(ctx.device, { params: params.buffer, out });
  return new ThroughputPlan(k.kernel, pipeline, bind, params, n, iters, k.perIter);
}
