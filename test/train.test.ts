// Training on the GPU: finite-difference check of the full DSM loss gradient, Adam(W)'s first steps
// by hand, seeded repeatability, exact checkpoint round trip and resume.
import { describe, expect, it } from 'vitest';
import { makeDataset, type Dataset } from '../src/data/datasets.js';
import type { GpuContext } from '../src/gpu/context.js';
import { CancelledError, InputError } from '../src/gpu/errors.js';
import type { MlpSpec } from '../src/model/layout.js';
import { DdpmSigmoid, VpLinear } from '../src/processes/process.js';
import { isLavapipe, Trainer, type TrainConfig } from '../src/train/trainer.js';
import { useGpu } from './gpu.js';

const small: MlpSpec = { dim: 2, hidden: [13, 9], activation: 'tanh', time: { kind: 'step', steps: 10 }, output: 'eps' };

describe('trainer', () => {
  const gpu = useGpu();

  async function withTrainer<T>(ctx: GpuContext, data: Dataset, cfg: Partial<TrainConfig>, fn: (t: Trainer) => Promise<T>): Promise<T> {
    const t = await Trainer.create(ctx, data, { spec: small, process: new DdpmSigmoid({ steps: 10 }), batch: 37, weighting: 'paper', seed: 5, ...cfg });
    try {
      return await fn(t);
    } finally {
      t.destroy();
    }
  }

  it('the full DSM loss gradient matches central finite differences', async () => {
    const ctx = gpu();
    const data = await makeDataset(ctx, 'moons', { n: 500, seed: 2 });
    try {
      for (const cfg of [
        { spec: small },
        { spec: { ...small, activation: 'softplus', hidden: [11], time: { kind: 'fourier', features: 2 }, output: 'velocity' } as MlpSpec, process: new VpLinear({}), timeSampling: 'antithetic' as const },
      ]) {
        await withTrainer(ctx, data, cfg, async (t) => {
          const { loss, gradient } = await t.evaluate(3, true);
          const p0 = await t.readParams();
          const L = t.mlp.layout;
          // A spread of parameters: weights of each layer, biases, embeddings.
          const probe = L.layers.flatMap((l) => [l.wOffset, l.wOffset + l.in * l.out - 1, l.bOffset + 1, ...(l.eOffset >= 0 ? [l.eOffset + 3 * l.out + 2] : [])]);
          const h = 1e-2;
          for (const i of probe) {
            const p = p0.slice();
            p[i] = p0[i]! + h;
            t.mlp.writeParams(p);
            const up = (await t.evaluate(3)).loss;
            p[i] = p0[i]! - h;
            t.mlp.writeParams(p);
            const down = (await t.evaluate(3)).loss;
            const fd = (up - down) / (2 * h);
            // Central differences: O(h²) truncation (~1e-4 here) plus f32 loss rounding ~1e-7·|J|/h.
            expect(gradient![i]!, `parameter ${i}`).toBeAllclose(fd, { rtol: 2e-2, atol: 3e-4 * Math.max(1, loss) });
          }
          t.mlp.writeParams(p0);
        });
      }
    } finally {
      data.destroy();
    }
  });

  it("Adam(W)'s first steps match a float64 hand computation (clipping, weight decay, EMA, weight clip)", async () => {
    const ctx = gpu();
    const data = await makeDataset(ctx, 'clusters4', { n: 300, seed: 3 });
    try {
      interface Case { optimizer: 'adam' | 'adamw'; lr: number; weightDecay: number; gradClip?: number; beta1?: number; beta2?: number; ema?: number; weightClip?: number }
      const cases: Case[] = [
        { optimizer: 'adamw', lr: 3e-3, weightDecay: 0.1, gradClip: 0.5, beta1: 0.8, beta2: 0.9 },
        { optimizer: 'adam', lr: 1e-2, weightDecay: 0.05, ema: 0.9, weightClip: 0.3 },
      ];
      for (const cfg of cases) {
        // The per-layer path writes the whole gradient to t.grads; the fused path is checked against it below.
        await withTrainer(ctx, data, { ...(cfg as Partial<TrainConfig>), fused: false }, async (t) => {
          const n = t.mlp.layout.trainable;
          const b1 = cfg.beta1 ?? 0.9, b2 = cfg.beta2 ?? 0.999, eps = 1e-8, wd = cfg.weightDecay;
          let p = Float64Array.from((await t.readParams()).subarray(0, n));
          let ema = p.slice();
          const m = new Float64Array(n), v = new Float64Array(n);
          for (let step = 1; step <= 3; step++) {
            await t.train(1);
            const g32 = await ctx.readF32(t.grads, 0, n);
            let norm = 0;
            for (const x of g32) norm += x * x;
            norm = Math.sqrt(norm);
            const clip = cfg.gradClip !== undefined ? Math.min(1, cfg.gradClip / (norm + 1e-6)) : 1;
            for (let i = 0; i < n; i++) {
              let g = g32[i]! * clip;
              let q = p[i]!;
              if (cfg.optimizer === 'adamw') q *= 1 - cfg.lr * wd;
              else g += wd * q;
              m[i] = b1 * m[i]! + (1 - b1) * g;
              v[i] = b2 * v[i]! + (1 - b2) * g * g;
              q -= ((cfg.lr / (1 - b1 ** step)) * m[i]!) / (Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** step) + eps);
              if (cfg.weightClip !== undefined) q = Math.min(cfg.weightClip, Math.max(-cfg.weightClip, q));
              p[i] = q;
              if (cfg.ema !== undefined) ema[i] = cfg.ema * ema[i]! + (1 - cfg.ema) * q;
            }
            // One f32 Adam update of size ~lr per parameter: absolute errors ~1e-7 relative to lr, plus
            // |p|·2^-24 rounding carried over the steps.
            expect(Array.from((await t.readParams()).subarray(0, n)), `step ${step}`).toBeAllclose(Array.from(p), { rtol: 1e-6, atol: 1e-4 * cfg.lr });
            if (cfg.ema !== undefined) expect(Array.from((await t.readParams('ema')).subarray(0, n))).toBeAllclose(Array.from(ema), { rtol: 1e-6, atol: 1e-4 * cfg.lr });
          }
          if (cfg.weightClip !== undefined) expect(Math.max(...p.map(Math.abs))).toBeLessThanOrEqual(cfg.weightClip);
        });
      }
    } finally {
      data.destroy();
    }
  });

  it('repeats bit for bit with one seed, differs with another, and a checkpoint round-trips and resumes exactly', async () => {
    const ctx = gpu();
    const data = await makeDataset(ctx, 'moons', { n: 1000, seed: 4 });
    const cfg = { timeSampling: 'antithetic' as const, gradClip: 1, ema: 0.99, stepsPerSubmit: 16, lossEvery: 50, spectralNorm: true };
    try {
      const a = await withTrainer(ctx, data, cfg, async (t) => {
        const losses = await t.train(100);
        return { w: await t.readParams(), losses };
      });
      const b = await withTrainer(ctx, data, { ...cfg, stepsPerSubmit: 7 }, async (t) => ({ w: await t.readParams().then(async () => (await t.train(100), t.readParams())) }));
      expect(b.w).toEqual(a.w); // bit for bit, whatever the chunking
      const c = await withTrainer(ctx, data, { ...cfg, seed: 6 }, async (t) => (await t.train(100), t.readParams()));
      expect(c).not.toEqual(a.w);
      expect(a.losses.map((l) => l.step)).toEqual([50, 100]);

      // Save at step 60, keep training to 100 (A); load the checkpoint in a fresh trainer and train to 100 (B).
      const [bytes, finalA, again] = await withTrainer(ctx, data, cfg, async (t) => {
        await t.train(60);
        const ck = await t.saveCheckpoint();
        await t.train(40);
        return [ck, await t.readParams(), await t.saveCheckpoint()] as const;
      });
      await withTrainer(ctx, data, cfg, async (t) => {
        t.loadCheckpoint(bytes);
        expect(t.step).toBe(60);
        expect(await t.saveCheckpoint()).toEqual(bytes); // round trip is exact, header included
        await t.train(40);
        expect(await t.readParams()).toEqual(finalA);
        expect(await t.saveCheckpoint()).toEqual(again);
      });
      expect(finalA).toEqual(a.w);
      const bad = bytes.slice();
      bad[0] = 0;
      await withTrainer(ctx, data, cfg, async (t) => {
        expect(() => t.loadCheckpoint(bad)).toThrow(/magic/);
        expect(() => t.loadCheckpoint(bytes.subarray(0, bytes.length - 4))).toThrow(InputError);
      });
    } finally {
      data.destroy();
    }
  });

  it('the fused step (2 dispatches) matches the per-layer kernels, for every workgroup split, and repeats bit for bit', async () => {
    const ctx = gpu();
    const data = await makeDataset(ctx, 'moons', { n: 500, seed: 2 });
    try {
      // Widths 13 and 9 (not multiples of 4 or 8), batch 37 (padded to 40): every edge of the tiles.
      const cfg: Partial<TrainConfig> = { gradClip: 0.5, ema: 0.9, weightClip: 2, timeSampling: 'antithetic', lossEvery: 10, maximizeSteps: 3 };
      const run = (extra: Partial<TrainConfig>) =>
        withTrainer(ctx, data, { ...cfg, ...extra }, async (t) => ({
          losses: (await t.train(30)).map((p) => p.loss),
          params: await t.readParams(),
          ema: await t.readParams('ema'),
          dispatches: t.dispatchesPerStep,
          spw: t.samplesPerWorkgroup,
        }));
      const ref = await run({ fused: false });
      expect(ref.spw).toBe(0);
      for (const spw of [8, 40]) {
        const f = await run({ samplesPerWorkgroup: spw });
        expect(f.dispatches).toBe(2);
        expect(f.spw).toBe(spw);
        // Same arithmetic per element except the order of the batch sums in the weight gradients
        // (workgroup slices added last) and of the clipping norm: relative gradient differences of a
        // few f32 ulps (~1e-6), which Adam turns into weight differences of about lr·1e-6 per step;
        // 1e-5 absolute after 30 steps leaves a wide margin (measured: ~1e-7 after 200 paper steps).
        expect(f.losses).toBeAllclose(ref.losses, { rtol: 1e-5, atol: 0 });
        expect(f.params).toBeAllclose(ref.params, { rtol: 0, atol: 1e-5 });
        expect(f.ema).toBeAllclose(ref.ema, { rtol: 0, atol: 1e-5 });
      }
      const a = await run({ samplesPerWorkgroup: 8 });
      const b = await run({ samplesPerWorkgroup: 8 });
      expect(Buffer.from(a.params.buffer).equals(Buffer.from(b.params.buffer))).toBe(true);
      expect(a.losses).toEqual(b.losses);
      await expect(run({ samplesPerWorkgroup: 12 })).rejects.toThrow(/samplesPerWorkgroup must be a multiple of 8 dividing 40/);
    } finally {
      data.destroy();
    }
  });

  it('chooses the fused step by default for small problems on lavapipe, the per-layer kernels otherwise', async () => {
    const ctx = gpu();
    const data = await makeDataset(ctx, 'clusters4', { n: 300, seed: 3 });
    try {
      const paper: MlpSpec = { dim: 2, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' };
      const shape = (cfg: Partial<TrainConfig>) => withTrainer(ctx, data, cfg, async (t) => ({ spw: t.samplesPerWorkgroup, dispatches: t.dispatchesPerStep }));
      const lvp = isLavapipe(ctx.adapter);
      // The paper model at batch 128 (1.1·10^6 multiply-adds per pass): two workgroups of 64 samples.
      expect(await shape({ spec: paper, batch: 128, gradClip: 1 })).toEqual(lvp ? { spw: 64, dispatches: 2 } : { spw: 0, dispatches: 12 });
      // Batch 37 (stride 40): one workgroup of 40; batch 200: 40 (the largest multiple of 8 ≤ 64 dividing 200).
      expect((await shape({ batch: 37 })).spw).toBe(lvp ? 40 : 0);
      expect((await shape({ spec: paper, batch: 200 })).spw).toBe(lvp ? 40 : 0);
      // Large problems, spectral normalisation and fused: false keep the per-layer kernels.
      expect((await shape({ spec: paper, batch: 1024 })).spw).toBe(0);
      expect((await shape({ spec: paper, batch: 128, spectralNorm: true })).spw).toBe(0);
      expect((await shape({ spec: paper, batch: 128, fused: false })).spw).toBe(0);
      expect((await shape({ spec: paper, batch: 128, fused: true })).spw).toBe(16);
    } finally {
      data.destroy();
    }
  });

  it('spectral normalisation: the layer scales converge to 1/σ_max(W), and the corrected gradient matches finite differences', async () => {
    const ctx = gpu();
    const data = await makeDataset(ctx, 'moons', { n: 500, seed: 2 });
    try {
      await withTrainer(ctx, data, { spectralNorm: true, lr: 1e-9, weightDecay: 0, stepsPerSubmit: 40 }, async (t) => {
        await t.train(40); // 40 power-iteration steps on (practically) fixed weights
        const p = await t.readParams();
        const L = t.mlp.layout;
        L.layers.forEach((l, li) => {
          // σ_max by float64 power iteration on WᵀW.
          let v = Array.from({ length: l.in }, (_, i) => 1 + 0.1 * i);
          let sigma = 0;
          for (let it = 0; it < 2000; it++) {
            const wv = Array.from({ length: l.out }, (_, j) => v.reduce((a, vi, i) => a + p[l.wOffset + j * l.in + i]! * vi, 0));
            const wtwv = Array.from({ length: l.in }, (_, i) => wv.reduce((a, x, j) => a + p[l.wOffset + j * l.in + i]! * x, 0));
            const n = Math.hypot(...wtwv);
            sigma = Math.sqrt(n / Math.hypot(...v));
            v = wtwv.map((x) => x / n);
          }
          // 40 steps of power iteration: the error falls like (σ2/σ1)^80, far below f32 rounding here.
          expect(p[L.scaleOffset + li]!, `layer ${li}`).toBeAllclose(1 / sigma, { rtol: 1e-4 });
        });
        const { gradient } = await t.evaluate(3, true);
        const probe = L.layers.flatMap((l) => [l.wOffset, l.wOffset + l.in * l.out - 1, l.wOffset + l.in + 1]);
        const h = 1e-2;
        for (const i of probe) {
          const q = p.slice();
          q[i] = p[i]! + h;
          t.mlp.writeParams(q);
          const up = (await t.evaluate(3)).loss;
          q[i] = p[i]! - h;
          t.mlp.writeParams(q);
          const down = (await t.evaluate(3)).loss;
          // The loss depends on W also through σ = uᵀWv (u, v fixed): only the corrected gradient matches.
          expect(gradient![i]!, `parameter ${i}`).toBeAllclose((up - down) / (2 * h), { rtol: 2e-2, atol: 3e-4 });
        }
      });
    } finally {
      data.destroy();
    }
  });

  it('reports progress at each loss read, cancels through an AbortSignal, and rejects bad configurations by name', async () => {
    const ctx = gpu();
    const data = await makeDataset(ctx, 'clusters4', { n: 200, seed: 3 });
    try {
      await withTrainer(ctx, data, { lossEvery: 10, stepsPerSubmit: 4 }, async (t) => {
        const events: number[] = [];
        const curve = await t.train(25, { onProgress: (e) => events.push(e.done) });
        expect(events).toEqual([10, 20, 25]);
        expect(curve.map((p) => p.step)).toEqual([10, 20, 25]);
        expect(curve.every((p) => Number.isFinite(p.loss) && p.loss > 0)).toBe(true);
        const abort = new AbortController();
        const run = t.train(1000, { signal: abort.signal, onProgress: () => abort.abort() });
        await expect(run).rejects.toThrow(CancelledError);
        expect(t.step).toBeLessThan(25 + 1000);
      });
      const base = { spec: small, process: new DdpmSigmoid({ steps: 10 }), batch: 16 };
      await expect(Trainer.create(ctx, data, { ...base, spec: { ...small, dim: 3 } })).rejects.toThrow(/dimension/);
      await expect(Trainer.create(ctx, data, { ...base, spec: { ...small, time: { kind: 'step', steps: 7 } } })).rejects.toThrow(/steps/);
      await expect(Trainer.create(ctx, data, { ...base, process: new VpLinear({}) })).rejects.toThrow(/discrete/);
      await expect(Trainer.create(ctx, data, { ...base, lr: -1 })).rejects.toThrow(/lr/);
      await expect(Trainer.create(ctx, data, { ...base, batch: 0 })).rejects.toThrow(/batch/);
    } finally {
      data.destroy();
    }
  });
});
