/**
 * One description of a figure (a `FigureSpec`, plain JSON) and its layout, shared by the CLI's SVG
 * figures and the page's live plots: the page, `wasserflow experiment` and `wasserflow flow` draw
 * through this module and nothing else.
 *
 * Why our own ~500 lines and not a plotting library (measured 2026-12-04, esbuild --minify, gzip -9):
 * Vega + Vega-Lite, which render one JSON spec to SVG both in Node and in the page, add 830 KB
 * minified / 286 KB gzipped to the page (whose whole engine is about 350 KB minified); Observable
 * Plot adds 245 KB / 83 KB and needs a DOM (jsdom or linkedom) to render in Node. We need lines,
 * markers, bars and log axes, redrawn many times a second while the GPU trains; this module (figure,
 * ticks, SVG renderer) is 11 KB minified / 4.8 KB gzipped, renders to an SVG string with no DOM (so Node and the page share every line of it),
 * and its layout is testable as numbers (legend boxes against data points). The spec is saved as
 * JSON next to each SVG, so a figure can be restyled and re-rendered (`renderSvg`) without re-running.
 *
 * What every figure gets: fonts of 14–17 px at 760 × 480, the legend outside the data (right of the
 * plot area when it fits, else below it), log axes with decade ticks, long titles wrapped, and the
 * Okabe–Ito palette (distinguishable with the common colour-vision deficiencies) with marker shapes
 * and dashes so that no two series differ by colour alone.
 */
import { asinhTicks, formatTick, linearTicks, logTicks } from './ticks.js';

/** Okabe & Ito (2008), "Color Universal Design": blue, vermillion, bluish green, orange, reddish purple, sky blue, black. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#E69F00', '#CC79A7', '#56B4E9', '#000000'] as const;

export type Shape = 'circle' | 'ring' | 'square' | 'triangle' | 'diamond' | 'cross';

export interface FigureSeries {
  name: string;
  /** x values; for `bars`, the n + 1 bin edges. */
  x: ArrayLike<number>;
  /** y values; for `bars`, the n bin heights. */
  y: ArrayLike<number>;
  /** 'line' (default), 'points', 'line+points' or 'bars' (a histogram). */
  mark?: 'line' | 'points' | 'line+points' | 'bars';
  /** A colour (default: the palette, in series order). */
  color?: string;
  /** Dashed line (true: 7 4) or an explicit dash array. */
  dash?: boolean | readonly number[];
  /** Marker shape for points (default circle). */
  shape?: Shape;
  /** Marker radius or line width in px. */
  size?: number;
  opacity?: number;
  /** false: no legend entry (e.g. the many lines of a trajectory bundle). */
  legend?: boolean;
}

export interface FigureAxis {
  label?: string;
  log?: boolean;
  /** An asinh scale: linear near 0, logarithmic beyond ±1, both signs (ticks 0, ±1, ±10, …). */
  asinh?: boolean;
  min?: number;
  max?: number;
}

export interface FigureSpec {
  title?: string;
  x: FigureAxis;
  y: FigureAxis;
  series: readonly FigureSeries[];
  /** Size in px (default 760 × 480). */
  width?: number;
  height?: number;
  /** Base font size in px (default 15; tick labels one smaller, the title two larger). */
  fontSize?: number;
  /** One data unit has the same length on both axes (point clouds). */
  equalAspect?: boolean;
  /** 'right' (default when it fits), 'bottom' or 'none'. */
  legend?: 'auto' | 'right' | 'bottom' | 'none';
  /** Shown in the plot area when no series has data. */
  empty?: string;
  /** A footnote under the figure (what the dashes mean, the data's source). */
  note?: string;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Tick {
  value: number;
  pos: number;
  label: string;
}

export interface LegendEntry {
  series: number;
  name: string;
  /** Where the swatch and the label are drawn (the label starts at x + 30). */
  x: number;
  y: number;
}

/** Everything a renderer needs: positions in px, ticks, the legend, and the scales. */
export interface Layout {
  width: number;
  height: number;
  font: number;
  title: string[];
  plot: Rect;
  xTicks: Tick[];
  yTicks: Tick[];
  legend: LegendEntry[];
  /** The legend's box (outside the plot area), or undefined without a legend. */
  legendBox: Rect | undefined;
  note: string[];
  /** Data → px; NaN for values a log axis cannot show. */
  px: (v: number) => number;
  py: (v: number) => number;
  hasData: boolean;
  colors: string[];
}

/** Width of a text in px for a sans-serif font of `size` px (DejaVu Sans averages ~0.6 em per character). */
export function textWidth(s: string, size: number): number {
  let w = 0;
  for (const c of s) w += /[ .,:;!|il()[\]'’·]/.test(c) ? 0.32 : /[0-9]/.test(c) ? 0.64 : /[A-Zmw≤≥−—–=+×]/.test(c) ? 0.72 : /[⁰¹²³⁴⁵⁶⁷⁸⁹⁻₀-₉]/.test(c) ? 0.42 : 0.6;
  return w * size;
}

/** Split a text into lines of at most `width` px at spaces. */
export function wrapText(s: string, width: number, size: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, size) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

interface Range {
  lo: number;
  hi: number;
}

function dataRange(spec: FigureSpec, key: 'x' | 'y'): Range | undefined {
  const log = !!spec[key].log;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of spec.series) {
    const a = s[key];
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    // Histograms stand on 0.
    if (key === 'y' && s.mark === 'bars' && !log && a.length > 0) {
      lo = Math.min(lo, 0);
      hi = Math.max(hi, 0);
    }
  }
  return lo <= hi ? { lo, hi } : undefined;
}

function padRange(r: Range, log: boolean, asinh = false): Range {
  if (asinh) {
    const [a, b] = [Math.asinh(r.lo), Math.asinh(r.hi)];
    const span = b - a || 1;
    return { lo: Math.sinh(a - 0.06 * span), hi: Math.sinh(b + 0.06 * span) };
  }
  if (log) {
    const f = r.hi > r.lo ? (r.hi / r.lo) ** 0.06 : 2;
    return { lo: r.lo / f, hi: r.hi * f };
  }
  const span = r.hi - r.lo || Math.abs(r.hi) || 1;
  return { lo: r.lo - 0.06 * span, hi: r.hi + 0.06 * span };
}

/** Widen one range so that one data unit has the same length in pixels on both axes. */
function equalize(xr: Range, yr: Range, w: number, h: number): [Range, Range] {
  const sx = (xr.hi - xr.lo) / w;
  const sy = (yr.hi - yr.lo) / h;
  if (sx > sy) {
    const c = (yr.lo + yr.hi) / 2;
    return [xr, { lo: c - (sx * h) / 2, hi: c + (sx * h) / 2 }];
  }
  const c = (xr.lo + xr.hi) / 2;
  return [{ lo: c - (sy * w) / 2, hi: c + (sy * w) / 2 }, yr];
}

/** The colour of series k. */
export function seriesColor(spec: FigureSpec, k: number): string {
  return spec.series[k]!.color ?? PALETTE[k % PALETTE.length]!;
}

/** Place title, axes, ticks, plot area and legend for a figure of the spec's size. */
export function layoutFigure(spec: FigureSpec): Layout {
  const W = spec.width ?? 760;
  const H = spec.height ?? 480;
  const font = spec.fontSize ?? 15;
  const tickFont = font - 1;
  const titleFont = font + 2;
  const pad = Math.round(font * 0.7);
  const title = spec.title ? wrapText(spec.title, W - 2 * pad, titleFont) : [];
  const note = spec.note ? wrapText(spec.note, W - 2 * pad, tickFont) : [];
  const top = pad + title.length * titleFont * 1.25 + (title.length ? pad * 0.6 : 0);
  const named = spec.series.map((s, i) => ({ s, i })).filter(({ s }) => s.legend !== false && s.name);
  const swatch = 30;
  const rowH = font * 1.45;
  const labelW = Math.max(0, ...named.map(({ s }) => textWidth(s.name, font)));
  const mode = spec.legend ?? 'auto';
  const rightW = swatch + labelW + pad * 2;
  const legendSide = named.length === 0 || mode === 'none' ? 'none' : mode === 'bottom' ? 'bottom' : mode === 'right' || rightW <= W * 0.34 ? 'right' : 'bottom';

  const xr0 = dataRange(spec, 'x');
  const yr0 = dataRange(spec, 'y');
  const hasData = !!xr0 && !!yr0;
  let xr = padRange(xr0 ?? { lo: 0, hi: 1 }, !!spec.x.log && !!xr0, !!spec.x.asinh);
  let yr = padRange(yr0 ?? { lo: 0, hi: 1 }, !!spec.y.log && !!yr0, !!spec.y.asinh);
  // Histogram bars stand on the axis: no padding under 0.
  if (!spec.y.log && yr0 && yr0.lo === 0 && spec.series.some((s) => s.mark === 'bars')) yr.lo = 0;
  if (spec.x.min !== undefined) xr.lo = spec.x.min;
  if (spec.x.max !== undefined) xr.hi = spec.x.max;
  if (spec.y.min !== undefined) yr.lo = spec.y.min;
  if (spec.y.max !== undefined) yr.hi = spec.y.max;
  const xLog = !!spec.x.log && xr.lo > 0;
  const yLog = !!spec.y.log && yr.lo > 0;

  // Bottom legend: entries flow in rows under the x label.
  let legendRows: { i: number; name: string; w: number }[][] = [];
  if (legendSide === 'bottom') {
    let row: { i: number; name: string; w: number }[] = [];
    let used = 0;
    for (const { s, i } of named) {
      const w = swatch + textWidth(s.name, font) + pad * 1.5;
      if (row.length && used + w > W - 2 * pad) {
        legendRows.push(row);
        row = [];
        used = 0;
      }
      row.push({ i, name: s.name, w });
      used += w;
    }
    if (row.length) legendRows.push(row);
  }
  const bottomLegendH = legendRows.length * rowH + (legendRows.length ? pad * 0.8 : 0);
  const noteH = note.length * tickFont * 1.3 + (note.length ? pad * 0.4 : 0);
  const yLabelW = spec.y.label ? font * 1.4 : 0;

  // The y tick labels' width depends on the ticks, which depend on the height: one pass is enough.
  const bottom = pad + noteH + bottomLegendH + (spec.x.label ? font * 1.9 : 0) + tickFont * 1.8;
  const plotH0 = Math.max(40, H - top - bottom);
  const ticksFor = (r: Range, log: boolean, asinh: boolean, px: number, per: number) => (log ? logTicks(r.lo, r.hi) : asinh ? asinhTicks(r.lo, r.hi) : linearTicks(r.lo, r.hi, Math.max(3, Math.round(px / per))));
  const yTickValues0 = ticksFor(yr, yLog, !!spec.y.asinh, plotH0, 55);
  const yTickW = Math.max(textWidth('0', tickFont), ...yTickValues0.map((v) => textWidth(formatTick(v, yLog), tickFont)));
  const left = pad + yLabelW + yTickW + pad * 0.6;
  const right = legendSide === 'right' ? rightW + pad * 0.5 : pad * 1.6;
  let plot: Rect = { x: left, y: top, w: Math.max(40, W - left - right), h: plotH0 };
  if (spec.equalAspect && !xLog && !yLog && hasData) [xr, yr] = equalize(xr, yr, plot.w, plot.h);

  const tx = xLog ? Math.log10 : spec.x.asinh ? Math.asinh : (v: number) => v;
  const ty = yLog ? Math.log10 : spec.y.asinh ? Math.asinh : (v: number) => v;
  const x0 = tx(xr.lo);
  const x1 = tx(xr.hi);
  const y0 = ty(yr.lo);
  const y1 = ty(yr.hi);
  const px = (v: number) => (xLog && !(v > 0) ? NaN : plot.x + ((tx(v) - x0) / (x1 - x0 || 1)) * plot.w);
  const py = (v: number) => (yLog && !(v > 0) ? NaN : plot.y + plot.h - ((ty(v) - y0) / (y1 - y0 || 1)) * plot.h);
  const xTickValues = ticksFor(xr, xLog, !!spec.x.asinh, plot.w, 100);
  const yTickValues = ticksFor(yr, yLog, !!spec.y.asinh, plot.h, 55);
  // Labels never collide: a tick closer than minGap px to one already kept is dropped (0 is kept first).
  const thin = (ticks: Tick[], minGap: number) => {
    const kept: Tick[] = [];
    for (const t of [...ticks].sort((a, b) => (a.value === 0 ? -1 : b.value === 0 ? 1 : 0))) if (kept.every((k) => Math.abs(k.pos - t.pos) >= minGap)) kept.push(t);
    return kept.sort((a, b) => a.value - b.value);
  };
  const xTicks = thin(xTickValues.map((value) => ({ value, pos: px(value), label: formatTick(value, xLog || !!spec.x.asinh) })), textWidth('−10⁰⁰', tickFont));
  const yTicks = thin(yTickValues.map((value) => ({ value, pos: py(value), label: formatTick(value, yLog || !!spec.y.asinh) })), tickFont * 1.4);

  const legend: LegendEntry[] = [];
  let legendBox: Rect | undefined;
  if (legendSide === 'right') {
    const lx = plot.x + plot.w + pad;
    named.forEach(({ s, i }, k) => legend.push({ series: i, name: s.name, x: lx, y: plot.y + rowH * (k + 0.5) }));
    legendBox = { x: lx - pad * 0.4, y: plot.y, w: rightW - pad * 0.6, h: rowH * named.length };
  } else if (legendSide === 'bottom') {
    const ly = H - pad - noteH - legendRows.length * rowH + rowH * 0.5;
    legendRows.forEach((row, r) => {
      let lx = pad;
      for (const e of row) {
        legend.push({ series: e.i, name: e.name, x: lx, y: ly + r * rowH });
        lx += e.w;
      }
    });
    legendBox = { x: pad * 0.6, y: ly - rowH * 0.5, w: W - pad * 1.2, h: legendRows.length * rowH };
  }
  plot = { ...plot };
  return {
    width: W,
    height: H,
    font,
    title,
    plot,
    xTicks,
    yTicks,
    legend,
    legendBox,
    note,
    px,
    py,
    hasData,
    colors: spec.series.map((_, k) => seriesColor(spec, k)),
  };
}

/** Equal-width histogram of values: `bins` edges + counts normalised to a density (area 1). */
export function histogram(values: ArrayLike<number>, bins = 40, range?: [number, number]): { edges: number[]; density: number[] } {
  let lo = range?.[0] ?? Infinity;
  let hi = range?.[1] ?? -Infinity;
  let n = 0;
  if (!range) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(hi > lo)) [lo, hi] = Number.isFinite(lo) ? [lo - 0.5, lo + 0.5] : [0, 1];
  const w = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v) || v < lo || v > hi) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / w))]!++;
    n++;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, k) => lo + k * w), density: counts.map((c) => (n ? c / (n * w) : 0)) };
}
