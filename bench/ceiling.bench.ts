/**
 * The adapter's own ceilings, which every other benchmark reports its share of: FLOP/s, the better
 * of f32 matmul with the register-blocked kernel and the fma peak, and exp throughput (10^9 exp/s). Peers: numpy and torch
 * on the CPU, tfjs-webgpu on the same adapter (matmul).
 */
import { BenchExp } from '../src/kernels/bench_exp.js';
import { BenchFma } from '../src/kernels/bench_fma.js';
import type { ThroughputPlan } from '../src/kernels/bench_throughput.js';
import { BenchMatmul, matmulVariantName, type BenchMatmulPlan } from '../src/kernels/bench_matmul.js';
import { GpuTimer } from '../src/gpu/timing.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { gpuMedian, measure, result, type BenchContext, type BenchOptions, type BenchResult, type PeerTiming, type Timing } from './harness.js';
import { tfjsMatmul } from './peers/tfjs.js';

export const meta = { id: 'ceiling', title: 'adapter ceilings: register-blocked matmul, fma peak, exp throughput', order: 0 };

export async function run(b: BenchContext, opts: BenchOptions): Promise<BenchResult[]> {
  return [await matmul(b, opts), await fma(b, opts), await exp(b, opts)];
}

async function matmul(b: BenchContext, opts: BenchOptions): Promise<BenchResult> {
  const { ctx } = b;
  // 512³ keeps a tfjs-webgpu run (≈ 0.1-0.5 GFLOP/s on SwiftShader) near a second; a GPU needs a
  // size that fills it (issue 22): 2048³.
  const n = opts.quick ? 256 : ctx.adapter.isSoftware ? 512 : 2048;
  const shape = { m: n, n, k: n };
  const bufA = ctx.storage('bench:A', rngFillCpu(n * n, 1, 0, 'normal'));
  const bufB = ctx.storage('bench:B', rngFillCpu(n * n, 2, 0, 'normal'));
  const bufC = ctx.storage('bench:C', n * n * 4);
  const timer = new GpuTimer(ctx, 4);
  let plan: BenchMatmulPlan | undefined;
  // The kernel shape tuned for this adapter (src/gpu/tuning.ts), searched before the timed runs.
  const mm = await BenchMatmul.create(ctx);
  try {
    // The first run binds the plan (the pipeline was compiled by the tuning search above).
    const timing = await measure(
      async () => {
        plan ??= mm.plan(bufA, bufB, bufC, shape);
        const enc = ctx.device.createCommandEncoder({ label: 'bench:matmul' });
        plan.encode(enc);
        await ctx.read(bufC, 0, 4, enc);
      },
      { signal: b.signal, budgetMs: opts.quick ? 1000 : 8000, minRuns: opts.quick ? 3 : 5 },
    );
    const gpu = await gpuMedian(async () => {
      const enc = ctx.device.createCommandEncoder({ label: 'bench:matmul:timed' });
      plan!.encode(enc, timer.passTimestamps('matmul'));
      timer.resolve(enc);
      ctx.submit(enc.finish());
      return (await timer.read()).get('matmul');
    }, 3);
    if (gpu !== undefined) timing.gpuMedianMs = gpu;
    const peers: PeerTiming[] = [];
    if (!opts.noPeers) {
      peers.push(...(await b.peer('ceiling.py', { op: 'matmul', ...shape })));
      try {
        peers.push(await tfjsMatmul(ctx, n, n, n, { signal: b.signal, warmup: 1, budgetMs: opts.quick ? 1000 : 5000, minRuns: 3 }));
      } catch (e) {
        // tfjs is a dev dependency: a machine that only carries the built bench (scripts/gpu-check.sh) lacks it.
        b.log(`tfjs peer failed: ${(e as Error).message}`);
      }
    }
    const flops = 2 * n * n * n;
    return result({
      id: 'ceiling.matmul',
      name: `f32 matmul (register-blocked, vec4; shape tuned for this adapter: ${matmulVariantName(mm.variant)})`,
      size: `${n}×${n}×${n}`,
      timing,
      work: flops / 1e9,
      unit: 'GFLOP/s',
      ceilingOf: { kind: 'matmul', perRun: flops },
      peers,
    });
  } finally {
    plan?.destroy();
    timer.destroy();
    for (const x of [bufA, bufB, bufC]) ctx.destroyBuffer(x);
  }
}

/** A throughput ceiling: `n` invocations × `iters` iterations of the kernel, wall-clock median and GPU time. */
async function throughput(
  b: BenchContext,
  opts: BenchOptions,
  k: { label: string; plan: (out: GPUBuffer, n: number, iters: number) => Promise<ThroughputPlan>; iters: number; peerOp?: 'exp' },
): Promise<{ timing: Timing; operations: number; peers: PeerTiming[] }> {
  const { ctx } = b;
  const n = opts.quick ? 16_384 : 65_536;
  const out = ctx.storage(`bench:${k.label}`, n * 4);
  const timer = new GpuTimer(ctx, 4);
  let plan: ThroughputPlan | undefined;
  try {
    const timing = await measure(
      async () => {
        plan ??= await k.plan(out, n, k.iters);
        const enc = ctx.device.createCommandEncoder({ label: `bench:${k.label}` });
        plan.encode(enc);
        await ctx.read(out, 0, 4, enc);
      },
      { signal: b.signal, budgetMs: opts.quick ? 1000 : 5000, minRuns: opts.quick ? 3 : 5 },
    );
    const gpu = await gpuMedian(async () => {
      const enc = ctx.device.createCommandEncoder({ label: `bench:${k.label}:timed` });
      plan!.encode(enc, timer.passTimestamps(k.label));
      timer.resolve(enc);
      ctx.submit(enc.finish());
      return (await timer.read()).get(k.label);
    }, 3);
    if (gpu !== undefined) timing.gpuMedianMs = gpu;
    const operations = plan!.operations;
    const peers = opts.noPeers || !k.peerOp ? [] : await b.peer('ceiling.py', { op: k.peerOp, count: operations });
    return { timing, operations, peers };
  } finally {
    plan?.destroy();
    timer.destroy();
    ctx.destroyBuffer(out);
  }
}

async function exp(b: BenchContext, opts: BenchOptions): Promise<BenchResult> {
  const { timing, operations: exps, peers } = await throughput(b, opts, { label: 'exp', plan: (out, n, iters) => BenchExp.create(b.ctx).plan(out, n, iters), iters: 64, peerOp: 'exp' });
  return result({
    id: 'ceiling.exp',
    name: 'f32 exp throughput (4 vec4 chains, 4 steps per loop iteration)',
    size: `${(exps / 1e6).toFixed(1)}M exps`,
    timing,
    work: exps / 1e9,
    unit: '10^9 exp/s',
    ceilingOf: { kind: 'exp', perRun: exps },
    peers,
  });
}

/**
 * The arithmetic peak: FLOP-counted rows compare with the better of this and the matmul (a fused
 * kernel that keeps activations in registers can beat the matmul at a thin layer shape, never the
 * peak of the adapter's fma units).
 */
async function fma(b: BenchContext, opts: BenchOptions): Promise<BenchResult> {
  const { timing, operations: flops, peers } = await throughput(b, opts, { label: 'fma', plan: (out, n, iters) => BenchFma.create(b.ctx).plan(out, n, iters), iters: 256 });
  // No CPU peer here: numpy's and torch's peaks are the matmul row's BLAS figures.
  return result({
    id: 'ceiling.fma',
    name: 'f32 fma peak (8 vec4 chains, 4 steps per loop iteration, 2 FLOP per fma)',
    size: `${(flops / 2e6).toFixed(1)}M fmas`,
    timing,
    work: flops / 1e9,
    unit: 'GFLOP/s',
    ceilingOf: { kind: 'matmul', perRun: flops },
    peers,
  });
}
