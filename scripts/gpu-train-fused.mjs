// Fused vs per-layer training step on one adapter (for a machine with a GPU; the fused step is the
// default only on software adapters until this says it also pays on a GPU). Needs `npm run build`.
//   node scripts/gpu-train-fused.mjs [--adapter nvidia|system|lavapipe|...]
// Prints steps/s, dispatches and bytes per step of both paths, for the paper model (batch 128) and
// the 4×128 SiLU MLP (batch 4096), and for the fused path every samples-per-workgroup choice.
import { DdpmSigmoid, GpuContext, Trainer, VpLinear, makeDataset } from '../dist/lib/index.js';

const i = process.argv.indexOf('--adapter');
const ctx = await GpuContext.create(i > 0 ? { adapter: process.argv[i + 1] } : {});
console.log(`adapter: ${ctx.adapter.description || ctx.adapter.vendor} (${ctx.adapter.choice?.reason ?? ''})`);
const models = [
  {
    name: 'paper 2→64→64→64→2, batch 128', dataset: 'clusters4', steps: 400,
    config: { spec: { dim: 2, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' }, process: new DdpmSigmoid({ steps: 10 }), weighting: 'paper', timeSampling: 'antithetic', batch: 128, gradClip: 1, seed: 1 },
  },
  {
    name: '4×128 SiLU, batch 4096', dataset: 'cluster2d', steps: 40,
    config: { spec: { dim: 2, hidden: [128, 128, 128, 128], activation: 'silu', time: { kind: 'fourier', features: 4 }, output: 'eps' }, process: new VpLinear({}), batch: 4096, optimizer: 'adam', seed: 1 },
  },
];
for (const m of models) {
  const data = await makeDataset(ctx, m.dataset, { seed: 1 });
  const variants = [{ fused: false }, ...[8, 16, 32, 64, 128, 256, 512].filter((s) => m.config.batch % s === 0 && m.config.batch / s <= 256).map((s) => ({ fused: true, samplesPerWorkgroup: s }))];
  for (const v of variants) {
    const t = await Trainer.create(ctx, data, { ...m.config, ...v, stepsPerSubmit: Math.min(100, m.steps), lossEvery: m.steps });
    await t.train(m.steps);
    const runs = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      await t.train(m.steps);
      runs.push(performance.now() - t0);
    }
    runs.sort((a, b) => a - b);
    console.log(`${m.name}  ${v.fused ? `fused, ${v.samplesPerWorkgroup} samples/workgroup` : 'per-layer'}: ${((m.steps / runs[2]) * 1000).toFixed(1)} steps/s, ${t.dispatchesPerStep} dispatches, ~${(t.bytesPerStep / 1e6).toFixed(2)} MB per step`);
    t.destroy();
  }
  data.destroy();
}
ctx.destroy();
