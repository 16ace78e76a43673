/**
 * Real dimensions: the reverse-SDE sampler's two paths at d = 2 (the fused vec4 kernel against the
 * general path: batched MLP layers + one step dispatch), EM sampling at d = 8 and of 10^4 particles
 * in 784-D with a 784→1024→1024→784 network, and training that network at batch 256; PyTorch on the
 * CPU doing the same work (bench/peers/torch_highdim.py), shares of the adapter's matmul ceiling.
 */
import { uploadPoints } from '../src/data/datasets.js';
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { VpLinear } from '../src/processes/process.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { ReverseSampler, type SamplerPath } from '../src/samplers/sampler.js';
import { Trainer } from '../src/train/trainer.js';
import { measure, result, type BenchContext, type BenchOptions, type BenchResult } from './harness.js';
import { matmulAtShape } from './ceiling_shape.js';

export const meta = { id: 'highdim', title: 'samplers and training at real dimensions (d = 2 paths, 8, 784)' };

const mlp = (d: number, width: number, depth: number, features: number): MlpSpec => ({ dim: d, hidden: Array.from({ length: depth }, () => width), activation: 'silu', time: { kind: 'fourier', features }, output: 'eps' });

/** FLOPs of one network evaluation (2 per multiply-add). */
const flopsPerEval = (spec: MlpSpec) => mlpLayout(spec).layers.reduce((s, l) => s + 2 * l.in * l.out, 0);

function randomParams(spec: MlpSpec): Float32Array {
  const layout = mlpLayout(spec);
  const p = rngFillCpu(layout.size, 7);
  for (const l of layout.layers) for (let i = 0; i < l.in * l.out + l.out; i++) p[l.wOffset + i] = (2 * p[l.wOffset + i]! - 1) / Math.sqrt(l.in);
  p.fill(1, layout.scaleOffset, layout.scaleOffset + layout.layers.length);
  return p;
}

function em784N(quick: boolean): number {
  const env = typeof process !== 'undefined' ? Number(process.env.WASSERFLOW_BENCH_EM784_N) : Number.NaN;
  return Number.isInteger(env) && env > 0 ? env : quick ? 500 : 10_000;
}

export async function run(b: BenchContext, opts: BenchOptions): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const q = opts.quick ?? false;
  const sampling: { id: string; name: string; spec: MlpSpec; n: number; steps: number; path: SamplerPath; peer: boolean }[] = [
    { id: 'highdim.em.d2.fused', name: 'EM sampling, d = 2, 4×128 SiLU MLP, fused kernel', spec: mlp(2, 128, 4, 4), n: 10_000, steps: q ? 1 : 4, path: 'fused', peer: false },
    { id: 'highdim.em.d2.general', name: 'EM sampling, d = 2, 4×128 SiLU MLP, general path', spec: mlp(2, 128, 4, 4), n: 10_000, steps: q ? 1 : 4, path: 'general', peer: false },
    { id: 'highdim.em.d8', name: 'EM sampling, d = 8, 8→256→256→8 SiLU MLP (general path)', spec: mlp(8, 256, 2, 8), n: 10_000, steps: q ? 1 : 4, path: 'auto', peer: true },
    // 10^4 particles, the size, by default (one step of them is ~53 GFLOP: tens of seconds
    // on a CPU adapter, one or two runs); WASSERFLOW_BENCH_EM784_N overrides it, --quick takes 500.
    { id: 'highdim.em.d784', name: 'EM sampling, d = 784, 784→1024→1024→784 SiLU MLP (general path)', spec: mlp(784, 1024, 2, 8), n: em784N(q), steps: 1, path: 'auto', peer: true },
  ];
  for (const c of sampling) {
    const params = randomParams(c.spec);
    b.log(`${c.id}: n = ${c.n}, ${c.steps} steps`);
    let s: ReverseSampler | undefined;
    try {
      const heavy = c.spec.dim > 100;
      const timing = await measure(
        async () => {
          s ??= await ReverseSampler.create(b.ctx, { process: new VpLinear(), score: { kind: 'network', network: { spec: c.spec, params } }, n: c.n, steps: c.steps, tEnd: 1e-3, path: c.path, maxBlock: 4096 });
          const enc = b.ctx.device.createCommandEncoder({ label: 'bench:highdim' });
          s.encodeRun(enc, 1);
          await b.ctx.read(s.state, 0, 4, enc);
        },
        heavy ? { signal: b.signal, warmup: 0, minRuns: 1, maxRuns: 2, budgetMs: 1 } : { signal: b.signal, warmup: 1, minRuns: 3, maxRuns: 10, budgetMs: q ? 1000 : 6000 },
      );
      const peers = opts.noPeers || !c.peer ? [] : await b.peer('torch_highdim.py', { mode: 'sample', d: c.spec.dim, width: c.spec.hidden[0], features: 8, steps: c.steps, n: c.n });
      out.push(
        result({
          id: c.id,
          name: c.name,
          size: `${c.n} particles × ${c.steps} steps, d = ${c.spec.dim}`,
          timing,
          work: (c.n * c.steps) / 1e6,
          unit: '10^6 particle-steps/s',
          ceiling: { kind: 'matmul', perRun: c.n * c.steps * flopsPerEval(c.spec), atShape: await matmulAtShape(b.ctx, Math.max(...c.spec.hidden), c.n, b, opts) },
          peers,
          notes: `${s!.path} path${s!.path === 'general' ? ' (score by the batched layer kernels, then one step dispatch)' : ' (network + step in one dispatch, 4 particles per invocation)'}; ${(flopsPerEval(c.spec) / 1e6).toFixed(3)} MFLOP per network evaluation`,
        }),
      );
    } finally {
      s?.destroy();
    }
  }

  // Training the 784→1024→1024→784 network at batch 256 on 784-D data in [-1, 1].
  const spec = mlp(784, 1024, 2, 8);
  const steps = q ? 1 : 2;
  const n = 4000;
  const data = uploadPoints(b.ctx, 'bench:784', rngFillCpu(n * 784, 3).map((u) => 2 * u - 1), 784);
  let trainer: Trainer | undefined;
  try {
    b.log(`highdim.train.784: ${steps} steps per run`);
    const timing = await measure(
      async () => {
        trainer ??= await Trainer.create(b.ctx, data, { spec, process: new VpLinear(), batch: 256, optimizer: 'adam', lr: 1e-3, stepsPerSubmit: steps, lossEvery: steps, seed: 1 });
        await trainer.train(steps);
      },
      { signal: b.signal, warmup: 0, minRuns: 2, maxRuns: 3, budgetMs: 1 },
    );
    const peers = opts.noPeers ? [] : await b.peer('torch_highdim.py', { mode: 'train', d: 784, width: 1024, features: 8, batch: 256, steps, n });
    const flops = 3 * 256 * flopsPerEval(spec) * steps;
    out.push(
      result({
        id: 'highdim.train.784',
        name: 'training 784→1024→1024→784 SiLU MLP (DSM, Adam)',
        size: `batch 256, ${steps} steps per run, ${trainer!.dispatchesPerStep} dispatches per step`,
        timing,
        work: steps,
        unit: 'steps/s',
        ceiling: { kind: 'matmul', perRun: flops, atShape: await matmulAtShape(b.ctx, Math.max(...spec.hidden), 256, b, opts) },
        peers,
        notes: `${((flops / timing.medianMs) * 1e-6).toFixed(2)} GFLOP/s (6·B·Σ in·out per step)`,
      }),
    );
  } finally {
    trainer?.destroy();
    data.destroy();
  }
  return out;
}
