// The samplers at any dimension (general path): against the float64 reference with the same Philox
// noise at d = 8 and d = 13 (not a multiple of 4), odd n; the general path against the fused one at
// d = 2; blocks of particles; the forward sampler and trajectories at d = 13.
import { describe, expect, it } from 'vitest';
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { DdpmSigmoid, VpLinear, Ve, type ForwardProcess } from '../src/processes/process.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { ForwardSampler } from '../src/samplers/forward.js';
import { ReverseSampler, sample, type SamplerKind, type SamplerPath } from '../src/samplers/sampler.js';
import { useGpu } from './gpu.js';
import { randomMixture } from './reference/mixture.js';
import { forwardEmRef, reverseRef, type RefScore } from './reference/sampler.js';

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

describe('samplers at any dimension (general path) vs float64 reference', () => {
  const gpu = useGpu();
  const cases: { name: string; d: number; process: ForwardProcess; kind: SamplerKind; lambda?: number; steps?: number; tEnd?: number; score: 'exact' | MlpSpec; maxBlock?: number }[] = [
    { name: 'EM, exact full-covariance mixture, d = 8', d: 8, process: new VpLinear(), kind: 'em', steps: 25, score: 'exact' },
    { name: 'EM λ = 0.5, exact mixture, VE, d = 13, 3 blocks', d: 13, process: new Ve({ sigmaMax: 3 }), kind: 'em', lambda: 0.5, steps: 20, score: 'exact', maxBlock: 80 },
    { name: 'Heun, exact mixture, d = 13', d: 13, process: new VpLinear(), kind: 'heun', steps: 15, score: 'exact' },
    { name: 'DDPM ancestral, exact mixture, d = 8', d: 8, process: new DdpmSigmoid({ steps: 10 }), kind: 'ddpm', score: 'exact' },
    {
      name: 'EM, network (Fourier time, SiLU, ε), d = 13',
      d: 13,
      process: new VpLinear(),
      kind: 'em',
      steps: 15,
      tEnd: 1e-3,
      score: { dim: 13, hidden: [24, 17], activation: 'silu', time: { kind: 'fourier', features: 3 }, output: 'eps' },
    },
    {
      name: 'PF-ODE Euler, network (x0 output, tanh), d = 8, 2 blocks',
      d: 8,
      process: new VpLinear(),
      kind: 'ode',
      steps: 12,
      tEnd: 1e-2,
      maxBlock: 120,
      score: { dim: 8, hidden: [16, 16], activation: 'tanh', time: { kind: 'fourier', features: 2 }, output: 'x0' },
    },
    {
      name: 'Heun, network (score output), d = 13',
      d: 13,
      process: new VpLinear(),
      kind: 'heun',
      steps: 10,
      tEnd: 1e-2,
      score: { dim: 13, hidden: [12, 12], activation: 'tanh', time: { kind: 'fourier', features: 2 }, output: 'score' },
    },
    {
      name: 'DDPM ancestral, per-step embedding (softplus, ε), d = 8',
      d: 8,
      process: new DdpmSigmoid({ steps: 10 }),
      kind: 'ddpm',
      score: { dim: 8, hidden: [32, 32], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' },
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const ctx = gpu();
      const n = 203; // odd; not a multiple of the block padding (8) nor of the workgroup
      const seed = 91;
      const init = rngFillCpu(n * c.d, 3, 5, 'normal');
      const mixture = randomMixture(c.d, 3, c.d);
      const params = c.score === 'exact' ? undefined : randomParams(c.score, 5);
      const s = await ReverseSampler.create(ctx, {
        process: c.process,
        score: c.score === 'exact' ? { kind: 'exact', mixture } : { kind: 'network', network: { spec: c.score, params: params! } },
        n,
        sampler: c.kind,
        ...(c.lambda !== undefined ? { lambda: c.lambda } : {}),
        ...(c.steps !== undefined ? { steps: c.steps } : {}),
        ...(c.tEnd !== undefined ? { tEnd: c.tEnd } : {}),
        ...(c.maxBlock !== undefined ? { maxBlock: c.maxBlock } : {}),
      });
      try {
        expect(s.path).toBe('general');
        await s.run({ seed, init });
        const got = await s.read();
        const src: RefScore = c.score === 'exact' ? { kind: 'exact', mixture } : { kind: 'network', spec: c.score, params: params! };
        const want = reverseRef(c.process, src, Float64Array.from(init), c.d, s.times, c.kind === 'ode' ? 'em' : c.kind, c.kind === 'em' ? (c.lambda ?? 1) : 0, seed);
        // f32 vs float64 over 10–25 steps, as in sampler.test.ts: the exact score's Jacobian (up to
        // 1/0.01 with these covariances at small t) amplifies per-step rounding (~1e-7 relative ×
        // d-term sums of 13 products); observed ≤ 3e-5. Untrained networks' ε/σ outputs amplify more.
        const tol = c.score === 'exact' ? { rtol: 3e-4, atol: 3e-4 } : { rtol: 2e-3, atol: 2e-3 };
        expect(got).toBeAllclose(want, tol);
      } finally {
        s.destroy();
      }
    });
  }

  it('at d = 2 the general path gives the fused kernel’s samples (same noise)', async () => {
    const ctx = gpu();
    const n = 157;
    const init = rngFillCpu(n * 2, 4, 5, 'normal');
    const mixture = randomMixture(2, 3, 2);
    const spec: MlpSpec = { dim: 2, hidden: [16, 9], activation: 'silu', time: { kind: 'fourier', features: 3 }, output: 'eps' };
    const net = { kind: 'network' as const, network: { spec, params: randomParams(spec, 6) } };
    for (const [score, kind, tEnd] of [
      [{ kind: 'exact' as const, mixture }, 'em', 0],
      [net, 'heun', 1e-3],
    ] as const) {
      const run = async (path: SamplerPath) => (await sample(ctx, { process: new VpLinear(), score, n, steps: 20, sampler: kind, tEnd, path, init, seed: 5 })).samples;
      const fused = await run('fused');
      const general = await run('general');
      // Same maths in a different order (the score sum over components or layer tiles): f32 rounding
      // only, amplified over 20 steps as above.
      expect(general).toBeAllclose(fused, { rtol: 1e-3, atol: 1e-4 });
    }
  });

  it('trajectory capture and the prior draw at d = 13; a seed reproduces; blocks do not change the result', async () => {
    const ctx = gpu();
    const n = 91;
    const mixture = randomMixture(13, 2, 7);
    const opts = { process: new VpLinear(), score: { kind: 'exact' as const, mixture }, n, steps: 12, seed: 8 };
    const a = await sample(ctx, { ...opts, captureEvery: 4 });
    const b = await sample(ctx, { ...opts, maxBlock: 24 });
    expect(new Uint32Array(b.samples.buffer)).toEqual(new Uint32Array(a.samples.buffer));
    const frames = a.trajectory!.frames;
    expect(frames.length).toBe(4);
    expect(frames[3]).toEqual(a.samples);
    // Frame 0 is the prior draw N(0, I): 91 × 13 values with mean ≈ 0 and variance ≈ 1.
    const f0 = frames[0]!;
    const mean = f0.reduce((s, v) => s + v, 0) / f0.length;
    const v = f0.reduce((s, x) => s + (x - mean) ** 2, 0) / f0.length;
    expect(Math.abs(mean)).toBeLessThan(0.1); // 5 standard errors of 1/sqrt(1183)
    expect(Math.abs(v - 1)).toBeLessThan(0.2);
    // Every coordinate quad gets its own noise: coordinates 0 and 4 of the prior differ.
    expect(f0[0]).not.toBe(f0[4]);
  });

  it('forward Euler–Maruyama at d = 13 matches the float64 reference', async () => {
    const ctx = gpu();
    const n = 77, d = 13;
    const data = rngFillCpu(n * d, 2, 5, 'normal');
    const process = new VpLinear();
    const f = await ForwardSampler.create(ctx, { process, dim: d, n, steps: 30, stepsPerDispatch: 7 });
    try {
      await f.simulate(data, { seed: 12 });
      const got = await f.read();
      const want = forwardEmRef(process, Float64Array.from(data), d, f.times, 12);
      expect(got).toBeAllclose(want, { rtol: 1e-4, atol: 1e-5 }); // linear drift: f32 rounding over 30 steps
    } finally {
      f.destroy();
    }
  });

  it('refuses dimensions over the limit and clouds over the binding limit, naming them', async () => {
    const ctx = gpu();
    const mixture = randomMixture(2, 1, 1);
    await expect(ReverseSampler.create(ctx, { process: new VpLinear(), score: { kind: 'exact', mixture }, n: 10, dim: 5000 })).rejects.toThrow(/sampler: dimension must be an integer in \[1, 4096\], got 5000/);
    const big = Math.floor(ctx.device.limits.maxStorageBufferBindingSize / 4 / 2) + 1;
    await expect(ForwardSampler.create(ctx, { process: new VpLinear(), dim: 2, n: big })).rejects.toThrow(/maxStorageBufferBindingSize/);
    const m13 = randomMixture(13, 1, 1);
    await expect(ReverseSampler.create(ctx, { process: new VpLinear(), score: { kind: 'exact', mixture: m13 }, n: 10, path: 'fused' })).rejects.toThrow(/path 'fused' takes d <= 4/);
  });
});
