// The decisions of one ε level (src/transport/sinkhorn/level.ts), without a GPU: when a level stops,
// when the f32 floor counts as convergence, and Anderson's guards.
import { describe, expect, it } from 'vitest';
import { LevelControl, type LevelControlOptions } from '../src/transport/sinkhorn/level.js';
import { OverRelaxation } from '../src/transport/sinkhorn/relaxation.js';

const base: LevelControlOptions = { tol: 1e-4, debias: true, freezeSelf: true, floorEvery: 1, anderson: false, spacing: { every: 10, adaptive: false } };
const control = (o: Partial<LevelControlOptions> = {}) => new LevelControl({ ...base, ...o }, new OverRelaxation('alternating'));

describe('LevelControl', () => {
  it('reaches tol on the cross and the self errors together', () => {
    const c = control();
    expect(c.reached({ cross: 5e-5, self: 5e-5 })).toBe(true);
    expect(c.reached({ cross: 5e-5, self: 2e-4 })).toBe(false);
    expect(control({ debias: false }).reached({ cross: 5e-5, self: 2e-4 })).toBe(true);
  });

  it('asks for the floor only once the error stalls above tol, and accepts it only up to 1e-2', () => {
    const c = control();
    expect(c.observe({ cross: 1e-2, self: 0 }, 10)).toBe(false); // the first check: nothing to compare
    expect(c.observe({ cross: 1e-3, self: 0 }, 20)).toBe(false); // fell 10×
    expect(c.observe({ cross: 9e-4, self: 0 }, 30)).toBe(true); // above 0.7× the last: stalled
    c.floor = { cross: 1e-3, self: 1e-3 };
    expect(c.reached({ cross: 9e-4, self: 0 })).toBe(true);
    const o = c.done({ cross: 9e-4, self: 0 }, true);
    expect(o.floor).toEqual({ cross: 1e-3, self: 1e-3 }); // converged at the floor says so
    c.floor = { cross: 2e-2, self: 2e-2 };
    expect(c.reached({ cross: 9e-4, self: 0 })).toBe(false); // a floor over 1e-2 is never convergence
    expect(control().done({ cross: 5e-5, self: 0 }, true).floor).toBeUndefined();
  });

  it('estimates a stored cost floor only every floorEvery checks', () => {
    const c = control({ floorEvery: 3 });
    const stalls = [1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3].map((e, k) => c.observe({ cross: e, self: 0 }, 10 * (k + 1)));
    expect(stalls).toEqual([false, false, true, false, false, true]);
  });

  it('freezes the self problems once they are ten times under tol', () => {
    expect(control().next({ cross: 1e-3, self: 5e-6 }, 10).freezeSelf).toBe(true);
    expect(control().next({ cross: 1e-3, self: 5e-5 }, 10).freezeSelf).toBe(false);
    expect(control({ freezeSelf: false }).next({ cross: 1e-3, self: 5e-6 }, 10).freezeSelf).toBe(false);
  });

  it("restarts Anderson when the error grows past 4× the best, restores only what it saved, and gives up after 3 restarts", () => {
    const c = control({ anderson: true });
    const first = c.next({ cross: 1e-2, self: 0 }, 10);
    expect(first.save).toBe(true);
    let restarts = 0;
    let off = false;
    for (let k = 0; k < 3; k++) {
      const s = c.next({ cross: 1, self: 0 }, 10);
      expect(s.clearAnderson).toBe(true);
      expect(s.restore).toBe(true);
      restarts++;
      off ||= s.andersonOff;
      if (s.andersonOff) expect(s.rewrite).toBe(true);
    }
    expect(restarts).toBe(3);
    expect(off).toBe(true);
    expect(c.anderson).toBe(false);
    // Without a save first, a restart clears the history but has nothing to put back.
    const unsaved = control({ anderson: true });
    const s = unsaved.next({ cross: Infinity, self: 0 }, 10);
    expect(s.clearAnderson).toBe(true);
    expect(s.restore).toBe(false);
  });

  /**
   * Runs a level whose error is `error(n)` after n iterations (sync checks) until it is at most tol;
   * returns the iterations at each check.
   */
  const checkIterations = (c: LevelControl, error: (n: number) => number, tol = 1e-4): number[] => {
    const at: number[] = [];
    let n = 0;
    for (;;) {
      n += c.chunk(n);
      at.push(n);
      const e = { cross: error(n), self: 0 };
      c.observe(e, n);
      if (c.reached(e) || n > 5000) return at;
      c.next(e, at.length > 1 ? n - at[at.length - 2]! : n);
    }
  };
  const fixedOmega = (o: Partial<LevelControlOptions>) => new LevelControl({ ...base, ...o }, new OverRelaxation('alternating', 1));

  it('spaces checks by the measured rate when adaptive: the same iterations, fewer checks', () => {
    // err = 0.93^n passes 1e-4 at n = 127 (ln 1e-4 / ln 0.93 = 126.9).
    const geometric = (n: number) => 0.93 ** n;
    expect(checkIterations(fixedOmega({}), geometric)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130]);
    // Two checks measure the rate; the spacing then doubles (20, 40), goes halfway to where the
    // error passes tol while that is over 3 × checkEvery ahead (80 + 47/2 → 104), then there.
    expect(checkIterations(fixedOmega({ spacing: { every: 10, adaptive: true } }), geometric)).toEqual([10, 20, 40, 80, 104, 127]);
    // At most 8 × checkEvery apart on a slow level (0.999^n passes 1e-4 at n = 9206: past the cap here).
    const slow = checkIterations(fixedOmega({ spacing: { every: 10, adaptive: true } }), (n) => 0.999 ** n);
    const gaps = slow.map((n, k) => n - (slow[k - 1] ?? 0));
    expect(Math.max(...gaps)).toBe(80);
    expect(gaps.slice(0, 5)).toEqual([10, 10, 20, 40, 80]);
  });

  it('falls back to checkEvery without a rate: a rising error, a pipelined queue past the prediction, ω changed', () => {
    const c = fixedOmega({ spacing: { every: 10, adaptive: true } });
    c.observe({ cross: 1e-2, self: 0 }, 10);
    expect(c.chunk(10)).toBe(10); // one check: no rate yet
    c.observe({ cross: 2e-2, self: 0 }, 20);
    expect(c.chunk(20)).toBe(10); // rising
    c.observe({ cross: 1e-2, self: 0 }, 30);
    expect(c.chunk(30)).toBe(20); // halves per 10 iterations: 1e-4 at ~97, halfway is 34 ahead; growth caps it at 2 × 10
    expect(c.chunk(90)).toBe(10); // pipelined: 90 queued, the prediction (97) is near: checkEvery
    // A change of ω makes the rate meaningless: back to checkEvery until two checks measure it again.
    const adaptive = new LevelControl({ ...base, spacing: { every: 10, adaptive: true } }, new OverRelaxation('alternating'));
    let n = 0;
    let changed = false;
    for (let k = 0; k < 12 && !changed; k++) {
      n += adaptive.chunk(n);
      const e = { cross: 0.7 ** (n / 10), self: 0 };
      adaptive.observe(e, n);
      changed = adaptive.next(e, 10).rewrite;
    }
    expect(changed).toBe(true);
    expect(adaptive.chunk(n)).toBe(10);
  });
});
