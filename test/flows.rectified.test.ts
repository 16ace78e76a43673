// Rectified flow: the minibatch and ODE kernels against float64 references, then N(0, I) → N(μ, Σ)
// against the closed form of DESIGN.md (velocity field, endpoint map = OT map, W2 along the flow),
// and one reflow step straightening the paths.
import { describe, expect, it } from 'vitest';
import { RectifiedFlow } from '../src/flows/rectified.js';
import { sampleGaussianCloud } from '../src/flows/clouds.js';
import { gaussian, matmul, matvec, rectifiedGaussianMap, rectifiedGaussianVelocity, transpose, type Gaussian } from '../src/flows/gaussian.js';
import { fourierFeatures } from '../src/model/layout.js';
import { philox4x32, splitSeed, u01 } from '../src/rng/philox.js';
import { InputError } from '../src/gpu/errors.js';
import { useGpu } from './gpu.js';

const TARGET = gaussian([2, -1], [0.6, -0.2, -0.2, 1.4]);
const SOURCE = gaussian([0, 0], [1, 0, 0, 1]);

/** The exact marginal N(tμ, M_t M_tᵀ) of rectified flow from N(0, I). */
function exactLaw(t: number): Gaussian {
  const { c, m } = rectifiedGaussianMap(TARGET, t);
  return { mean: c, cov: matmul(m, transpose(m, 2), 2) };
}

/** 2^-32·floor-product index, as mulhi32(w, n) in WGSL. */
const mulhiIndex = (w: number, n: number) => Math.floor((w * n) / 2 ** 32);

describe('rectified flow', () => {
  const gpu = useGpu();

  it('flow_rectified_batch writes x_t = (1−t)x0 + t x1, features of t and x1 − x0 (independent and paired)', async () => {
    const ctx = gpu();
    const src = sampleGaussianCloud(SOURCE, 37, 1, 1);
    const dst = sampleGaussianCloud(TARGET, 37, 1, 2);
    for (const paired of [false, true]) {
      const rf = await RectifiedFlow.create(ctx, { source: src, target: dst, dim: 2, paired, batch: 19, hidden: [8], fourier: 3, seed: 5 });
      try {
        const got = await rf.drawBatch(11);
        const key = splitSeed(5);
        const wantX: number[] = [], wantT: number[] = [], wantF: number[] = [];
        for (let b = 0; b < 19; b++) {
          const w = philox4x32([b, 11, 7, 0], key);
          const i0 = mulhiIndex(w[0], 37);
          const i1 = paired ? i0 : mulhiIndex(w[1], 37);
          const t = u01(w[2]);
          for (let j = 0; j < 2; j++) {
            wantX.push((1 - t) * src[i0 * 2 + j]! + t * dst[i1 * 2 + j]!);
            wantT.push(dst[i1 * 2 + j]! - src[i0 * 2 + j]!);
          }
          wantF.push(...fourierFeatures(t, 3));
        }
        // One f32 lerp / difference. WGSL's sin/cos promise 2^-11 absolute error on [−π, π] (the
        // arguments here reach 4π), so the features get 5e-4.
        expect(got.x).toBeAllclose(wantX, { atol: 1e-6, rtol: 1e-6 });
        expect(got.target).toBeAllclose(wantT, { atol: 1e-6, rtol: 1e-6 });
        expect(got.features).toBeAllclose(wantF, { atol: 5e-4 });
      } finally {
        rf.destroy();
      }
    }
  });

  it('flow_velocity_ode: one Euler and one Heun step equal the float64 formulas with the network velocity', async () => {
    const ctx = gpu();
    const src = sampleGaussianCloud(SOURCE, 101, 2, 1);
    const rf = await RectifiedFlow.create(ctx, { source: src, target: src, dim: 2, hidden: [16, 16], seed: 2 });
    try {
      for (const method of ['euler', 'heun'] as const) {
        const ode = await rf.transport({ steps: 4, method, w2: 'moment' });
        await ode.advance(1);
        const got = await ode.cloud();
        ode.destroy();
        const h = 0.25;
        const v0 = await rf.velocity(src, 0);
        let want = Float64Array.from(src, (x, e) => x + h * v0[e]!);
        if (method === 'heun') {
          const v1 = await rf.velocity(Float32Array.from(want), h);
          want = Float64Array.from(src, (x, e) => x + 0.5 * h * (v0[e]! + v1[e]!));
        }
        // The same f32 network on both sides; the predictor is rounded to f32 before re-evaluation.
        expect(got).toBeAllclose(want, { atol: 1e-5, rtol: 1e-5 });
      }
    } finally {
      rf.destroy();
    }
  });

  it('N(0, I) → N(μ, Σ): learned velocity, endpoints and W2 match the closed form; reflow straightens', async () => {
    const ctx = gpu();
    const n = 1000;
    const src = sampleGaussianCloud(SOURCE, n, 3, 1);
    const dst = sampleGaussianCloud(TARGET, 4000, 3, 2);
    const rf = await RectifiedFlow.create(ctx, { source: src, target: dst, dim: 2, hidden: [32, 32], batch: 256, lr: 3e-3, seed: 4 });
    let rf2: RectifiedFlow | undefined;
    try {
      const losses = await rf.train(800, { lossEvery: 400 });
      // The independent coupling leaves irreducible variance: E‖x1 − x0‖² − E‖v‖² ≈ 2 + tr Σ − … > 1.
      const finalLoss = losses[losses.length - 1]!.loss;
      expect(finalLoss).toBeGreaterThan(1);
      // Velocity field against v(x, t) = μ + (tΣ − (1−t)I) S_t⁻¹ (x − tμ) on points of the exact
      // marginal: relative L2 error under 15% (f32 MLP, 800 Adam steps on a noisy regression).
      for (const t of [0.1, 0.5, 0.9]) {
        const xs = sampleGaussianCloud(exactLaw(t), 400, 6, 3);
        const v = await rf.velocity(xs, t);
        const ex = rectifiedGaussianVelocity(TARGET, t);
        let err = 0, norm = 0;
        for (let i = 0; i < 400; i++) {
          const w = matvec(ex.m, [xs[2 * i]!, xs[2 * i + 1]!], 2);
          for (let a = 0; a < 2; a++) {
            const e = ex.c[a]! + w[a]!;
            err += (v[2 * i + a]! - e) ** 2;
            norm += e * e;
          }
        }
        expect(Math.sqrt(err / norm), `velocity error at t = ${t}`).toBeLessThan(0.15);
      }
      const ode = await rf.transport({ steps: 10, method: 'heun', exactLaw, w2: 'moment' });
      const trace = [await ode.measure()];
      while (ode.stepsDone < ode.totalSteps) trace.push(await ode.advance(2));
      const x1 = await ode.cloud();
      ode.destroy();
      // Endpoints against the OT map x ↦ μ + Σ^½ x, particle by particle.
      const map = rectifiedGaussianMap(TARGET, 1);
      let se = 0;
      for (let i = 0; i < n; i++) {
        const w = matvec(map.m, [src[2 * i]!, src[2 * i + 1]!], 2);
        for (let a = 0; a < 2; a++) se += (x1[2 * i + a]! - map.c[a]! - w[a]!) ** 2;
      }
      expect(Math.sqrt(se / n)).toBeLessThan(0.2);
      // W2 to the target falls monotonically to near 0 (moment W2; the closed-form path too).
      for (let i = 1; i < trace.length; i++) {
        expect(trace[i]!.w2).toBeLessThan(trace[i - 1]!.w2);
        expect(trace[i]!.w2Exact!).toBeLessThan(trace[i - 1]!.w2Exact! + 1e-9);
      }
      expect(trace[0]!.w2).toBeGreaterThan(2);
      expect(trace[trace.length - 1]!.w2).toBeLessThan(0.2);
      for (const p of trace) expect(Math.abs(p.w2 - p.w2Exact!)).toBeLessThan(0.2);
      // One reflow: the coupling (x0, ODE(x0)) is deterministic, so its paths are straight and the
      // velocity-matching loss collapses.
      rf2 = await rf.reflow({ odeSteps: 10 });
      const reflowLoss = await rf2.train(300, { lossEvery: 150 });
      expect(reflowLoss[1]!.loss).toBeLessThan(0.05 * finalLoss);
    } finally {
      rf2?.destroy();
      rf.destroy();
    }
  });

  it('rejects bad input', async () => {
    const ctx = gpu();
    const x = new Float32Array(8);
    await expect(RectifiedFlow.create(ctx, { source: x, target: new Float32Array(6), dim: 2, paired: true })).rejects.toThrow(/paired/);
    await expect(RectifiedFlow.create(ctx, { source: x, target: x, dim: 2, batch: 0 })).rejects.toThrow(InputError);
    await expect(RectifiedFlow.create(ctx, { source: x, target: x, dim: 2, lr: NaN })).rejects.toThrow(/lr/);
    await expect(RectifiedFlow.create(ctx, { source: x.map(() => Infinity), target: x, dim: 2 })).rejects.toThrow(/source\[0\]\[0\] \(flat index 0\) is Infinity/);
  });
});
