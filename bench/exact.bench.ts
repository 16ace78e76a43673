/**
 * Exact OT on the CPU (issue 17): the network simplex (src/transport/network_simplex.ts) against
 * POT's emd2 measured in the same run, on unequal sizes (M = 0.8·N) with non-uniform weights, and
 * the assignment solver it replaced where both apply (equal uniform clouds).
 *
 * Data: x = the first N points of benchClouds(N).x, y = the first M of benchClouds(N).y (N(0, I)
 * and N((2, 0), 0.25·I) in 2-D; bench/peers/pot_emd.py builds the same points), weights
 * a_i = 1 + 0.5 sin(i + 1), b_j = 1 + 0.5 cos(j + 1), normalised. Both sides' times include
 * building the costs (POT: ot.dist; ours: none stored in 2-D). The values must agree to 1e-6
 * relative (checked: the benchmark fails otherwise).
 *
 * The crossover of method 'auto' (src/transport/w2.ts, chooseMethod): exact against the GPU
 * Sinkhorn divergence at its default options on the benchmark's adapter, equal uniform clouds,
 * N = 500, 1000, 2000 (single timed runs, after one untimed Sinkhorn solve that compiles the
 * pipelines). The ratio is exact / Sinkhorn throughput (> 1: exact is faster on this adapter).
 */
import { exactAssignment } from '../src/transport/exact.js';
import { exactOT } from '../src/transport/network_simplex.js';
import { w2 } from '../src/transport/w2.js';
import { measure, result, type BenchContext, type BenchOptions, type BenchResult, type PeerTiming, type Timing } from './harness.js';
import { benchClouds } from './sinkhorn.bench.js';

export const meta = { id: 'exact', title: 'Exact OT (network simplex, float64 CPU) vs POT emd2' };

const single = (ms: number): Timing => ({ firstMs: ms, medianMs: ms, q1Ms: ms, q3Ms: ms, minMs: ms, runs: 1 });

export async function run(b: BenchContext, opts: BenchOptions): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const n of opts.quick ? [300] : [500, 2000, 5000]) {
    const m = Math.round(0.8 * n);
    const c = benchClouds(n);
    const x = c.x;
    const y = c.y.subarray(0, 2 * m);
    const a = Float64Array.from({ length: n }, (_, i) => 1 + 0.5 * Math.sin(i + 1));
    const w = Float64Array.from({ length: m }, (_, j) => 1 + 0.5 * Math.cos(j + 1));
    let value = 0;
    let pivots = 0;
    const solve = async () => {
      const r = exactOT(x, y, 2, { a, b: w });
      value = r.cost;
      pivots = r.pivots;
    };
    // One run takes seconds from N = 2000 on: a single timed run there.
    const t0 = performance.now();
    await solve();
    const firstMs = performance.now() - t0;
    const timing = firstMs > 1000 ? single(firstMs) : await measure(solve, { warmup: 1, minRuns: 3, maxRuns: 15, budgetMs: 3000, ...(b.signal ? { signal: b.signal } : {}) });
    b.log(`  exact.emd.${n}: W2² = ${value.toFixed(9)} in ${(timing.medianMs / 1000).toFixed(2)} s (${pivots} pivots); POT emd2 running...`);
    const peers = opts.noPeers ? [] : ((await b.peer('pot_emd.py', { n, m })) as (PeerTiming & { value?: number })[]);
    const pv = peers[0]?.value;
    if (pv !== undefined && !(Math.abs(value - pv) <= 1e-6 * Math.abs(pv))) throw new Error(`exact.emd.${n}: W2² ${value} differs from POT emd2 ${pv} by more than 1e-6 relative`);
    out.push(
      result({
        id: `exact.emd.${n}`,
        name: 'exact W2² between weighted clouds of unequal sizes (network simplex)',
        size: `N = ${n}, M = ${m}, d = 2, weighted`,
        timing,
        work: 1,
        unit: 'solves/s',
        peers,
        notes: `W2² = ${value.toPrecision(12)}${pv !== undefined ? `, POT emd2 ${pv.toPrecision(12)} (relative difference ${(Math.abs(value - pv) / pv).toExponential(1)})` : ''}; ${pivots} pivots${timing.runs === 1 ? ' (one timed run)' : ''}`,
      }),
    );
  }
  // Where the assignment solver also applies (equal sizes, uniform weights): the two side by side.
  for (const n of opts.quick ? [64, 200] : [64, 200, 700]) {
    const { x, y } = benchClouds(n);
    const opt = { warmup: 1, minRuns: 3, maxRuns: 15, budgetMs: 3000, ...(b.signal ? { signal: b.signal } : {}) };
    let ns = 0;
    let hung = 0;
    const simplex = await measure(async () => void (ns = exactOT(x, y, 2).cost), opt);
    const assignment = await measure(async () => void (hung = exactAssignment(x, y, 2).w2sq), opt);
    if (!(Math.abs(ns - hung) <= 1e-9 * hung)) throw new Error(`exact.assignment.${n}: simplex ${ns} and assignment ${hung} disagree`);
    const asPeer: PeerTiming = { name: 'assignment solver (Jonker–Volgenant, O(n³), same CPU)', medianMs: assignment.medianMs, firstMs: assignment.firstMs, runs: assignment.runs };
    out.push(
      result({
        id: `exact.assignment.${n}`,
        name: 'exact W2² between equal uniform clouds: network simplex vs the assignment solver',
        size: `N = M = ${n}, d = 2`,
        timing: simplex,
        work: 1,
        unit: 'solves/s',
        peers: [asPeer],
        notes: `W2² = ${ns.toPrecision(12)} by both; ratio > 1: the simplex is faster`,
      }),
    );
  }
  // The crossover of method 'auto': exact vs the GPU Sinkhorn at its defaults on this adapter.
  if (!opts.quick) {
    const warm = benchClouds(200);
    await w2(b.ctx, { data: warm.x, d: 2 }, { data: warm.y, d: 2 }, { method: 'sinkhorn', ...(b.signal ? { signal: b.signal } : {}) });
    for (const n of [500, 1000, 2000]) {
      const { x, y } = benchClouds(n);
      const t0 = performance.now();
      const ex = exactOT(x, y, 2);
      const exactMs = performance.now() - t0;
      const sk = await w2(b.ctx, { data: x, d: 2 }, { data: y, d: 2 }, { method: 'sinkhorn', ...(b.signal ? { signal: b.signal } : {}) });
      b.log(`  exact.auto.${n}: exact ${(exactMs / 1000).toFixed(2)} s, Sinkhorn ${(sk.ms / 1000).toFixed(2)} s`);
      out.push(
        result({
          id: `exact.auto.${n}`,
          name: "method auto's crossover: exact W2² vs the GPU Sinkhorn divergence at its defaults (same adapter)",
          size: `N = M = ${n}, d = 2`,
          timing: single(exactMs),
          work: 1,
          unit: 'solves/s',
          peers: [{ name: `GPU Sinkhorn S_ε, default options (${b.adapter.description || b.adapter.vendor})`, medianMs: sk.ms, runs: 1 }],
          notes: `exact W2² = ${ex.cost.toPrecision(9)}; Sinkhorn ${sk.w2sq.toPrecision(9)} (relative difference ${(Math.abs(sk.w2sq - ex.cost) / ex.cost).toExponential(1)}), ${sk.iterations} iterations, converged ${sk.sinkhorn?.converged}; single timed runs; ratio > 1: exact is faster`,
        }),
      );
    }
  }
  return out;
}
