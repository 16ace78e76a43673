/**
 * The activations of src/model/layout.ts in float64 with their first and second derivatives, and
 * the exact range of each over an interval (for the certificate, certify.ts): the range of a
 * continuous function on [lo, hi] is spanned by its values at lo, hi and at its critical points
 * inside. The critical points are closed forms where they exist and otherwise roots found once by
 * bisection (SiLU), listed here so a missing one cannot silently narrow a range.
 */
import type { Activation } from '../model/layout.js';

export interface Activation64 {
  f(v: number): number;
  d1(v: number): number;
  d2(v: number): number;
  /** Critical points of f, f′ and f″ (zeros of f′, f″, f‴). */
  crit0: readonly number[];
  crit1: readonly number[];
  crit2: readonly number[];
  /** f′ has a jump (ReLU, leaky ReLU): second derivatives do not exist at 0. */
  kink: boolean;
}

const sig = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

/** Roots of g on [a, b] by a fine scan and bisection (g smooth, simple roots). */
function roots(g: (v: number) => number, a: number, b: number, n = 20000): number[] {
  const out: number[] = [];
  let x0 = a;
  let g0 = g(a);
  for (let i = 1; i <= n; i++) {
    const x1 = a + ((b - a) * i) / n;
    const g1 = g(x1);
    if (g0 === 0) out.push(x0);
    else if (g0 * g1 < 0) {
      let lo = x0;
      let hi = x1;
      for (let it = 0; it < 100; it++) {
        const m = 0.5 * (lo + hi);
        if (g(m) * g0 > 0) lo = m;
        else hi = m;
      }
      out.push(0.5 * (lo + hi));
    }
    x0 = x1;
    g0 = g1;
  }
  return out;
}

function silu(): Activation64 {
  const d1 = (v: number) => {
    const s = sig(v);
    return s + v * s * (1 - s);
  };
  const d2 = (v: number) => {
    const s = sig(v);
    return s * (1 - s) * (2 + v * (1 - 2 * s));
  };
  // f‴ = s(1−s)[(1−2s)(2 + v(1−2s)) + (1−2s) − 2v s(1−s)]; its zeros bound f″. Outside ±40 every
  // derivative is monotone to its limit (|f′ − {0,1}| and |f″| < 1e-15 there).
  const d3 = (v: number) => {
    const s = sig(v);
    const q = 1 - 2 * s;
    return s * (1 - s) * (q * (2 + v * q) + q - 2 * v * s * (1 - s));
  };
  return { f: (v) => v * sig(v), d1, d2, crit0: roots(d1, -40, 40), crit1: roots(d2, -40, 40), crit2: roots(d3, -40, 40), kink: false };
}

const cache = new Map<string, Activation64>();

/** The float64 activation of a layout (leaky slope for 'leakyrelu'). */
export function activation64(kind: Activation, leakySlope = 0.01): Activation64 {
  const key = `${kind}|${leakySlope}`;
  let a = cache.get(key);
  if (a) return a;
  switch (kind) {
    case 'softplus':
      // f′ = σ(v) increasing; f″ = σ(1 − σ) peaks at 0.
      a = { f: (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))), d1: sig, d2: (v) => sig(v) * (1 - sig(v)), crit0: [], crit1: [], crit2: [0], kink: false };
      break;
    case 'tanh': {
      // f′ = 1 − t² peaks at 0; f″ = −2t(1 − t²) has extremes at t = ±1/√3.
      const z = Math.atanh(1 / Math.sqrt(3));
      a = { f: Math.tanh, d1: (v) => 1 - Math.tanh(v) ** 2, d2: (v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2), crit0: [], crit1: [0], crit2: [-z, z], kink: false };
      break;
    }
    case 'silu':
      a = silu();
      break;
    case 'relu':
      a = { f: (v) => Math.max(v, 0), d1: (v) => (v > 0 ? 1 : 0), d2: () => 0, crit0: [], crit1: [], crit2: [], kink: true };
      break;
    case 'leakyrelu':
      a = { f: (v) => (v >= 0 ? v : leakySlope * v), d1: (v) => (v >= 0 ? 1 : leakySlope), d2: () => 0, crit0: [], crit1: [], crit2: [], kink: true };
      break;
  }
  cache.set(key, a);
  return a;
}

/** [min, max] of g over [lo, hi] given g's critical points. */
export function rangeOf(g: (v: number) => number, crit: readonly number[], lo: number, hi: number): [number, number] {
  let a = g(lo);
  let b = a;
  if (hi !== lo) {
    const gh = g(hi);
    a = Math.min(a, gh);
    b = Math.max(b, gh);
    for (const c of crit) {
      if (c > lo && c < hi) {
        const gc = g(c);
        a = Math.min(a, gc);
        b = Math.max(b, gc);
      }
    }
  }
  return [a, b];
}
