/**
 * Reverse-SDE sampling throughput (particle-steps/s) with the fused kernel (network forward + EM step
 * in one dispatch, whole chunks of steps per dispatch), for 10^4 and 10^6 particles with the paper's
 * model and a 4×128 SiLU MLP, next to PyTorch on the CPU doing the same integration
 * (bench/peers/torch_sample.py), and as a share of the adapter's matmul ceiling (network FLOPs only).
 */
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { VpLinear } from '../src/processes/process.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { ReverseSampler } from '../src/samplers/sampler.js';
import { measure, result, type BenchContext, type BenchOptions, type BenchResult } from './harness.js';
import { matmulAtShape } from './ceiling_shape.js';

export const meta = { id: 'sampler', title: 'reverse-SDE sampler (fused MLP + Euler–Maruyama step)' };

const MODELS: Record<'paper' | 'mlp128', { name: string; spec: MlpSpec }> = {
  paper: {
    name: "paper's model 2→64→64→64→2 (per-step embedding, softplus, ε)",
    spec: { dim: 2, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' },
  },
  mlp128: {
    name: '4×128 SiLU MLP (4 Fourier features, ε)',
    spec: { dim: 2, hidden: [128, 128, 128, 128], activation: 'silu', time: { kind: 'fourier', features: 4 }, output: 'eps' },
  },
};

/** Multiply-adds of one network evaluation, ×2 = FLOPs. */
function flopsPerEval(spec: MlpSpec): number {
  return mlpLayout(spec).layers.reduce((s, l) => s + 2 * l.in * l.out, 0);
}

export async function run(b: BenchContext, opts: BenchOptions): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const cases: { model: 'paper' | 'mlp128'; n: number; steps: number }[] = opts.quick
    ? [
        { model: 'paper', n: 10_000, steps: 2 },
        { model: 'mlp128', n: 10_000, steps: 1 },
      ]
    : [
        { model: 'paper', n: 10_000, steps: 10 },
        { model: 'mlp128', n: 10_000, steps: 4 },
        { model: 'paper', n: 1_000_000, steps: 1 },
        { model: 'mlp128', n: 1_000_000, steps: 1 },
      ];
  for (const c of cases) {
    const { spec, name } = MODELS[c.model];
    const layout = mlpLayout(spec);
    const params = rngFillCpu(layout.size, 7).map((u) => 0.2 * (2 * u - 1));
    params.fill(1, layout.scaleOffset, layout.scaleOffset + layout.layers.length);
    const big = c.n >= 1_000_000;
    b.log(`sampler: ${c.model}, n = ${c.n}, ${c.steps} steps`);
    let s: ReverseSampler | undefined;
    try {
      const timing = await measure(
        async () => {
          s ??= await ReverseSampler.create(b.ctx, { process: new VpLinear(), score: { kind: 'network', network: { spec, params } }, n: c.n, steps: c.steps, tEnd: 1e-3 });
          // What a caller does: one submit, then the samples read back (on a software adapter read()
          // sleeps through most of the run instead of spinning the JS thread, see IDLE_WAIT_SHARE).
          await s.run({ seed: 1 });
          await s.read();
        },
        big ? { signal: b.signal, warmup: 0, minRuns: 1, maxRuns: 1, budgetMs: 1 } : { signal: b.signal, warmup: 1, minRuns: 3, maxRuns: 10, budgetMs: opts.quick ? 1000 : 8000 },
      );
      const peers = opts.noPeers ? [] : await b.peer('torch_sample.py', { model: c.model, n: c.n, steps: c.steps });
      const flops = c.n * c.steps * flopsPerEval(spec);
      const atShape = await matmulAtShape(b.ctx, Math.max(...spec.hidden), c.n, b, opts);
      out.push(
        result({
          id: `sampler.em.${c.model}.${c.n}`,
          name: `EM sampling, ${name}`,
          size: `${c.n.toExponential(0)} particles × ${c.steps} steps, d = 2`,
          timing,
          work: (c.n * c.steps) / 1e6,
          unit: '10^6 particle-steps/s',
          ceiling: { kind: 'matmul', perRun: flops, atShape },
          peers,
          notes: `fused kernel shape '${s?.fusedKernel ?? '?'}' (tuned); the ceiling kernel at this shape (${atShape.shape}): ${(atShape.perSecond / 1e9).toFixed(2)} GFLOP/s; one dispatch per run (fused network + step, 4 particles per invocation), timed to the samples read back; ${(flopsPerEval(spec) / 1e3).toFixed(1)} kFLOP per network evaluation`,
        }),
      );
    } finally {
      s?.destroy();
    }
  }
  return out;
}
