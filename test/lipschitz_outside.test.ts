// The certificate outside a ball (src/lipschitz/certify_outside.ts): each cell's bound above every
// value in its cell (cells reaching infinity included: points at radius up to 1e6 and beyond), the
// certificate above random far points on random softplus, tanh and SiLU networks (d = 1, 2), and
// closing on networks whose supremum over |x| ≥ R0 is known (approached at infinity or along a
// strip that runs to infinity).
import { describe, expect, it } from 'vitest';
import { NetworkAtTime } from '../src/lipschitz/certify.js';
import { certifyOutside, outsideCellBound } from '../src/lipschitz/certify_outside.js';
import { mlpLayout, type MlpLayout, type MlpSpec } from '../src/model/layout.js';
import { randomParams } from './reference/mlp_tangent.js';

const T = { alpha: 0.8, sigma: 0.6, step: 1, tau: 0.3 };
const acts = ['softplus', 'tanh', 'silu'] as const;

/** Deterministic uniform numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** One hidden layer, score output (J_s = W₂ diag(σ′(W₁x + b₁)) W₁), weights given. */
function oneLayer(activation: 'tanh' | 'softplus', w1: number[], b1: number[], w2: number[]): { layout: MlpLayout; params: Float32Array } {
  const spec: MlpSpec = { dim: 2, hidden: [b1.length], activation, time: { kind: 'none' }, output: 'score' };
  const layout = mlpLayout(spec);
  const params = new Float32Array(layout.size);
  const [h, o] = layout.layers as [MlpLayout['layers'][number], MlpLayout['layers'][number]];
  params.set(w1, h.wOffset);
  params.set(b1, h.bOffset);
  params.set(w2, o.wOffset);
  for (let l = 0; l < layout.layers.length; l++) params[layout.scaleOffset + l] = 1;
  return { layout, params };
}

describe('certificate outside a ball', () => {
  it('each cell bound is above λ_max at points of the cell, for cells reaching infinity too', () => {
    for (const [k, act] of acts.entries()) {
      for (const dim of [1, 2]) {
        const spec: MlpSpec = { dim, hidden: [8, 7], activation: act, time: { kind: 'step', steps: 3 }, output: 'eps' };
        const layout = mlpLayout(spec);
        const params = randomParams(layout, 70 + 3 * k + dim, 2);
        const net = new NetworkAtTime(layout, params, T);
        const rnd = lcg(5 + k + 10 * dim);
        for (let c = 0; c < 30; c++) {
          const t0 = dim === 1 ? (c % 2) * Math.PI : 2 * Math.PI * rnd();
          const t1 = dim === 1 ? t0 : t0 + 0.5 * rnd() ** 2;
          const r0 = 10 ** (3 * rnd());
          const r1 = c % 3 === 0 ? Infinity : r0 * (1 + 4 * rnd());
          const ub = outsideCellBound(net, t0, t1, r0, r1);
          // No vertex enumeration: the plain interval Jacobian must hold as well.
          const ub0 = outsideCellBound(net, t0, t1, r0, r1, 0);
          let mx = -Infinity;
          for (let q = 0; q < 200; q++) {
            const th = t0 + (t1 - t0) * rnd();
            // Up to 1e6 times the inner radius where the cell reaches infinity.
            const rho = Number.isFinite(r1) ? r0 + (r1 - r0) * rnd() : r0 * 10 ** (6 * rnd());
            const x = dim === 1 ? [rho * Math.cos(th)] : [rho * Math.cos(th), rho * Math.sin(th)];
            mx = Math.max(mx, net.lambdaAt(x));
          }
          expect(ub).toBeGreaterThanOrEqual(mx - 1e-9 * Math.abs(mx));
          expect(ub0).toBeGreaterThanOrEqual(mx - 1e-9 * Math.abs(mx));
        }
      }
    }
  });

  it('soundness on random networks: the certificate is above λ_max at random points at radius R0 … 1e6 (and 1e9)', () => {
    for (const [k, act] of acts.entries()) {
      for (const dim of [1, 2]) {
        const spec: MlpSpec = { dim, hidden: [10, 10], activation: act, time: { kind: 'step', steps: 3 }, output: 'eps' };
        const layout = mlpLayout(spec);
        const params = randomParams(layout, 40 + k + 7 * dim, 2);
        const net = new NetworkAtTime(layout, params, T);
        const R0 = 1;
        const c = certifyOutside(net, { radius: R0, timeBudgetMs: 1500, tol: 0.02 });
        expect(c.upper).toBeGreaterThanOrEqual(c.lower);
        const rnd = lcg(123 + k);
        let mx = -Infinity;
        for (let q = 0; q < 4000; q++) {
          const th = 2 * Math.PI * rnd();
          const rho = q % 100 === 0 ? 1e9 : R0 * 10 ** (6 * rnd());
          const x = dim === 1 ? [rnd() < 0.5 ? rho : -rho] : [rho * Math.cos(th), rho * Math.sin(th)];
          mx = Math.max(mx, net.lambdaAt(x));
        }
        expect(c.upper).toBeGreaterThanOrEqual(mx);
        // The far points found are lower estimates: evaluated at real points.
        expect(net.lambdaAt(c.argmax)).toBe(c.lower);
        expect(Math.hypot(...c.argmax)).toBeGreaterThanOrEqual(R0 * (1 - 1e-12));
        if (!c.converged) expect(c.worst!.length).toBeGreaterThan(0);
      }
    }
  });

  it('closes on a supremum approached at infinity: s = (softplus(x₁), 0), λ_max = σ(x₁) → 1', () => {
    const { layout, params } = oneLayer('softplus', [1, 0, 0, 0], [0, 0], [1, 0, 0, 0]);
    const net = new NetworkAtTime(layout, params, { alpha: 1, sigma: 1 });
    const c = certifyOutside(net, { radius: 1.5, tol: 0.01, timeBudgetMs: 20_000 });
    expect(c.converged).toBe(true);
    expect(c.lower).toBeAllclose(1, { rtol: 1e-9 });
    expect(c.upper).toBeGreaterThanOrEqual(1);
    expect(c.upper).toBeLessThanOrEqual(1.01 + 1e-6);
  });

  it('closes on a supremum along a strip that runs to infinity: s = (tanh(10 x₁), −tanh(x₂)), sup 10 on x₁ = 0', () => {
    // λ_max(J) = max(10 sech²(10 x₁), −sech²(x₂)): 10 on the whole line x₁ = 0, out to infinity.
    const { layout, params } = oneLayer('tanh', [10, 0, 0, 1], [0, 0], [1, 0, 0, -1]);
    const net = new NetworkAtTime(layout, params, { alpha: 1, sigma: 1 });
    const c = certifyOutside(net, { radius: 1.5, tol: 0.01, timeBudgetMs: 20_000 });
    expect(c.converged).toBe(true);
    // Closed within 1% of its own best value, which is ≤ 10 (a real point's value).
    expect(c.lower).toBeLessThanOrEqual(10);
    expect(c.upper).toBeGreaterThanOrEqual(10);
    expect(c.upper).toBeLessThanOrEqual(c.lower * 1.01 * (1 + 1e-9));
    // The strip's limit: the cells at infinity bound it, with the given best value as the target.
    const g = certifyOutside(net, { radius: 1.5, tol: 0.01, timeBudgetMs: 20_000, best: { value: 10, x: [0, 2] } });
    expect(g.upper).toBeGreaterThanOrEqual(10 * (1 - 1e-9));
  });

  it('bad input is named; d = 3 has no outside certificate', () => {
    const spec: MlpSpec = { dim: 3, hidden: [4], activation: 'tanh', time: { kind: 'none' }, output: 'score' };
    const layout = mlpLayout(spec);
    const net3 = new NetworkAtTime(layout, randomParams(layout, 1), T);
    expect(() => certifyOutside(net3, { radius: 1 })).toThrow(/d = 3/);
    const { layout: l2, params } = oneLayer('tanh', [1, 0, 0, 1], [0, 0], [1, 0, 0, 1]);
    const net = new NetworkAtTime(l2, params, { alpha: 1, sigma: 1 });
    expect(() => certifyOutside(net, { radius: 0 })).toThrow(/radius/);
    expect(() => certifyOutside(net, { radius: 1, vertexSlopes: 11 })).toThrow(/vertexSlopes/);
  });
});
