/**
 * Benchmark: one-sided Lipschitz estimation of the paper's score network (2→64→64→64→2, softplus,
 * per-step embedding, ε output) on the adapter.
 *  - power iteration (JVP + VJP per step): points × iterations per second;
 *  - exact d = 2 symmetric-Jacobian eigenvalues: points per second;
 *  - a full L_s(t) curve: 100 times × 10^4 points (exact and power), wall time.
 * Peer in the same run: PyTorch 1.13 CPU (bench/peers/lipschitz_torch.py), the same power iteration
 * with autograd JVP (double-VJP trick) and VJP, reported as a ratio.
 * Run: npm run build:bench && node dist/bench/lipschitz.js [--points N] [--reps R]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { GpuContext } from '../src/gpu/context.js';
import { LipschitzEstimator } from '../src/lipschitz/estimator.js';
import type { TangentTime } from '../src/kernels/mlp_tangent.js';
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { DdpmSigmoid } from '../src/processes/process.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const POINTS = arg('points', 10_000);
const REPS = arg('reps', 5);
const ITERS = 20;
const SHIFT = 10;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function params(layout: ReturnType<typeof mlpLayout>): Float32Array {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const p = new Float32Array(layout.size);
  for (const l of layout.layers) {
    for (let i = 0; i < l.in * l.out; i++) p[l.wOffset + i] = (2 * rnd() - 1) / Math.sqrt(l.in);
    if (l.eOffset >= 0) for (let i = 0; i < layout.steps * l.out; i++) p[l.eOffset + i] = rnd();
  }
  for (let l = 0; l < layout.layers.length; l++) p[layout.scaleOffset + l] = 1;
  return p;
}

async function main() {
  const ctx = await GpuContext.create();
  const a = ctx.adapter;
  const adapter = [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ');
  console.log(`adapter: ${adapter}${a.isSoftware ? ' (software)' : ''}`);
  const T = 100;
  const spec: MlpSpec = { dim: 2, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps: T }, output: 'eps' };
  const layout = mlpLayout(spec);
  const proc = new DdpmSigmoid({ steps: T });
  const times: TangentTime[] = Array.from({ length: T }, (_, k) => ({ alpha: proc.alpha(k + 1), sigma: proc.sigma(k + 1), step: k }));
  const est = await LipschitzEstimator.create(ctx, layout, { maxPoints: POINTS * 8, maxTimes: T });
  const pbuf = ctx.storage('bench:params', params(layout));
  const src = new Float32Array(2 * POINTS).map((_, i) => Math.sin(i * 0.7) * 0.7);
  const sbuf = ctx.storage('bench:src', src);
  const source = { buffer: sbuf, count: POINTS, noise: true };

  const time = async (f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    return (performance.now() - t0) / 1000;
  };
  const one = (method: 'exact' | 'power', nt: number) => est.curve(pbuf, { times: times.slice(0, nt), source, perTime: POINTS, method, iters: ITERS, shiftIters: SHIFT });

  const results: Record<string, unknown> = { adapter, points: POINTS, iters: ITERS + SHIFT + 1 };
  for (const method of ['power', 'exact'] as const) {
    const first = await time(() => one(method, 1));
    const runs: number[] = [];
    await one(method, 1);
    for (let r = 0; r < REPS; r++) runs.push(await time(() => one(method, 1)));
    const t = median(runs);
    // Each power step applies ½(J + Jᵀ): one JVP and one VJP (ITERS + SHIFT + 1 of them per point).
    const rate = method === 'power' ? (POINTS * (ITERS + SHIFT + 1)) / t : POINTS / t;
    results[method] = { firstRunS: first, medianS: t, rate };
    console.log(`${method.padEnd(6)} ${POINTS} points, 1 time: first run (compile) ${first.toFixed(2)} s, median ${t.toFixed(3)} s → ${rate.toExponential(3)} ${method === 'power' ? 'point-iterations/s' : 'points/s'}`);
  }
  for (const method of ['exact', 'power'] as const) {
    const t = await time(() => one(method, T));
    results[`curve_${method}`] = t;
    console.log(`full L_s(t) curve, ${T} times × ${POINTS} points, ${method}: ${t.toFixed(2)} s`);
  }
  est.destroy();
  ctx.destroyBuffer(pbuf);
  ctx.destroyBuffer(sbuf);
  ctx.destroy();

  try {
    const out = execFileSync('/usr/bin/python3', [new URL('../../bench/peers/lipschitz_torch.py', import.meta.url).pathname, String(POINTS), String(ITERS + SHIFT + 1)], { encoding: 'utf8' });
    const peer = JSON.parse(out.trim().split('\n').pop()!) as { rate: number; threads: number };
    const ours = (results.power as { rate: number }).rate;
    results.peer = peer;
    console.log(`peer PyTorch CPU (${peer.threads} threads) power iteration: ${peer.rate.toExponential(3)} point-iterations/s; wasserflow/peer = ${(ours / peer.rate).toFixed(2)}`);
  } catch (e) {
    console.log(`peer PyTorch not run: ${(e as Error).message.split('\n')[0]}`);
  }
  writeFileSync('bench-lipschitz.json', JSON.stringify(results, null, 2));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
