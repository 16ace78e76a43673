// A/B of gradient-kernel shapes (src/kernels/mlp_grads.ts) in one process, interleaved:
//   node scripts/ab-grads.mjs [--model 4x128|paper|784] [--batch N] [--variants sg-wg32,sg32-wg8] [--reps 5] [--steps K]
// Needs `npm run build`. One Trainer per variant (per-layer kernels, not the fused step; forward and
// backward shapes fixed to the first trainer's tuned choice), then rounds of: every variant's
// gradient kernel timed alone (GPU timestamps), and every variant's whole step (K steps per submit:
// wall clock, and this process's CPU time, which on a CPU adapter is the driver's work). Prints
// medians over the rounds. The CPU time per step is the figure least disturbed by other load. (Before
// the readback pacer measured afresh after an oversleep, src/gpu/pacing.ts, interleaved trainers'
// wall-clock speeds climbed over the rounds, 0.1 → 2 steps/s here.)
import { DdpmSigmoid, GpuContext, GpuTimer, Trainer, VpLinear, makeDataset, uploadPoints, rngFillCpu } from '../dist/lib/index.js';

const arg = (k, d) => { const i = process.argv.indexOf(k); return i > 0 ? process.argv[i + 1] : d; };
const ctx = await GpuContext.create(arg('--adapter') ? { adapter: arg('--adapter') } : {});
const model = arg('--model', '4x128');
const reps = Number(arg('--reps', 5));
const variants = arg('--variants', 'sg-wg32,sg32-wg8').split(',').map((s) => { const m = /^(\w+)-wg(\d+)$/.exec(s); return { kind: m[1], wg: Number(m[2]) }; });
let config, data, steps;
if (model === 'paper') {
  config = { spec: { dim: 2, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' }, process: new DdpmSigmoid({ steps: 10 }), weighting: 'paper', timeSampling: 'antithetic', batch: Number(arg('--batch', 128)), gradClip: 1, seed: 1, fused: false };
  data = await makeDataset(ctx, 'clusters4', { seed: 1 });
  steps = 100;
} else if (model === '784') {
  config = { spec: { dim: 784, hidden: [1024, 1024], activation: 'silu', time: { kind: 'fourier', features: 8 }, output: 'eps' }, process: new VpLinear(), batch: Number(arg('--batch', 256)), optimizer: 'adam', lr: 1e-3, seed: 1 };
  data = uploadPoints(ctx, 'ab:784', rngFillCpu(4000 * 784, 3).map((u) => 2 * u - 1), 784);
  steps = 1;
} else {
  config = { spec: { dim: 2, hidden: [128, 128, 128, 128], activation: 'silu', time: { kind: 'fourier', features: 4 }, output: 'eps' }, process: new VpLinear({}), batch: Number(arg('--batch', 4096)), optimizer: 'adam', seed: 1 };
  data = await makeDataset(ctx, 'cluster2d', { seed: 1 });
  steps = 3;
}
if (arg('--steps')) steps = Number(arg('--steps'));
const ts = [];
for (const v of variants) {
  const kernels = ts.length ? { forward: ts[0].plan.kernels.forward, backward: ts[0].plan.kernels.backward, grads: v } : { grads: v };
  const t = await Trainer.create(ctx, data, { ...config, stepsPerSubmit: steps, lossEvery: steps, kernels });
  await t.train(steps);
  ts.push(t);
}
const k0 = ts[0].plan.kernels;
console.log(`model ${model}, batch ${config.batch}, forward ${k0.forward.kind}-wg${k0.forward.wg}, backward ${k0.backward.kind}-wg${k0.backward.wg}, ${ts[0].dispatchesPerStep} dispatches per step`);
const timer = new GpuTimer(ctx, 16);
const kms = variants.map(() => []);
const sps = variants.map(() => []);
const cpu = variants.map(() => []);
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
for (let r = 0; r < reps; r++) {
  for (let i = 0; i < ts.length; i++) {
    const enc = ctx.device.createCommandEncoder();
    const p = enc.beginComputePass({ timestampWrites: timer.passTimestamps('g') });
    ts[i].plan.encodeGrads(p);
    p.end();
    timer.resolve(enc);
    ctx.submit(enc.finish());
    for (const [, v] of await timer.read()) kms[i].push(v);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await ts[i].train(steps);
    sps[i].push((steps / (performance.now() - t0)) * 1000);
    const c = process.cpuUsage(c0);
    cpu[i].push((c.user + c.system) / 1000 / steps);
  }
}
const layers = ts[0].plan.layout.layers;
const flops = layers.reduce((s, l) => s + 2 * ts[0].plan.ws.bs * l.in * l.out, 0);
variants.forEach((v, i) => {
  const ms = median(kms[i]);
  console.log(`${`${v.kind}-wg${v.wg}`.padEnd(10)} grads ${ms.toFixed(2).padStart(8)} ms (${((flops / ms) * 1e-6).toFixed(2)} GFLOP/s dW)  whole step ${median(sps[i]).toFixed(2)} steps/s, CPU ${median(cpu[i]).toFixed(1)} ms/step  [steps/s ${sps[i].map((x) => x.toFixed(2)).join(' ')}] [kernel ms ${kms[i].map((x) => x.toFixed(1)).join(' ')}]`);
});
for (const t of ts) t.destroy();
data.destroy();
ctx.destroy();
