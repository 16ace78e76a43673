// MonoFlow generator mode: the generator loss kernel (shaders/flow_gen_loss.wgsl) against its
// float64 twin, with padding columns (n < bs, sizes not multiples of the workgroup size); the
// generator's loss gradients for h = identity and h = log σ against central differences of a float64
// evaluation of both networks; the generator flow reaching the data.
import { describe, expect, it } from 'vitest';
import { sampleGaussianCloud } from '../src/flows/clouds.js';
import { gaussian } from '../src/flows/gaussian.js';
import { GeneratorMonoFlow } from '../src/flows/monoflow_generator.js';
import { InputError } from '../src/gpu/errors.js';
import { FlowGenLoss, GenLossParams } from '../src/kernels/flow_gen_loss.js';
import type { MonoH } from '../src/kernels/flow_gauss_ratio.js';
import type { MlpLayout } from '../src/model/layout.js';
import { useGpu } from './gpu.js';
import { genLossRef } from './reference/flows.js';
import { forward64 } from './reference/mlp.js';

const H64: Partial<Record<MonoH, (d: number) => number>> = {
  identity: (d) => d,
  // log σ(d) = −softplus(−d), stable both ways.
  logsigmoid: (d) => -(Math.max(-d, 0) + Math.log1p(Math.exp(-Math.abs(d)))),
};

/** J(θ) = −(1/n) Σ h(D(g_θ(z_i))) in float64 from the two networks' flat parameters. */
function directLoss64(G: MlpLayout, pg: ArrayLike<number>, D: MlpLayout, pd: ArrayLike<number>, z: Float32Array, d: number, h: (v: number) => number): number {
  const n = z.length / d;
  const rows = Array.from({ length: n }, (_, i) => Array.from(z.subarray(i * d, i * d + d)));
  const zeros = new Array<number>(n).fill(0);
  const g = forward64(G, pg, rows, zeros).out;
  const out = forward64(D, pd, g, zeros).out;
  let s = 0;
  for (const row of out) s += h(row[0]!);
  return -s / n;
}

describe('monoflow generator loss kernel', () => {
  const gpu = useGpu();

  it('writes dU = c(g − y) (0 on padding columns) and accumulates (c/2)||g − y||²', async () => {
    const ctx = gpu();
    const n = 67, bs = 72, dim = 3, out_off = 5, dout_off = 5 + dim * bs + 11, c = 0.37;
    const size = dout_off + dim * bs + 4;
    let s = 12345;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 4 - 2;
    const acts = Float32Array.from({ length: size }, rnd);
    const y = Float32Array.from({ length: n * dim }, rnd);
    const prev = Float32Array.from({ length: bs }, rnd);
    const k = await FlowGenLoss.create(ctx);
    const ub = ctx.uniform('test:gen-loss', GenLossParams.byteSize);
    const a = ctx.storage('test:acts', acts);
    const t = ctx.storage('test:target', y);
    const l = ctx.storage('test:loss', prev);
    try {
      const p = { n, bs, dim, out_off, dout_off, c };
      ctx.write(ub, GenLossParams.pack(p));
      const enc = ctx.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      k.dispatch(pass, k.bind({ gp: ub, acts: a, target_y: t, loss_acc: l }), bs);
      pass.end();
      ctx.submit(enc.finish());
      const ref = genLossRef(acts, y, p);
      // f32 subtraction and one multiply of O(1) values: a few ulps.
      expect(await ctx.readF32(a, 0, size)).toBeAllclose(ref.acts, { atol: 1e-6, rtol: 1e-6 });
      expect(await ctx.readF32(l, 0, bs)).toBeAllclose(Float64Array.from(ref.loss, (v, b) => v + prev[b]!), { atol: 1e-5, rtol: 1e-5 });
    } finally {
      for (const b of [ub, a, t, l]) ctx.destroyBuffer(b);
    }
  });

  for (const h of ['identity', 'logsigmoid'] as const) {
    it(`h = ${h}: the direct loss gradient matches central differences of −E h(D(g_θ(z))); the regression one is 2ε times it`, async () => {
      const ctx = gpu();
      const d = 2, n = 37, eps = 0.1;
      const data = sampleGaussianCloud(gaussian([0.5, -0.3], [1, 0.4, 0.4, 0.8]), 200, 11, 1);
      const common = { data, dim: d, n, h, eps, warmup: 40, hidden: [8, 8], genHidden: [8, 8], seed: 5, w2: 'moment' as const };
      const direct = await GeneratorMonoFlow.create(ctx, { ...common, genLoss: 'direct' });
      const regression = await GeneratorMonoFlow.create(ctx, { ...common, genLoss: 'regression' });
      try {
        await direct.measure(); // the warm-up: D is a trained, non-trivial network
        await regression.measure(); // same seeds: the same D and g_θ
        const gd = await direct.lossGradient();
        const gr = await regression.lossGradient();
        const G = direct.generator.layout;
        const pg = Float64Array.from(await ctx.readF32(direct.generator.params, 0, G.size));
        const pd = await ctx.readF32(direct.disc.mlp.params, 0, direct.disc.mlp.layout.size);
        const h64 = H64[h]!;
        const J = (p: Float64Array) => directLoss64(G, p, direct.disc.mlp.layout, pd, direct.latent, d, h64);
        // Every weight and bias of the three layers, a few each.
        const idx: number[] = [];
        for (const l of G.layers) for (const off of [l.wOffset, l.wOffset + 3, l.wOffset + l.in * l.out - 1, l.bOffset, l.bOffset + l.out - 1]) idx.push(off);
        const fd = idx.map((k) => {
          const delta = 1e-5;
          const p = Float64Array.from(pg);
          p[k] = pg[k]! + delta;
          const jp = J(p);
          p[k] = pg[k]! - delta;
          return (jp - J(p)) / (2 * delta);
        });
        const gpuDirect = Float64Array.from(idx, (k) => gd[k]!);
        const scale = Math.max(...fd.map(Math.abs));
        expect(scale).toBeGreaterThan(1e-3); // the check is not vacuous
        // Float64 central differences with δ = 1e-5 are exact to ~1e-9; the GPU gradient runs both
        // networks in f32 (~1e-6 relative per layer) and sums 37 terms: 1e-4 of the largest entry.
        expect(gpuDirect).toBeAllclose(Float64Array.from(fd), { atol: 1e-4 * scale, rtol: 1e-3 });
        // At θ = θt the regression gradient (2/n) Σ (g − y)·∂g/∂θ with y = g + ε∇h(D(g)) is
        // −(2ε/n) Σ ∇h·∂g/∂θ = 2ε × the direct gradient; same f32 error budget.
        expect(Float64Array.from(idx, (k) => gr[k]!)).toBeAllclose(Float64Array.from(fd, (v) => 2 * eps * v), { atol: 2e-4 * eps * scale, rtol: 1e-3 });
        // The probe changes nothing: the cloud is still g_θ(z).
        const cloud = await direct.cloud();
        const g64 = forward64(G, pg, Array.from({ length: n }, (_, i) => Array.from(direct.latent.subarray(i * d, i * d + d))), new Array<number>(n).fill(0)).out;
        expect(cloud).toBeAllclose(Float64Array.from(g64.flat()), { atol: 1e-5, rtol: 1e-5 });
      } finally {
        direct.destroy();
        regression.destroy();
      }
    });
  }

  it('the generator trained with the regression loss carries g_θ(z) to N(2, 0.5); fresh samples follow', async () => {
    const ctx = gpu();
    const data = sampleGaussianCloud(gaussian([2], [0.5]), 1000, 9, 1);
    const flow = await GeneratorMonoFlow.create(ctx, { data, dim: 1, n: 500, rounds: 60, genLoss: 'regression', genLr: 3e-3, eps: 0.1, seed: 1, discSteps: 10, hidden: [16, 16], genHidden: [16, 16] });
    try {
      const trace = [await flow.measure()];
      while (flow.stepsDone < flow.totalSteps) trace.push(await flow.advance(20));
      // Exact 1-D W2 of 500 generated against 1000 data points: about 1 at the start (a random
      // network's output near 1), and measured 0.17 after 60 rounds; the sampling floor of two
      // such clouds is ~0.05, the discriminator's resolution leaves ~0.1–0.2.
      expect(trace[0]!.w2).toBeGreaterThan(0.8);
      expect(trace[trace.length - 1]!.w2).toBeLessThan(0.3);
      const g = await flow.generate(4000, 3);
      let m = 0;
      for (const v of g) m += v;
      m /= g.length;
      let v2 = 0;
      for (const v of g) v2 += (v - m) ** 2;
      v2 /= g.length;
      // Measured on fresh latents: mean 1.95, variance 0.52 (target 2, 0.5). A W2 of 0.3 allows a
      // mean off by 0.3 and a standard deviation off by 0.3: bounds a bit inside that.
      expect(Math.abs(m - 2)).toBeLessThan(0.2);
      expect(v2).toBeGreaterThan(0.3);
      expect(v2).toBeLessThan(0.75);
    } finally {
      flow.destroy();
    }
  });

  it('rejects bad input', async () => {
    const ctx = gpu();
    const data = new Float32Array(8);
    await expect(GeneratorMonoFlow.create(ctx, { data, dim: 2, genLoss: 'hinge' as never })).rejects.toThrow(InputError);
    await expect(GeneratorMonoFlow.create(ctx, { data, dim: 2, genSteps: 0 })).rejects.toThrow(/genSteps/);
    await expect(GeneratorMonoFlow.create(ctx, { data, dim: 2, genLr: -1 })).rejects.toThrow(/genLr/);
    await expect(GeneratorMonoFlow.create(ctx, { data: Float32Array.of(1, NaN), dim: 2 })).rejects.toThrow(/NaN/);
  });
});
