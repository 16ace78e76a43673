// MLP forward, backward and parameter gradients on the GPU against the float64 reference, for every
// activation and both time conditionings, with batch and widths that are not multiples of the
// tile or workgroup sizes, in every shape of the layer kernels the tuner may choose (each one run
// here, not only the one an adapter picks); and the seeded initialisation against its definition.
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { Mlp, type MlpBatchPlan } from '../src/train/mlp.js';
import type { GpuContext } from '../src/gpu/context.js';
import { layerCandidates, layerVariantName, type LayerKernelVariant } from '../src/kernels/mlp_forward.js';
import { gradsCandidates, gradsVariantName, type GradsVariant } from '../src/kernels/mlp_grads.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { initSegments } from '../src/kernels/mlp_init.js';
import { philox4x32, splitSeed, u01 } from '../src/rng/philox.js';
import { backward64, forward64 } from './reference/mlp.js';
import { useGpu } from './gpu.js';

function randomParams(spec: MlpSpec, seed: number): Float32Array {
  const L = mlpLayout(spec);
  const p = rngFillCpu(L.size, seed).map((u) => 1.2 * (u - 0.5));
  L.layers.forEach((l, i) => {
    if (l.eOffset >= 0) for (let k = 0; k < L.steps * l.out; k++) p[l.eOffset + k] = 0.5 + p[l.eOffset + k]!;
    p[L.scaleOffset + i] = 0.8 + 0.1 * i; // non-unit layer scales (as spectral normalisation sets them)
  });
  return p;
}

/**
 * Write the upstream gradient `dfm` (feature-major) into the plan's last du, run forward, backward and
 * the parameter gradients into `grads` in one submit. The loss kernel normally writes dOut after the
 * forward pass; here it is written before, and the forward pass does not touch du, so backward can
 * run in a second pass of the same submit.
 */
function forwardBackward(ctx: GpuContext, plan: MlpBatchPlan, dfm: Float32Array, grads: GPUBuffer): void {
  ctx.write(plan.acts, dfm, plan.ws.du[plan.ws.du.length - 1]! * 4);
  plan.attachGrads(grads);
  const enc = ctx.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  plan.encodeForward(pass);
  pass.end();
  const pass2 = enc.beginComputePass();
  plan.encodeBackward(pass2);
  plan.encodeGrads(pass2);
  pass2.end();
  ctx.submit(enc.finish());
}

describe('mlp', () => {
  const gpu = useGpu();

  const cases: { name: string; spec: MlpSpec; n: number }[] = [
    ...ACTIVATIONS.map((a) => ({ name: `${a}, per-step embedding`, spec: { dim: 3, hidden: [37, 13], activation: a, time: { kind: 'step' as const, steps: 5 }, output: 'eps' as const }, n: 45 })),
    { name: 'silu, Fourier time, 3 hidden layers', spec: { dim: 2, hidden: [9, 16, 7], activation: 'silu', time: { kind: 'fourier', features: 3 }, output: 'score' }, n: 21 },
    { name: 'tanh, no time, 1-D', spec: { dim: 1, hidden: [5], activation: 'tanh', time: { kind: 'none' }, output: 'x0' }, n: 8 },
    // Widths that are multiples of 4 but not of 8 (a half chunk of inputs in the subgroup shapes) and of 8.
    { name: 'silu, Fourier time, widths 12, 20, 64', spec: { dim: 2, hidden: [12, 20, 64], activation: 'silu', time: { kind: 'fourier', features: 2 }, output: 'eps' }, n: 40 },
  ];
  // Every layer-kernel shape the tuner can choose from (src/kernels/mlp_forward.ts layerCandidates);
  // the subgroup shapes only where the adapter has subgroups of 8 lanes or more.
  const shapes: LayerKernelVariant[] = [
    { kind: 'tile', wg: 64 },
    { kind: 'tile', wg: 128 },
    { kind: 'sg', wg: 64 },
    { kind: 'sg', wg: 256 },
    { kind: 'wg', wg: 128 }, // forward only (the backward runs 'tile' beside it); offered on GPUs, run here too
  ];

  // The default shape on every case; the others on the two cases that reach all their code paths
  // (scalar and vec4 weight rows, a half chunk of inputs, per-step embedding and Fourier inputs,
  // widths and batches off the tile) — compiling every shape for every case takes minutes here.
  const shapeCases = new Set(['silu, per-step embedding', 'silu, Fourier time, widths 12, 20, 64']);
  // Each gradient-kernel shape (mlp_grads.ts gradsCandidates) rides along with a layer shape.
  const gradsShape = (kv: LayerKernelVariant): GradsVariant => (kv.kind === 'sg' ? { kind: 'sg', wg: kv.wg === 64 ? 32 : 64 } : { kind: 'tile', wg: 64 });
  // The 16- and 32-row subgroup gradient shapes ride along with the default layer shape: those the
  // tuner offers on 8-lane subgroups (lavapipe), and one with several subgroups per workgroup (the
  // shape offered where subgroups have 32 lanes; any wg may be asked for through `kernels`).
  const extraGrads: GradsVariant[] = [
    { kind: 'sg16', wg: 8 },
    { kind: 'sg32', wg: 8 },
    { kind: 'sg32', wg: 32 },
  ];
  // A gradient shape this adapter can run (the subgroup shapes need subgroups of 8 lanes or more).
  const gradsRunnable = (ctx: ReturnType<typeof gpu>, gv: GradsVariant) =>
    gv.kind === 'tile' || (ctx.subgroupMinSize >= 8 && gv.wg <= ctx.device.limits.maxComputeInvocationsPerWorkgroup);
  const runs: { c: (typeof cases)[number]; kv: LayerKernelVariant; gv: GradsVariant }[] = [];
  for (const c of cases) {
    for (const kv of shapes.filter((v, i) => i === 0 || shapeCases.has(c.name))) runs.push({ c, kv, gv: gradsShape(kv) });
    if (shapeCases.has(c.name)) for (const gv of extraGrads) runs.push({ c, kv: shapes[0]!, gv });
  }
  for (const { c, kv, gv } of runs) {
    const gradsShape = (_: LayerKernelVariant): GradsVariant => gv;
    it(`forward, backward and gradients match float64: ${c.name}, kernels ${layerVariantName(kv)}, gradients ${gradsVariantName(gradsShape(kv))}`, async (test) => {
      const ctx = gpu();
      if (kv.kind === 'sg' && !layerCandidates(ctx).some((v) => layerVariantName(v) === layerVariantName(kv))) test.skip();
      if (!gradsRunnable(ctx, gradsShape(kv))) test.skip();
      const mlp = await Mlp.create(ctx, c.spec, { seed: 3 });
      const L = mlp.layout;
      const p = randomParams(c.spec, 11);
      mlp.writeParams(p);
      const d = c.spec.dim;
      const x = rngFillCpu(c.n * d, 5).map((u) => 4 * u - 2);
      const steps = Array.from({ length: c.n }, (_, b) => (c.spec.time.kind === 'step' ? (b * 7) % c.spec.time.steps : 0));
      const taus = Array.from({ length: c.n }, (_, b) => b / c.n);
      const t = c.spec.time.kind === 'fourier' ? taus : steps;
      const plan = await mlp.plan(c.n, mlp.params, { forward: kv, backward: kv.kind === 'wg' ? { kind: 'tile', wg: 64 } : kv, grads: gradsShape(kv) });
      const grads = ctx.storage('grads', L.size * 4);
      try {
        plan.setInput(x, t);
        // Upstream gradient dJ/d output, feature-major, zero on padding samples.
        const bs = plan.ws.bs;
        const dOut = Array.from({ length: c.n }, (_, b) => Array.from({ length: d }, (_, j) => Math.sin(1 + b * d + j)));
        const dfm = new Float32Array(d * bs);
        dOut.forEach((row, b) => row.forEach((v, j) => (dfm[j * bs + b] = v)));
        forwardBackward(ctx, plan, dfm, grads);
        const acts = await ctx.readF32(plan.acts);
        const g = await ctx.readF32(grads);

        const feats = Array.from({ length: c.n }, (_, b) => {
          const row = Array.from({ length: d }, (_, j) => x[b * d + j]!);
          if (c.spec.time.kind === 'fourier') {
            const F = c.spec.time.features;
            for (let k = 0; k < F; k++) row.push(Math.sin(Math.PI * 2 ** k * taus[b]!));
            for (let k = 0; k < F; k++) row.push(Math.cos(Math.PI * 2 ** k * taus[b]!));
          }
          return row;
        });
        const ref = forward64(L, p, feats, steps);
        const out = ref.out.flatMap((row, b) => row.map((_, j) => acts[plan.ws.u[L.layers.length - 1]! + j * bs + b]!));
        // f32 dot products of <= 37 terms of size ~1: errors ~1e-6 relative; Fourier features carry sin/cos error ~1e-7.
        expect(out).toBeAllclose(ref.out.flat(), { rtol: 1e-4, atol: 1e-5 });
        const gref = backward64(L, p, ref, steps, dOut);
        // Gradients sum over <= 45 samples of products of f32 values: relative errors ~1e-5 at worst.
        expect(Array.from(g.subarray(0, L.trainable))).toBeAllclose(Array.from(gref.subarray(0, L.trainable)), { rtol: 1e-4, atol: 1e-4 });
      } finally {
        plan.destroy();
        ctx.destroyBuffer(grads);
        mlp.destroy();
      }
    });
  }

  // The gradient shapes sum every entry in the same order (src/kernels/mlp_grads.ts), so the tuner's
  // choice does not change training: each shape this adapter offers (and the extra ones above that
  // it can run) gives the default's bits.
  it('every gradient-kernel shape gives the same bits as the default', async () => {
    const ctx = gpu();
    const spec: MlpSpec = { dim: 2, hidden: [12, 20, 64], activation: 'silu', time: { kind: 'fourier', features: 2 }, output: 'eps' };
    const n = 76; // 19 vec4 of samples: two whole chunks of 8 and a remainder in the subgroup shapes
    const mlp = await Mlp.create(ctx, spec, { seed: 3 });
    const L = mlp.layout;
    mlp.writeParams(randomParams(spec, 11));
    const x = rngFillCpu(n * spec.dim, 5).map((u) => 4 * u - 2);
    const t = Array.from({ length: n }, (_, b) => b / n);
    const results: { name: string; g: Float32Array }[] = [];
    try {
      const offered = gradsCandidates(ctx);
      const extra = extraGrads.filter((gv) => gradsRunnable(ctx, gv) && !offered.some((v) => gradsVariantName(v) === gradsVariantName(gv)));
      for (const gv of [...offered, ...extra]) {
        const plan = await mlp.plan(n, mlp.params, { forward: shapes[0]!, backward: shapes[0]!, grads: gv });
        const grads = ctx.storage('grads', L.size * 4);
        try {
          plan.setInput(x, t);
          const bs = plan.ws.bs;
          const dfm = new Float32Array(spec.dim * bs);
          for (let b = 0; b < n; b++) for (let j = 0; j < spec.dim; j++) dfm[j * bs + b] = Math.sin(1 + b * spec.dim + j);
          forwardBackward(ctx, plan, dfm, grads);
          results.push({ name: gradsVariantName(gv), g: (await ctx.readF32(grads)).slice(0, L.trainable) });
        } finally {
          plan.destroy();
          ctx.destroyBuffer(grads);
        }
      }
    } finally {
      mlp.destroy();
    }
    for (const r of results.slice(1)) {
      const differ = r.g.findIndex((v, i) => !Object.is(v, results[0]!.g[i]));
      expect(differ, `${r.name} vs ${results[0]!.name}`).toBe(-1);
    }
  });

  it('initialises from the seeded Philox stream exactly as its definition says', async () => {
    const ctx = gpu();
    const spec: MlpSpec = { dim: 2, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' };
    const mlp = await Mlp.create(ctx, spec, { seed: 1234, init: 'torch' });
    try {
      const got = await mlp.readParams();
      const L = mlp.layout;
      const segs = initSegments(L, 'torch');
      const key = splitSeed(1234);
      const want = new Float32Array(L.size);
      for (let p = 0; p < L.size; p++) {
        const s = segs.filter((q) => q.start <= p).at(-1)!;
        const u = u01(philox4x32([p, 0, 0x1417, 0], key)[0]);
        want[p] = s.kind === 0 ? Math.fround(Math.fround(s.a) * Math.fround(2 * u - 1)) : s.kind === 1 ? u : s.a;
      }
      expect(got).toEqual(want);
      // Scales 1, embeddings in [0, 1), first-layer weights within ±1/√2.
      expect(Array.from(got.subarray(L.scaleOffset, L.scaleOffset + 4))).toEqual([1, 1, 1, 1]);
      expect(Math.max(...got.subarray(0, 128).map(Math.abs))).toBeLessThanOrEqual(Math.SQRT1_2);
    } finally {
      mlp.destroy();
    }
  });
});
