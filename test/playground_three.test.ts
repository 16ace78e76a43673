// The playground's bound three ways (session.boundThreeWays, the page's panel) in Node: after a short
// DDPM run on the 4 clusters, the paper's estimator, the best lower estimate and (asked for) the
// certified L_s each give the bound through the paper's discrete formula with the evaluation's J; the
// certificate (over ℝ² on 2-D data) is never below the lower estimate; where none is shown the reason is said
// (4-D: neither the paper's estimator nor a certificate exists there; 3-D: the certificate covers a box
// only and says so); the weights must be the evaluation's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type PlaygroundSession, type ThreeBounds } from '../src/api/engine.js';
import { discreteBound, makeProcess, type DdpmSigmoid } from '../src/api/library.js';

describe('playground: the bound three ways', () => {
  let engine: Engine;
  let session: PlaygroundSession;
  beforeAll(async () => {
    engine = await createEngine();
    const data = await engine.dataset('clusters4', { seed: 1 });
    session = await engine.playground(data, { process: makeProcess({ kind: 'ddpm' }), model: 'paper', sampler: 'ddpm', steps: 50, evalPoints: 256 });
    await session.run({});
  }, 300_000);
  afterAll(() => {
    session?.destroy();
    engine?.destroy();
  });

  const check = (t: ThreeBounds) => {
    const p = session.config.process as DdpmSigmoid;
    expect(t.step).toBe(50);
    expect(t.form).toBe('discrete');
    expect(t.times.length).toBe(10);
    for (const r of [t.paper, t.lower, t.samples, t.certified]) {
      if (!r.available) continue;
      // bound = the paper's discrete formula of its own L_s with the evaluation's J.
      const b = discreteBound(p.betas, r.ls, t.objective, 0);
      expect(r.logBound).toBeCloseTo(b.logBound, 10);
      expect(r.logI).toBeCloseTo(b.logI[9]!, 10);
    }
    expect(t.lower.available && t.samples.available).toBe(true);
  };

  it('without the certificate: paper and lower estimate, certified "not computed"', async () => {
    const t0 = performance.now();
    const t = await session.boundThreeWays({});
    console.log(`three ways (no certificate): ${(performance.now() - t0).toFixed(0)} ms; W2 ${t.w2.toPrecision(3)}, paper ${t.paper.available ? t.paper.bound.toPrecision(3) : '—'}, lower ${t.lower.available ? t.lower.bound.toPrecision(3) : '—'}, samples ${t.samples.available ? t.samples.bound.toPrecision(3) : '—'}`);
    check(t);
    expect(t.paper.available).toBe(true);
    expect(t.certified.available).toBe(false);
    if (!t.certified.available) expect(t.certified.reason).toMatch(/^not computed/);
  }, 300_000);

  it('with the certificate (2-D: over all of ℝ², the default region there): a number never below the lower estimate', async () => {
    const t0 = performance.now();
    const t = await session.boundThreeWays({ certify: true, secondsPerTime: 0.3, boxesPerTime: 3000, search: { grow: 2 } });
    console.log(`three ways (certificate): ${(performance.now() - t0).toFixed(0)} ms; region ${t.certifiedRegion}, closed ${t.closed}/10, box ${t.box}, edges ${t.edges}, certified ${t.certified.available ? t.certified.bound.toPrecision(3) : t.certified.reason}`);
    check(t);
    // At d ≤ 2 the certificate covers ℝ² (box + outside of the ball): a bound at every grid time, closed
    // to the gap target or, where the budget ran out, larger but sound — never "does not cover ℝ²".
    // (If the default region went back to 'box', certifiedRegion would read 'box'.)
    expect(t.certifiedRegion).toBe('R^2');
    expect(t.closed).toBeGreaterThanOrEqual(0);
    expect(t.closed).toBeLessThanOrEqual(10);
    expect(t.certified.available).toBe(true);
    if (t.certified.available && t.lower.available) {
      for (let m = 0; m < 10; m++) {
        expect(t.certified.ls[m]!).toBeGreaterThanOrEqual(t.lower.ls[m]!);
        expect(t.certifiedUpper[m]!).toBe(t.certified.ls[m]!);
      }
      expect(t.certified.logBound).toBeGreaterThanOrEqual(t.lower.logBound);
    }
  }, 300_000);

  it('4-D points: the lower estimate only, and the reasons for the other two', async () => {
    const pts = Float32Array.from({ length: 400 * 4 }, (_, i) => Math.sin(1.7 * i) * 0.5);
    const s4 = await engine.playground({ data: pts, n: 400, d: 4 }, { process: makeProcess({ kind: 'ddpm' }), model: 'paper', sampler: 'ddpm', steps: 50, evalPoints: 64 });
    try {
      await s4.run({});
      const t = await s4.boundThreeWays({ certify: true });
      expect(t.lower.available).toBe(true);
      expect(t.paper).toMatchObject({ available: false, reason: expect.stringMatching(/^not available — the paper's estimator is defined on the 2-D grid .* this data is 4-D/) });
      expect(t.certified).toMatchObject({ available: false, reason: expect.stringMatching(/^not available — no certificate above d = 3/) });
    } finally {
      s4.destroy();
    }
  }, 300_000);

  it('3-D points: the certificate covers a box only (no outside certificate at d = 3), and says so', async () => {
    const pts = Float32Array.from({ length: 300 * 3 }, (_, i) => Math.sin(2.3 * i) * 0.5);
    const s3 = await engine.playground({ data: pts, n: 300, d: 3 }, { process: makeProcess({ kind: 'ddpm' }), model: 'paper', sampler: 'ddpm', steps: 50, evalPoints: 64 });
    try {
      await s3.run({});
      const t = await s3.boundThreeWays({ certify: true, secondsPerTime: 0.2, boxesPerTime: 2000, search: { grow: 0 } });
      expect(t.certifiedRegion).toBe('box');
      if (t.certified.available && t.lower.available) expect(t.certified.logBound).toBeGreaterThanOrEqual(t.lower.logBound);
      else if (!t.certified.available) expect(t.certified.reason).toMatch(/does not cover ℝ³|not available at/);
    } finally {
      s3.destroy();
    }
  }, 300_000);

  it('refuses once the weights moved on from the evaluation', async () => {
    await session.trainer.train(1);
    await expect(session.boundThreeWays({})).rejects.toThrow(/weights moved on/);
  }, 60_000);
});
