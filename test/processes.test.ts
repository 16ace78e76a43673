// Forward processes: α_t and σ_t against a float64 integration of the SDE's moment equations,
// the DDPM schedule against its definition, and the GPU table layout.
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/gpu/errors.js';
import {
  DdpmSigmoid,
  Heat,
  makeProcess,
  processTable,
  SubVp,
  TABLE_COL,
  TABLE_STRIDE,
  Ve,
  VpCosine,
  VpLinear,
  type ForwardProcess,
} from '../src/processes/process.js';

/**
 * For dx = a(t) x dt + g(t) dw started at x_0 = 1: m' = a m, v' = 2 a v + g², m(0) = 1, v(0) = 0,
 * and the closed forms say m = α_t, v = σ_t². Classical RK4 in float64, `perUnit` steps per unit of
 * time (breakpoints of piecewise schedules fall on step boundaries).
 */
function integrateMoments(p: ForwardProcess, t: number, steps: number): { m: number; v: number } {
  const h = t / steps;
  let m = 1;
  let v = 0;
  const rhs = (s: number, mm: number, vv: number): [number, number] => {
    const a = p.driftCoef(s);
    return [a * mm, 2 * a * vv + p.g2(s)];
  };
  for (let i = 0; i < steps; i++) {
    // Evaluate the schedule just inside the step, so piecewise-constant rates use this step's value.
    const s0 = i * h;
    const eps = h * 1e-9;
    const [k1m, k1v] = rhs(s0 + eps, m, v);
    const [k2m, k2v] = rhs(s0 + h / 2, m + (h / 2) * k1m, v + (h / 2) * k1v);
    const [k3m, k3v] = rhs(s0 + h / 2, m + (h / 2) * k2m, v + (h / 2) * k2v);
    const [k4m, k4v] = rhs(s0 + h - eps, m + h * k3m, v + h * k3v);
    m += (h / 6) * (k1m + 2 * k2m + 2 * k3m + k4m);
    v += (h / 6) * (k1v + 2 * k2v + 2 * k3v + k4v);
  }
  return { m, v };
}

const processes: ForwardProcess[] = [
  new VpLinear(),
  new SubVp(),
  new VpCosine(),
  new DdpmSigmoid({ steps: 10 }),
  new DdpmSigmoid({ steps: 100 }),
  new Ve({ sigmaMin: 0.01, sigmaMax: 10 }),
  new Heat({ T: 2 }),
];

describe('forward processes', () => {
  for (const p of processes) {
    it(`${p.label}: α_t and σ_t² equal the integrated moment ODEs`, () => {
      for (const frac of [0.1, 0.37, 0.5, 0.8, 1]) {
        const t = p.T * frac;
        // RK4 with h ≤ 1e-3·T: the error is O(h⁴·max|a|⁴) ≈ 1e-9 even where β = 20.
        const steps = p instanceof DdpmSigmoid ? Math.round(t * 1000) || 1 : 4000;
        const { m, v } = integrateMoments(p, t, steps);
        expect(p.alpha(t)).toBeAllclose(m, { rtol: 1e-8, atol: 1e-12 });
        expect(p.sigma(t) ** 2).toBeAllclose(v, { rtol: 1e-7, atol: 1e-12 });
      }
      expect(p.alpha(0)).toBe(1);
      expect(p.sigma(0)).toBe(0);
    });

    it(`${p.label}: β = −2a = −2 d log α/dt, g = sqrt(g²), L_f = −a`, () => {
      for (const frac of [0.133, 0.505, 0.777]) {
        const t = p.T * frac;
        const h = 1e-6 * p.T;
        const dlogA = (Math.log(p.alpha(t + h)) - Math.log(p.alpha(t - h))) / (2 * h);
        // Central difference: error O(h²·|log α|''') ≈ 1e-10 relative, plus cancellation ≈ 1e-10/h.
        expect(-2 * dlogA).toBeAllclose(p.beta(t), { rtol: 1e-6, atol: 1e-8 });
        expect(p.beta(t)).toBeCloseTo(-2 * p.driftCoef(t), 12);
        expect(p.diffusion(t) ** 2).toBeAllclose(p.g2(t), { rtol: 1e-12 });
        expect(p.lipschitzDrift(t)).toBe(0 - p.driftCoef(t));
      }
    });
  }

  it('VP linear: the closed forms of Song et al. (2021) with β 0.1→20', () => {
    const p = new VpLinear();
    const t = 0.5;
    const B = 0.1 * t + 0.5 * 19.9 * t * t;
    expect(p.alpha(t)).toBeCloseTo(Math.exp(-B / 2), 14);
    expect(p.sigma(t) ** 2).toBeCloseTo(1 - Math.exp(-B), 14);
    expect(p.lipschitzDrift(t)).toBeCloseTo(p.beta(t) / 2, 14); // DESIGN.md: L_f = β/2 for VP
    expect(p.beta(1)).toBe(20);
  });

  it('DDPM sigmoid: betas, ᾱ, and the continuous view exact at integer times', () => {
    const n = 10;
    const p = new DdpmSigmoid({ steps: n });
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    let ab = 1;
    for (let i = 0; i < n; i++) {
      const b = sig(-6 + (12 * i) / (n - 1)) * (1e-2 - 1e-5) + 1e-5;
      expect(p.betas[i]).toBeCloseTo(b, 15);
      ab *= 1 - b;
      expect(p.alphaBars[i]).toBeCloseTo(ab, 15);
      // α at integer time i+1 is sqrt(ᾱ_{i+1}); σ² = 1 − ᾱ.
      expect(p.alpha(i + 1) ** 2).toBeAllclose(ab, { rtol: 1e-13 });
      expect(p.sigma(i + 1) ** 2).toBeAllclose(1 - ab, { rtol: 1e-11 });
    }
    // The discrete chain x_i = sqrt(1−β_i) x_{i−1} + sqrt(β_i) ε has exactly these moments.
    let m = 1, v = 0;
    for (let i = 0; i < n; i++) {
      m *= Math.sqrt(1 - p.betas[i]!);
      v = (1 - p.betas[i]!) * v + p.betas[i]!;
    }
    expect(p.alpha(n)).toBeAllclose(m, { rtol: 1e-13 });
    expect(p.sigma(n) ** 2).toBeAllclose(v, { rtol: 1e-11 });
    expect(p.T).toBe(n);
    expect(p.tMin).toBe(1);
    expect(p.stepOf(0)).toBe(1);
    expect(p.stepOf(1)).toBe(1);
    expect(p.stepOf(1.0001)).toBe(2);
    expect(p.stepOf(n)).toBe(n);
  });

  it('VE: kernel variance = σ(t)² − σ_min² (the variance offset), prior σ_max', () => {
    const p = new Ve({ sigmaMin: 0.02, sigmaMax: 5, T: 1 });
    for (const t of [0.01, 0.3, 1]) {
      expect(p.sigma(t) ** 2 + p.varianceOffset).toBeAllclose(p.noiseLevel(t) ** 2, { rtol: 1e-13 });
    }
    expect(p.noiseLevel(1)).toBeCloseTo(5, 12);
    expect(p.priorStd).toBe(5);
    expect(p.lipschitzDrift(0.5)).toBe(0);
  });

  it('cosine: horizon where β reaches betaMax, ᾱ(T) matches the Nichol–Dhariwal formula', () => {
    const p = new VpCosine({ s: 0.008, betaMax: 20 });
    expect(p.beta(p.T)).toBeCloseTo(20, 9);
    const f = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    expect(p.alpha(p.T) ** 2).toBeAllclose(f(p.T) / f(0), { rtol: 1e-12 });
  });

  it('heat: σ_t² = 2t, g² = 2', () => {
    const p = new Heat({ T: 3 });
    expect(p.sigma(1.5) ** 2).toBeCloseTo(3, 13);
    expect(p.g2(0.2)).toBe(2);
    expect(p.priorStd).toBeCloseTo(Math.sqrt(6), 14);
  });

  it('processTable: f32 rows t, α, σ, β, g², L_f, a on an equispaced or given grid', () => {
    const p = new VpLinear();
    const tab = processTable(p, 7);
    expect(tab.rows).toBe(8);
    expect(tab.data.length).toBe(8 * TABLE_STRIDE);
    for (let i = 0; i < tab.rows; i++) {
      const t = i / 7;
      const row = tab.data.subarray(i * TABLE_STRIDE, (i + 1) * TABLE_STRIDE);
      expect(row[TABLE_COL.t]).toBe(Math.fround(t));
      expect(row[TABLE_COL.alpha]).toBe(Math.fround(p.alpha(t)));
      expect(row[TABLE_COL.sigma]).toBe(Math.fround(p.sigma(t)));
      expect(row[TABLE_COL.beta]).toBe(Math.fround(p.beta(t)));
      expect(row[TABLE_COL.g2]).toBe(Math.fround(p.g2(t)));
      expect(row[TABLE_COL.lipschitz]).toBe(Math.fround(p.lipschitzDrift(t)));
      expect(row[TABLE_COL.driftCoef]).toBe(Math.fround(p.driftCoef(t)));
    }
    const given = processTable(new DdpmSigmoid({ steps: 10 }), [0, 1, 2, 10]);
    expect(given.rows).toBe(4);
    expect(() => processTable(p, [0, 0.5, 0.5])).toThrow(InputError);
    expect(() => processTable(p, [0, 2])).toThrow(/outside/);
    expect(() => processTable(p, [])).toThrow(/empty/);
    expect(() => processTable(p, 0)).toThrow(InputError);
  });

  it('bad hyper-parameters are InputErrors naming the problem', () => {
    expect(() => new VpLinear({ betaMin: -1 })).toThrow(/betaMin/);
    expect(() => new VpLinear({ betaMin: 2, betaMax: 1 })).toThrow(/betaMax/);
    expect(() => new Ve({ sigmaMin: 1, sigmaMax: 0.5 })).toThrow(/sigmaMax/);
    expect(() => new DdpmSigmoid({ steps: 0 })).toThrow(/steps/);
    expect(() => new Heat({ T: Number.NaN })).toThrow(/T/);
    expect(() => makeProcess({ kind: 'nope' as 'vp' })).toThrow(/unknown process/);
    expect(makeProcess({ kind: 'ddpm', steps: 100 }).T).toBe(100);
    expect(makeProcess({ kind: 'subvp' }).kind).toBe('subvp');
    // spec round trip: makeProcess(p.spec) rebuilds the same process.
    for (const p of processes) {
      const q = makeProcess(JSON.parse(JSON.stringify(p.spec)));
      expect(q.label).toBe(p.label);
      expect(q.alpha(0.37 * p.T)).toBe(p.alpha(0.37 * p.T));
    }
  });
});
