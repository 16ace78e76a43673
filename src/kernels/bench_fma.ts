/**
 * Owner of shaders/bench_fma.wgsl: the arithmetic-peak kernel behind the benchmarks' FLOP ceiling
 * next to the matmul (bench/ceiling.bench.ts). `n` invocations × ITERS × 4 × 32 fmas (256 FLOP).
 */
import source from '../../shaders/bench_fma.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { throughputPlan, type ThroughputKernel, type ThroughputPlan } from './bench_throughput.js';

/** FMA steps per iteration (the shader's inner loop). */
export const FMA_STEPS_PER_ITER = 4;
/** FLOPs per iteration per invocation (4 steps of eight vec4 fma chains, 2 FLOP per fma). */
export const FMA_FLOPS_PER_ITER = FMA_STEPS_PER_ITER * 64;
// The chains contract (|a| < 1) toward b/(1 − a): any iteration count stays finite.
const KERNEL: ThroughputKernel = { kernel: 'bench_fma', source, perIter: FMA_FLOPS_PER_ITER, maxIters: 1 << 16 };

export class BenchFma {
  private constructor(private readonly ctx: GpuContext) {}

  static create(ctx: GpuContext): BenchFma {
    return new BenchFma(ctx);
  }

  /** `n` invocations of `iters` iterations each, writing one float per invocation to `out`; `operations` counts the FLOPs. */
  plan(out: GPUBuffer, n: number, iters = 256): Promise<ThroughputPlan> {
    return throughputPlan(this.ctx, KERNEL, out, n, iters);
  }
}
