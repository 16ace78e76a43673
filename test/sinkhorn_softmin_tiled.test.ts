// The tiled dense softmin (shaders/sinkhorn_softmin_tiled.wgsl + sinkhorn_softmin_combine.wgsl),
// forced on this CPU adapter: one Jacobi half-step of every block (cross X/Y, Y/X, self X/X, Y/Y) of
// batched problems against the float64 softmin and against the streamed kernel, for several d,
// sizes that are no multiples of 4 or of the tile, weighted clouds, column splits S = 1 (the
// workgroup finishes its rows), S > 1 (partial sums and the combine pass, empty chunks included),
// rows on the fast path and rows redone with a max pass; then full solves against the streamed kernel.
import { afterEach, describe, expect, it } from 'vitest';
import { rngFillCpu } from '../src/rng/philox.js';
import { softminMainBindGroup, SoftminParams } from '../src/kernels/sinkhorn_softmin.js';
import { parseSoftminVariant, softminVariantName, tileColumns } from '../src/kernels/sinkhorn_softmin_tiled.js';
import { DenseSoftmin, denseTables, softminCandidates, SOFTMIN_ENV } from '../src/transport/sinkhorn/dense.js';
import { blockOf, layoutProblems, potentialAt, tableKey, type BlockKind } from '../src/transport/sinkhorn/tables.js';
import { SinkhornSolver } from '../src/transport/sinkhorn/solver.js';
import { Tuner } from '../src/gpu/tuning.js';
import { softmin64 } from './reference/transport.js';
import { useGpu } from './gpu.js';

const gpu = useGpu();
const U = 2 ** -24;

function uniform(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  return Float64Array.from(rngFillCpu(n, seed, 0, 'uniform'), (u) => lo + (hi - lo) * u);
}

interface Case {
  d: number;
  sizes: { n: number; m: number }[];
  debias: boolean;
  variant: string;
}

const EPS = 0.05;
const OMEGA = 1.3;

/**
 * One Jacobi half-step (table 'jacobi:00': copy 0 → copy 1) of every block of a batch, by `variants`
 * on identical inputs, with its float64 reference. Points uniform in [-1, 1]^d/√d (costs ≤ 4),
 * log-weights uneven and normalised, potentials random in ±0.2, except the X rows' previous cross
 * potentials: their exact softmin plus an offset, ±2ε for most rows (shifted sums in [e^-2, e^2]:
 * the fast path), +40ε for every 7th (a sum ~e^40, still fast), +100ε for every 11th (e^100 > HI:
 * the exact redo with a max pass). The other rows' sums land where they land (the Y rows' mostly
 * out of [LO, HI]: redone; the self rows' in range).
 */
async function halfStep(c: Case, variants: string[]) {
  const ctx = gpu();
  const { d, sizes, debias } = c;
  const { layouts, total: T } = layoutProblems(sizes);
  const pts = new Float32Array(T * d);
  const logw = new Float32Array(T);
  const pot = new Float32Array(8 * T);
  let seed = 100 * d + sizes.length;
  for (const l of layouts) {
    for (const [at, k] of [[l.xs, l.n], [l.ys, l.m]] as const) {
      pts.set(Float32Array.from(uniform(k * d, seed++), (v) => v / Math.sqrt(d)), at * d);
      const w = uniform(k, seed++, 0.2, 1);
      const sum = w.reduce((a, b) => a + b, 0);
      for (let i = 0; i < k; i++) logw[at + i] = Math.log(w[i]! / sum);
      // Copy 0, cross and self potentials of these points (columns of the other blocks).
      pot.set(Float32Array.from(uniform(k, seed++, -0.2, 0.2)), potentialAt(T, 0, false, at));
      pot.set(Float32Array.from(uniform(k, seed++, -0.2, 0.2)), potentialAt(T, 0, true, at));
    }
  }
  // The X rows' previous cross potentials: their exact softmin against Y's plus the offsets above.
  // (Y's rows and the self rows keep random potentials: they are also columns of other blocks; their
  // sums land where they land, many far out of [LO, HI], and are redone.)
  const kinds: BlockKind[] = debias ? ['xy', 'yx', 'xx', 'yy'] : ['xy', 'yx'];
  const blocks = layouts.flatMap((l) => kinds.map((k) => blockOf(l, k)));
  const softminOf = (b: (typeof blocks)[0]) => {
    const g = potentialAt(T, 0, b.self, b.cols);
    return softmin64(pts.subarray(b.rows * d, (b.rows + b.rowsN) * d), pts.subarray(b.cols * d, (b.cols + b.colsN) * d), d, logw.subarray(b.cols, b.cols + b.colsN), pot.subarray(g, g + b.colsN), EPS);
  };
  for (const b of blocks.filter((b) => !b.self && b.rows < b.cols)) {
    const t = softminOf(b);
    const off = potentialAt(T, 0, false, b.rows);
    for (let i = 0; i < b.rowsN; i++) pot[off + i] = t[i]! + EPS * (i % 11 === 10 ? 100 : i % 7 === 6 ? 40 : 2 * Math.sin(i));
  }
  const ref = blocks.map((b) => {
    const o = potentialAt(T, 0, b.self, b.rows);
    const old = Float64Array.from(pot.subarray(o, o + b.rowsN));
    const omega = b.self ? 0.5 : OMEGA;
    const t = softminOf(b);
    const out = Float64Array.from(old, (v, i) => (1 - omega) * v + omega * t[i]!);
    const lse = Float64Array.from(old, (v, i) => (v - t[i]!) / EPS);
    // The kernel caps |e^lse - 1| at 1e30 (e^100 overflows f32) before weighting it.
    const err = Float64Array.from(lse, (v, i) => Math.exp(logw[b.rows + i]!) * Math.min(Math.abs(Math.expm1(v)), 1e30));
    return { out, err, lse };
  });
  const tables = denseTables(layouts, T, debias);
  const results: { out: Float64Array[]; err: Float32Array[]; splits: number }[] = [];
  for (const name of variants) {
    const dense = await DenseSoftmin.create(ctx, { d, problems: sizes.length, total: T, tables }, parseSoftminVariant(name));
    const bufs = [ctx.uniform('t:params', SoftminParams.byteSize), ctx.storage('t:pts', pts), ctx.storage('t:logw', logw), ctx.storage('t:pot', pot), ctx.storage('t:err', 2 * T * 4)] as const;
    try {
      ctx.write(bufs[0], SoftminParams.pack({ eps: EPS, inv_eps: 1 / EPS, omega_cross: OMEGA, omega_self: 0.5, lo_off: 4 * T }));
      const main = softminMainBindGroup(ctx, 't:main', bufs[0], bufs[1], bufs[2], bufs[3], bufs[4]);
      const enc = ctx.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      dense.dispatch(pass, main, tableKey('jacobi', 0, 0));
      pass.end();
      const got = new Float32Array(await ctx.read(bufs[3], 0, 8 * T * 4, enc));
      const err = await ctx.readF32(bufs[4]);
      results.push({
        out: blocks.map((b) => Float64Array.from({ length: b.rowsN }, (_, i) => got[potentialAt(T, 1, b.self, b.rows + i)]! + got[4 * T + potentialAt(T, 1, b.self, b.rows + i)]!)),
        err: blocks.map((b) => err.slice((b.self ? T : 0) + b.rows, (b.self ? T : 0) + b.rows + b.rowsN)),
        splits: dense.splits[tableKey('jacobi', 0, 0)],
      });
    } finally {
      for (const b of bufs) ctx.destroyBuffer(b);
      dense.destroy();
    }
  }
  return { blocks, ref, results };
}

/**
 * How far an f32 softmin may be from float64, in units of the log-sum-exp (multiply by ωε for the
 * potential): the cost C_ij of d fmas is rounded by up to (d + 1)·2^-24·C_ij, i.e. (d + 1)·2^-24·
 * C_max/ε in the exponent; the exponent's own roundings and exp's error (WGSL: 3 + 2|x| ulp) a few
 * 2^-24·(1 + |x|); the sum of m positive terms (m - 1)·2^-24 relative; log's near 1 by its series
 * (< 3e-11), else a few ulps. C_max = 4 here (points in [-1, 1]^d/√d).
 */
const lseBound = (d: number, m: number, lse: number) => U * ((d + 1) * (4 / EPS) + 8 * (1 + Math.abs(lse) + 4 / EPS) + m);

const CASES: Case[] = [
  { d: 1, sizes: [{ n: 7, m: 5 }], debias: true, variant: 'tiled-wg64-s1' },
  { d: 2, sizes: [{ n: 301, m: 263 }], debias: true, variant: 'tiled-wg64-s3' },
  { d: 2, sizes: [{ n: 45, m: 70 }, { n: 61, m: 29 }], debias: false, variant: 'tiled-wg32-s5' },
  { d: 3, sizes: [{ n: 130, m: 517 }], debias: false, variant: 'tiled-wg64-s1' },
  { d: 3, sizes: [{ n: 130, m: 517 }, { n: 9, m: 3 }], debias: true, variant: 'tiled-wg128-s4' },
  // d = 17: a tile of tileColumns(17) = 104 columns; S = 64 leaves most chunks of the small blocks empty.
  { d: 17, sizes: [{ n: 83, m: 211 }], debias: true, variant: 'tiled-wg64-s64' },
  { d: 17, sizes: [{ n: 83, m: 211 }], debias: false, variant: 'tiled' },
];

describe('sinkhorn_softmin_tiled kernel (forced on)', () => {
  for (const c of CASES) {
    const label = `d = ${c.d}, ${c.sizes.map((s) => `${s.n}×${s.m}`).join(' + ')}, ${c.debias ? 'debiased' : 'not debiased'}, ${c.variant}`;
    it(`matches float64 and the streamed kernel: ${label}`, async () => {
      const { blocks, ref, results } = await halfStep(c, [c.variant, 'rows']);
      const [tiled, rows] = results as [(typeof results)[0], (typeof results)[0]];
      const S = parseSoftminVariant(c.variant).kind === 'tiled' ? tiled.splits : 1;
      blocks.forEach((b, k) => {
        const omega = b.self ? 0.5 : OMEGA;
        const r = ref[k]!;
        const lseMax = Math.max(...Array.from(r.lse, Math.abs));
        // Against float64: ωε·lseBound on the potential, plus the output's own rounding (hi + lo is
        // exact; the step ω ε lse is rounded once in f32).
        const atol = omega * EPS * lseBound(c.d, b.colsN, lseMax) + U * (1 + omega * EPS * lseMax);
        expect(tiled.out[k]!, `block ${k} potentials vs float64`).toBeAllclose(r.out, { rtol: 0, atol });
        expect(rows.out[k]!, `block ${k} streamed kernel vs float64 (the bound holds for it too)`).toBeAllclose(r.out, { rtol: 0, atol });
        // Against the streamed kernel: the same f32 terms, summed in S chunks instead of one run:
        // two recursive sums of m positive terms differ by at most 2(m - 1)·2^-24 relative, so the lse
        // by that and the potential by ωε times it (plus one rounding of the step each). With S = 1
        // the order is the same: bit for bit on lavapipe and SwiftShader; a GPU compiler may contract
        // the two shaders' arithmetic differently, so there the bound alone is asserted.
        const sumBound = 2 * Math.max(0, b.colsN - 1) * U;
        const atolRows = omega * EPS * sumBound + 2 * U * (1 + omega * EPS * lseMax);
        expect(tiled.out[k]!, `block ${k} potentials vs the streamed kernel`).toBeAllclose(rows.out[k]!, { rtol: 0, atol: atolRows });
        if (S === 1 && gpu().adapter.isSoftware) expect(Array.from(tiled.out[k]!)).toEqual(Array.from(rows.out[k]!));
        // Marginal errors a_i |e^lse - 1|: the lse's error times a_i e^lse (rtol), and f32 rounding of
        // the error itself (atol). Rows with lse ~ 100 have errors ~e^100 a_i: relative error only.
        const lseErr = lseBound(c.d, b.colsN, lseMax);
        expect(tiled.err[k]!, `block ${k} errors vs float64`).toBeAllclose(r.err, { rtol: 2 * lseErr + 1e-6, atol: 4 * lseErr });
        expect(tiled.err[k]!, `block ${k} errors vs the streamed kernel`).toBeAllclose(rows.err[k]!, { rtol: 2 * sumBound + 1e-6, atol: 4 * sumBound + 1e-9 });
      });
    });
  }

  it('is not offered on a software adapter: the streamed kernel runs there without a search', async () => {
    const ctx = gpu();
    if (!ctx.adapter.isSoftware) return; // on hardware both are candidates (timed by the tuner)
    expect(softminCandidates(ctx).map(softminVariantName)).toEqual(['rows']);
    const before = JSON.stringify(ctx.tuner.choices);
    const solver = await SinkhornSolver.create(ctx, { d: 2, sizes: [{ n: 10, m: 12 }], debias: true });
    try {
      expect(solver.softminKernel).toBe('rows');
      expect(JSON.stringify(ctx.tuner.choices)).toBe(before);
    } finally {
      solver.destroy();
    }
  });

  it("the tuner times every candidate on the solver's tables and records the choice (both offered here by hand)", async () => {
    const ctx = gpu();
    const sizes = [{ n: 40, m: 53 }];
    const { layouts, total } = layoutProblems(sizes);
    const candidates = [parseSoftminVariant('rows'), parseSoftminVariant('tiled-wg64')];
    // A tuner of its own, in memory: this adapter's real tuner (and its cache file) never sees a
    // choice that software adapters are not offered.
    const tuner = new Tuner('test-adapter');
    const dense = await DenseSoftmin.choose(ctx, { d: 3, problems: 1, total, tables: denseTables(layouts, total, true) }, { candidates, tuner });
    try {
      const record = tuner.choices['sinkhorn_softmin:d3-n64-p1']!;
      expect(Object.keys(record.ms).sort()).toEqual(['rows', 'tiled-wg64']);
      expect(dense.name).toBe(record.choice);
    } finally {
      dense.destroy();
    }
  });

  it('sizes its tile to the workgroup memory at every d; names round-trip; bad names are refused', () => {
    // 4 columns take (d + 2) vec4s; 8 KiB at most, 256 columns at most.
    expect(tileColumns(1)).toBe(256);
    expect(tileColumns(2)).toBe(256);
    expect(tileColumns(17)).toBe(104);
    expect(tileColumns(64)).toBe(28);
    for (const d of [1, 2, 3, 17, 64]) expect(tileColumns(d) % 4).toBe(0);
    for (const n of ['rows', 'tiled-wg64', 'tiled-wg128-s8']) expect(softminVariantName(parseSoftminVariant(n))).toBe(n);
    expect(softminVariantName(parseSoftminVariant('tiled'))).toBe('tiled-wg64');
    for (const bad of ['tile', 'tiled-wg48', 'tiled-s0', 'tiled-s65', 'rows-s2']) expect(() => parseSoftminVariant(bad)).toThrow(/softmin kernel must be/);
  });
});

describe('Sinkhorn solves with the tiled softmin', () => {
  afterEach(() => {
    delete process.env[SOFTMIN_ENV];
  });

  /** A weighted 2-D problem: X uniform in the unit square (n points), Y a shifted Gaussian blob (m). */
  function problem(n: number, m: number, seed: number) {
    const x = Float32Array.from(uniform(2 * n, seed));
    const y = Float32Array.from(uniform(2 * m, seed + 1, -0.6, 0.6), (v, k) => v + (k % 2 === 0 ? 0.3 : -0.2));
    return { x: { data: x, d: 2, weights: uniform(n, seed + 2, 0.5, 1.5) }, y: { data: y, d: 2, weights: uniform(m, seed + 3, 0.5, 1.5) } };
  }

  /**
   * W2² of the two kernels agree to 2·tol·diameter²: each solve stops at an L1 marginal error at
   * most tol (or its f32 floor, ~1e-6 here), and a dual iterate whose marginals are off by δ in L1
   * has a dual value within δ·osc(f, g) ≤ δ·diameter² of the fixed point's (the potentials span at
   * most the largest cost); both solves are within that of the same S_ε, so within twice it of
   * each other. (The float64 rounding of the host sums is far below.)
   */
  const TOL = 1e-5;
  const agree = (a: number, b: number, diameter2: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(2 * TOL * diameter2 + 1e-7 * Math.abs(b));

  it("a debiased solve with split columns (S = 3, every table) gives the streamed kernel's W2²", async () => {
    const ctx = gpu();
    const pr = problem(230, 173, 7);
    const opts = { tol: TOL, blur: 0.05 };
    const results: { w2sq: number; converged: boolean; iterations: number }[] = [];
    for (const softmin of ['rows', 'tiled-wg64-s3']) {
      const solver = await SinkhornSolver.create(ctx, { d: 2, sizes: [{ n: 230, m: 173 }], debias: true, softmin });
      try {
        expect(solver.softminKernel).toBe(softmin);
        const [r] = await solver.solve([pr], opts);
        results.push(r!);
      } finally {
        solver.destroy();
      }
    }
    const [rows, tiled] = results as [(typeof results)[0], (typeof results)[0]];
    expect(rows.converged && tiled.converged).toBe(true);
    // Diameter² of the data: the unit square's corners to the blob's, < 8.
    agree(tiled.w2sq, rows.w2sq, 8);
  });

  it('$WASSERFLOW_SOFTMIN forces the kernel: a batched OT_ε solve (no debiasing) agrees with the streamed kernel', async () => {
    const ctx = gpu();
    const prs = [problem(120, 97, 11), problem(61, 150, 21)];
    const sizes = [{ n: 120, m: 97 }, { n: 61, m: 150 }];
    const opts = { tol: TOL, blur: 0.05, debias: false };
    const run = async () => {
      const solver = await SinkhornSolver.create(ctx, { d: 2, sizes, debias: false });
      try {
        return { kernel: solver.softminKernel, results: await solver.solve(prs, opts) };
      } finally {
        solver.destroy();
      }
    };
    process.env[SOFTMIN_ENV] = 'tiled-wg32-s2';
    const tiled = await run();
    process.env[SOFTMIN_ENV] = 'rows';
    const rows = await run();
    expect(tiled.kernel).toBe('tiled-wg32-s2');
    expect(rows.kernel).toBe('rows');
    tiled.results.forEach((r, p) => {
      expect(r.converged && rows.results[p]!.converged).toBe(true);
      agree(r.w2sq, rows.results[p]!.w2sq, 8);
    });
    process.env[SOFTMIN_ENV] = 'tiles';
    await expect(SinkhornSolver.create(ctx, { d: 2, sizes, debias: false })).rejects.toThrow(/softmin kernel must be/);
  });
});
