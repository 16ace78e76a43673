// The one plotting module (src/plot/): ticks, the layout's promises (legend outside the data, log
// axes with decade ticks), the SVG renderer, PNG output, and the experiments' log-log figure.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logLogFigure, type RunRecords } from '../src/experiments/figures.js';
import { histogram, layoutFigure, type FigureSpec } from '../src/plot/figure.js';
import { renderSvg } from '../src/plot/svg.js';
import { formatTick, linearTicks, logTicks } from '../src/plot/ticks.js';
import { writeFigure } from '../src/plot/write.js';

describe('ticks', () => {
  it('1-2-5 on linear axes, decades on log axes, 10ᵏ labels', () => {
    expect(linearTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(-12.3, 12.3, 5)).toEqual([-10, -5, 0, 5, 10]);
    expect(logTicks(2e-4, 3e3)).toEqual([1e-3, 1e-2, 1e-1, 1, 10, 100, 1000]);
    // Many decades: every other one, still powers of ten.
    expect(logTicks(1e-1, 1e12).every((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-12)).toBe(true);
    expect(logTicks(1e-1, 1e12).length).toBeLessThanOrEqual(7);
    // Fewer than three decades: 1, 2, 5 of each.
    expect(logTicks(0.3, 8)).toEqual([0.5, 1, 2, 5]);
    expect(formatTick(1e-4, true)).toBe('10⁻⁴');
    expect(formatTick(1e6, true)).toBe('10⁶');
    expect(formatTick(0.01, true)).toBe('0.01');
    expect(formatTick(-2.5)).toBe('−2.5');
  });
});

/** Every data point's position in px, from the SVG (circles and the vertices of paths in .data). */
function dataPoints(svg: string): [number, number][] {
  const data = svg.slice(svg.indexOf('<g class="data"'), svg.indexOf('<g class="legend"') >= 0 ? svg.indexOf('<g class="legend"') : undefined);
  const pts: [number, number][] = [];
  for (const m of data.matchAll(/<circle cx="([\d.-]+)" cy="([\d.-]+)"/g)) pts.push([Number(m[1]), Number(m[2])]);
  for (const m of data.matchAll(/[ML]([\d.-]+) ([\d.-]+)/g)) pts.push([Number(m[1]), Number(m[2])]);
  return pts;
}

describe('figures', () => {
  const spec = (names: string[], width = 760): FigureSpec => ({
    title: 'a < b: a title long enough that it has to wrap onto a second line at this width, so it is not cut',
    width,
    x: { label: 'x' },
    y: { label: 'y', log: true },
    series: names.map((name, k) => ({ name, x: [0, 1, 2, 3], y: [1, 10 ** k, NaN, 1000], mark: k % 2 ? 'points' : 'line+points' })),
  });

  for (const [label, names, width] of [
    ['a short legend goes right of the plot', ['W2', 'bound'], 760],
    ['a long legend goes under the plot', ['a very long legend entry of the first series', 'another quite long legend entry', 'a third one'], 760],
    ['a narrow page plot', ['p0 (data)', 'q0 (samples)'], 320],
  ] as const) {
    it(`${label}: the legend box is outside the plot area and covers no data point`, () => {
      const s = spec([...names], width);
      const L = layoutFigure(s);
      const B = L.legendBox!;
      const P = L.plot;
      const overlaps = (a: typeof B, b: typeof P) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      expect(overlaps(B, P)).toBe(false);
      expect(B.x + B.w).toBeLessThanOrEqual(L.width);
      expect(B.y + B.h).toBeLessThanOrEqual(L.height);
      const svg = renderSvg(s);
      const pts = dataPoints(svg);
      expect(pts.length).toBeGreaterThan(4);
      for (const [x, y] of pts) expect(x >= B.x && x <= B.x + B.w && y >= B.y && y <= B.y + B.h).toBe(false);
      // Log axis: decade ticks; the title wraps instead of running off the figure.
      expect(L.yTicks.map((t) => t.label)).toEqual(expect.arrayContaining(['1', '10', '100', '1000']));
      expect(L.title.length).toBeGreaterThan(1);
      expect(svg).toContain('a &lt; b');
      expect(svg.match(/<text class="title"/g)!.length).toBe(L.title.length);
    });
  }

  it('a histogram stands on y = 0 and integrates to 1', () => {
    const v = Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3);
    const h = histogram(v, 20);
    const area = h.density.reduce((s, d, k) => s + d * (h.edges[k + 1]! - h.edges[k]!), 0);
    expect(area).toBeCloseTo(1, 12);
    const L = layoutFigure({ x: {}, y: {}, series: [{ name: 'p0', x: h.edges, y: h.density, mark: 'bars' }] });
    expect(L.yTicks[0]!.value).toBe(0);
    expect(renderSvg({ x: {}, y: {}, series: [{ name: 'p0', x: h.edges, y: h.density, mark: 'bars' }] }).match(/<rect x=/g)!.length).toBeGreaterThanOrEqual(19);
  });

  it('the log-log bound line is the final model’s: it passes through the final checkpoint’s bound', () => {
    const rec = (step: number, jdsm: number, w2: number, intercept: number) => ({ step, jdsm, w2, intercept, bound: Math.exp(0.5 * Math.log(jdsm) + intercept) });
    const run: RunRecords = { dataset: 'clusters4', variant: '', records: [rec(0, 6.5, 0.45, -1.1), rec(200, 7e6, 2e10, 92.7), rec(1200, 5.6, 0.37, -1.17)] };
    const f = logLogFigure([run], 't');
    const line = f.series.find((s) => s.name.startsWith('bound line'))!;
    const last = run.records[2]!;
    // On log axes the line is log W = ½ log J + c with the final model's c: evaluate at the final J.
    const slope = (Math.log(line.y[1]!) - Math.log(line.y[0]!)) / (Math.log(line.x[1]!) - Math.log(line.x[0]!));
    expect(slope).toBeCloseTo(0.5, 12);
    expect(Math.log(line.y[0]!) + 0.5 * (Math.log(last.jdsm) - Math.log(line.x[0]!))).toBeCloseTo(Math.log(last.bound), 12);
    expect(f.x.log && f.y.log).toBe(true);
    expect(f.note).toMatch(/above the top/);
    // The legend names how W2 was measured (older JSON without it: Sinkhorn).
    expect(f.series[0]!.name).toBe('W2(p0, q0), Sinkhorn');
    expect(logLogFigure([run], 't', 'exact').series[0]!.name).toBe('W2(p0, q0), exact');
  });

  it('writes SVG, the spec as JSON and a PNG (resvg)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-plot-'));
    try {
      const files = await writeFigure(dir, 'f', spec(['W2', 'bound']));
      expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['f.svg', 'f.figure.json', 'f.png']);
      expect(readFileSync(files[2]!).subarray(1, 4).toString()).toBe('PNG');
      const back = JSON.parse(readFileSync(files[1]!, 'utf8')) as FigureSpec;
      expect(renderSvg(back)).toBe(readFileSync(files[0]!, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
