// Reverse samplers on the GPU against float64 references with the same Philox noise, for the exact
// mixture score and a network; seeds reproduce; trajectories; input errors.
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/gpu/errors.js';
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { DdpmSigmoid, VpLinear, Ve, type ForwardProcess } from '../src/processes/process.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { uniformGrid } from '../src/processes/grid.js';
import { ReverseSampler, sample, type SamplerKind } from '../src/samplers/sampler.js';
import { REVERSE_KERNEL_KINDS, reverseKernelCandidates, type ReverseKernelKind } from '../src/kernels/reverse_sample.js';
import type { MixtureDescription } from '../src/scores/mixture.js';
import { useGpu } from './gpu.js';
import { reverseRef, type RefScore } from './reference/sampler.js';

const fourClusters: MixtureDescription = {
  weights: [1, 1, 1, 2],
  means: [[0.5, 0.5], [-0.5, 0.5], [0.5, -0.5], [-0.5, -0.5]],
  covs: [[[0.02, 0.005], [0.005, 0.01]], [[0.01, 0], [0, 0.01]], [[0.015, -0.004], [-0.004, 0.01]], [[0.01, 0], [0, 0.02]]],
};

/** Random parameters for a spec, scaled so activations stay O(1); layer scales 1. */
function randomParams(spec: MlpSpec, seed: number): Float32Array {
  const layout = mlpLayout(spec);
  const u = rngFillCpu(layout.size, seed, 9);
  const p = new Float32Array(layout.size);
  for (const l of layout.layers) {
    const a = 1.5 / Math.sqrt(l.in);
    for (let i = 0; i < l.in * l.out; i++) p[l.wOffset + i] = a * (2 * u[l.wOffset + i]! - 1);
    for (let i = 0; i < l.out; i++) p[l.bOffset + i] = 0.2 * (2 * u[l.bOffset + i]! - 1);
    if (l.eOffset >= 0) for (let i = 0; i < layout.steps * l.out; i++) p[l.eOffset + i] = 0.5 + u[l.eOffset + i]!;
  }
  for (let l = 0; l < layout.layers.length; l++) p[layout.scaleOffset + l] = 1;
  return p;
}

function startCloud(n: number, d: number, seed: number): Float32Array {
  return rngFillCpu(n * d, seed, 5, 'normal');
}

describe('reverse samplers vs float64 reference (same noise)', () => {
  const gpu = useGpu();

  const cases: { name: string; process: ForwardProcess; kind: SamplerKind; lambda?: number; steps?: number; tEnd?: number; score: 'exact' | MlpSpec }[] = [
    { name: 'EM reverse SDE, exact score, VP', process: new VpLinear(), kind: 'em', steps: 40, score: 'exact' },
    { name: 'EM λ = 0.5, exact score, VE', process: new Ve({ sigmaMax: 3 }), kind: 'em', lambda: 0.5, steps: 40, score: 'exact' },
    { name: 'probability-flow ODE (Euler), exact score', process: new VpLinear(), kind: 'ode', steps: 40, score: 'exact' },
    { name: 'Heun, exact score', process: new VpLinear(), kind: 'heun', steps: 30, score: 'exact' },
    { name: 'DDPM ancestral, exact score, n = 10', process: new DdpmSigmoid({ steps: 10 }), kind: 'ddpm', score: 'exact' },
    {
      name: 'EM, network (Fourier time, SiLU, ε output)',
      process: new VpLinear(),
      kind: 'em',
      steps: 20,
      tEnd: 1e-3,
      score: { dim: 2, hidden: [16, 9], activation: 'silu', time: { kind: 'fourier', features: 3 }, output: 'eps' },
    },
    {
      name: 'Heun, network (score output, tanh, 3 layers)',
      process: new VpLinear(),
      kind: 'heun',
      steps: 12,
      tEnd: 1e-2,
      score: { dim: 2, hidden: [8, 8, 8], activation: 'tanh', time: { kind: 'fourier', features: 2 }, output: 'score' },
    },
    {
      name: "DDPM ancestral, the paper's model (per-step embedding, softplus, ε)",
      process: new DdpmSigmoid({ steps: 10 }),
      kind: 'ddpm',
      score: { dim: 2, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' },
    },
  ];

  // Network cases run once per fused kernel shape, named explicitly (the tuner would pick one).
  const runs = cases.flatMap((c): { c: (typeof cases)[number]; shape?: ReverseKernelKind }[] => (c.score === 'exact' ? [{ c }] : REVERSE_KERNEL_KINDS.map((shape) => ({ c, shape }))));
  for (const { c, shape } of runs) {
    it(`${c.name}${shape ? ` [${shape} kernel]` : ''}`, async () => {
      const ctx = gpu();
      const n = 203; // not a multiple of 4 particles per invocation nor of the workgroup
      const d = 2;
      const seed = 77;
      const init = startCloud(n, d, 3);
      const params = c.score === 'exact' ? undefined : randomParams(c.score, 5);
      if (shape && !reverseKernelCandidates(ctx).includes(shape)) {
        // This adapter cannot run the shape: asking for it is a clear error, not a silent fallback.
        await expect(ReverseSampler.create(ctx, { process: c.process, score: { kind: 'network', network: { spec: c.score as MlpSpec, params: params! } }, n, sampler: c.kind, fusedKernel: shape })).rejects.toThrow(InputError);
        return;
      }
      const s = await ReverseSampler.create(ctx, {
        process: c.process,
        score: c.score === 'exact' ? { kind: 'exact', mixture: fourClusters } : { kind: 'network', network: { spec: c.score, params: params! } },
        n,
        sampler: c.kind,
        ...(c.lambda !== undefined ? { lambda: c.lambda } : {}),
        ...(c.steps !== undefined ? { steps: c.steps } : {}),
        ...(c.tEnd !== undefined ? { tEnd: c.tEnd } : {}),
        stepsPerDispatch: 7, // chunking must not change the result
        ...(shape ? { fusedKernel: shape } : {}),
      });
      try {
        if (shape) expect(s.fusedKernel).toBe(shape);
        await s.run({ seed, init });
        const got = await s.read();
        const src: RefScore = c.score === 'exact' ? { kind: 'exact', mixture: fourClusters } : { kind: 'network', spec: c.score, params: params! };
        const want = reverseRef(c.process, src, Float64Array.from(init), d, s.times, c.kind === 'ode' ? 'em' : c.kind, c.kind === 'em' ? (c.lambda ?? 1) : 0, seed);
        // f32 vs float64 over tens of steps: per-step rounding ~1e-7 relative, amplified by the score's
        // Jacobian (up to 1/0.01 near the clusters at small t): observed ≤ 4e-6 on O(1) data with the
        // exact score. The untrained networks' scores (−ε/σ with σ ≈ 0.03 near tEnd, outputs up to 10²)
        // amplify f32 rounding of the MLP about 100× more: observed ≤ 6e-4.
        const tol = c.score === 'exact' ? { rtol: 1e-4, atol: 5e-5 } : { rtol: 2e-3, atol: 2e-3 };
        expect(got).toBeAllclose(want, tol);
      } finally {
        s.destroy();
      }
    });
  }

  it('a seed reproduces the samples bit for bit; another seed does not', async () => {
    const ctx = gpu();
    const opts = { process: new VpLinear(), score: { kind: 'exact' as const, mixture: fourClusters }, n: 500, steps: 50 };
    const a = (await sample(ctx, { ...opts, seed: 1 })).samples;
    const b = (await sample(ctx, { ...opts, seed: 1, stepsPerDispatch: 9 })).samples;
    const c = (await sample(ctx, { ...opts, seed: 2 })).samples;
    expect(new Uint32Array(b.buffer)).toEqual(new Uint32Array(a.buffer));
    expect(a).not.toEqual(c);
  });

  it('read after run (idle wait on software adapters) returns that run\'s samples', async () => {
    const ctx = gpu();
    const opts = { process: new VpLinear(), score: { kind: 'exact' as const, mixture: fourClusters }, n: 300, steps: 30 };
    const want = (await sample(ctx, { ...opts, seed: 5 })).samples;
    const s = await ReverseSampler.create(ctx, opts);
    try {
      // The first read learns the run's time; later ones sleep through most of it before reading.
      for (const seed of [4, 5, 5]) {
        await s.run({ seed });
        const got = await s.read();
        if (seed === 5) expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(want.buffer));
      }
      // Two runs, one read: the second run's samples, read without the wait.
      await s.run({ seed: 4 });
      await s.run({ seed: 5 });
      expect(new Uint32Array((await s.read()).buffer)).toEqual(new Uint32Array(want.buffer));
    } finally {
      s.destroy();
    }
  });

  it('captures the trajectory every k steps without changing the samples', async () => {
    const ctx = gpu();
    const n = 100;
    const init = startCloud(n, 2, 8);
    const opts = { process: new VpLinear(), score: { kind: 'exact' as const, mixture: fourClusters }, n, steps: 20, init, seed: 4 };
    const plain = (await sample(ctx, opts)).samples;
    const { samples, trajectory } = await sample(ctx, { ...opts, captureEvery: 5 });
    expect(samples).toEqual(plain);
    expect(trajectory!.frames.length).toBe(5);
    expect(trajectory!.frames[0]).toEqual(init);
    expect(trajectory!.frames[4]).toEqual(samples);
    expect(Array.from(trajectory!.times)).toBeAllclose([1, 0.75, 0.5, 0.25, 0], { atol: 1e-12 });
  });

  it('reports progress per chunk and gives the same samples as an uninterrupted run', async () => {
    const ctx = gpu();
    const opts = { process: new VpLinear(), score: { kind: 'exact' as const, mixture: fourClusters }, n: 50, steps: 10, stepsPerDispatch: 4 };
    const events: number[] = [];
    const s = await ReverseSampler.create(ctx, opts);
    try {
      await s.run({ seed: 3, onProgress: (e) => events.push(e.done) });
      expect(events).toEqual([4, 8, 10]);
      const a = await s.read();
      await s.run({ seed: 3 });
      expect(await s.read()).toEqual(a);
      const ac = new AbortController();
      await expect(s.run({ seed: 3, signal: ac.signal, onProgress: () => ac.abort() })).rejects.toThrow(/cancelled/);
    } finally {
      s.destroy();
    }
  });

  it('bad options are InputErrors naming the problem', async () => {
    const ctx = gpu();
    const score = { kind: 'exact' as const, mixture: fourClusters };
    const vp = new VpLinear();
    await expect(ReverseSampler.create(ctx, { process: vp, score, n: 0 })).rejects.toThrow(/particle count/);
    await expect(ReverseSampler.create(ctx, { process: vp, score, n: 10, sampler: 'ddpm' })).rejects.toThrow(/discrete DDPM/);
    await expect(ReverseSampler.create(ctx, { process: vp, score, n: 10, lambda: 2 })).rejects.toThrow(/lambda/);
    await expect(ReverseSampler.create(ctx, { process: vp, score, n: 10, sampler: 'heun', lambda: 0.5 })).rejects.toThrow(/deterministic/);
    await expect(ReverseSampler.create(ctx, { process: vp, score, n: 10, steps: 0 })).rejects.toThrow(/steps/);
    await expect(ReverseSampler.create(ctx, { process: vp, score, n: 10, tEnd: 2 })).rejects.toThrow(/tEnd/);
    await expect(ReverseSampler.create(ctx, { process: new DdpmSigmoid(), score, n: 10, sampler: 'ddpm', steps: 5 })).rejects.toThrow(/10 steps/);
    const s = await ReverseSampler.create(ctx, { process: vp, score, n: 10, steps: 3 });
    try {
      await expect(s.run({ init: new Float32Array(5) })).rejects.toThrow(InputError);
      await expect(s.run({ init: new Float32Array(20).fill(Number.NaN) })).rejects.toThrow(/NaN/);
      await expect(s.readTrajectory()).rejects.toThrow(/captureEvery/);
      const ac = new AbortController();
      ac.abort();
      await expect(s.run({ signal: ac.signal })).rejects.toThrow(/cancelled/);
    } finally {
      s.destroy();
    }
  });
});
