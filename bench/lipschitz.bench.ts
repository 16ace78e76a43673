/**
 * One-sided Lipschitz estimation of the paper's score network (2→64→64→64→2, softplus, per-step
 * embedding, ε output) at many points at once:
 *  - power iteration on ½(J + Jᵀ) with JVP + VJP kernels: point-iterations per second (peer: the
 *    same power iteration with PyTorch autograd JVP (double-VJP trick) and VJP, CPU);
 *  - the same power iteration in 784-D (784→1024→1024→784, SiLU, Fourier time, ε output: the
 *    Fashion-MNIST model's shape), batched JVP/VJP over [points × width] (peer: PyTorch autograd);
 *  - exact d = 2 symmetric-Jacobian eigenvalues: points per second;
 *  - a full L_s(t) curve (100 DDPM steps × N points, exact), one timed run;
 *  - the host float64 certificate (src/lipschitz/certify.ts): boxes per second (interval + mean-value
 *    bound of one box), search points per second (λ_max(½(J + Jᵀ)) at a point, what the search's
 *    grid, box centres and ascent evaluate), and one branch-and-bound to a 5% gap on [−1.5, 1.5]²;
 *  - the GPU multi-start search (src/lipschitz/search.ts): starts per second of the projected ascent
 *    of λ_max(½(J + Jᵀ)) over [−1.5, 1.5]² (30 ascent steps, 4 power steps each, 30 initial), peer: the
 *    same schedule in PyTorch autograd (bench/peers/lipschitz_search_torch.py).
 */
import type { TangentTime } from '../src/kernels/mlp_tangent.js';
import { LipschitzEstimator } from '../src/lipschitz/estimator.js';
import { boxBound, certifyBox, NetworkAtTime } from '../src/lipschitz/certify.js';
import { LsSearch } from '../src/lipschitz/search.js';
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { DdpmSigmoid } from '../src/processes/process.js';
import { measure, result, type BenchContext, type BenchOptions, type BenchResult } from './harness.js';

export const meta = { id: 'lipschitz', title: 'L_s(t): power iteration (JVP/VJP) and exact eigenvalues of ½(J + Jᵀ)' };

const ITERS = 20;
const SHIFT = 10;

export async function run(b: BenchContext, opts: BenchOptions): Promise<BenchResult[]> {
  const { ctx } = b;
  const N = opts.quick ? 1000 : 10_000;
  const T = 100;
  const spec: MlpSpec = { dim: 2, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps: T }, output: 'eps' };
  const layout = mlpLayout(spec);
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const p = new Float32Array(layout.size);
  for (const l of layout.layers) {
    for (let i = 0; i < l.in * l.out; i++) p[l.wOffset + i] = (2 * rnd() - 1) / Math.sqrt(l.in);
    if (l.eOffset >= 0) for (let i = 0; i < layout.steps * l.out; i++) p[l.eOffset + i] = rnd();
  }
  for (let l = 0; l < layout.layers.length; l++) p[layout.scaleOffset + l] = 1;
  const proc = new DdpmSigmoid({ steps: T });
  const times: TangentTime[] = Array.from({ length: T }, (_, k) => ({ alpha: proc.alpha(k + 1), sigma: proc.sigma(k + 1), step: k }));
  const est = await LipschitzEstimator.create(ctx, layout, { maxPoints: N * 4, maxTimes: T });
  const pbuf = ctx.storage('bench:lipschitz:params', p);
  const sbuf = ctx.storage('bench:lipschitz:src', new Float32Array(2 * N).map((_, i) => Math.sin(i * 0.7) * 0.7));
  const source = { buffer: sbuf, count: N, noise: true };
  const one = (method: 'exact' | 'power', nt: number) => est.curve(pbuf, { times: times.slice(0, nt), source, perTime: N, method, iters: ITERS, shiftIters: SHIFT });
  try {
    const budgetMs = opts.quick ? 1000 : 5000;
    const power = await measure(() => one('power', 1).then(() => undefined), { ...(b.signal ? { signal: b.signal } : {}), budgetMs, minRuns: 3, warmup: 1 });
    const exact = await measure(() => one('exact', 1).then(() => undefined), { ...(b.signal ? { signal: b.signal } : {}), budgetMs, minRuns: 3, warmup: 1 });
    const curveT = opts.quick ? 10 : T;
    const curve = await measure(() => one('exact', curveT).then(() => undefined), { ...(b.signal ? { signal: b.signal } : {}), budgetMs: 0, minRuns: 1, maxRuns: 1, warmup: 0 });
    // Host float64 certificate on the same network at DDPM step 3 of 100.
    const net = new NetworkAtTime(layout, p, times[2]!);
    const B = opts.quick ? 64 : 512;
    const boxes = await measure(
      async () => {
        for (let i = 0; i < B; i++) {
          const x = -1.5 + (3 * i) / B;
          boxBound(net, [x, -0.2], [x + 0.02, -0.18]);
        }
      },
      { ...(b.signal ? { signal: b.signal } : {}), budgetMs, minRuns: 3, warmup: 1 },
    );
    const P = opts.quick ? 256 : 2048;
    const points = await measure(
      async () => {
        for (let i = 0; i < P; i++) net.lambdaAt([Math.sin(i), Math.cos(0.7 * i)]);
      },
      { ...(b.signal ? { signal: b.signal } : {}), budgetMs, minRuns: 3, warmup: 1 },
    );
    let cert = { relGap: NaN, boxes: 0, converged: false };
    const bb = await measure(
      async () => {
        cert = certifyBox(net, { lo: [-1.5, -1.5], hi: [1.5, 1.5], tol: 0.05, timeBudgetMs: opts.quick ? 5000 : 60_000 });
      },
      { ...(b.signal ? { signal: b.signal } : {}), budgetMs: 0, minRuns: 1, maxRuns: 1, warmup: 0 },
    );
    // GPU multi-start search: S starts at one time, uniform in the box.
    const S = opts.quick ? 256 : 2048;
    const SEARCH_STEPS = 30;
    const search = await LsSearch.create(ctx, layout, { capacity: S, maxTimes: 1 });
    const starts = ctx.storage('bench:lipschitz:starts', new Float32Array(2 * S).map((_, i) => 1.5 * Math.sin(1.3 * i + 0.1 * i * i)));
    let searchTiming;
    try {
      searchTiming = await measure(() => search.run(pbuf, { times: [times[2]!], source: { buffer: starts, count: S, noise: false }, perTime: S, box: 1.5, steps: SEARCH_STEPS }).then(() => undefined), { ...(b.signal ? { signal: b.signal } : {}), budgetMs, minRuns: 3, warmup: 1 });
    } finally {
      search.destroy();
      ctx.destroyBuffer(starts);
    }
    const searchPeers = opts.noPeers ? [] : await b.peer('lipschitz_search_torch.py', { n: S, steps: SEARCH_STEPS });
    const its = ITERS + SHIFT + 1;
    const peers = opts.noPeers ? [] : await b.peer('lipschitz_torch.py', { n: N, iters: its });
    const hd = await power784(b, opts);
    return [
      result({ id: 'lipschitz.power', name: 'power iteration on ½(J + Jᵀ), JVP + VJP per step', size: `${N} points × ${its} steps, 2→64³→2`, timing: power, work: (N * its) / 1e6, unit: '10^6 point-iterations/s', peers }),
      hd,
      result({ id: 'lipschitz.exact', name: 'exact top eigenvalue of ½(J + Jᵀ), d = 2', size: `${N} points, 2→64³→2`, timing: exact, work: N / 1e6, unit: '10^6 points/s' }),
      result({ id: 'lipschitz.curve', name: `full L_s(t) curve, exact, ${curveT} times`, size: `${curveT} × ${N} points`, timing: curve, work: 1, unit: 'curves/s', notes: 'one timed run (1/value = seconds per curve)' }),
      result({ id: 'lipschitz.certify.boxes', name: 'certificate: interval + mean-value bound of one box (host float64)', size: `${B} boxes, 2→64³→2`, timing: boxes, work: B, unit: 'boxes/s', notes: 'CPU, one thread' }),
      result({ id: 'lipschitz.search.points', name: 'search: λ_max(½(J + Jᵀ)) at a point (host float64)', size: `${P} points, 2→64³→2`, timing: points, work: P, unit: 'points/s', notes: 'grid, box centres and ascent steps all cost one of these' }),
      result({ id: 'lipschitz.search.starts', name: 'GPU multi-start projected ascent of λ_max(½(J + Jᵀ)) over [−1.5, 1.5]²', size: `${S} starts × ${SEARCH_STEPS} steps, 2→64³→2`, timing: searchTiming, work: S, unit: 'starts/s', peers: searchPeers, notes: 'per step 4 shifted power steps (JVP + VJP chains), the Rayleigh quotient and its exact x-gradient, one projected step; the starts of lipschitz --checkpoint' }),
      result({ id: 'lipschitz.certify.run', name: 'branch-and-bound to a 5% gap on [−1.5, 1.5]², one time', size: '2→64³→2, DDPM step 3 of 100', timing: bb, work: 1, unit: 'runs/s', notes: `one timed run (1/value = seconds); ${cert.boxes} boxes, gap ${(100 * cert.relGap).toFixed(1)}%${cert.converged ? '' : ' (budget ran out)'}` }),
    ];
  } finally {
    est.destroy();
    ctx.destroyBuffer(pbuf);
    ctx.destroyBuffer(sbuf);
  }
}

/** Power iteration in 784-D on the Fashion-MNIST model's shape (random weights, one time). */
async function power784(b: BenchContext, opts: BenchOptions): Promise<BenchResult> {
  const { ctx } = b;
  const d = 784;
  const spec: MlpSpec = { dim: d, hidden: [1024, 1024], activation: 'silu', time: { kind: 'fourier', features: 4 }, output: 'eps' };
  const layout = mlpLayout(spec);
  const N = opts.quick ? 32 : 1024;
  const iters = opts.quick ? 4 : ITERS;
  const shift = opts.quick ? 2 : SHIFT;
  let s = 777;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const p = new Float32Array(layout.size);
  for (const l of layout.layers) for (let i = 0; i < l.in * l.out; i++) p[l.wOffset + i] = (2 * rnd() - 1) / Math.sqrt(l.in);
  for (let l = 0; l < layout.layers.length; l++) p[layout.scaleOffset + l] = 1;
  const est = await LipschitzEstimator.create(ctx, layout, { maxPoints: N, maxTimes: 1 });
  const pbuf = ctx.storage('bench:lipschitz784:params', p);
  const sbuf = ctx.storage('bench:lipschitz784:src', new Float32Array(d * N).map((_, i) => Math.sin(i * 0.37)));
  try {
    const run = () => est.curve(pbuf, { times: [{ alpha: 0.8, sigma: 0.6, tau: 0.3 }], source: { buffer: sbuf, count: N, noise: true }, perTime: N, method: 'power', iters, shiftIters: shift }).then(() => undefined);
    const timing = await measure(run, { ...(b.signal ? { signal: b.signal } : {}), budgetMs: opts.quick ? 0 : 5000, minRuns: opts.quick ? 1 : 3, maxRuns: opts.quick ? 1 : 20, warmup: 1 });
    const its = iters + shift + 1;
    const peers = opts.noPeers ? [] : await b.peer('lipschitz_torch.py', { n: N, iters: its, dim: d, hidden: [1024, 1024], act: 'silu' });
    return result({
      id: 'lipschitz.power784',
      name: 'power iteration in 784-D, batched JVP + VJP per step',
      size: `${N} points × ${its} steps, 784→1024²→784`,
      timing,
      work: (N * its) / 1e3,
      unit: '10^3 point-iterations/s',
      peers,
      notes: 'each step: J·v and Jᵀ·v through every layer as [points × width] products, then one workgroup per point normalises',
    });
  } finally {
    est.destroy();
    ctx.destroyBuffer(pbuf);
    ctx.destroyBuffer(sbuf);
  }
}
