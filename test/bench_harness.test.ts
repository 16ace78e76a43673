// The benchmark harness: medians and quantiles, the first run kept apart from the timed runs,
// throughput and peer ratios from the same work, shares of the ceiling, the markdown table.
import { describe, expect, it } from 'vitest';
import { measure, median, quantile, result } from '../bench/harness.js';
import { mergeReports, toMarkdown, type BenchReport } from '../bench/suite.js';

describe('bench harness', () => {
  it('computes medians and quantiles', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([0, 10, 20, 30, 40], 0.25)).toBe(10);
    expect(() => median([])).toThrow();
  });

  it('reports the first run apart and times warm-up-free runs within the limits', async () => {
    let calls = 0;
    // The first call is slow (a "compile"); the others are fast.
    const t = await measure(
      async () => {
        calls++;
        await new Promise((r) => setTimeout(r, calls === 1 ? 60 : 2));
      },
      { warmup: 2, minRuns: 4, maxRuns: 6, budgetMs: 10_000 },
    );
    expect(t.runs).toBe(6);
    expect(calls).toBe(1 + 2 + 6);
    expect(t.firstMs).toBeGreaterThan(t.medianMs);
    expect(t.q1Ms).toBeLessThanOrEqual(t.medianMs);
    expect(t.q3Ms).toBeGreaterThanOrEqual(t.medianMs);
  });

  it('builds throughput, peer ratios and the table', () => {
    const timing = { firstMs: 300, medianMs: 100, q1Ms: 90, q3Ms: 110, minMs: 80, runs: 10 };
    const r = result({
      id: 'x.matmul',
      name: 'matmul',
      size: '10',
      timing,
      work: 2, // 2 GFLOP per run → 20 GFLOP/s at 100 ms
      unit: 'GFLOP/s',
      ceiling: { kind: 'matmul', perRun: 2e9 },
      peers: [{ name: 'numpy', medianMs: 10, runs: 5 }],
    });
    expect(r.value).toBeCloseTo(20, 12);
    expect(r.ceiling?.perSecond).toBeCloseTo(2e10, 3);
    expect(r.peers[0]!.value).toBeCloseTo(200, 10);
    expect(r.peers[0]!.ratio).toBeCloseTo(0.1, 12);
    r.share = 0.5;
    const report: BenchReport = {
      date: '2026-11-22T07:00:00.000Z',
      env: 'node',
      runtime: 'Node 20',
      adapter: { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: false, isSoftware: true, features: [], limits: {} },
      quick: false,
      ceilings: { matmul: 4e10 },
      results: [r],
      failures: [{ id: 'broken', error: 'Error: boom' }],
    };
    const md = toMarkdown(report);
    expect(md).toContain('google / swiftshader (software');
    expect(md).toContain('| matmul | 10 | 20.00 | GFLOP/s | 100 | 300 | 10 | 50% FLOP peak | numpy: 200.0 (×0.100) |');
    expect(md).toContain('| broken | FAILED |');
  });

  it('merges a filtered re-run into the full report: only the re-run benchmarks change, in suite order', () => {
    const timing = { firstMs: 1, medianMs: 1, q1Ms: 1, q3Ms: 1, minMs: 1, runs: 1 };
    const row = (id: string, value: number) => result({ id, name: id, size: '1', timing, work: value / 1000, unit: 'u' });
    const adapter = { vendor: 'google', architecture: 'swiftshader', device: '', description: 'd', isFallbackAdapter: false, isSoftware: true, features: [], limits: {} };
    const base: BenchReport = {
      date: '2026-11-22T07:00:00.000Z', env: 'node', runtime: 'Node 20', adapter, quick: false, ceilings: { matmul: 1 },
      results: [row('ceiling.matmul', 1), row('lipschitz.power', 2), row('sampler.em', 3), row('train.paper', 4)],
      failures: [{ id: 'flows', error: 'Error: old' }],
    };
    const fresh: BenchReport = {
      ...base, date: '2026-11-22T12:30:00.000Z', ceilings: { matmul: 9 },
      results: [row('ceiling.matmul', 9), row('flows.w2', 5), row('lipschitz.power', 6)], failures: [],
    };
    const m = mergeReports(base, fresh);
    expect(m.results.map((r) => [r.id, r.value])).toEqual([['ceiling.matmul', 1], ['flows.w2', 5], ['lipschitz.power', 6], ['sampler.em', 3], ['train.paper', 4]]);
    expect(m.failures).toEqual([]);
    expect(m.ceilings).toEqual({ matmul: 1 });
    expect(m.reruns).toEqual([{ ids: ['flows', 'lipschitz'], date: fresh.date }]);
    expect(toMarkdown(m)).toContain('Rows of flows, lipschitz re-run on 2026-11-22 (12:30 UTC)');
    expect(() => mergeReports(base, { ...fresh, quick: true })).toThrow(/cannot merge/);
    expect(() => mergeReports(base, { ...fresh, adapter: { ...adapter, description: 'other' } })).toThrow(/cannot merge/);
  });
});
