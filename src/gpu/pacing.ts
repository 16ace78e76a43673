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
 * remainder, then polls once per POLL_NAP_MS instead of spinning (poll). It never changes what is
 * computed, only when and how often the JS thread polls. Measured on the 2-core machine (lavapipe,
 * paper-model training, 200-step runs; perf per thread): the JS thread's share of a core over a run
 * fell from about 35% to 5%, the process's CPU per training step by about 13% (3.1 → 2.7 ms).
 */

/** Share of the expected time a readback sleeps before it polls (the rest is spent polling). */
export const WAIT_SHARE = 0.85;
/** A readback that returns within this many ms of the sleep's end found the work already done. */
const WAKE_SLACK_MS = 2;
/**
 * Shrink factor of the estimate after an oversleep (the work was done before the sleep ended); the
 * readback after an oversleep also skips its sleep and measures the time afresh (a probe), so an
 * estimate inflated by one slow readback (first-use tuning or another loop's work queued ahead of it)
 * is corrected at the next readback instead of shrinking by this factor readback after readback
 * (seen: interleaved trainers' wall-clock speed climbing 0.4 → 10 steps/s over rounds at a flat CPU
 * time per step).
 */
const OVERSLEEP_SHRINK = 0.7;
/**
 * Nap between two polls once the sleep is over (ms). Dawn's Node binding polls by re-queueing a
 * setImmediate for as long as a promise is pending, so the JS thread spins a whole core; blocking the
 * thread between event-loop turns turns that spin into one poll per nap. Each readback returns at
 * most one nap late.
 */
export const POLL_NAP_MS = 0.25;

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
  /** The next readback waits without sleeping and measures (after an oversleep). */
  private probe = false;
  /** The word Atomics.wait naps on (never notified); made on first use. */
  private nap: Int32Array | undefined;

  /** `enabled` false (hardware adapters, browsers): never sleeps, still learns (cheap). */
  constructor(readonly enabled: boolean) {}

  /** Estimated ms per unit (Infinity before the first observation). */
  get estimateMs(): number {
    return this.msPerUnit;
  }

  /** Sleep through WAIT_SHARE of the time `units` of work, busy since `since` (performance.now()), should take. */
  async sleep(units: number, since: number): Promise<void> {
    this.slept = false;
    const probe = this.probe;
    this.probe = false;
    if (this.enabled && !probe && units > 0 && Number.isFinite(this.msPerUnit)) {
      const end = since + WAIT_SHARE * units * this.msPerUnit;
      if (end - performance.now() >= 1) {
        // Node's timers count whole milliseconds from the event loop's cached clock and can fire up
        // to ~2 ms early: sleep again for whatever is left.
        for (let left = end - performance.now(); left > 0; left = end - performance.now()) {
          await new Promise((resolve) => setTimeout(resolve, Math.ceil(left)));
        }
        this.slept = true;
      }
    }
    this.woke = performance.now();
  }

  /**
   * Wait for `p` (a pending GPU promise), napping between event-loop turns instead of letting the
   * binding's poll spin the thread; a disabled pacer (or one outside Node: no setImmediate, and
   * Atomics.wait is refused on a browser's main thread) awaits `p` plainly. Never changes `p`'s value.
   */
  async poll<T>(p: Promise<T>): Promise<T> {
    if (!this.enabled || typeof setImmediate !== 'function') return p;
    let done = false;
    const settled = p.finally(() => {
      done = true;
    });
    settled.catch(() => {}); // the rejection is handed on below, not left unhandled here
    this.nap ??= new Int32Array(new SharedArrayBuffer(4));
    while (!done) {
      Atomics.wait(this.nap, 0, 0, POLL_NAP_MS);
      // One turn of the event loop: the binding's queued poll runs, and settles `p` when it is done.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return settled;
  }

  /** Learn from a readback of `units` of work, busy since `since`, that returned now. */
  settled(units: number, since: number): void {
    if (units <= 0) return;
    const end = performance.now();
    // Done as the sleep ended: the estimate (set by a slow first run or a load spike) is too long.
    if (this.slept && end - this.woke < WAKE_SLACK_MS) {
      this.msPerUnit *= OVERSLEEP_SHRINK;
      this.probe = true;
    } else this.msPerUnit = Math.min(this.msPerUnit, (end - since) / units);
  }
}
