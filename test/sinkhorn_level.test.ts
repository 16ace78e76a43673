// The decisions of one ε level (src/transport/sinkhorn/level.ts), without a GPU: when a level stops,
// when the f32 floor counts as convergence, and Anderson's guards.
import { describe, expect, it } from 'vitest';
import { LevelControl, type LevelControlOptions } from '../src/transport/sinkhorn/level.js';
import { OverRelaxation } from '../src/transport/sinkhorn/relaxation.js';

const base: LevelControlOptions = { tol: 1e-4, debias: true, freezeSelf: true, floorEvery: 1, anderson: false };
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
    expect(c.observe({ cross: 1e-2, self: 0 })).toBe(false); // the first check: nothing to compare
    expect(c.observe({ cross: 1e-3, self: 0 })).toBe(false); // fell 10×
    expect(c.observe({ cross: 9e-4, self: 0 })).toBe(true); // above 0.7× the last: stalled
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
    const stalls = [1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3].map((e) => c.observe({ cross: e, self: 0 }));
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
});
