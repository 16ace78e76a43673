/**
 * Minimal SVG charts for the experiments' figures (no dependencies): lines, dashed lines and point
 * clouds on linear axes with "nice" ticks. Values that are not finite are skipped, so a series can
 * carry gaps. Log plots are made by the caller passing log values and saying so in the axis label.
 */

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** 'line' (default), 'dashed', 'points', or 'line+points'. */
  style?: 'line' | 'dashed' | 'points' | 'line+points';
  color?: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  width?: number;
  height?: number;
  /** Force the y range (otherwise the data's, padded by 5%). */
  yRange?: [number, number];
  xRange?: [number, number];
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Ticks at 1, 2 or 5 × 10^k covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

const fmt = (v: number) => {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
};

function range(values: number[], forced?: [number, number]): [number, number] {
  if (forced) return forced;
  const f = values.filter(Number.isFinite);
  if (f.length === 0) return [0, 1];
  let lo = Math.min(...f);
  let hi = Math.max(...f);
  if (hi === lo) {
    lo -= 0.5 * (Math.abs(lo) || 1);
    hi += 0.5 * (Math.abs(hi) || 1);
  }
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}

/** Render a chart as a standalone SVG document. */
export function lineChart(o: ChartOptions): string {
  const W = o.width ?? 640;
  const H = o.height ?? 420;
  const m = { l: 70, r: 20, t: 40, b: 55 };
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of o.series) {
    for (let i = 0; i < s.x.length; i++) {
      if (Number.isFinite(s.x[i]!) && Number.isFinite(s.y[i]!)) {
        xs.push(s.x[i]!);
        ys.push(s.y[i]!);
      }
    }
  }
  const [x0, x1] = range(xs, o.xRange);
  const [y0, y1] = range(ys, o.yRange);
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(o.title)}</text>`);
  for (const t of niceTicks(x0, x1)) {
    const x = px(t).toFixed(1);
    parts.push(`<line x1="${x}" y1="${m.t}" x2="${x}" y2="${H - m.b}" stroke="#eee"/><text x="${x}" y="${H - m.b + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    const y = py(t).toFixed(1);
    parts.push(`<line x1="${m.l}" y1="${y}" x2="${W - m.r}" y2="${y}" stroke="#eee"/><text x="${m.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#444"/>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 14}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  o.series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    const style = s.style ?? 'line';
    const pts: [number, number][] = [];
    for (let i = 0; i < s.x.length; i++) if (Number.isFinite(s.x[i]!) && Number.isFinite(s.y[i]!)) pts.push([px(s.x[i]!), py(s.y[i]!)]);
    if (style !== 'points' && pts.length > 1) {
      const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`).join('');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${style === 'dashed' ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    if (style === 'points' || style === 'line+points') for (const [x, y] of pts) parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="2.6" fill="${color}"/>`);
    const ly = m.t + 14 + 16 * k;
    parts.push(`<line x1="${W - m.r - 170}" y1="${ly}" x2="${W - m.r - 150}" y2="${ly}" stroke="${color}" stroke-width="2"${style === 'dashed' ? ' stroke-dasharray="6 4"' : ''}/><text x="${W - m.r - 145}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
