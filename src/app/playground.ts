/** The playground tab (first cut: controls and plots; training hooks in as the engine lands). */
import type { GpuContext } from '../gpu/context.js';
import { Plot } from './plot.js';
import { state } from './state.js';

export async function initPlayground(_ctx: GpuContext): Promise<void> {
  const p0 = new Plot(document.getElementById('plot-p0') as HTMLCanvasElement, { title: 'samples of p0 (data)', x: {}, y: {}, equalAspect: true });
  p0.set([]);
  state.train.running = false;
}
