/**
 * Owner of shaders/bench_exp.wgsl: the exp-throughput kernel behind the benchmarks' exp ceiling
 * (Sinkhorn's softmin is one exp per point pair). `n` invocations × ITERS × 16 exps.
 */
import source from '../../shaders/bench_exp.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { throughputPlan, type ThroughputKernel, type ThroughputPlan } from './bench_throughput.js';

/** Exps per iteration per invocation (four vec4 chains). */
export const EXPS_PER_ITER = 16;
// Arguments fall by 1e-3 per iteration from at most -3.85: 4096 iterations keep them well inside exp's range.
const KERNEL: ThroughputKernel = { kernel: 'bench_exp', source, perIter: EXPS_PER_ITER, maxIters: 4096 };

export class BenchExp {
  private constructor(private readonly ctx: GpuContext) {}

  static create(ctx: GpuContext): BenchExp {
    return new BenchExp(ctx);
  }

  /** `n` invocations of `iters` iterations each, writing one float per invocation to `out`; `operations` counts the exps. */
  plan(out: GPUBuffer, n: number, iters = 256): Promise<ThroughputPlan> {
    return throughputPlan(this.ctx, KERNEL, out, n, iters);
  }
}
