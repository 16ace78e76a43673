/**
 * The Flows tab: run one of the demonstration flows (src/flows/presets.ts) on the page's adapter,
 * one chunk of steps per submit, yielding to the browser between chunks, and plot the particles
 * against a sample of the target and W2 to the target against virtual time (with the closed-form
 * W2 of the exact flow dashed, where it is known). Stop cancels between chunks.
 */
import { CancelledError } from '../api/library.js';
import { GENERATOR_LOSSES, MONO_H, PRESET_KINDS, type Engine, type FlowPoint, type FlowPreset, type GeneratorLoss, type MonoH, type PresetKind } from '../api/engine.js';
import { PALETTE } from '../plot/figure.js';
import { Plot, type Series } from './plot.js';
import { el, nextFrame, statusLine } from './dom.js';
import { state } from './state.js';

const COLORS = { target: PALETTE[0], particles: PALETTE[1], w2: PALETTE[1], exact: PALETTE[0], moment: PALETTE[2] };
const LABELS: Record<PresetKind, string> = {
  monoflow: 'MonoFlow, exact ratio (affine generator)',
  'monoflow-particles': 'MonoFlow, particles + discriminator',
  'monoflow-generator': 'MonoFlow, MLP generator + discriminator',
  rectified: 'rectified flow (trains ~1500 steps first)',
  bridge: 'Brownian bridge',
  schrodinger: 'Gaussian Schrödinger bridge',
  heat: 'heat flow',
  vp: 'VP (Ornstein–Uhlenbeck) flow',
};

function xy(pts: Float32Array): { x: Float32Array; y: Float32Array } {
  const n = pts.length / 2;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = pts[2 * i]!;
    y[i] = pts[2 * i + 1]!;
  }
  return { x, y };
}

export function initFlowsTab(engine: Engine): void {
  const kindSel = el<HTMLSelectElement>('flow-kind');
  const hSel = el<HTMLSelectElement>('flow-h');
  const nInput = el<HTMLInputElement>('flow-n');
  const genLossSel = el<HTMLSelectElement>('flow-gen-loss');
  const genStepsInput = el<HTMLInputElement>('flow-gen-steps');
  const runBtn = el<HTMLButtonElement>('flow-run');
  const stopBtn = el<HTMLButtonElement>('flow-stop');
  const message = el<HTMLDivElement>('flow-message');
  for (const k of PRESET_KINDS) kindSel.add(new Option(LABELS[k], k, k === 'vp', k === 'vp'));
  for (const h of MONO_H) hSel.add(new Option(h, h, h === 'identity', h === 'identity'));
  for (const l of GENERATOR_LOSSES) genLossSel.add(new Option(l, l, l === 'regression', l === 'regression'));
  const cloudPlot = new Plot(el('plot-flow-cloud'), { title: 'particles and target', x: {}, y: {}, equalAspect: true, empty: 'run a flow to see its particles' });
  const w2Plot = new Plot(el('plot-flow-w2'), { title: 'W2 to the target', x: { label: 't' }, y: { label: 'W2' }, empty: 'W2 appears as the flow runs' });
  const say = statusLine(message);
  let abort: AbortController | undefined;
  let running = false;

  /** Controls that the chosen flow does not read are disabled (h: the MonoFlows; generator options: MonoFlow with a generator). */
  const syncControls = () => {
    const kind = kindSel.value as PresetKind;
    hSel.disabled = running || !kind.startsWith('monoflow');
    genLossSel.disabled = genStepsInput.disabled = running || kind !== 'monoflow-generator';
    kindSel.disabled = nInput.disabled = running;
  };
  kindSel.addEventListener('change', syncControls);
  syncControls();

  const run = async () => {
    const kind = kindSel.value as PresetKind;
    const n = Number(nInput.value);
    if (!Number.isInteger(n) || n < 16 || n > 100_000) {
      say(`particles: an integer from 16 to 100000, got '${nInput.value}'`, true);
      return;
    }
    const genSteps = Number(genStepsInput.value);
    if (!Number.isInteger(genSteps) || genSteps < 1 || genSteps > 256) {
      say(`generator steps per round: an integer from 1 to 256, got '${genStepsInput.value}'`, true);
      return;
    }
    abort = new AbortController();
    const signal = abort.signal;
    runBtn.disabled = true;
    stopBtn.disabled = false;
    running = true;
    syncControls();
    state.flow = { running: true, kind, points: 0 };
    say(kind === 'rectified' ? 'training the velocity field…' : 'starting…');
    const trace: FlowPoint[] = [];
    let preset: FlowPreset | undefined;
    try {
      preset = await engine.flow(kind, { n, h: hSel.value as MonoH, genLoss: genLossSel.value as GeneratorLoss, genSteps, w2: n <= 2048 ? 'sinkhorn' : 'moment' });
      const { flow, target } = preset;
      const tgt = xy(target);
      const every = Math.max(1, Math.ceil(flow.totalSteps / 25));
      const draw = async (p: FlowPoint) => {
        trace.push(p);
        const pts = xy(await flow.cloud());
        cloudPlot.set(
          [
            { name: 'target', color: COLORS.target, kind: 'points', x: tgt.x, y: tgt.y, size: 1.6, alpha: 0.4 },
            { name: 'particles', color: COLORS.particles, kind: 'points', x: pts.x, y: pts.y, size: 1.6, alpha: 0.7 },
          ],
          { title: `${kind}: step ${p.step} of ${flow.totalSteps}, t = ${p.t.toPrecision(3)}` },
        );
        const ts = trace.map((q) => q.t);
        const series: Series[] = [{ name: `W2 (${p.w2Estimator})`, color: COLORS.w2, kind: 'line', x: ts, y: trace.map((q) => q.w2), size: 2 }];
        if (trace.every((q) => q.w2Exact !== undefined)) series.push({ name: 'W2 of the exact flow', color: COLORS.exact, kind: 'line', x: ts, y: trace.map((q) => q.w2Exact!), dash: [5, 4] });
        if (p.w2Estimator !== 'moment' && trace.every((q) => q.w2Moment !== undefined)) series.push({ name: 'moment (Bures) lower bound', color: COLORS.moment, kind: 'line', x: ts, y: trace.map((q) => q.w2Moment!), dash: [2, 3] });
        w2Plot.set(series, { title: `W2 to the target — ${flow.w2Method}` });
        state.flow = { running: true, kind, points: trace.length, lastW2: p.w2 };
        say(`${preset!.title}: step ${p.step}/${flow.totalSteps}, W2 = ${p.w2.toPrecision(4)}${p.energy !== undefined ? `, ${flow.energyName} = ${p.energy.toPrecision(4)}` : ''}`);
        await nextFrame();
      };
      await draw(await flow.measure());
      while (flow.stepsDone < flow.totalSteps) {
        if (signal.aborted) throw new CancelledError('flow');
        await draw(await flow.advance(Math.min(every, flow.totalSteps - flow.stepsDone)));
      }
      state.flow = { running: false, kind, points: trace.length, lastW2: trace[trace.length - 1]!.w2 };
    } catch (e) {
      const stopped = e instanceof CancelledError;
      say(stopped ? `stopped after ${trace.length} points` : `flow ${kind}: ${(e as Error).message}`, !stopped);
      state.flow = { running: false, kind, points: trace.length, ...(stopped ? {} : { error: (e as Error).message }) };
    } finally {
      preset?.destroy();
      running = false;
      syncControls();
      runBtn.disabled = false;
      stopBtn.disabled = true;
    }
  };
  runBtn.addEventListener('click', () => void run());
  stopBtn.addEventListener('click', () => abort?.abort());
}
