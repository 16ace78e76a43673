// Paced readbacks (src/gpu/pacing.ts): the pacer learns the time per unit of work and sleeps
// through most of the expected wait; pacing changes when the JS thread polls, never what is computed
// (training, Sinkhorn and sampling give the same bits with pacing on and off).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataset } from '../src/data/datasets.js';
import { GpuContext } from '../src/gpu/context.js';
import { Pacer, WAIT_SHARE } from '../src/gpu/pacing.js';
import { DdpmSigmoid } from '../src/processes/process.js';
import { Trainer } from '../src/train/trainer.js';
import { sinkhorn } from '../src/transport/sinkhorn/solver.js';
import { xorshift32 } from './reference/random.js';

const rng = xorshift32;

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Pacer', () => {
  it('learns the fastest time per unit and sleeps through WAIT_SHARE of the expected wait', async () => {
    const p = new Pacer(true);
    expect(p.estimateMs).toBe(Infinity);
    let t0 = performance.now();
    await p.sleep(10, t0); // nothing learnt yet: no sleep
    expect(performance.now() - t0).toBeLessThan(15);
    await sleepMs(40);
    p.settled(10, t0); // 10 units in about 40 ms
    const est = p.estimateMs;
    // Node's timers may fire up to ~1 ms early against performance.now() (a run measured 39.92 ms):
    // 3.9 ms per unit, not 4, is the floor the sleep above guarantees.
    expect(est).toBeGreaterThanOrEqual(3.9);
    expect(est).toBeLessThan(15); // timer slack on a loaded machine
    t0 = performance.now();
    await p.sleep(20, t0);
    const slept = performance.now() - t0;
    // setTimeout never fires early by more than a millisecond; the upper bound allows for load.
    expect(slept).toBeGreaterThanOrEqual(WAIT_SHARE * 20 * est - 1);
    expect(slept).toBeLessThan(WAIT_SHARE * 20 * est + 200);
  });

  it('an oversleep (work done as the sleep ended) shrinks the estimate and the next readback measures afresh; a disabled pacer never sleeps', async () => {
    const p = new Pacer(true);
    const t0 = performance.now();
    await sleepMs(30);
    p.settled(1, t0);
    const est = p.estimateMs;
    const t1 = performance.now();
    await p.sleep(1, t1);
    p.settled(1, t1); // returned at once after the sleep: it overslept
    expect(p.estimateMs).toBeCloseTo(0.7 * est, 6);
    // The next readback is a probe: no sleep, and its measured time replaces the inflated estimate
    // at once (not 0.7× per readback).
    const t3 = performance.now();
    await p.sleep(1, t3);
    expect(performance.now() - t3).toBeLessThan(15);
    await sleepMs(2);
    p.settled(1, t3);
    expect(p.estimateMs).toBeLessThan(0.5 * est);
    expect(p.estimateMs).toBeGreaterThanOrEqual(1);

    const off = new Pacer(false);
    off.settled(1, performance.now() - 50);
    const t2 = performance.now();
    await off.sleep(100, t2);
    expect(performance.now() - t2).toBeLessThan(15);
  });
});

describe('Pacer.poll', () => {
  it('hands on the value or the rejection of the promise it waits for, enabled or not', async () => {
    for (const enabled of [true, false]) {
      const p = new Pacer(enabled);
      const t0 = performance.now();
      expect(await p.poll(sleepMs(20).then(() => 42))).toBe(42);
      // Napping between polls makes it return at most a nap (plus timer slack) after the promise settles.
      expect(performance.now() - t0).toBeGreaterThanOrEqual(19);
      await expect(p.poll(sleepMs(5).then(() => Promise.reject(new Error('lost'))))).rejects.toThrow('lost');
      expect(await p.poll(Promise.resolve('now'))).toBe('now');
    }
  });
});

describe('pacing on a device', () => {
  let on: GpuContext;
  let off: GpuContext;
  beforeAll(async () => {
    on = await GpuContext.create({ pacing: true });
    off = await GpuContext.create({ pacing: false });
  });
  afterAll(() => {
    on.destroy();
    off.destroy();
  });

  it('training gives the same loss points and weights with pacing on and off', async () => {
    const run = async (ctx: GpuContext) => {
      const data = await makeDataset(ctx, 'moons', { n: 400, seed: 3 });
      const t = await Trainer.create(ctx, data, {
        spec: { dim: 2, hidden: [16, 16], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' },
        process: new DdpmSigmoid({ steps: 10 }),
        batch: 64,
        seed: 9,
        lossEvery: 20,
      });
      try {
        // Several paced readbacks: the pacer has learnt from the first and sleeps before the others.
        const points = await t.train(100);
        return { points, params: await t.readParams() };
      } finally {
        t.destroy();
        data.destroy();
      }
    };
    const a = await run(on);
    const b = await run(off);
    expect(a.points).toEqual(b.points);
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
  });

  it('Sinkhorn gives the same result with pacing on and off', async () => {
    const rnd = rng(4);
    const cloud = (n: number, shift: number) => ({ data: Float32Array.from({ length: 2 * n }, () => rnd() * 2 - 1 + shift), n, d: 2 });
    const x = cloud(300, 0);
    const y = cloud(250, 0.3);
    const opts = { blur: 0.05, checkEvery: 10 };
    const a = await sinkhorn(on, x, y, opts);
    const b = await sinkhorn(off, x, y, opts);
    expect(a.converged).toBe(true);
    expect(a.iterations).toBe(b.iterations);
    expect(a.w2sq).toBe(b.w2sq);
  });
});
