// Pipelined convergence checks (SinkhornOptions.checks): the next iterations are queued while a
// check's error is read back; a check that ends the level puts its own potentials back. The default
// on hardware adapters, so here (a CPU adapter) it is asked for by name.
import { describe, expect, it } from 'vitest';
import { rngFillCpu } from '../src/rng/philox.js';
import { InputError } from '../src/gpu/errors.js';
import { sinkhorn, SinkhornSolver, type SinkhornResult } from '../src/transport/sinkhorn/index.js';
import { sqdist64 } from './reference/transport.js';
import { useGpu } from './gpu.js';

/** n points uniform in [-h, h]^d, seeded. */
function uniform(n: number, d: number, seed: number, h: number): Float32Array {
  return rngFillCpu(n * d, seed, 0, 'uniform').map((u) => h * (2 * u - 1));
}

/**
 * The L1 error of the X marginal of the plan of the returned potentials, in float64: Σ_i |a_i -
 * Σ_j a_i b_j exp((f_i + g_j - |x_i - y_j|²)/ε)| with uniform weights.
 */
function rowMarginalError(x: Float32Array, y: Float32Array, d: number, r: SinkhornResult): number {
  const n = x.length / d;
  const m = y.length / d;
  const { f, g } = r.potentials;
  let err = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < m; j++) row += Math.exp((f[i]! + g[j]! - sqdist64(x, i, y, j, d)) / r.eps) / m;
    err += Math.abs(1 - row) / n;
  }
  return err;
}

describe('pipelined Sinkhorn checks', () => {
  const gpu = useGpu();

  it('give the bits of waiting checks when no decision depends on when it is applied', async () => {
    // Fixed ω, no Anderson, no level checks and no self problems: the iterates are the same in both
    // modes, so the pipelined run must end at the same check with the same potentials (its snapshot
    // put back, the 10 iterations queued after it dropped), not 10 iterations later.
    const d = 2;
    const x = uniform(300, d, 11, 2);
    const y = uniform(260, d, 12, 2).map((v) => v + 0.5);
    // Fixed spacing: adaptive spacing chooses a pipelined check's iterations a check earlier, by design.
    const o = { debias: false, levelTol: Infinity, acceleration: 'overrelaxation', omega: 1.3, blur: 0.05, tol: 1e-4, checkSpacing: 'fixed' } as const;
    const sync = await sinkhorn(gpu(), { data: x, d }, { data: y, d }, { ...o, checks: 'sync' });
    const piped = await sinkhorn(gpu(), { data: x, d }, { data: y, d }, { ...o, checks: 'pipelined' });
    expect(sync.converged, `${sync.marginalError} after ${sync.iterations} (floor ${sync.marginalFloor})`).toBe(true);
    expect(sync.iterations).toBeGreaterThan(30); // several checks at the final ε
    expect(piped.converged).toBe(true);
    expect(piped.iterations).toBe(sync.iterations);
    expect(piped.marginalError).toBe(sync.marginalError);
    expect(piped.w2sq).toBe(sync.w2sq);
    expect(Array.from(piped.potentials.f)).toEqual(Array.from(sync.potentials.f));
    expect(Array.from(piped.potentials.g)).toEqual(Array.from(sync.potentials.g));
    // The queued iterations were done, and counted as work.
    expect(piped.pairEvaluations).toBeGreaterThan(sync.pairEvaluations);
  }, 120_000);

  it('with the default schedule (level checks, Anderson, debiased) converge to the same W2² and return what they checked', async () => {
    // Decisions apply a check later, so the iterates differ; both stop at marginal error ≤ tol = 1e-4,
    // where S_ε's error is second order in it: 1e-3 relative is loose. The returned potentials are the
    // checked ones: their own X-marginal error, recomputed in float64, is the order of tol (at ε =
    // 0.04 the f32 rounding of the potentials adds ~1e-6/ε ≈ 3e-5; 3·tol leaves room for that and
    // for the check reading the error before the iteration's last y-update).
    const d = 2;
    const x = uniform(400, d, 21, 2);
    const y = uniform(350, d, 22, 1.5).map((v) => v + 0.7);
    const o = { blur: 0.2, tol: 1e-4 } as const;
    const sync = await sinkhorn(gpu(), { data: x, d }, { data: y, d }, { ...o, checks: 'sync' });
    const piped = await sinkhorn(gpu(), { data: x, d }, { data: y, d }, { ...o, checks: 'pipelined' });
    for (const r of [sync, piped]) {
      expect(r.converged, `marginal error ${r.marginalError} after ${r.iterations} iterations`).toBe(true);
      expect(r.marginalError).toBeLessThanOrEqual(1e-4);
      expect(rowMarginalError(x, y, d, r)).toBeLessThan(3e-4);
    }
    expect(piped.w2sq).toBeAllclose(sync.w2sq, { rtol: 1e-3 });
    // Each check is one readback, counted; the phases add up to the whole solve's time.
    for (const r of [sync, piped]) {
      expect(r.checks).toBeGreaterThanOrEqual(r.levels);
      const p = r.phaseMs;
      expect(p.prepare + p.start + p.iterate + p.results).toBeCloseTo(r.ms, 6);
      expect(Math.min(p.prepare, p.start, p.iterate, p.results)).toBeGreaterThanOrEqual(0);
    }
  }, 120_000);

  it('spaced by the measured rate (adaptive): fewer checks at the final ε, the same answer, sync and pipelined', async () => {
    // The default on hardware adapters, asked for by name here. The final level's iterates do not
    // depend on where the checks fall (Anderson's steps stay aligned), so spacing only moves where
    // the level stops: within a few checks' worth of iterations, with the same tol.
    const d = 2;
    const x = uniform(400, d, 51, 2);
    const y = uniform(350, d, 52, 1.5).map((v) => v + 0.7);
    const o = { blur: 0.1, tol: 1e-4, levelTol: Infinity } as const;
    const fixed = await sinkhorn(gpu(), { data: x, d }, { data: y, d }, { ...o, checks: 'sync', checkSpacing: 'fixed' });
    const sync = await sinkhorn(gpu(), { data: x, d }, { data: y, d }, { ...o, checks: 'sync', checkSpacing: 'adaptive' });
    const piped = await sinkhorn(gpu(), { data: x, d }, { data: y, d }, { ...o, checks: 'pipelined', checkSpacing: 'adaptive' });
    for (const r of [fixed, sync, piped]) {
      expect(r.converged, `marginal error ${r.marginalError} after ${r.iterations} iterations`).toBe(true);
      expect(rowMarginalError(x, y, d, r)).toBeLessThan(3e-4);
      expect(r.w2sq).toBeAllclose(fixed.w2sq, { rtol: 1e-3 });
    }
    expect(fixed.checks).toBeGreaterThanOrEqual(8);
    expect(sync.checks).toBeLessThan(0.6 * fixed.checks);
    expect(piped.checks).toBeLessThan(0.6 * fixed.checks + 1);
    // Spacing by the rate costs a few iterations at most (Anderson blocks of 5, one chunk of 10).
    expect(sync.iterations).toBeLessThanOrEqual(fixed.iterations + 10);
  }, 120_000);

  it('refuse an unknown spacing by name', async () => {
    const x = uniform(20, 2, 42, 1);
    // @ts-expect-error: not a spacing
    await expect(sinkhorn(gpu(), { data: x, d: 2 }, { data: x, d: 2 }, { checkSpacing: 'often' })).rejects.toThrow(/checkSpacing must be 'fixed' or 'adaptive'/);
  });

  it('cancel at a check with nothing left in flight, and the solver solves again', async () => {
    const ctx = gpu();
    const d = 2;
    const x = uniform(200, d, 31, 2);
    const y = uniform(200, d, 32, 2).map((v) => v + 1);
    const solver = await SinkhornSolver.create(ctx, { d, sizes: [{ n: 200, m: 200 }], debias: true });
    try {
      const ac = new AbortController();
      let checks = 0;
      const run = solver.solve([{ x: { data: x, d }, y: { data: y, d } }], {
        blur: 0.02,
        checks: 'pipelined',
        signal: ac.signal,
        onProgress: () => {
          if (++checks === 3) ac.abort();
        },
      });
      await expect(run).rejects.toThrow(/cancelled/);
      const [r] = await solver.solve([{ x: { data: x, d }, y: { data: y, d } }], { blur: 0.2, checks: 'pipelined' });
      expect(r!.converged).toBe(true);
    } finally {
      solver.destroy();
    }
    // useGpu's afterEach asserts that no staging buffer of a readback was left alive.
  }, 120_000);

  it('refuses an unknown mode by name', async () => {
    const x = uniform(20, 2, 41, 1);
    // @ts-expect-error: not a mode
    await expect(sinkhorn(gpu(), { data: x, d: 2 }, { data: x, d: 2 }, { checks: 'eager' })).rejects.toThrow(InputError);
    // @ts-expect-error: not a mode
    await expect(sinkhorn(gpu(), { data: x, d: 2 }, { data: x, d: 2 }, { checks: 'eager' })).rejects.toThrow(/checks must be 'sync' or 'pipelined'/);
  });
});
