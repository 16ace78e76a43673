/**
 * Owner of shaders/bench_exp.wgsl: the exp-throughput kernel behind the benchmarks' exp ceiling
 * (Sinkhorn's softmin is one exp per point pair). `n` invocations × ITERS × 4 × 16 exps.
 */
import source from '../../shaders/bench_exp.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { throughputPlan, type ThroughputKernel, type ThroughputPlan } from './bench_throughput.js';

/** Exp steps per iteration (the shader's inner loop). */
export const EXP_STEPS_PER_ITER = 4;
/** Exps per iteration per invocation (4 steps of four vec4 chains). */
export const EXPS_PER_ITER = EXP_STEPS_PER_ITER * 16;
// Arguments fall by 1e-3 per step from at most -3.85: 1024 iterations (4096 steps) keep them well inside exp's range.
const KERNEL: ThroughputKernel = { kernel: 'bench_exp', source, perIter: EXPS_PER_ITER, maxIters: 1024 };

export class BenchExp {
  private constructor(private readonly ctx: GpuContext) {}

  static create(ctx: GpuContext): BenchExp {
    return new BenchExp(ctx);
  }

  /** `n` invocations of `iters` iterations each, writing one float per invocation to `out`; `operations` counts the exps. */
  plan(out: GPUBuffer, n: number, iters = 64): Promise<ThroughputPlan> {
    return throughputPlan(this.ctx, KERNEL, out, n, iters);
  }
}
