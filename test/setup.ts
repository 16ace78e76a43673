/**
 * Custom matchers. `toBeAllclose(expected, { rtol, atol })` checks |a - e| <= atol + rtol·|e|
 * elementwise (NumPy's allclose) and reports the worst element; NaN never matches.
 */
import { expect } from 'vitest';

type NumLike = number | ArrayLike<number>;

interface AllcloseOptions {
  rtol?: number;
  atol?: number;
}

expect.extend({
  toBeAllclose(received: NumLike, expected: NumLike, opts: AllcloseOptions = {}) {
    const rtol = opts.rtol ?? 1e-5;
    const atol = opts.atol ?? 1e-8;
    const a = typeof received === 'number' ? [received] : Array.from(received);
    const e = typeof expected === 'number' ? (typeof received === 'number' ? [expected] : a.map(() => expected)) : Array.from(expected);
    if (a.length !== e.length) {
      return { pass: false, message: () => `length ${a.length} != expected length ${e.length}` };
    }
    let worst = -1;
    let worstExcess = 0;
    let bad = 0;
    for (let i = 0; i < a.length; i++) {
      const ai = a[i]!;
      const ei = e[i]!;
      const tol = atol + rtol * Math.abs(ei);
      const err = Math.abs(ai - ei);
      if (!(err <= tol)) {
        bad++;
        const excess = Number.isNaN(err) ? Infinity : err / tol;
        if (worst < 0 || excess > worstExcess) {
          worst = i;
          worstExcess = excess;
        }
      }
    }
    return {
      pass: bad === 0,
      message: () =>
        bad === 0
          ? `expected arrays not to be allclose (rtol ${rtol}, atol ${atol})`
          : `${bad}/${a.length} elements differ (rtol ${rtol}, atol ${atol}); worst at [${worst}]: ${a[worst]} vs ${e[worst]} (|diff| ${Math.abs(a[worst]! - e[worst]!)})`,
    };
  },
});

declare module 'vitest' {
  interface Assertion<T> {
    toBeAllclose(expected: NumLike, opts?: AllcloseOptions): T;
  }
  interface AsymmetricMatchersContaining {
    toBeAllclose(expected: NumLike, opts?: AllcloseOptions): void;
  }
}
