/**
 * Score-model training steps per second (issue 4): the whole step (minibatch draw, forward, DSM
 * loss, backward, gradients, clipping, Adam) on the GPU, K steps per submit, one loss readback per
 * run. (a) the paper's model, batch 128; (b) a 4×128 SiLU MLP, batch 4096. Peers in the same run:
 * PyTorch on the CPU (bench/peers/torch_train.py) and tfjs-webgpu on the same adapter
 * (bench/peers/tfjs_train.ts). FLOPs counted as 6·B·Σ in·out per step (forward, input gradients,
 * weight gradients), compared with the adapter's matmul ceiling.
 */
import { makeDataset } from '../src/data/datasets.js';
import { BenchMatmul } from '../src/kernels/bench_matmul.js';
import { layerVariantName } from '../src/kernels/mlp_forward.js';
import { gradsVariantName } from '../src/kernels/mlp_grads.js';
import type { GpuContext } from '../src/gpu/context.js';
import { rngFillCpu } from '../src/rng/philox.js';
import type { MlpSpec } from '../src/model/layout.js';
import { DdpmSigmoid, VpLinear } from '../src/processes/process.js';
import { Trainer, type TrainConfig } from '../src/train/trainer.js';
import { measure, result, type BenchContext, type BenchOptions, type BenchResult, type PeerTiming } from './harness.js';
import { tfjsTrain } from './peers/tfjs_train.js';

export const meta = { id: 'train', title: 'Score-model training (MLP forward/backward/Adam on the GPU)' };

interface Workload {
  id: string;
  name: string;
  spec: MlpSpec;
  config: Omit<TrainConfig, 'spec'>;
  steps: number;
  tfjsSteps: number;
  peer: { model: 'paper' | 'mlp' };
}

function kernelsOf(t: Trainer): string {
  const k = t.plan.kernels;
  return `forward ${layerVariantName(k.forward)}, backward ${layerVariantName(k.backward)}, gradients ${gradsVariantName(k.grads)}`;
}

function flopsPerStep(spec: MlpSpec, batch: number): number {
  const dims = [spec.dim + (spec.time.kind === 'fourier' ? 2 * spec.time.features : 0), ...spec.hidden, spec.dim];
  let s = 0;
  for (let i = 0; i + 1 < dims.length; i++) s += dims[i]! * dims[i + 1]!;
  return 6 * batch * s;
}

/**
 * The ceiling kernel (bench_matmul, its tuned shape) at a workload's own layer shape: M = K = the
 * widest hidden layer, N = the batch, 4 products per run, timed like ceiling.matmul (wall-clock
 * median of awaited runs). FLOP/s; the row's share counts against it when it is above the
 * adapter-wide ceiling, so no row can show more than 100% of what the adapter's best kernel does
 * at that shape.
 */
async function matmulAtShape(ctx: GpuContext, width: number, batch: number, b: BenchContext, opts: BenchOptions): Promise<{ perSecond: number; shape: string }> {
  const m = Math.ceil(width / 4) * 4;
  const n = Math.ceil(batch / 4) * 4;
  const bufA = ctx.storage('bench:shape-A', rngFillCpu(m * m, 5, 0, 'normal'));
  const bufB = ctx.storage('bench:shape-B', rngFillCpu(m * n, 6, 0, 'normal'));
  const bufC = ctx.storage('bench:shape-C', m * n * 4);
  const mm = await BenchMatmul.create(ctx);
  const plan = mm.plan(bufA, bufB, bufC, { m, n, k: m });
  const reps = 4;
  try {
    const t = await measure(
      async () => {
        const enc = ctx.device.createCommandEncoder({ label: 'bench:matmul-at-shape' });
        for (let r = 0; r < reps; r++) plan.encode(enc);
        await ctx.read(bufC, 0, 4, enc);
      },
      { signal: b.signal, budgetMs: opts.quick ? 500 : 3000, minRuns: 3, warmup: 1 },
    );
    return { perSecond: (reps * plan.flops) / (t.medianMs / 1000), shape: `${m}×${n}×${m}` };
  } finally {
    plan.destroy();
    for (const x of [bufA, bufB, bufC]) ctx.destroyBuffer(x);
  }
}

export async function run(b: BenchContext, opts: BenchOptions): Promise<BenchResult[]> {
  const { ctx } = b;
  const workloads: Workload[] = [
    {
      id: 'train.paper',
      name: 'paper model 2→64→64→64→2 (per-step embedding, softplus), AdamW + clip',
      spec: { dim: 2, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' },
      config: { process: new DdpmSigmoid({ steps: 10 }), weighting: 'paper', timeSampling: 'antithetic', batch: 128, optimizer: 'adamw', lr: 1e-3, gradClip: 1, seed: 1 },
      steps: opts.quick ? 50 : 200,
      tfjsSteps: opts.quick ? 3 : 10,
      peer: { model: 'paper' },
    },
    {
      id: 'train.mlp4x128',
      name: '4×128 SiLU MLP (Fourier time), Adam',
      spec: { dim: 2, hidden: [128, 128, 128, 128], activation: 'silu', time: { kind: 'fourier', features: 4 }, output: 'eps' },
      config: { process: new VpLinear({}), batch: opts.quick ? 1024 : 4096, optimizer: 'adam', lr: 1e-3, seed: 1 },
      steps: opts.quick ? 2 : 3,
      tfjsSteps: 1,
      peer: { model: 'mlp' },
    },
  ];
  const out: BenchResult[] = [];
  for (const w of workloads) {
    const data = await makeDataset(ctx, w.peer.model === 'paper' ? 'clusters4' : 'cluster2d', { seed: 1 });
    let trainer: Trainer | undefined;
    try {
      const batch = w.config.batch;
      const timing = await measure(
        async () => {
          trainer ??= await Trainer.create(ctx, data, { ...w.config, spec: w.spec, stepsPerSubmit: Math.min(w.steps, 100), lossEvery: w.steps });
          await trainer.train(w.steps);
        },
        { signal: b.signal, budgetMs: opts.quick ? 2000 : 8000, minRuns: 3, warmup: 1 },
      );
      const t = trainer!;
      const shape = `${t.dispatchesPerStep} dispatches per step${t.samplesPerWorkgroup ? ` (fused, ${t.samplesPerWorkgroup} samples per workgroup)` : ''}, ~${(t.bytesPerStep / 1e6).toFixed(2)} MB moved per step`;
      b.log(`${w.id}: ${((w.steps / timing.medianMs) * 1000).toFixed(1)} steps/s, ${shape}`);
      const peers: PeerTiming[] = [];
      if (!opts.noPeers) {
        peers.push(...(await b.peer('torch_train.py', { model: w.peer.model, steps: w.steps, batch, n: 4000 })));
        try {
          const tf = await tfjsTrain(ctx, w.peer.model, batch, w.tfjsSteps, { signal: b.signal, budgetMs: opts.quick ? 2000 : 8000, minRuns: 3, warmup: 1 });
          // Same work per run as ours: scale the median from tfjsSteps to `steps`.
          const k = w.steps / w.tfjsSteps;
          peers.push({ ...tf, name: `${tf.name}, ${w.tfjsSteps}-step runs scaled`, medianMs: tf.medianMs * k });
        } catch (e) {
          b.log(`tfjs peer failed: ${(e as Error).message}`);
        }
      }
      const flops = flopsPerStep(w.spec, batch) * w.steps;
      const atShape = await matmulAtShape(ctx, Math.max(...w.spec.hidden), batch, b, opts);
      b.log(`${w.id}: ceiling kernel at ${atShape.shape}: ${(atShape.perSecond / 1e9).toFixed(2)} GFLOP/s`);
      out.push(
        result({
          id: w.id,
          name: w.name,
          size: `batch ${batch}, ${w.steps} steps per run, ${shape}`,
          timing,
          work: w.steps,
          unit: 'steps/s',
          ceiling: { kind: 'matmul', perRun: flops, atShape },
          peers,
          notes: `${((flops / timing.medianMs) * 1e-6).toFixed(2)} GFLOP/s (6·B·Σ in·out per step); the ceiling kernel at this shape (${atShape.shape}): ${(atShape.perSecond / 1e9).toFixed(2)} GFLOP/s; layer kernels ${kernelsOf(t)}; ${shape} (estimated: weights read per dispatch, gradients, optimizer state, workspace); first run includes pipeline compilation`,
        }),
      );
    } finally {
      trainer?.destroy();
      data.destroy();
    }
  }
  return out;
}
