// The engine's pieces through the facade, end to end on small problems: a built-in dataset, a
// score network trained a few hundred steps (progress, cancellation), samples from it and from the
// exact mixture score, L_s(t) of the network; validation messages at this boundary; and destroy()
// releasing everything, sessions included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/api/engine.js';
import { boundGrid, corollaryBound, scoreMatchingObjective } from '../src/bound/bound.js';
import type { ProgressEvent } from '../src/gpu/run.js';
import { datasetMixture } from '../src/data/datasets.js';
import { CancelledError, InputError } from '../src/gpu/errors.js';
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { DdpmSigmoid, VpLinear } from '../src/processes/process.js';

async function inputError(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InputError);
  return (e as Error).message;
}

// The paper's model shape, smaller: 2 → 16 → 16 → 2 with the per-step embedding of a 10-step DDPM.
const spec: MlpSpec = { dim: 2, hidden: [16, 16], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' };

describe('engine pieces', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine();
  });
  afterAll(() => engine?.destroy());

  it('draws a built-in dataset reproducibly', async () => {
    const a = await engine.dataset('clusters4', { n: 1001, seed: 3 });
    const b = await engine.dataset('clusters4', { n: 1001, seed: 3 });
    expect([a.n, a.d, a.dim]).toEqual([1001, 2, 2]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    // Four clusters at (±0.5, ±0.5) with std 0.0125: every |coordinate| is 0.5 within 6 std.
    for (const v of a.data) expect(Math.abs(Math.abs(v) - 0.5)).toBeLessThan(0.075);
  });

  it('trains a score network with progress and cancellation, then samples from it, estimates L_s and evaluates the bound', async () => {
    const process = new DdpmSigmoid({ steps: 10 });
    const session = await engine.train('clusters4', { spec, process, batch: 64, seed: 1, lossEvery: 50, stepsPerSubmit: 25, n: 1000 });
    const events: ProgressEvent[] = [];
    const losses = await session.train(200, { onProgress: (e) => events.push(e) });
    expect(losses.length).toBe(4);
    for (const l of losses) expect(Number.isFinite(l.loss) && l.loss > 0).toBe(true);
    // ε-prediction starts near E|ε|² = 2 (d = 2) and must improve within 200 steps at lr 1e-3.
    expect(losses.at(-1)!.loss).toBeLessThan(losses[0]!.loss);
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1)!.done).toBe(200);

    const ac = new AbortController();
    ac.abort();
    await expect(session.train(100, { signal: ac.signal })).rejects.toThrow(CancelledError);

    const network = await session.network();
    const { samples } = await engine.sample({ process, score: { kind: 'network', network }, n: 301, sampler: 'ddpm', seed: 2 });
    expect(samples.length).toBe(602);
    for (const v of samples) expect(Number.isFinite(v)).toBe(true);

    const times = [0, 4, 9].map((k) => ({ alpha: process.alpha(k + 1), sigma: process.sigma(k + 1), step: k }));
    const pts = await engine.dataset('clusters4', { n: 256, seed: 5 });
    const lsEvents: ProgressEvent[] = [];
    const curve = await engine.lipschitz(network, { times, points: pts.data, noise: true, perTime: 256, seed: 1, onProgress: (e) => lsEvents.push(e) });
    expect(lsEvents.at(-1)).toEqual({ stage: 'lipschitz', done: 3, total: 3 });
    expect(curve.ls.length).toBe(3);
    expect(curve.lowerEstimate).toBe(true);
    for (const v of curve.ls) expect(Number.isFinite(v)).toBe(true);

    // The bound, term by term, for the exact 4-cluster data (Theorem 1 with J_SM) and via J_DSM.
    const mixture = datasetMixture('clusters4')!;
    const boundEvents: ProgressEvent[] = [];
    const report = await engine.bound(network, { process, data: pts.data, mixture, perTime: 128, seed: 3, onProgress: (e) => boundEvents.push(e) });
    expect(report.times.length).toBe(32);
    expect(boundEvents.map((e) => e.done)).toEqual([1, 2, 3]);
    for (const v of [report.theorem!.bound, report.corollary.bound, report.objective.jdsm, report.objective.jsm!]) expect(Number.isFinite(v) && v > 0).toBe(true);
    // Cauchy–Schwarz holds exactly for the same positive quadrature weights: the corollary with
    // J_SM is never below Theorem 1 (float64 rounding only).
    const grid = boundGrid(process, report.times, report.ls);
    const withJsm = corollaryBound(grid, scoreMatchingObjective(grid, report.jsm!), 0);
    expect(withJsm.bound).toBeGreaterThanOrEqual(report.theorem!.bound * (1 - 1e-12));
    // J_DSM = J_SM + C with C > 0 per time (Vincent 2011); both are averages over the same 256
    // noised points, so allow 5 standard errors of the difference's noise.
    for (let i = 0; i < report.times.length; i++) {
      expect(report.jdsm[i]! + 5 * (report.jdsmStderr[i]! + report.jsmStderr![i]!)).toBeGreaterThanOrEqual(report.jsm![i]!);
    }
    const stop = new AbortController();
    stop.abort();
    await expect(engine.bound(network, { process, data: pts.data, signal: stop.signal })).rejects.toThrow('bound cancelled');
    expect(await inputError(engine.bound(network, { process, data: pts.data, times: [5, 3] }))).toBe('bound: times must be strictly ascending (times[1] = 3 after 5)');
    expect(await inputError(engine.bound(network, { process, data: pts.data, times: [0, 3] }))).toBe('bound: times[0] = 0 must be in (0, 10]');
    expect(await inputError(engine.bound(network, { process, data: pts.data, times: [3] }))).toBe('bound: times needs at least 2 grid times, got 1');
    expect(await inputError(engine.bound(network, { process, data: pts.data, w2T: -1 }))).toBe('bound: w2T must be a finite number in [0, Infinity), got -1');
    expect(await inputError(engine.bound(network, { process, data: pts.data, dynamics: 'flow' as never }))).toBe("bound: dynamics must be one of 'sde', 'ode', got 'flow'");
    expect(await inputError(engine.bound(network, { data: pts.data } as never))).toBe('bound: process must be a forward process (makeProcess(...), new VpLinear(), ...)');
    session.destroy();
  });

  it('samples the exact mixture score into the four clusters', async () => {
    const mixture = datasetMixture('clusters4')!;
    const { samples, points } = await engine.sample({ process: new VpLinear({}), score: { kind: 'exact', mixture }, n: 1000, steps: 300, seed: 4 });
    // The one point-cloud shape comes back: { data, n, d } over the same floats.
    expect([points.n, points.d, points.data]).toEqual([1000, 2, samples]);
    // Reverse SDE with the exact score: the samples land on the clusters; the mean of |x| per
    // coordinate is 0.5 up to the discretisation error of 300 Euler–Maruyama steps (a few 1e-2).
    let s = 0;
    for (const v of samples) s += Math.abs(v);
    expect(Math.abs(s / samples.length - 0.5)).toBeLessThan(0.05);
  });

  it('measures W2 between clouds, one at a time and batched', async () => {
    const x = await engine.dataset('clusters4', { n: 301, seed: 7 });
    // A returned PointCloud goes straight back in: W2 of a cloud to itself is 0 (exact solver).
    const self = await engine.w2(x, x, { method: 'exact' });
    expect(self.w2).toBeCloseTo(0, 6);
    const shifted = (v: [number, number]) => {
      const y = new Float32Array(x.data);
      for (let i = 0; i < y.length; i += 2) {
        y[i] = y[i]! + v[0];
        y[i + 1] = y[i + 1]! + v[1];
      }
      return y;
    };
    // Oracle: for the cost |x − y|², translating a measure by v adds |v|² to OT_ε and leaves the
    // self terms unchanged, so the debiased divergence is exactly |v|² at every ε (and W2² = |v|²).
    // Float32 Sinkhorn stops at a 1e-4 marginal error: rtol 2e-3.
    const X = { data: x.data, d: 2 };
    const events: ProgressEvent[] = [];
    const r = await engine.w2(X, { data: shifted([1, 0]), d: 2 }, { method: 'sinkhorn', onProgress: (e) => events.push(e) });
    expect(r.w2sq).toBeAllclose(1, { rtol: 2e-3 });
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]!.stage).toBe('sinkhorn');
    const exact = await engine.w2(X, { data: shifted([0.3, 0.4]), d: 2 }, { method: 'exact' });
    expect(exact.w2).toBeAllclose(0.5, { rtol: 1e-6 });
    const batch = await engine.w2Batch([
      { x: X, y: { data: shifted([1, 0]), d: 2 } },
      { x: X, y: { data: shifted([0, 0.5]), d: 2 } },
    ]);
    expect(batch.map((b) => b.w2sq)).toBeAllclose([1, 0.25], { rtol: 2e-3 });
    const stop = new AbortController();
    stop.abort();
    await expect(engine.w2(X, X, { signal: stop.signal })).rejects.toThrow(CancelledError);
    await expect(engine.w2Batch([{ x: X, y: X }], { signal: stop.signal })).rejects.toThrow('w2Batch cancelled');
    engine.ctx.pool.clear(); // idle readback buffers
    expect(engine.liveBuffers).toBe(0); // every solver buffer was released
  });

  it('runs a demonstration flow and the self-check (the page and the CLI call these)', async () => {
    // The heat flow dx = √2 dw from N(m, Σ): its law is N(m, Σ + 2tI), so the W2 it travels from the
    // start grows from 0; with the moment (Bures) estimator of 256 particles, well above noise after 3 steps.
    const preset = await engine.flow('heat', { n: 256, steps: 3, w2: 'moment', seed: 2 });
    try {
      const first = await preset.flow.measure();
      const last = await preset.flow.advance(3);
      expect([first.step, last.step]).toEqual([0, 3]);
      expect(last.w2).toBeGreaterThan(first.w2);
      expect(last.w2Exact).toBeDefined();
    } finally {
      preset.destroy();
    }
    const checks = await engine.selfcheck({ n: 4099, seed: 3 });
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(await inputError(engine.flow('gan' as never))).toBe(
      "flow: kind must be one of 'monoflow', 'monoflow-particles', 'monoflow-generator', 'rectified', 'bridge', 'schrodinger', 'heat', 'vp', got 'gan'",
    );
    expect(await inputError(engine.flow('heat', { n: 1 }))).toBe('flow: n must be an integer in [2, 4000000], got 1');
    expect(await inputError(engine.flow('monoflow', { h: 'tanh' as never }))).toBe("flow: h must be one of 'identity', 'logsigmoid', 'arcsinh', 'softplus', 'exp', got 'tanh'");
    expect(await inputError(engine.selfcheck({ n: 0 }))).toBe('selfcheck: n must be an integer in [1, 50000000], got 0');
  });

  it('rejects bad input with messages naming the problem', async () => {
    const process = new DdpmSigmoid({ steps: 10 });
    expect(await inputError(engine.dataset('circles' as never))).toBe(
      "dataset: name must be one of 'cluster1d', 'clusters2-1d', 'cluster2d', 'clusters4', '8gaussians', 'moons', 'swissroll', 'checkerboard', got 'circles'",
    );
    expect(await inputError(engine.dataset('moons', { n: 0 }))).toBe('dataset: n must be an integer in [1, 67108864], got 0');
    expect(await inputError(engine.train('moons', {} as never))).toBe('train: config.spec (the network: dim, hidden, activation, time, output) is required');
    expect(await inputError(engine.train('moons', { spec } as never))).toBe('train: config.process must be a forward process (makeProcess(...), new VpLinear(), ...)');
    expect(await inputError(engine.train('moons', { spec, process, batch: 0 }))).toBe('train: batch must be an integer in [1, 4194304], got 0');
    expect(await inputError(engine.train('cluster1d', { spec, process, batch: 8 }))).toBe("train: dataset 'cluster1d' has dimension 1 but spec.dim = 2");
    expect(await inputError(engine.train({ points: [[0, 0], [1, NaN]] }, { spec, process, batch: 8 }))).toBe(
      'train: points[1][1] (flat index 3) is NaN: inputs must be finite (the first non-finite value is reported)',
    );
    expect(await inputError(engine.train({ points: [[0, 0, 0]] }, { spec, process, batch: 8 }))).toBe('train: points has dimension 3, expected 2 to match the other input');
    expect(await inputError(engine.train(5 as never, { spec, process, batch: 8 }))).toBe(
      'train: data must be a dataset name (cluster1d, clusters2-1d, cluster2d, clusters4, 8gaussians, moons, swissroll, checkerboard), a PointCloud { data, n, d } or { points }',
    );
    const network = { spec, params: new Float32Array(3) };
    expect(await inputError(engine.sample({ process, score: { kind: 'network', network }, n: 0 }))).toBe('sample: n must be an integer in [1, 67108864], got 0');
    expect(await inputError(engine.sample({ process, score: { kind: 'network', network }, n: 4 }))).toMatch(/^sample: network\.params has 3 floats, the spec needs \d+$/);
    expect(await inputError(engine.sample({ process, score: { kind: 'network', network }, n: 4, init: new Float32Array(6) }))).toBe(
      'sample: init has 3 points of dimension 2, expected n = 4',
    );
    const good = { spec, params: new Float32Array(mlpLayout(spec).size) };
    expect(await inputError(engine.lipschitz(network, { times: [{ alpha: 1, sigma: 1 }], points: [[0, 0]], perTime: 1 }))).toMatch(
      /^lipschitz: network\.params has 3 floats, the spec needs \d+$/,
    );
    expect(await inputError(engine.lipschitz({ spec, params: new Float32Array(mlpLayout(spec).size).fill(NaN) }, { times: [{ alpha: 1, sigma: 1 }], points: [[0, 0]], perTime: 1 }))).toBe(
      'lipschitz: network.params[0] is NaN: inputs must be finite (the first non-finite value is reported)',
    );
    expect(await inputError(engine.lipschitz(good, { times: [{ alpha: 1, sigma: 1 }], points: [[0, 0]], perTime: 0 }))).toBe('lipschitz: perTime must be an integer in [1, 4194304], got 0');
    expect(await inputError(engine.lipschitz(good, { times: [{ alpha: 1, sigma: 1 }], points: [0, 0, 1], perTime: 1 }))).toBe('lipschitz: points has 3 numbers, not a multiple of dim = 2');
    expect(await inputError(engine.w2([[0, 0]], [[0, 0]], { method: 'emd' as never }))).toBe("w2: method must be one of 'auto', 'sinkhorn', 'exact', 'exact1d', 'sliced', got 'emd'");
    expect(await inputError(engine.w2([[0, 0]], [[0, 0, 0]]))).toBe('X and Y have different dimensions (2 and 3)');
    expect(await inputError(engine.w2([[0, NaN]], [[0, 0]]))).toBe('X[0][1] (flat index 1) is NaN: inputs must be finite (the first non-finite value is reported)');
    expect(await inputError(engine.w2(7 as never, [[0, 0]]))).toBe('w2: X must be an array of points or { data, d, n?, weights? }, got number');
    // Sizes beyond one storage binding are refused before anything is allocated or read.
    const huge = { data: new Float32Array(2), d: 64, n: 2 ** 23 };
    expect(await inputError(engine.w2(huge, [[0, 0]]))).toMatch(
      /^w2: X \(536870912 floats\) needs 2147483648 bytes \(2 GiB\) in one storage buffer, over this device's (maxStorageBufferBindingSize|maxBufferSize) of \d+ bytes .*: use fewer points or split the input$/,
    );
    expect(await inputError(engine.w2Batch([]))).toBe('w2Batch: problems must be a non-empty array of { x, y }');
    // Each cloud a quarter of this adapter's binding limit (SwiftShader 1 GiB, lavapipe 128 MiB): each
    // fits alone, the six of a 3-problem batch (1.5 × the limit) do not.
    const limit = Math.min(engine.ctx.device.limits.maxStorageBufferBindingSize, engine.ctx.device.limits.maxBufferSize);
    const third = { data: new Float32Array(2), d: 64, n: limit / 4 / 4 / 64 };
    expect(await inputError(engine.w2Batch([{ x: third, y: third }, { x: third, y: third }, { x: third, y: third }]))).toMatch(
      new RegExp(`^w2Batch: 3 problems needs ${1.5 * limit} bytes \\(.*\\) in one storage buffer, over this device's`),
    );
    expect(await inputError(engine.lipschitz(good, { times: [], points: [[0, 0]], perTime: 1 }))).toBe(
      'lipschitz: times (one { alpha, sigma, step?, tau? } per grid time) must be a non-empty array',
    );
  });
});

describe('destroy() with sessions still open', () => {
  it('releases every buffer, sessions included', async () => {
    const engine = await createEngine();
    const session = await engine.train('moons', { spec, process: new DdpmSigmoid({ steps: 10 }), batch: 16, n: 100 });
    await session.train(10);
    expect(engine.liveBuffers).toBeGreaterThan(5);
    engine.destroy();
    expect(engine.liveBuffers).toBe(0);
    expect(await inputError(engine.train('moons', { spec, process: new DdpmSigmoid({ steps: 10 }), batch: 16 }))).toBe(
      'this engine was destroyed: create a new one with createEngine()',
    );
  });
});
