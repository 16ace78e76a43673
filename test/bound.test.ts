// The W2 bound's float64 maths (src/bound/bound.ts) against hand-computed integrals and limits.
import { describe, expect, it } from 'vitest';
import { corollaryBound, cumulativeTrapezoid, discreteBound, boundGrid, logGrowth, scoreMatchingObjective, theoremBound } from '../src/bound/bound.js';
import { InputError } from '../src/gpu/errors.js';
import { VpLinear } from '../src/processes/process.js';

const linspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
const constGrid = (T: number, n: number, lf: number, g2: number, ls: number) => {
  const times = linspace(0, T, n);
  return { times, lf: times.map(() => lf), g2: times.map(() => g2), ls: times.map(() => ls) };
};

describe('bound: growth factor I(t)', () => {
  it('is exp((L_f + L_s g²) t) for constant coefficients (trapezoid exact)', () => {
    const g = constGrid(2, 11, 0.5, 3, -0.7);
    const k = 0.5 - 0.7 * 3;
    expect(logGrowth(g)).toBeAllclose(g.times.map((t) => k * t), { rtol: 1e-12, atol: 1e-12 });
    // ODE: the score term carries ½ g².
    expect(logGrowth(g, 'ode')).toBeAllclose(g.times.map((t) => (0.5 - 0.35 * 3) * t), { rtol: 1e-12, atol: 1e-12 });
  });

  it('exact score of N(0, I) under VP: L_s = −1 everywhere so I(t) = α_t', () => {
    const p = new VpLinear({ betaMin: 0.1, betaMax: 20, T: 1 });
    const times = linspace(0, 1, 2001);
    const g = boundGrid(p, times, times.map(() => -1));
    // Trapezoid on a linear β is exact.
    expect(logGrowth(g).map(Math.exp)).toBeAllclose(times.map((t) => p.alpha(t)), { rtol: 1e-10 });
  });
});

describe('bound: Theorem 1 and Corollary 1', () => {
  const T = 1.5;
  const [lf, g2, ls] = [0.4, 2, -0.6];
  const k = lf + ls * g2; // −0.8
  const g = constGrid(T, 4001, lf, g2, ls);

  it('Theorem 1 with constant E_t is g² sqrt(E) (e^{kT} − 1)/k + e^{kT} W2_T', () => {
    const E = 0.09;
    const r = theoremBound(g, g.times.map(() => E), 0.25);
    // Trapezoid error ~ h² T |f''|/12 ≈ 1e-8 relative here.
    expect(r.integral).toBeAllclose((g2 * Math.sqrt(E) * Math.expm1(k * T)) / k, { rtol: 1e-7 });
    expect(r.offset).toBeAllclose(Math.exp(k * T) * 0.25, { rtol: 1e-12 });
    expect(r.bound).toBeAllclose(r.integral + r.offset, { rtol: 1e-15 });
  });

  it('Corollary 1 is sqrt(2 g² (e^{2kT} − 1)/(2k) · J) and dominates Theorem 1 (Cauchy–Schwarz)', () => {
    const J = 0.3;
    const r = corollaryBound(g, J, 0);
    expect(r.integral).toBeAllclose(Math.sqrt((2 * g2 * Math.expm1(2 * k * T)) / (2 * k) * J), { rtol: 1e-7 });
    expect(r.offset).toBe(0);
    // Non-constant errors: Corollary with J = ½ ∫ g² E must be >= Theorem 1.
    const E = g.times.map((t) => 0.05 + Math.sin(5 * t) ** 2);
    const th = theoremBound(g, E, 0.1);
    const co = corollaryBound(g, scoreMatchingObjective(g, E), 0.1);
    expect(co.bound).toBeGreaterThanOrEqual(th.bound);
    expect(th.offset).toBe(co.offset);
  });

  it('as L_f + L_s g² → 0 the Corollary tends to sqrt(2 g² T J)', () => {
    const z = constGrid(T, 11, 0.6, 2, -0.3);
    expect(corollaryBound(z, 0.3, 0).integral).toBeAllclose(Math.sqrt(2 * 2 * T * 0.3), { rtol: 1e-12 });
  });

  it('the exact score (E_t = 0, J = 0) and q_T = p_T give a zero bound; W2_T alone gives the offset', () => {
    const zero = g.times.map(() => 0);
    expect(theoremBound(g, zero, 0).bound).toBe(0);
    expect(corollaryBound(g, 0, 0.5).bound).toBeAllclose(0.5 * Math.exp(k * T), { rtol: 1e-12 });
  });

  it('ODE form halves the score weight', () => {
    const E = 0.04;
    const r = theoremBound(g, g.times.map(() => E), 0, 'ode');
    const kOde = lf + 0.5 * ls * g2;
    expect(r.integral).toBeAllclose((0.5 * g2 * Math.sqrt(E) * Math.expm1(kOde * T)) / kOde, { rtol: 1e-7 });
    const c = corollaryBound(g, 0.2, 0, 'ode');
    expect(c.integral).toBeAllclose(Math.sqrt((0.5 * 2 * g2 * Math.expm1(2 * kOde * T)) / (2 * kOde) * 0.2), { rtol: 1e-7 });
  });

  it('cumulativeTrapezoid integrates x² on a fine grid', () => {
    const t = linspace(0, 3, 3001);
    expect(cumulativeTrapezoid(t, t.map((x) => x * x))[3000]).toBeAllclose(9, { rtol: 1e-6 });
  });
});

describe('bound: the paper discrete DDPM form', () => {
  it('matches a hand computation for n = 2', () => {
    const betas = [0.1, 0.2];
    const ls = [-2, 1];
    const J = 0.04;
    const logI1 = -2 * 0.1 + 0.05;
    const logI2 = logI1 + 0.2 + 0.1;
    const sum = 0.1 * Math.exp(2 * logI1) + 0.2 * Math.exp(2 * logI2);
    const r = discreteBound(betas, ls, J, 0.5);
    expect(r.logI).toBeAllclose([logI1, logI2], { rtol: 1e-14 });
    expect(r.intercept).toBeAllclose(0.5 * Math.log(2 * sum), { rtol: 1e-14 });
    expect(r.logBound).toBeAllclose(0.5 * Math.log(J) + 0.5 * Math.log(2 * sum), { rtol: 1e-14 });
    expect(r.offset).toBeAllclose(0.5 * Math.exp(logI2), { rtol: 1e-14 });
    expect(r.bound).toBeAllclose(Math.sqrt(J * 2 * sum) + r.offset, { rtol: 1e-14 });
  });

  it('is −∞ in log for J = 0 and never overflows for huge constants', () => {
    expect(discreteBound([0.5], [0], 0).logBound).toBe(-Infinity);
    const r = discreteBound([0.5, 0.5], [2000, 2000], 1);
    expect(Number.isFinite(r.intercept)).toBe(true);
    expect(r.intercept).toBeAllclose(0.5 * Math.LN2 + 0.5 * (Math.log(0.5) + 2 * 2 * 1000.25), { rtol: 1e-9 });
  });
});

describe('bound: bad input', () => {
  it('names the problem', () => {
    const g = constGrid(1, 5, 0, 1, 0);
    expect(() => logGrowth({ ...g, ls: [0, 0, 0] })).toThrow(/ls has 3 values, expected 5/);
    expect(() => logGrowth({ ...g, times: [0, 0.5, 0.4, 0.8, 1] })).toThrow(/strictly ascending/);
    expect(() => logGrowth({ ...g, lf: [0, NaN, 0, 0, 0] })).toThrow(/lf\[1\] is NaN/);
    expect(() => logGrowth({ ...g, g2: [1, 1, -1, 1, 1] })).toThrow(/g2\[2\] is negative/);
    expect(() => corollaryBound(g, -1, 0)).toThrow(InputError);
    expect(() => corollaryBound(g, 1, NaN)).toThrow(/W2\(p_T, q_T\)/);
    expect(() => discreteBound([1.2], [0], 1)).toThrow(/betas\[0\] must be in \(0, 1\)/);
    expect(() => discreteBound([], [], 1)).toThrow(/betas is empty/);
  });
});
