/**
 * Render a `FigureSpec` to a standalone SVG document (a string: no DOM, the same in Node and the
 * page). Classes mark the parts (`plot-area`, `series`, `legend`) so that tests can find them.
 */
import { layoutFigure, type FigureSeries, type FigureSpec, type Layout, type Shape } from './figure.js';

export interface SvgOptions {
  /** Series with more points than this are left to a canvas underneath (the page's big clouds). */
  canvasAbove?: number;
  /** Prefix of the element ids (the clip path), unique when several SVGs share one page. */
  id?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n1 = (v: number) => (Math.round(v * 10) / 10).toString();
export const FONT_FAMILY = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** The dash array of a series, or undefined for a solid line. */
export function dashOf(s: FigureSeries): readonly number[] | undefined {
  if (s.dash === true) return [7, 4];
  if (Array.isArray(s.dash) && s.dash.length) return s.dash as readonly number[];
  return undefined;
}

/** SVG for one marker of a shape at (x, y). */
export function markerSvg(shape: Shape, x: number, y: number, r: number, color: string): string {
  const X = n1(x);
  const Y = n1(y);
  switch (shape) {
    case 'ring':
      return `<circle cx="${X}" cy="${Y}" r="${n1(r)}" fill="white" stroke="${color}" stroke-width="1.8"/>`;
    case 'square':
      return `<rect x="${n1(x - r * 0.85)}" y="${n1(y - r * 0.85)}" width="${n1(r * 1.7)}" height="${n1(r * 1.7)}" fill="${color}"/>`;
    case 'triangle':
      return `<path d="M${X} ${n1(y - r * 1.15)}L${n1(x + r)} ${n1(y + r * 0.7)}L${n1(x - r)} ${n1(y + r * 0.7)}Z" fill="${color}"/>`;
    case 'diamond':
      return `<path d="M${X} ${n1(y - r * 1.2)}L${n1(x + r)} ${Y}L${X} ${n1(y + r * 1.2)}L${n1(x - r)} ${Y}Z" fill="${color}"/>`;
    case 'cross':
      return `<path d="M${n1(x - r)} ${n1(y - r)}L${n1(x + r)} ${n1(y + r)}M${n1(x - r)} ${n1(y + r)}L${n1(x + r)} ${n1(y - r)}" stroke="${color}" stroke-width="2"/>`;
    default:
      return `<circle cx="${X}" cy="${Y}" r="${n1(r)}" fill="${color}"/>`;
  }
}

function seriesSvg(s: FigureSeries, k: number, L: Layout): string {
  const color = L.colors[k]!;
  const mark = s.mark ?? 'line';
  const out: string[] = [`<g class="series" data-series="${k}" data-name="${esc(s.name)}"${s.opacity !== undefined ? ` opacity="${s.opacity}"` : ''}>`];
  if (mark === 'bars') {
    // Bars stand on y = 0, or on the bottom of a log axis.
    const zero = L.py(0);
    const y0 = Number.isFinite(zero) ? Math.min(Math.max(zero, L.plot.y), L.plot.y + L.plot.h) : L.plot.y + L.plot.h;
    for (let i = 0; i + 1 < s.x.length && i < s.y.length; i++) {
      const a = L.px(s.x[i]!);
      const b = L.px(s.x[i + 1]!);
      const top = L.py(s.y[i]!);
      if (![a, b, top].every(Number.isFinite) || s.y[i]! <= 0) continue;
      out.push(`<rect x="${n1(Math.min(a, b))}" y="${n1(top)}" width="${n1(Math.abs(b - a))}" height="${n1(Math.max(0, y0 - top))}" fill="${color}" fill-opacity="0.45" stroke="${color}" stroke-width="1"/>`);
    }
  } else {
    const pts: [number, number][] = [];
    let d = '';
    let pen = false;
    for (let i = 0; i < s.x.length; i++) {
      const x = L.px(s.x[i]!);
      const y = L.py(s.y[i]!);
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        pen = false;
        continue;
      }
      pts.push([x, y]);
      d += `${pen ? 'L' : 'M'}${n1(x)} ${n1(y)}`;
      pen = true;
    }
    if (mark !== 'points' && d) {
      const dash = dashOf(s);
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${s.size && mark === 'line' ? s.size : 2.2}" stroke-linejoin="round"${dash ? ` stroke-dasharray="${dash.join(' ')}"` : ''}/>`);
    }
    if (mark === 'points' || mark === 'line+points') {
      const r = mark === 'points' ? (s.size ?? 4) : 3.6;
      for (const [x, y] of pts) out.push(markerSvg(s.shape ?? 'circle', x, y, r, color));
    }
  }
  out.push('</g>');
  return out.join('');
}

/** The legend swatch of a series at (x, y): its line, its marker, or a filled box for bars. */
function swatchSvg(s: FigureSeries, color: string, x: number, y: number): string {
  const mark = s.mark ?? 'line';
  if (mark === 'bars') return `<rect x="${n1(x + 4)}" y="${n1(y - 6)}" width="16" height="12" fill="${color}" fill-opacity="0.45" stroke="${color}"/>`;
  let out = '';
  if (mark !== 'points') {
    const dash = dashOf(s);
    out += `<line x1="${n1(x)}" y1="${n1(y)}" x2="${n1(x + 24)}" y2="${n1(y)}" stroke="${color}" stroke-width="2.4"${dash ? ` stroke-dasharray="${dash.join(' ')}"` : ''}/>`;
  }
  if (mark !== 'line') out += markerSvg(s.shape ?? 'circle', x + 12, y, mark === 'points' ? Math.min(5, s.size ?? 4) : 3.6, color);
  return out;
}

/** Render a figure to an SVG document. */
export function renderSvg(spec: FigureSpec, opts: SvgOptions = {}): string {
  const L = layoutFigure(spec);
  const { plot: P, font } = L;
  const id = opts.id ?? 'fig';
  const o: string[] = [];
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.height}" viewBox="0 0 ${L.width} ${L.height}" font-family="${FONT_FAMILY}" font-size="${font}" fill="#1d2330">`,
    `<rect width="${L.width}" height="${L.height}" fill="white"/>`,
    `<defs><clipPath id="${id}-clip"><rect x="${n1(P.x)}" y="${n1(P.y)}" width="${n1(P.w)}" height="${n1(P.h)}"/></clipPath></defs>`,
  );
  L.title.forEach((line, i) => o.push(`<text class="title" x="${L.width / 2}" y="${n1(font * 0.7 + (font + 2) * (1 + i * 1.25))}" text-anchor="middle" font-size="${font + 2}" font-weight="600">${esc(line)}</text>`));
  // Grid and ticks.
  o.push('<g class="axes" font-size="' + (font - 1) + '">');
  for (const t of L.xTicks) {
    if (!Number.isFinite(t.pos)) continue;
    o.push(`<line x1="${n1(t.pos)}" y1="${n1(P.y)}" x2="${n1(t.pos)}" y2="${n1(P.y + P.h)}" stroke="#e4e7ee"/>`);
    o.push(`<line x1="${n1(t.pos)}" y1="${n1(P.y + P.h)}" x2="${n1(t.pos)}" y2="${n1(P.y + P.h + 5)}" stroke="#555"/>`);
    o.push(`<text x="${n1(t.pos)}" y="${n1(P.y + P.h + 6 + font)}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  for (const t of L.yTicks) {
    if (!Number.isFinite(t.pos)) continue;
    o.push(`<line x1="${n1(P.x)}" y1="${n1(t.pos)}" x2="${n1(P.x + P.w)}" y2="${n1(t.pos)}" stroke="#e4e7ee"/>`);
    o.push(`<line x1="${n1(P.x - 5)}" y1="${n1(t.pos)}" x2="${n1(P.x)}" y2="${n1(t.pos)}" stroke="#555"/>`);
    o.push(`<text x="${n1(P.x - 8)}" y="${n1(t.pos + (font - 1) * 0.35)}" text-anchor="end">${esc(t.label)}</text>`);
  }
  o.push(`<rect class="plot-area" x="${n1(P.x)}" y="${n1(P.y)}" width="${n1(P.w)}" height="${n1(P.h)}" fill="none" stroke="#555"/>`);
  if (spec.x.label) o.push(`<text class="axis-label" x="${n1(P.x + P.w / 2)}" y="${n1(P.y + P.h + (font - 1) * 1.8 + font * 1.35)}" text-anchor="middle" font-size="${font}">${esc(spec.x.label)}</text>`);
  if (spec.y.label) {
    const cx = Math.round(font * 0.7 + font * 0.6);
    const cy = P.y + P.h / 2;
    o.push(`<text class="axis-label" transform="translate(${cx} ${n1(cy)}) rotate(-90)" text-anchor="middle" font-size="${font}">${esc(spec.y.label)}</text>`);
  }
  o.push('</g>');
  // Data, clipped to the plot area.
  o.push(`<g class="data" clip-path="url(#${id}-clip)">`);
  spec.series.forEach((s, k) => {
    if (opts.canvasAbove !== undefined && s.x.length > opts.canvasAbove && (s.mark ?? 'line') === 'points') return;
    o.push(seriesSvg(s, k, L));
  });
  if (!L.hasData) o.push(`<text x="${n1(P.x + P.w / 2)}" y="${n1(P.y + P.h / 2)}" text-anchor="middle" fill="#8a93a6">${esc(spec.empty ?? 'no data yet')}</text>`);
  o.push('</g>');
  // Legend, outside the plot area.
  if (L.legend.length && L.legendBox) {
    const B = L.legendBox;
    o.push(`<g class="legend" data-x="${n1(B.x)}" data-y="${n1(B.y)}" data-w="${n1(B.w)}" data-h="${n1(B.h)}">`);
    for (const e of L.legend) {
      const s = spec.series[e.series]!;
      o.push(swatchSvg(s, L.colors[e.series]!, e.x, e.y), `<text x="${n1(e.x + 30)}" y="${n1(e.y + font * 0.35)}">${esc(e.name)}</text>`);
    }
    o.push('</g>');
  }
  L.note.forEach((line, i) => o.push(`<text class="note" x="${n1(font * 0.7)}" y="${n1(L.height - font * 0.7 - (L.note.length - 1 - i) * (font - 1) * 1.3)}" font-size="${font - 1}" fill="#5b6478">${esc(line)}</text>`));
  o.push('</svg>');
  return o.join('\n');
}
