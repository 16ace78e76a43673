// Where a training step's time goes, per kernel, with GPU timestamps (one pass per dispatch):
//   node scripts/profile-train.mjs [--adapter lavapipe] [--batch 4096] [--paper] [--kernels tile|sg] [--grads sg32-wg8]
// Needs `npm run build`. Prints the whole step's wall and CPU time (K steps per submit; on a CPU
// adapter the CPU time of this process is the driver's work, less disturbed by other load than
// wall time) and each layer's forward, backward and the gradient kernel's time, with GFLOP/s per
// kernel. --kernels forces one layer-kernel shape for every stage (default: the tuned ones).
import { DdpmSigmoid, GpuContext, GpuTimer, Trainer, VpLinear, makeDataset } from '../dist/lib/index.js';

const arg = (k, d) => { const i = process.argv.indexOf(k); return i > 0 ? process.argv[i + 1] : d; };
const ctx = await GpuContext.create(arg('--adapter') ? { adapter: arg('--adapter') } : {});
console.log(`adapter: ${ctx.adapter.description || ctx.adapter.vendor}`);
const paper = process.argv.includes('--paper');
const batch = Number(arg('--batch', paper ? 128 : 4096));
const config = paper
  ? { spec: { dim: 2, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' }, process: new DdpmSigmoid({ steps: 10 }), weighting: 'paper', timeSampling: 'antithetic', batch, gradClip: 1, seed: 1 }
  : { spec: { dim: 2, hidden: [128, 128, 128, 128], activation: 'silu', time: { kind: 'fourier', features: 4 }, output: 'eps' }, process: new VpLinear({}), batch, optimizer: 'adam', seed: 1 };
const data = await makeDataset(ctx, paper ? 'clusters4' : 'cluster2d', { seed: 1 });
const steps = paper ? 200 : 6;
const forced = arg('--kernels');
const kernels = forced === 'sg' ? { forward: { kind: 'sg', wg: 64 }, backward: { kind: 'sg', wg: 64 }, grads: { kind: 'sg', wg: 32 } }
  : forced === 'tile' ? { forward: { kind: 'tile', wg: 64 }, backward: { kind: 'tile', wg: 64 }, grads: { kind: 'tile', wg: 64 } } : undefined;
// --grads KIND-wgN forces the gradient kernel's shape alone (src/kernels/mlp_grads.ts gradsVariantName).
const gm = /^(\w+)-wg(\d+)$/.exec(arg('--grads', ''));
const kernelsAll = gm ? { ...(kernels ?? {}), grads: { kind: gm[1], wg: Number(gm[2]) } } : kernels;
const t = await Trainer.create(ctx, data, { ...config, stepsPerSubmit: steps, lossEvery: steps, ...(kernelsAll ? { kernels: kernelsAll } : {}) });
await t.train(steps);
const walls = [];
const cpus = [];
for (let r = 0; r < 3; r++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await t.train(steps);
  walls.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpus.push((c.user + c.system) / 1000);
}
walls.sort((a, b) => a - b);
cpus.sort((a, b) => a - b);
const k = t.plan.kernels;
console.log(`kernels: forward ${k.forward.kind}-wg${k.forward.wg}, backward ${k.backward.kind}-wg${k.backward.wg}, gradients ${k.grads.kind}-wg${k.grads.wg}`);
console.log(`whole step: ${((steps / walls[1]) * 1000).toFixed(2)} steps/s (median of 3), CPU ${(cpus[1] / steps).toFixed(1)} ms per step, ${t.dispatchesPerStep} dispatches per step`);
const plan = t.plan;
const bs = plan.ws.bs;
const L = plan.layout.layers.length;
const timer = new GpuTimer(ctx, 64);
const best = new Map();
for (let rep = 0; rep < 3; rep++) {
  const enc = ctx.device.createCommandEncoder();
  const one = (label, f) => { const p = enc.beginComputePass({ timestampWrites: timer.passTimestamps(label) }); f(p); p.end(); };
  plan.layout.layers.forEach((l, i) => one(`fwd ${i} ${l.in}→${l.out}`, (p) => { p.setBindGroup(0, plan.bind, [plan.slots.offset(i)]); plan.fwd[i].dispatch(p, l.out, plan.ws.bs); }));
  for (let i = L - 2; i >= 0; i--) one(`bwd ${i} (${plan.layout.layers[i + 1].out}→${plan.layout.layers[i].out})`, (p) => { p.setBindGroup(0, plan.bind, [plan.slots.offset(L + i)]); plan.bwd[i].dispatch(p, plan.layout.layers[i].out, plan.ws.bs); });
  one('grads (all layers)', (p) => plan.encodeGrads(p));
  const off = t.stepSlots.offset(0);
  one('dsm_batch', (p) => t.kernels.batch.dispatch(p, t.bindBatch, off, bs));
  one('dsm_loss', (p) => t.kernels.loss.dispatch(p, t.bindLoss, off, t.config.spec.dim, bs));
  if (t.kernels.norm) one('grad_norm', (p) => t.kernels.norm.dispatch(p, t.bindNorm));
  one('adam', (p) => t.kernels.adam.dispatch(p, t.bindAdam, off, plan.layout.trainable / 4));
  timer.resolve(enc);
  ctx.submit(enc.finish());
  for (const [k, v] of await timer.read()) best.set(k, Math.min(best.get(k) ?? Infinity, v));
}
let total = 0;
for (const [k, v] of best) {
  let flops = 0;
  const m = /(\d+)→(\d+)/.exec(k);
  if (m) flops = 2 * bs * Number(m[1]) * Number(m[2]);
  if (k.startsWith('grads')) flops = plan.layout.layers.reduce((s, l) => s + 2 * bs * l.in * l.out, 0);
  total += v;
  console.log(`${k.padEnd(24)} ${v.toFixed(2).padStart(8)} ms  ${flops ? ((flops / v) * 1e-6).toFixed(2) + ' GFLOP/s' : ''}`);
}
console.log(`sum of layer kernels: ${total.toFixed(2)} ms; whole step ${(walls[1] / steps).toFixed(2)} ms`);
t.destroy();
data.destroy();
ctx.destroy();
