/**
 * Sinkhorn above 64 dimensions (issue 17 item 5, issue 15 item 5), with POT in the same run. Data:
 * x ~ N(0, I_d), y ~ N(0.3, 0.64·I_d), N points each (highdimClouds(); its twin in
 * bench/peers/pot_sinkhorn_highdim.py makes the same float32 points).
 *
 *  1. The cost kernel alone (sqdist_tiles: |x|² + |y|² − 2⟨x, y⟩ by workgroup-tiled dot products) at
 *     d = 100 and 784: GFLOP/s and its share of the adapter's matmul ceiling. One pass costs what
 *     recomputing the costs would add to every softmin: the reason the solver stores them.
 *  2. OT_ε (no debiasing) at ε = (0.05·diameter)² in 100-D and 784-D, our solve to a marginal error
 *     of 1e-4 against POT's log-domain Sinkhorn (sinkhorn_log, stopThr=1e-6) at the same ε on the
 *     same points; both values are OT_ε = <π, C> + ε KL(π | a⊗b) of the entropic plan.
 *  3. The 784-D N = M = 5000 row of issue 15: N from WASSERFLOW_BENCH_SINKHORN784_N (default 5000,
 *     the issue's size: 140 s for ours and 27 s for POT on lavapipe under load, 2026-12-05; --quick
 *     takes 300), POT at the same N.
 *  4. Streamed against stored costs at d = 32, where both run: the same debiased solve.
 */
import { SqdistTiles } from '../src/kernels/sqdist_tiles.js';
import { SinkhornSolver, type SinkhornOptions, type SinkhornResult } from '../src/transport/sinkhorn/index.js';
import { measure, result, type BenchContext, type BenchOptions, type BenchResult, type PeerTiming, type Timing } from './harness.js';
import { normals } from './sinkhorn.bench.js';

export const meta = { id: 'w2-highdim', title: 'Sinkhorn above 64-D: stored costs by tiled dot products, vs POT' };

/** x ~ N(0, I_d), y ~ N(0.3, 0.64·I_d), n points each (float32). */
export function highdimClouds(n: number, d: number): { x: Float32Array; y: Float32Array } {
  return { x: Float32Array.from(normals(n * d, 1)), y: Float32Array.from(normals(n * d, 2), (v) => v * 0.8 + 0.3) };
}

function bboxDiagonal(x: Float32Array, y: Float32Array, d: number): number {
  const lo = new Float64Array(d).fill(Infinity);
  const hi = new Float64Array(d).fill(-Infinity);
  for (const p of [x, y]) {
    for (let k = 0; k < p.length; k++) {
      const c = k % d;
      lo[c] = Math.min(lo[c]!, p[k]!);
      hi[c] = Math.max(hi[c]!, p[k]!);
    }
  }
  let s = 0;
  for (let c = 0; c < d; c++) s += (hi[c]! - lo[c]!) ** 2;
  return Math.sqrt(s);
}

function sinkhorn784N(quick: boolean): number {
  const env = typeof process !== 'undefined' ? Number(process.env.WASSERFLOW_BENCH_SINKHORN784_N) : Number.NaN;
  return Number.isInteger(env) && env > 0 ? env : quick ? 300 : 5000;
}

/**
 * Blur of the POT rows, as a fraction of the diameter: POT's sinkhorn_log starts from zero
 * potentials at the final ε (no ε-scaling), so its iterations grow like 1/ε: at 0.01·diameter it
 * needed 20 350 iterations for 300 points in 100-D (199 s, quick run), far too long at N = 1000+.
 */
const BLUR_FRACTION = 0.05;

const single = (ms: number): Timing => ({ firstMs: ms, medianMs: ms, q1Ms: ms, q3Ms: ms, minMs: ms, runs: 1 });
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
type Peer = PeerTiming & { value?: number; iterations?: number };

export async function run(b: BenchContext, opts: BenchOptions): Promise<BenchResult[]> {
  const { ctx } = b;
  const q = opts.quick ?? false;
  const signal = b.signal ? { signal: b.signal } : {};
  const out: BenchResult[] = [];
  /** Pairs per ms of one pass of the cost kernel in dimension d (median), for the notes of the solves. */
  const costRate = new Map<number, number>();

  // 1. The cost kernel alone.
  for (const d of [100, 784]) {
    const n = q ? 500 : 2000;
    const { x, y } = highdimClouds(n, d);
    const pts = new Float32Array(2 * n * d);
    pts.set(x, 0);
    pts.set(y, n * d);
    const norms = new Float32Array(2 * n);
    for (let i = 0; i < 2 * n; i++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += pts[i * d + c]! ** 2;
      norms[i] = s;
    }
    const ptsBuf = ctx.storage('bench:hd:pts', pts);
    const normBuf = ctx.storage('bench:hd:norms', norms);
    const outBuf = ctx.storage('bench:hd:cost', n * n * 4);
    const tiles = await SqdistTiles.create(ctx, d);
    const plan = tiles.plan({ rowOff: 0, n, colOff: n, m: n }, ptsBuf, normBuf, outBuf);
    try {
      const timing = await measure(
        async () => {
          const enc = ctx.device.createCommandEncoder({ label: 'bench:sqdist' });
          const pass = enc.beginComputePass();
          plan.encode(pass);
          pass.end();
          await ctx.read(outBuf, 0, 4, enc);
        },
        { ...signal, warmup: 1, minRuns: 3, maxRuns: 10, budgetMs: q ? 1000 : 4000 },
      );
      costRate.set(d, (n * n) / timing.medianMs);
      const flops = 2 * n * n * d;
      out.push(
        result({
          id: `w2-highdim.sqdist.d${d}`,
          name: 'Sinkhorn cost matrix |x|² + |y|² − 2⟨x, y⟩ (sqdist_tiles: 64×64 tiles, 16 coordinates per workgroup-memory chunk)',
          size: `N = M = ${n}, d = ${d}`,
          timing,
          work: flops / 1e9,
          unit: 'GFLOP/s',
          ceiling: { kind: 'matmul', perRun: flops },
          notes: `${((n * n) / (timing.medianMs / 1000) / 1e6).toFixed(2)}·10^6 pairs/s; one pass is what recomputing the costs on the fly would add to every softmin`,
        }),
      );
    } finally {
      plan.destroy();
      for (const buf of [ptsBuf, normBuf, outBuf]) ctx.destroyBuffer(buf);
    }
  }

  // 2–3. OT_ε against POT at the same ε.
  const cases: { id: string; d: number; n: number; size?: string }[] = [
    { id: 'w2-highdim.sinkhorn.d100', d: 100, n: q ? 300 : 1000 },
    { id: 'w2-highdim.sinkhorn.d784', d: 784, n: q ? 200 : 500 },
    { id: 'w2-highdim.sinkhorn.d784.n5000', d: 784, n: sinkhorn784N(q) },
  ];
  // Pipelines compiled before the timed solves (a first solve at each d on a few points).
  for (const d of [100, 784]) {
    const { x, y } = highdimClouds(16, d);
    const warm = await SinkhornSolver.create(ctx, { d, sizes: [{ n: 16, m: 16 }], debias: false });
    try {
      await warm.solve([{ x: { data: x, d }, y: { data: y, d } }], { debias: false, maxIterations: 20, ...signal });
    } finally {
      warm.destroy();
    }
  }
  for (const c of cases) {
    const { d, n } = c;
    const { x, y } = highdimClouds(n, d);
    const eps = (BLUR_FRACTION * bboxDiagonal(x, y, d)) ** 2;
    const o: SinkhornOptions = { eps, debias: false, tol: 1e-4, ...signal };
    const solver = await SinkhornSolver.create(ctx, { d, sizes: [{ n, m: n }], debias: false });
    let r: SinkhornResult;
    try {
      r = (await solver.solve([{ x: { data: x, d }, y: { data: y, d } }], o))[0]!;
    } finally {
      solver.destroy();
    }
    b.log(`  ${c.id}: OT_ε = ${r.ot.toFixed(4)} in ${(r.ms / 1000).toFixed(1)} s, ${r.iterations} iterations${opts.noPeers ? '' : '; POT running...'}`);
    const peers = opts.noPeers ? [] : ((await b.peer('pot_sinkhorn_highdim.py', { n, d, reg: eps })) as Peer[]);
    const p = peers[0];
    const rate = costRate.get(d);
    const pass = rate !== undefined ? (n * n) / rate : undefined;
    const perIter = r.ms / r.iterations;
    out.push(
      result({
        id: c.id,
        name: 'OT_ε (no debiasing) to marginal error 1e-4, stored costs, vs POT sinkhorn_log at the same ε',
        size: `N = M = ${n}, d = ${d}, ε = ${eps.toPrecision(3)} ((${BLUR_FRACTION}·diameter)²)`,
        timing: single(r.ms),
        work: 1,
        unit: 'solves/s',
        peers,
        notes:
          `ours OT_ε = ${r.ot.toFixed(6)}, ${r.iterations} iterations (ε-scaling from the diameter), marginal error ${r.marginalError.toExponential(1)}${r.converged ? '' : ' (NOT converged)'}, ` +
          `${(r.pairEvaluations / (r.ms / 1000) / 1e9).toFixed(3)}·10^9 softmin pairs/s over the whole solve (${perIter.toFixed(1)} ms per iteration with the cost pass amortised)` +
          `${pass !== undefined ? `; one cost pass over N×M takes ~${pass.toFixed(0)} ms (row 1's rate), so recomputing the costs in both softmins of an iteration would add ~${((2 * pass) / perIter).toFixed(0)}× its time` : ''}` +
          `${p?.value !== undefined ? `; POT OT_ε = ${p.value.toFixed(6)} after ${p.iterations} iterations, relative difference ${rel(r.ot, p.value).toExponential(2)}` : ''}; ` +
          `GPU memory of the stored costs: ${((2 * Math.ceil(n / 4) * 4 * n * 4) / 2 ** 20).toFixed(0)} MiB (one run: seconds to minutes)`,
      }),
    );
  }

  // 4. Streamed against stored costs at d = 32 (both run).
  {
    const d = 32;
    const n = q ? 500 : 2000;
    const { x, y } = highdimClouds(n, d);
    for (const cost of ['streamed', 'stored'] as const) {
      const solver = await SinkhornSolver.create(ctx, { d, sizes: [{ n, m: n }], debias: true, cost });
      try {
        let last: SinkhornResult | undefined;
        const timing = await measure(async () => void (last = (await solver.solve([{ x: { data: x, d }, y: { data: y, d } }], { ...signal }))[0]!), { ...signal, warmup: 0, minRuns: 2, maxRuns: 3, budgetMs: 1 });
        const r = last!;
        out.push(
          result({
            id: `w2-highdim.d32.${cost}`,
            name: `debiased S_ε at the default blur, ${cost === 'stored' ? 'stored costs (tiled dot products once, then one load per pair)' : 'streamed costs (recomputed per pair in every softmin, unrolled for d)'}`,
            size: `N = M = ${n}, d = ${d}`,
            timing,
            work: r.pairEvaluations / 1e9,
            unit: '10^9 pairs/s',
            ceiling: { kind: 'exp', perRun: r.pairEvaluations },
            notes: `S_ε = ${r.w2sq.toFixed(5)}, ${r.iterations} iterations, marginal error ${r.marginalError.toExponential(1)}${r.converged ? '' : ' (NOT converged)'}; GPU memory ${(solver.gpuBytes / 2 ** 20).toFixed(1)} MiB`,
          }),
        );
      } finally {
        solver.destroy();
      }
    }
  }
  return out;
}
