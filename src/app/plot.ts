/**
 * A small canvas plotting module for the page: scatter and line series on linear or log axes,
 * 1-2-5 ticks (decades on log axes), a legend, equal aspect for point clouds, HiDPI, redraw on
 * resize, at most one redraw per animation frame however often data arrives.
 *
 * Why our own code and no plotting dependency: the page redraws a handful of small plots many times
 * a second while the GPU trains, and needs exactly scatter + line + log-log. A library (Plotly,
 * Chart.js, uPlot, D3) would be the largest part of the bundle and a dependency to keep in step,
 * for features we do not use; these ~250 lines draw 10^4 points per frame with fillRect and are
 * easy to read and to test (the browser tests check the plot areas are not blank).
 */

export interface Series {
  name: string;
  color: string;
  kind: 'line' | 'points';
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Point size in CSS pixels (points) or line width (lines). */
  size?: number;
  dash?: number[];
  /** Draw without a legend entry (e.g. the many lines of a trajectory bundle). */
  hideLegend?: boolean;
  alpha?: number;
}

export interface AxisSpec {
  label?: string;
  log?: boolean;
  /** Fixed limits; otherwise from the data (with a margin). */
  min?: number;
  max?: number;
}

export interface PlotOptions {
  title: string;
  x: AxisSpec;
  y: AxisSpec;
  /** Same scale on x and y (point clouds). */
  equalAspect?: boolean;
  /** Shown when there is no data yet. */
  empty?: string;
}

const MARGIN = { left: 52, right: 10, top: 24, bottom: 34 };
const FONT = '11px system-ui, sans-serif';

/** 1-2-5 ticks covering [lo, hi], about `target` of them. */
export function linearTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Decade ticks for a log axis over [lo, hi] (lo > 0); every other decade when there are many. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const every = Math.max(1, Math.ceil((b - a) / 6));
  const out: number[] = [];
  for (let e = a; e <= b; e += every) {
    const v = 10 ** e;
    if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
  }
  // A narrow range inside one decade: fall back to 1-2-5 ticks on the values.
  return out.length >= 2 ? out : linearTicks(lo, hi, 3).filter((v) => v > 0);
}

function fmtTick(v: number, log: boolean): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (log && (a >= 1e4 || a < 1e-2)) return `1e${Math.round(Math.log10(a))}`;
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

interface Range {
  lo: number;
  hi: number;
}

function dataRange(series: readonly Series[], key: 'x' | 'y', log: boolean): Range | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    const a = s[key];
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? { lo, hi } : undefined;
}

function padRange(r: Range, log: boolean): Range {
  if (log) {
    const f = r.hi > r.lo ? (r.hi / r.lo) ** 0.05 : 2;
    return { lo: r.lo / f, hi: r.hi * f };
  }
  const span = r.hi - r.lo || Math.abs(r.hi) || 1;
  return { lo: r.lo - 0.05 * span, hi: r.hi + 0.05 * span };
}

export class Plot {
  private series: Series[] = [];
  private frame = 0;
  private readonly observer: ResizeObserver | undefined;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private options: PlotOptions,
  ) {
    if (typeof ResizeObserver !== 'undefined') {
      this.observer = new ResizeObserver(() => this.schedule());
      this.observer.observe(canvas);
    }
    this.schedule();
  }

  /** Replace the data; the plot redraws on the next animation frame. */
  set(series: Series[], options?: Partial<PlotOptions>): void {
    this.series = series;
    if (options) this.options = { ...this.options, ...options };
    this.canvas.dataset.points = String(series.reduce((n, s) => n + s.x.length, 0));
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Draw now (normally called through the animation frame). */
  draw(): void {
    const c = this.canvas;
    const dpr = globalThis.devicePixelRatio || 1;
    const cssW = c.clientWidth || 300;
    const cssH = c.clientHeight || 200;
    if (c.width !== Math.round(cssW * dpr) || c.height !== Math.round(cssH * dpr)) {
      c.width = Math.round(cssW * dpr);
      c.height = Math.round(cssH * dpr);
    }
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, cssW, cssH);
    g.font = FONT;
    g.fillStyle = '#1d2330';
    g.textAlign = 'left';
    g.textBaseline = 'alphabetic';
    g.fillText(this.options.title, MARGIN.left, 15);

    const { x: xs, y: ys } = this.options;
    const xr0 = dataRange(this.series, 'x', !!xs.log);
    const yr0 = dataRange(this.series, 'y', !!ys.log);
    const w = cssW - MARGIN.left - MARGIN.right;
    const h = cssH - MARGIN.top - MARGIN.bottom;
    if (!xr0 || !yr0 || w < 20 || h < 20) {
      g.fillStyle = '#8a93a6';
      g.textAlign = 'center';
      g.fillText(this.options.empty ?? 'no data yet', cssW / 2, cssH / 2);
      return;
    }
    let xr = padRange(xr0, !!xs.log);
    let yr = padRange(yr0, !!ys.log);
    if (xs.min !== undefined) xr.lo = xs.min;
    if (xs.max !== undefined) xr.hi = xs.max;
    if (ys.min !== undefined) yr.lo = ys.min;
    if (ys.max !== undefined) yr.hi = ys.max;
    if (this.options.equalAspect && !xs.log && !ys.log) [xr, yr] = equalize(xr, yr, w, h);

    const tx = xs.log ? (v: number) => Math.log10(v) : (v: number) => v;
    const ty = ys.log ? (v: number) => Math.log10(v) : (v: number) => v;
    const x0 = tx(xr.lo);
    const x1 = tx(xr.hi);
    const y0 = ty(yr.lo);
    const y1 = ty(yr.hi);
    const px = (v: number) => MARGIN.left + ((tx(v) - x0) / (x1 - x0)) * w;
    const py = (v: number) => MARGIN.top + h - ((ty(v) - y0) / (y1 - y0)) * h;

    // Grid, ticks and labels.
    g.strokeStyle = '#e3e7ef';
    g.lineWidth = 1;
    g.fillStyle = '#5b6478';
    const xt = xs.log ? logTicks(xr.lo, xr.hi) : linearTicks(xr.lo, xr.hi, Math.max(2, Math.round(w / 80)));
    const yt = ys.log ? logTicks(yr.lo, yr.hi) : linearTicks(yr.lo, yr.hi, Math.max(2, Math.round(h / 50)));
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (const v of xt) {
      const p = Math.round(px(v)) + 0.5;
      g.beginPath();
      g.moveTo(p, MARGIN.top);
      g.lineTo(p, MARGIN.top + h);
      g.stroke();
      g.fillText(fmtTick(v, !!xs.log), p, MARGIN.top + h + 4);
    }
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (const v of yt) {
      const p = Math.round(py(v)) + 0.5;
      g.beginPath();
      g.moveTo(MARGIN.left, p);
      g.lineTo(MARGIN.left + w, p);
      g.stroke();
      g.fillText(fmtTick(v, !!ys.log), MARGIN.left - 4, p);
    }
    g.strokeStyle = '#9aa3b5';
    g.strokeRect(MARGIN.left + 0.5, MARGIN.top + 0.5, w, h);
    g.textAlign = 'center';
    g.textBaseline = 'bottom';
    if (xs.label) g.fillText(xs.label + (xs.log ? ' (log)' : ''), MARGIN.left + w / 2, cssH - 2);
    if (ys.label) {
      g.save();
      g.translate(11, MARGIN.top + h / 2);
      g.rotate(-Math.PI / 2);
      g.textBaseline = 'middle';
      g.fillText(ys.label + (ys.log ? ' (log)' : ''), 0, 0);
      g.restore();
    }

    // Data, clipped to the plot area.
    g.save();
    g.beginPath();
    g.rect(MARGIN.left, MARGIN.top, w, h);
    g.clip();
    for (const s of this.series) {
      const ok = (xv: number, yv: number) => Number.isFinite(xv) && Number.isFinite(yv) && (!xs.log || xv > 0) && (!ys.log || yv > 0);
      g.globalAlpha = s.alpha ?? 1;
      if (s.kind === 'points') {
        g.fillStyle = s.color;
        const r = s.size ?? 2;
        for (let i = 0; i < s.x.length; i++) {
          const xv = s.x[i]!;
          const yv = s.y[i]!;
          if (ok(xv, yv)) g.fillRect(px(xv) - r / 2, py(yv) - r / 2, r, r);
        }
      } else {
        g.strokeStyle = s.color;
        g.lineWidth = s.size ?? 1.5;
        g.setLineDash(s.dash ?? []);
        g.beginPath();
        let pen = false;
        for (let i = 0; i < s.x.length; i++) {
          const xv = s.x[i]!;
          const yv = s.y[i]!;
          if (!ok(xv, yv)) {
            pen = false;
            continue;
          }
          if (pen) g.lineTo(px(xv), py(yv));
          else g.moveTo(px(xv), py(yv));
          pen = true;
        }
        g.stroke();
        g.setLineDash([]);
      }
    }
    g.restore();
    g.globalAlpha = 1;

    // Legend, top right inside the plot.
    const named = this.series.filter((s) => !s.hideLegend);
    g.textAlign = 'left';
    g.textBaseline = 'middle';
    let ly = MARGIN.top + 10;
    const lw = Math.max(0, ...named.map((s) => g.measureText(s.name).width)) + 24;
    for (const s of named) {
      const lx = MARGIN.left + w - lw - 4;
      g.fillStyle = 'rgba(255,255,255,0.8)';
      g.fillRect(lx - 2, ly - 7, lw + 4, 14);
      g.fillStyle = s.color;
      g.strokeStyle = s.color;
      if (s.kind === 'points') g.fillRect(lx + 4, ly - 2, 5, 5);
      else {
        g.lineWidth = 2;
        g.setLineDash(s.dash ?? []);
        g.beginPath();
        g.moveTo(lx, ly);
        g.lineTo(lx + 14, ly);
        g.stroke();
        g.setLineDash([]);
      }
      g.fillStyle = '#1d2330';
      g.fillText(s.name, lx + 18, ly);
      ly += 14;
    }
  }

  destroy(): void {
    this.observer?.disconnect();
    if (this.frame) cancelAnimationFrame(this.frame);
  }
}

/** Widen one range so that one data unit has the same length in pixels on both axes. */
function equalize(xr: Range, yr: Range, w: number, h: number): [Range, Range] {
  const sx = (xr.hi - xr.lo) / w;
  const sy = (yr.hi - yr.lo) / h;
  if (sx > sy) {
    const c = (yr.lo + yr.hi) / 2;
    const half = (sx * h) / 2;
    return [xr, { lo: c - half, hi: c + half }];
  }
  const c = (xr.lo + xr.hi) / 2;
  const half = (sy * w) / 2;
  return [{ lo: c - half, hi: c + half }, yr];
}
