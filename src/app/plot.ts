/**
 * The page's live plots, drawn by the one plotting module (src/plot/): each plot is an inline SVG
 * (the same renderer as the CLI's figures, so the same ticks, log axes and legend placement) in a
 * container element, redrawn at most once per animation frame however often data arrives. Point
 * series of more than CANVAS_ABOVE points (clouds of 10^4+ particles) are drawn on a canvas under
 * the SVG instead, with the same layout's scales: thousands of SVG nodes per frame would stall the
 * page, fillRect does not.
 */
import { layoutFigure, type FigureAxis, type FigureSeries, type FigureSpec } from '../plot/figure.js';
import { renderSvg } from '../plot/svg.js';

export const CANVAS_ABOVE = 10_000;

export interface Series {
  name: string;
  color: string;
  kind: 'line' | 'points' | 'bars';
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Point radius or line width in CSS pixels. */
  size?: number;
  dash?: number[];
  /** Draw without a legend entry (e.g. the many lines of a trajectory bundle). */
  hideLegend?: boolean;
  alpha?: number;
}

export interface PlotOptions {
  title: string;
  x: FigureAxis;
  y: FigureAxis;
  /** Same scale on x and y (point clouds). */
  equalAspect?: boolean;
  /** Shown when there is no data yet. */
  empty?: string;
}

let plots = 0;

export class Plot {
  private series: Series[] = [];
  private frame = 0;
  private readonly observer: ResizeObserver | undefined;
  private readonly id = `plot${++plots}`;
  private canvas: HTMLCanvasElement | undefined;

  constructor(
    readonly element: HTMLElement,
    private options: PlotOptions,
  ) {
    if (typeof ResizeObserver !== 'undefined') {
      this.observer = new ResizeObserver(() => this.schedule());
      this.observer.observe(element);
    }
    this.schedule();
  }

  /** Replace the data (and optionally the options); the plot redraws on the next animation frame. */
  set(series: Series[], options?: Partial<PlotOptions>): void {
    this.series = series;
    if (options) this.options = { ...this.options, ...options };
    this.element.dataset.points = String(series.reduce((n, s) => n + (s.kind === 'bars' ? s.y.length : s.x.length), 0));
    this.schedule();
  }

  /** Remove every series (e.g. a new dataset was loaded). */
  clear(options?: Partial<PlotOptions>): void {
    this.set([], options);
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** The figure this plot shows at its current size. */
  spec(): FigureSpec {
    const w = Math.max(200, Math.round(this.element.clientWidth || 360));
    const h = Math.max(160, Math.round(this.element.clientHeight || 280));
    const series: FigureSeries[] = this.series.map((s) => ({
      name: s.name,
      x: s.x,
      y: s.y,
      mark: s.kind,
      color: s.color,
      ...(s.dash ? { dash: s.dash } : {}),
      ...(s.size !== undefined ? { size: s.size } : {}),
      ...(s.alpha !== undefined ? { opacity: s.alpha } : {}),
      ...(s.hideLegend ? { legend: false } : {}),
    }));
    return {
      title: this.options.title,
      x: this.options.x,
      y: this.options.y,
      series,
      width: w,
      height: h,
      fontSize: 12,
      legend: w < 520 ? 'bottom' : 'auto',
      ...(this.options.equalAspect ? { equalAspect: true } : {}),
      ...(this.options.empty ? { empty: this.options.empty } : {}),
    };
  }

  /** Draw now (normally called through the animation frame). */
  draw(): void {
    const spec = this.spec();
    const big = spec.series.filter((s) => s.mark === 'points' && s.x.length > CANVAS_ABOVE);
    this.element.innerHTML = renderSvg(spec, { canvasAbove: CANVAS_ABOVE, id: this.id });
    if (big.length === 0) return;
    // The big clouds: a canvas under the SVG, in the same coordinates (the SVG's white background
    // is removed so that the canvas shows through).
    this.element.querySelector('svg > rect')?.setAttribute('fill', 'none');
    const L = layoutFigure(spec);
    const c = (this.canvas ??= document.createElement('canvas'));
    const dpr = globalThis.devicePixelRatio || 1;
    c.width = Math.round(L.width * dpr);
    c.height = Math.round(L.height * dpr);
    c.style.cssText = `position:absolute;left:0;top:0;width:${L.width}px;height:${L.height}px;pointer-events:none`;
    this.element.style.position = 'relative';
    this.element.prepend(c);
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, L.width, L.height);
    g.save();
    g.beginPath();
    g.rect(L.plot.x, L.plot.y, L.plot.w, L.plot.h);
    g.clip();
    for (const s of big) {
      const k = spec.series.indexOf(s);
      g.fillStyle = L.colors[k]!;
      g.globalAlpha = s.opacity ?? 1;
      const r = Math.max(1, s.size ?? 1.5);
      for (let i = 0; i < s.x.length; i++) {
        const x = L.px(s.x[i]!);
        const y = L.py(s.y[i]!);
        if (Number.isFinite(x) && Number.isFinite(y)) g.fillRect(x - r / 2, y - r / 2, r, r);
      }
    }
    g.restore();
  }

  destroy(): void {
    this.observer?.disconnect();
    if (this.frame) cancelAnimationFrame(this.frame);
  }
}
