/**
 * Pacer: sleep through most of a readback's expected wait with a plain timer instead of a pending
 * GPU promise. In Node, while any promise of the webgpu package (Dawn) is pending, the JS thread
 * spins a core polling for events (DESIGN.md, "Facts measured"); on a CPU adapter (lavapipe,
 * SwiftShader) that core is one the driver's worker threads need, so a loop that submits work and
 * then awaits its readback slows its own kernels down. Measured on the 2-core machine: the sampler's
 * readback spinning vs sleeping, wall 288 → 213 ms per run, JS-thread CPU 80 → 10 ms.
 *
 * One Pacer per loop (trainer, sampler, Sinkhorn solver): it learns the time one unit of that loop's
 * work (a training step, a sampler run, a Sinkhorn iteration) takes from the moment the queue became
 * busy to the readback, and before the next readback sleeps through WAIT_SHARE of the expected
 * remainder. It never changes what is computed, only when the JS thread starts polling.
 */

/** Share of the expected time a readback sleeps before it polls (the rest is spent polling). */
export const WAIT_SHARE = 0.85;
/** A readback that returns within this many ms of the sleep's end found the work already done. */
const WAKE_SLACK_MS = 2;
/** Shrink factor of the estimate after an oversleep (the work was done before the sleep ended). */
const OVERSLEEP_SHRINK = 0.7;

/** How a readback is paced: which loop's estimate to use, and how many units of its work it waits for. */
export interface Pace {
  pacer: Pacer;
  units: number;
}

export class Pacer {
  /** Fastest time per unit seen so far (ms); Infinity until the first readback. */
  private msPerUnit = Infinity;
  private slept = false;
  private woke = 0;

  /** `enabled` false (hardware adapters, browsers): never sleeps, still learns (cheap). */
  constructor(readonly enabled: boolean) {}

  /** Estimated ms per unit (Infinity before the first observation). */
  get estimateMs(): number {
    return this.msPerUnit;
  }

  /** Sleep through WAIT_SHARE of the time `units` of work, busy since `since` (performance.now()), should take. */
  async sleep(units: number, since: number): Promise<void> {
    this.slept = false;
    if (this.enabled && units > 0 && Number.isFinite(this.msPerUnit)) {
      const wait = since + WAIT_SHARE * units * this.msPerUnit - performance.now();
      if (wait >= 1) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        this.slept = true;
      }
    }
    this.woke = performance.now();
  }

  /** Learn from a readback of `units` of work, busy since `since`, that returned now. */
  settled(units: number, since: number): void {
    if (units <= 0) return;
    const end = performance.now();
    // Done as the sleep ended: the estimate (set by a slow first run or a load spike) is too long.
    if (this.slept && end - this.woke < WAKE_SLACK_MS) this.msPerUnit *= OVERSLEEP_SHRINK;
    else this.msPerUnit = Math.min(this.msPerUnit, (end - since) / units);
  }
}
