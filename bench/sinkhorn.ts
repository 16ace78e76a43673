/**
 * Sinkhorn benchmark (issue 3), with POT measured in the same run as the peer.
 * Data: x ~ N(0, I), y ~ N((2, 0), 0.25·I) in 2-D (Philox, seeds 1 and 2).
 *
 *  1. N = M = 2000, ε = 0.01 on |x - y|², no debiasing: time to return OT_ε within 1e-4 relative of
 *     its fully converged value, against POT's sinkhorn2(method='sinkhorn_log', stopThr=1e-6).
 *  2. Debiased S_ε at blur 0.01·diameter against the exact ot.emd2 (N = 2000 and 10^4).
 *  3. N = M = 10^5 (and 10^6 with --huge) at blur 0.05: time, iterations, pair evaluations per
 *     second and GPU memory (a capped number of iterations when a full solve would not fit the run).
 *
 * usage: npm run bench:sinkhorn -- [--cases 1,2,3] [--reps 3] [--no-peer] [--huge]
 * Timings are wall-clock medians after one warm-up run (the first, compiling run is reported apart);
 * every run ends in an awaited readback. The machine is shared: expect noise.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpuContext } from '../src/gpu/context.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { SinkhornSolver, type SinkhornOptions, type SinkhornResult } from '../src/transport/sinkhorn.js';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string, fallback: string) => {
  const k = argv.indexOf(`--${name}`);
  return k >= 0 && argv[k + 1] !== undefined ? argv[k + 1]! : fallback;
};
const cases = new Set(opt('cases', '1,2,3').split(',').map(Number));
const reps = Number(opt('reps', '3'));
const peer = !flag('no-peer');
const PY = '/usr/bin/python3';
const tmp = mkdtempSync(join(tmpdir(), 'wf-bench-'));

function clouds(n: number): { x: Float32Array; y: Float32Array } {
  const x = rngFillCpu(2 * n, 1, 0, 'normal');
  const y = rngFillCpu(2 * n, 2, 0, 'normal').map((v, k) => (k % 2 === 0 ? 2 : 0) + 0.5 * v);
  return { x, y };
}

function pot(kind: 'sinkhorn' | 'emd', x: Float32Array, y: Float32Array, reg?: number): { value: number; seconds: number; iterations?: number; peer: string } {
  const fx = join(tmp, 'x.f32');
  const fy = join(tmp, 'y.f32');
  writeFileSync(fx, x);
  writeFileSync(fy, y);
  const args = [join(process.cwd(), 'bench/peers/pot_sinkhorn.py'), kind, fx, fy, '2', ...(reg !== undefined ? [String(reg)] : [])];
  const out = execFileSync(PY, args, { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out.trim().split('\n').pop()!);
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

async function timed(solver: SinkhornSolver, x: Float32Array, y: Float32Array, o: SinkhornOptions, runs: number) {
  const first = (await solver.solve([{ x: { data: x, d: 2 }, y: { data: y, d: 2 } }], o))[0]!;
  const results: SinkhornResult[] = [];
  for (let k = 0; k < runs; k++) results.push((await solver.solve([{ x: { data: x, d: 2 }, y: { data: y, d: 2 } }], o))[0]!);
  return { first, results, ms: median(results.map((r) => r.ms)) };
}

const ctx = await GpuContext.create();
const a = ctx.adapter;
const adapter = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ');
console.log(`# wasserflow Sinkhorn benchmark — adapter: ${adapter} (software: ${a.isSoftware}), subgroups ${ctx.hasSubgroups}`);

if (cases.has(1)) {
  const n = 2000;
  const { x, y } = clouds(n);
  const eps = 0.01;
  const solver = await SinkhornSolver.create(ctx, { d: 2, sizes: [{ n, m: n }], debias: false });
  // The fully converged value: our own solve to the fp32 floor of the marginal error.
  const full = (await solver.solve([{ x: { data: x, d: 2 }, y: { data: y, d: 2 } }], { eps, debias: false, tol: 5e-5, maxIterations: 1000, linearCost: true }))[0]!;
  const tol = Number(opt('tol1', '3e-4'));
  const t = await timed(solver, x, y, { eps, debias: false, tol }, reps);
  const r = t.results[0]!;
  console.log(`\n## 1. N = M = ${n}, ε = ${eps}: OT_ε to 1e-4 relative`);
  console.log(`converged OT_ε = ${full.ot.toFixed(6)} (<π, C> = ${full.linearCost!.toFixed(6)}, ${full.iterations} iterations, marginal error ${full.marginalError.toExponential(2)})`);
  console.log(`wasserflow (tol ${tol}): OT_ε = ${r.ot.toFixed(6)}, relative difference ${rel(r.ot, full.ot).toExponential(2)}, ${r.iterations} iterations, ${t.ms.toFixed(0)} ms median of ${reps} (first run with compile ${t.first.ms.toFixed(0)} ms)`);
  if (peer) {
    const p = pot('sinkhorn', x, y, eps);
    console.log(`${p.peer} sinkhorn2(sinkhorn_log, stopThr 1e-6): value <π, C> = ${p.value.toFixed(6)} (${p.iterations} iterations) in ${(p.seconds * 1000).toFixed(0)} ms`);
    console.log(`ratio POT / wasserflow: ${(p.seconds * 1000 / t.ms).toFixed(1)}× (our <π, C> vs POT's: relative ${rel(full.linearCost!, p.value).toExponential(2)})`);
  }
  solver.destroy();
}

if (cases.has(2)) {
  console.log(`\n## 2. Debiased S_ε at blur 0.01·diameter vs exact ot.emd2`);
  for (const n of (opt('sizes2', '2000,10000')).split(',').map(Number)) {
    const { x, y } = clouds(n);
    const solver = await SinkhornSolver.create(ctx, { d: 2, sizes: [{ n, m: n }], debias: true });
    const o: SinkhornOptions = { tol: Number(opt('tol2', '1e-3')), maxIterations: Number(opt(n > 5000 ? 'max2big' : 'max2', n > 5000 ? '30' : '2000')) };
    const t = await timed(solver, x, y, o, n > 5000 ? 0 : Math.min(reps, 1));
    if (t.results.length === 0) t.results.push(t.first);
    if (n > 5000) t.ms = t.first.ms;
    const r = t.results[0]!;
    let line = `N = ${n}: S_ε = ${r.w2sq.toFixed(6)} (blur ${r.blur.toFixed(4)}, ${r.iterations} iterations, marginal error ${r.marginalError.toExponential(2)}) in ${t.ms.toFixed(0)} ms`;
    if (peer) {
      const p = pot('emd', x, y);
      line += `; emd2 = ${p.value.toFixed(6)} in ${(p.seconds * 1000).toFixed(0)} ms; relative difference ${rel(r.w2sq, p.value).toExponential(2)}; time ratio emd2 / wasserflow ${(p.seconds * 1000 / t.ms).toFixed(2)}×`;
    }
    console.log(line);
    solver.destroy();
  }
}

if (cases.has(3)) {
  console.log(`\n## 3. Large clouds at blur 0.05`);
  for (const n of flag('huge') ? [100_000, 1_000_000] : [100_000]) {
    const { x, y } = clouds(n);
    const debias = flag('debias3');
    const solver = await SinkhornSolver.create(ctx, { d: 2, sizes: [{ n, m: n }], debias });
    const cap = Number(opt('max3', '1'));
    const r = (await solver.solve([{ x: { data: x, d: 2 }, y: { data: y, d: 2 } }], { blur: 0.05, debias, maxIterations: cap, checkEvery: cap, levelIterations: 1 }))[0]!;
    // Pair evaluations: 2 softmins per iteration (X→Y, Y→X; 4 with the self terms), n² pairs each.
    const pairs = (debias ? 4 : 2) * n * n * r.iterations;
    console.log(
      `N = ${n}: ${r.iterations} iterations (capped at ${cap}; converged ${r.converged}, marginal error ${r.marginalError.toExponential(2)}) in ${(r.ms / 1000).toFixed(1)} s, ` +
        `${(pairs / (r.ms / 1000) / 1e9).toFixed(3)}·10^9 pair evaluations/s, GPU memory ${(solver.gpuBytes / 2 ** 20).toFixed(1)} MiB ` +
        `(an N×N f32 cost matrix would need ${((n * n * 4) / 2 ** 30).toFixed(1)} GiB)`,
    );
    solver.destroy();
  }
}

ctx.destroy();
process.exit(0);
