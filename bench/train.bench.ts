/**
 * Score-model training steps per second (issue 4): the whole step (minibatch draw, forward, DSM
 * loss, backward, gradients, clipping, Adam) on the GPU, K steps per submit, one loss readback per
 * run. (a) the paper's model, batch 128; (b) a 4×128 SiLU MLP, batch 4096. Peers in the same run:
 * PyTorch on the CPU (bench/peers/torch_train.py) and tfjs-webgpu on the same adapter
 * (bench/peers/tfjs_train.ts). FLOPs counted as 6·B·Σ in·out per step (forward, input gradients,
 * weight gradients), compared with the adapter's matmul ceiling.
 */
import { makeDataset } from '../src/data/datasets.js';
import { layerVariantName } from '../src/kernels/mlp_forward.js';
import { gradsVariantName } from '../src/kernels/mlp_grads.js';
import type { MlpSpec } from '../src/model/layout.js';
import { DdpmSigmoid, VpLinear } from '../src/processes/process.js';
import { Trainer, type TrainConfig } from '../src/train/trainer.js';
import { measure, result, type BenchContext, type BenchOptions, type BenchResult, type PeerTiming } from './harness.js';
import { tfjsTrain } from './peers/tfjs_train.js';
import { matmulAtShape } from './ceiling_shape.js';

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
