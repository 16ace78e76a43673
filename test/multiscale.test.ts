// The coarse start's float64 solvers (src/transport/multiscale.ts) against a plain float64 Sinkhorn.
import { describe, expect, it } from 'vitest';
import { rngFillCpu } from '../src/rng/philox.js';
import { solveCoarse, solveSelf, type Coarse } from '../src/transport/multiscale.js';
import { entropicOT64, softmin64 } from './reference/transport.js';

/** n weighted points ("cells") in [-2, 2]^d, seeded, masses summing to 1. */
function cells(n: number, d: number, seed: number): Coarse {
  const pts = Float64Array.from(rngFillCpu(n * d, seed, 0, 'uniform'), (u) => 4 * u - 2);
  const raw = rngFillCpu(n, seed, 1, 'uniform').map((u) => 0.2 + u);
  const total = raw.reduce((s, v) => s + v, 0);
  return { pts, w: Float64Array.from(raw, (v) => v / total), n };
}

describe('coarse start solvers', () => {
  // Both stop at an L1 marginal error of 1e-6 at the final ε (the potentials then move by ~1e-6·ε per
  // update: 1e-6 absolute is loose); the reference runs to 1e-10, and the dual value's error is
  // second order in the marginal error: 1e-6 relative is loose.
  const d = 2;
  const eps = 0.05;

  it('OT(α, α) by averaged updates: a fixed point T(f) = f of the float64 softmin, in tens of iterations', () => {
    // The symmetric fixed point is the optimal potential of OT(α, α). A plain alternating Sinkhorn
    // (entropicOT64) is no reference here: on this problem it stops at the 5000-iteration cap with an
    // L1 marginal error of 1e-4 (the reason solveSelf averages), where solveSelf reaches 2.5e-7 in 46.
    const C = cells(60, d, 5);
    const state = { iterations: 0 };
    const f = solveSelf(C, d, 16, eps, state);
    const T = softmin64(C.pts, C.pts, d, Array.from(C.w, Math.log), f, eps);
    let err = 0;
    for (let i = 0; i < C.n; i++) err += C.w[i]! * Math.abs(Math.exp((f[i]! - T[i]!) / eps) - 1);
    expect(err).toBeLessThan(1e-6);
    expect(T).toBeAllclose(f, { atol: 1e-6 });
    expect(state.iterations).toBeLessThan(200);
  });

  it('OT(α, β) by alternating updates: the value of a float64 Sinkhorn', () => {
    const X = cells(50, d, 6);
    const Y = cells(30, d, 7);
    const s = solveCoarse(X, Y, d, 16, eps, { iterations: 0 });
    const ref = entropicOT64(X.pts, Y.pts, d, eps, { a: X.w, b: Y.w });
    let value = 0;
    for (let i = 0; i < X.n; i++) value += X.w[i]! * s.f[i]!;
    for (let j = 0; j < Y.n; j++) value += Y.w[j]! * s.g[j]!;
    expect(value).toBeAllclose(ref.ot, { rtol: 1e-6 });
  });
});
