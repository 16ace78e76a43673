/**
 * Flows: particle-steps/s of the exact-Gaussian transition kernel (flow_sde_step) for the VP
 * (Ornstein–Uhlenbeck) and Brownian-bridge flows, next to numpy doing the same transitions on the
 * CPU (bench/peers/numpy_flows.py); the time of one exact-ratio MonoFlow round on the affine toy;
 * rounds of MonoFlow with an MLP generator against the discriminator, next to PyTorch doing the same
 * round (bench/peers/torch_monoflow.py); and the time of one W2 measurement of a flow by the debiased Sinkhorn (FlowW2, solver reused).
 */
import { sampleGaussianCloud } from '../src/flows/clouds.js';
import { eye, gaussian, type Gaussian } from '../src/flows/gaussian.js';
import { GaussianMonoFlow } from '../src/flows/monoflow_gaussian.js';
import { GeneratorMonoFlow } from '../src/flows/monoflow_generator.js';
import { bridgeSteps, vpSteps } from '../src/flows/sde_flows.js';
import { FlowW2 } from '../src/flows/w2_measure.js';
import { FlowSdeStep } from '../src/kernels/flow_sde_step.js';
import { measure, result, type BenchContext, type BenchOptions, type BenchResult } from './harness.js';

export const meta = { id: 'flows', title: 'Wasserstein flows: transition kernels, MonoFlow rounds, Sinkhorn W2 per trace point' };

const D = 2;

export async function run(b: BenchContext, opts: BenchOptions): Promise<BenchResult[]> {
  const { ctx } = b;
  const out: BenchResult[] = [];
  const n = opts.quick ? 10_000 : 200_000;
  const steps = opts.quick ? 4 : 20;
  const budget = { signal: b.signal, warmup: 1, minRuns: 3, maxRuns: 20, budgetMs: opts.quick ? 1000 : 5000 };

  // 1. flow_sde_step: `steps` steps per run in one pass, one 4-byte readback.
  for (const kind of ['vp', 'bridge'] as const) {
    b.log(`flows: ${kind} steps, n = ${n}`);
    const x = ctx.storage(`bench:${kind}:x`, sampleGaussianCloud(gaussian([1, -2], [0.5, 0.2, 0.2, 0.3]), n, 1));
    const y = ctx.storage(`bench:${kind}:x1`, sampleGaussianCloud(gaussian([2, -1], [0.6, -0.2, -0.2, 1.4]), n, 2));
    let plan: ReturnType<FlowSdeStep['plan']> | undefined;
    try {
      const timing = await measure(async () => {
        if (!plan) {
          const k = await FlowSdeStep.create(ctx);
          plan = kind === 'vp' ? k.plan(x, n * D, vpSteps(steps, 3), { seed: 3 }) : k.plan(x, n * D, bridgeSteps(steps, 1), { seed: 3, y });
        }
        const enc = ctx.device.createCommandEncoder({ label: `bench:${kind}` });
        plan.encode(enc);
        await ctx.read(x, 0, 4, enc);
      }, budget);
      const peers = opts.noPeers ? [] : await b.peer('numpy_flows.py', { kind, n, d: D, steps });
      out.push(result({
        id: `flows.${kind}.${n}`,
        name: `${kind === 'vp' ? 'VP (OU)' : 'Brownian-bridge'} exact transition x ← a·x + k·(x1 − x) + s·ξ (Philox normals)`,
        size: `${n.toExponential(0)} particles × ${steps} steps, d = 2`,
        timing, work: (n * steps) / 1e6, unit: '10^6 particle-steps/s', peers,
        notes: 'one dispatch per step, all steps in one pass, 4-byte readback per run',
      }));
    } finally {
      plan?.destroy();
      ctx.destroyBuffer(x);
      ctx.destroyBuffer(y);
    }
  }

  // 2. Exact-ratio MonoFlow on the affine toy: `rounds` rounds per run (advance = rounds in one
  //    submit + one trace point with the moment W2, i.e. θ and the n×2 cloud read back).
  {
    const nz = 4096;
    const rounds = opts.quick ? 10 : 100;
    b.log(`flows: monoflow, n = ${nz}, ${rounds} rounds per run`);
    const target = gaussian([0, 0], [1, 0.8, 0.8, 0.89]);
    let flow: GaussianMonoFlow | undefined;
    try {
      const timing = await measure(async () => {
        // Enough rounds for every timed run; each run advances `rounds` more.
        flow ??= await GaussianMonoFlow.create(ctx, { target, mu: [1, 1], L: [1, 0, 0, 1], n: nz, iterations: 1_000_000, seed: 1, w2: 'moment' });
        await flow.advance(rounds);
      }, budget);
      out.push(result({
        id: `flows.monoflow.${nz}`, name: 'exact-ratio MonoFlow rounds (ratio + partial sums, parameter update), h = identity, Adam',
        size: `${nz} particles × ${rounds} rounds, d = 2`, timing, work: rounds, unit: 'rounds/s',
        notes: 'includes one trace point per run (θ and the cloud read back, moment W2)',
      }));
    } finally {
      flow?.destroy();
    }
  }

  // 3. MonoFlow with an MLP generator (regression loss, k = 1): `rounds` rounds per run of K = 20
  //    discriminator steps (batch 256), the move of the generated cloud, one generator step on all n
  //    latents; one trace point per run with the moment W2.
  {
    const nz = opts.quick ? 1000 : 4096;
    const rounds = opts.quick ? 4 : 16;
    const K = 20;
    b.log(`flows: monoflow generator, n = ${nz}, ${rounds} rounds per run`);
    const data = sampleGaussianCloud(gaussian([0, 0], [1, 0.8, 0.8, 0.89]), 2000, 7);
    let flow: GeneratorMonoFlow | undefined;
    try {
      const timing = await measure(async () => {
        flow ??= await GeneratorMonoFlow.create(ctx, { data, dim: D, n: nz, rounds: 1_000_000, discSteps: K, warmup: 0, seed: 1, w2: 'moment' });
        await flow.advance(rounds);
      }, budget);
      const peers = opts.noPeers ? [] : await b.peer('torch_monoflow.py', { n: nz, rounds, K, k: 1, batch: 256, eps: 0.1 });
      out.push(result({
        id: `flows.monoflow-generator.${nz}`, name: 'MonoFlow generator rounds: 20 discriminator Adam steps (batch 256), move, 1 regression-loss generator step',
        size: `${nz} latents × ${rounds} rounds, D 2→32→32→2, g 2→64→64→2`, timing, work: rounds, unit: 'rounds/s', peers,
        notes: `${flow!.dispatchesPerRound} dispatches per round, 8 rounds per submit; one trace point per run (moment W2)`,
      }));
    } finally {
      flow?.destroy();
    }
  }

  // 4. One W2 trace point by the debiased Sinkhorn (solver allocated once, blur 0.05 × diameter).
  for (const m of opts.quick ? [256] : [512, 1024]) {
    b.log(`flows: Sinkhorn W2 trace point, n = ${m}`);
    const prior: Gaussian = { mean: new Float64Array(D), cov: eye(D) };
    const cloud = sampleGaussianCloud(gaussian([1, -2], [0.5, 0.2, 0.2, 0.3]), m, 5);
    const x = ctx.storage('bench:w2:x', cloud);
    let meter: FlowW2 | undefined;
    try {
      const timing = await measure(async () => {
        meter ??= await FlowW2.create(ctx, D, m, sampleGaussianCloud(prior, m, 6), prior);
        await meter.measure(cloud, x);
      }, { ...budget, warmup: 1, minRuns: 3, maxRuns: 10 });
      out.push(result({
        id: `flows.w2.sinkhorn.${m}`, name: 'flow W2 trace point: debiased Sinkhorn to a sample of N(0, I) (FlowW2, solver reused)',
        size: `${m} × ${m} points, d = 2`, timing, work: 1, unit: 'measurements/s',
        notes: 'ε-scaling from the diameter to blur 0.05 × diameter, marginal tolerance 1e-3; the particles passed as their GPU buffer',
      }));
    } finally {
      meter?.destroy();
      ctx.destroyBuffer(x);
    }
  }
  return out;
}
