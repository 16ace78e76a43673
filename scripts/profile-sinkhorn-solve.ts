/**
 * A whole truncated Sinkhorn solve at N = M = n on the clouds of bench/sinkhorn.bench.ts (x ~ N(0, I),
 * y ~ N((2, 0), ¼I), 2-D, blur 0.05, OT_ε, no debiasing), on the GPU adapter of this process:
 *
 *  - `setup`: `iterations` iterations with the error read after each (as bench/sinkhorn_million.bench.ts):
 *    the first progress event comes after the set-up (k-d tree order, nested solve on the leaves,
 *    its extension to every point, the kept set of the first level) and one iteration;
 *  - `full`: the solve to a marginal error of 1e-3 (as row 3 of bench/sinkhorn.bench.ts);
 *  - `start`: the set-up alone, phase by phase, through the solver's own modules on buffers of the
 *    solver's sizes: prepare (centring, k-d tree order, upload), the nested solve on the leaves, and
 *    the extension of its potentials to every point (what is left of the start: finished when the
 *    GPU is idle again). The kept set of the first level is not built here (see
 *    scripts/profile-sinkhorn-setup.ts).
 *
 * Times are wall clock and this process's CPU time (on a CPU adapter the driver's threads run in
 * this process, so CPU time counts the GPU work too, and moves less with other load on the machine).
 * Build it with Vite (shaders inlined as in the library build), then run it on the adapter of your choice:
 *
 *   SCRIPT=scripts/profile-sinkhorn-solve.ts npx vite build --config vite.scripts.config.ts
 *   VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.json node dist/scripts/profile-sinkhorn-solve.js 1000000 setup 3
 *   VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.json node dist/scripts/profile-sinkhorn-solve.js 100000 full
 */
import { readFileSync } from 'node:fs';
import { GpuContext } from '../src/gpu/context.js';
import { SinkhornSolver } from '../src/transport/sinkhorn/index.js';
import { benchClouds } from '../bench/sinkhorn.bench.js';
import { resolveSinkhorn } from '../src/transport/sinkhorn/options.js';
import { prepare } from '../src/transport/sinkhorn/prepare.js';
import { chooseStart } from '../src/transport/sinkhorn/schedule.js';
import { layoutProblems } from '../src/transport/sinkhorn/tables.js';

const n = Number(process.argv[2] ?? 100_000);
const mode = process.argv[3] ?? 'setup';
const iterations = Number(process.argv[4] ?? 3);
const ctx = await GpuContext.create();
console.log(`adapter: ${ctx.adapter.description || ctx.adapter.vendor}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
const { x, y } = benchClouds(n);
if (mode === 'start') {
  const d = 2;
  const options = { blur: 0.05, debias: false, tol: 1e-3 };
  const o = resolveSinkhorn(options);
  const { layouts, total } = layoutProblems([{ n, m: n }]);
  const pts = ctx.storage('profile:points', total * d * 4);
  const logw = ctx.storage('profile:logw', total * 4);
  const pot = ctx.storage('profile:potentials', 8 * total * 4);
  const lap = (() => {
    let t = performance.now();
    let c = process.cpuUsage();
    return (name: string) => {
      const dc = process.cpuUsage(c);
      console.log(`${((performance.now() - t) / 1000).toFixed(2).padStart(8)} s  (CPU ${((dc.user + dc.system) / 1e6).toFixed(1).padStart(6)} s)  ${name}`);
      t = performance.now();
      c = process.cpuUsage();
    };
  })();
  lap('(start)');
  const enc = ctx.device.createCommandEncoder({ label: 'profile:upload' });
  const prep = await prepare(ctx, layouts, total, d, [{ x: { data: x, d }, y: { data: y, d } }], o, { pts, logw }, enc);
  ctx.submit(enc.finish());
  await ctx.device.queue.onSubmittedWorkDone();
  lap('prepare: centring, k-d tree order, upload');
  const blur = options.blur / prep.scale;
  let nestedAt = 0;
  const nested = async (...args: Parameters<Parameters<typeof chooseStart>[6]>) => {
    const t = performance.now();
    const c = process.cpuUsage();
    const s = await SinkhornSolver.create(ctx, { d, sizes: [{ n: args[0].n, m: args[1].n }], debias: false });
    try {
      const [r] = await s.solve([{ x: args[0], y: args[1] }], args[2]);
      const dc = process.cpuUsage(c);
      nestedAt = performance.now();
      console.log(`${((nestedAt - t) / 1000).toFixed(2).padStart(8)} s  (CPU ${((dc.user + dc.system) / 1e6).toFixed(1).padStart(6)} s)  leaf start: nested solve on ${args[0].n} + ${args[1].n} leaves (${r!.iterations} iterations)`);
      return r!;
    } finally {
      s.destroy();
    }
  };
  // The target (the solver's buffers) is the last argument; a chooseStart without it ignores it.
  const start = await chooseStart(prep, layouts, total, d, blur, o, nested, { ctx, pts, pot });
  await ctx.device.queue.onSubmittedWorkDone();
  lap('leaf start: leaf centroids, nested solve, extension to every point (GPU idle again)');
  console.log(`start: ${start.leaves ? `leaf start down to ε = ${start.leaves.eps.toPrecision(3)}` : 'no leaf start'}, extension alone ${((performance.now() - nestedAt) / 1000).toFixed(2)} s after the nested solve; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  for (const b of [pts, logw, pot]) ctx.destroyBuffer(b);
  ctx.destroy();
  process.exit(0);
}
const solver = await SinkhornSolver.create(ctx, { d: 2, sizes: [{ n, m: n }], debias: false });
const stamps: number[] = [];
const cpu: number[] = [];
const c0 = process.cpuUsage();
const cpuS = () => { const c = process.cpuUsage(c0); return (c.user + c.system) / 1e6; };
const t0 = performance.now();
const [r] = await solver.solve([{ x: { data: x, d: 2 }, y: { data: y, d: 2 } }], {
  blur: 0.05,
  debias: false,
  tol: 1e-3,
  ...(mode === 'setup' ? { maxIterations: iterations, checkEvery: 1 } : {}),
  onProgress: (e) => {
    stamps.push(performance.now() - t0);
    cpu.push(cpuS());
    if (mode === 'setup') console.log(`  iteration ${e.done} at ${(stamps.at(-1)! / 1000).toFixed(2)} s (CPU ${cpu.at(-1)!.toFixed(1)} s), marginal error ${e.metrics?.marginalError?.toExponential(3)}`);
  },
});
const ms = performance.now() - t0;
const cpuAll = cpuS();
const res = r!;
const t = res.truncation;
const leaves = t?.leaves ? `leaves ${t.leaves.points} (${t.leaves.iterations} nested iterations, ε_x = ${t.leaves.eps.toPrecision(3)})` : 'no leaf start';
if (mode === 'setup') {
  console.log(`set-up and iteration 1 ${(stamps[0]! / 1000).toFixed(2)} s (CPU ${cpu[0]!.toFixed(1)} s), whole run ${(ms / 1000).toFixed(2)} s (CPU ${cpuAll.toFixed(1)} s)`);
} else {
  console.log(`whole solve ${(ms / 1000).toFixed(2)} s (CPU ${cpuAll.toFixed(1)} s), first check at ${((stamps[0] ?? 0) / 1000).toFixed(2)} s (CPU ${(cpu[0] ?? 0).toFixed(1)} s)`);
}
console.log(
  `N = M = ${n}: ${res.iterations} iterations, converged ${res.converged}, marginal error ${res.marginalError.toExponential(3)}, OT_ε ${res.ot.toPrecision(10)}, ` +
    `W2² ${res.w2sq.toPrecision(10)}, ${leaves}, kept ${t ? (100 * t.keptFraction).toFixed(3) : 100}%, ${(res.pairEvaluations / 1e9).toFixed(2)}·10^9 pairs; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
);
solver.destroy();
ctx.destroy();
