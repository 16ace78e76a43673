/** A dependency-free SVG line plot of a flow's trace (W2 to the target against virtual time). */
import type { FlowPoint } from './flow.js';

export interface Series {
  label: string;
  color: string;
  points: readonly (readonly [number, number])[];
  dashed?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (Math.abs(v) >= 1e3 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3))));

/** A line plot with axes, ticks and a legend; `logY` plots log10 of positive values. */
export function linePlot(title: string, xLabel: string, yLabel: string, series: readonly Series[], opts: { logY?: boolean; width?: number; height?: number } = {}): string {
  const W = opts.width ?? 640;
  const H = opts.height ?? 400;
  const m = { l: 70, r: 20, t: 40, b: 50 };
  const tr = (y: number) => (opts.logY ? Math.log10(Math.max(y, 1e-12)) : y);
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => tr(p[1]));
  let [x0, x1] = [Math.min(...xs, 0), Math.max(...xs, 1e-9)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (!Number.isFinite(y0)) [y0, y1] = [0, 1];
  if (y1 - y0 < 1e-12) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  if (x1 - x0 < 1e-12) x1 = x0 + 1;
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((tr(y) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`];
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`, `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  out.push(`<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`, `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`);
  for (let i = 0; i <= 5; i++) {
    const xv = x0 + ((x1 - x0) * i) / 5;
    const yv = y0 + ((y1 - y0) * i) / 5;
    const X = m.l + ((W - m.l - m.r) * i) / 5;
    const Y = H - m.b - ((H - m.t - m.b) * i) / 5;
    out.push(`<line x1="${X}" y1="${H - m.b}" x2="${X}" y2="${H - m.b + 5}" stroke="black"/><text x="${X}" y="${H - m.b + 18}" text-anchor="middle">${fmt(xv)}</text>`);
    out.push(`<line x1="${m.l - 5}" y1="${Y}" x2="${m.l}" y2="${Y}" stroke="black"/><text x="${m.l - 8}" y="${Y + 4}" text-anchor="end">${opts.logY ? fmt(10 ** yv) : fmt(yv)}</text>`);
  }
  out.push(`<text x="${W / 2}" y="${H - 12}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">${esc(yLabel)}${opts.logY ? ' (log scale)' : ''}</text>`);
  series.forEach((s, k) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!opts.logY || y > 0));
    if (pts.length > 0) {
      const d = pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${d}"/>`);
    }
    const ly = m.t + 10 + 16 * k;
    out.push(`<line x1="${W - m.r - 150}" y1="${ly}" x2="${W - m.r - 130}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/><text x="${W - m.r - 125}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** The standard plot of a flow: W2 (sampled, and exact where known) against virtual time. */
export function flowPlot(title: string, trace: readonly FlowPoint[], w2Method: string): string {
  const series: Series[] = [{ label: 'W2 (particles)', color: '#1f77b4', points: trace.map((p) => [p.t, p.w2] as const) }];
  if (trace.some((p) => p.w2Estimator !== 'moment' && p.w2Moment !== undefined)) {
    series.push({ label: 'W2 moment bound', color: '#2ca02c', dashed: true, points: trace.filter((p) => p.w2Moment !== undefined).map((p) => [p.t, p.w2Moment!] as const) });
  }
  if (trace.some((p) => p.w2Exact !== undefined)) {
    series.push({ label: 'W2 (exact law)', color: '#d62728', dashed: true, points: trace.filter((p) => p.w2Exact !== undefined).map((p) => [p.t, p.w2Exact!] as const) });
  }
  const positive = trace.every((p) => p.w2 > 0);
  return linePlot(`${title} — ${w2Method}`, 'virtual time t', 'W2', series, { logY: positive && trace.length > 2 && Math.max(...trace.map((p) => p.w2)) / Math.min(...trace.map((p) => p.w2)) > 100 });
}
