/** The figure of a flow's trace (W2 to the target against virtual time), drawn by src/plot/. */
import { PALETTE, type FigureSeries, type FigureSpec } from '../plot/figure.js';
import { renderSvg } from '../plot/svg.js';
import type { FlowPoint } from './flow.js';

/**
 * W2 of the particles to the target, the moment (Bures) lower bound dashed, and the exact law's W2
 * where it is known, against virtual time; a log y axis when W2 spans more than two decades.
 */
export function flowFigure(title: string, trace: readonly FlowPoint[], w2Method: string): FigureSpec {
  const series: FigureSeries[] = [{ name: `W2 of the particles (${w2Method})`, x: trace.map((p) => p.t), y: trace.map((p) => p.w2), mark: trace.length <= 40 ? 'line+points' : 'line', color: PALETTE[0] }];
  const moment = trace.filter((p) => p.w2Moment !== undefined);
  if (trace.some((p) => p.w2Estimator !== 'moment') && moment.length) {
    series.push({ name: 'moment (Bures) lower bound', x: moment.map((p) => p.t), y: moment.map((p) => p.w2Moment!), mark: 'line', dash: true, color: PALETTE[2] });
  }
  const exact = trace.filter((p) => p.w2Exact !== undefined);
  if (exact.length) series.push({ name: 'W2 of the exact law', x: exact.map((p) => p.t), y: exact.map((p) => p.w2Exact!), mark: 'line', dash: [2, 3], color: PALETTE[1] });
  const w = trace.map((p) => p.w2).filter((v) => v > 0);
  const log = w.length === trace.length && trace.length > 2 && Math.max(...w) / Math.min(...w) > 100;
  return { title, x: { label: 'virtual time t' }, y: { label: 'W2 to the target', log }, series };
}

/** The flow's figure as an SVG document. */
export function flowPlot(title: string, trace: readonly FlowPoint[], w2Method: string): string {
  return renderSvg(flowFigure(title, trace, w2Method));
}
