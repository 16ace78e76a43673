/**
 * The playground tab: pick a dataset (or drop a CSV), a forward process, a model size and a sampler;
 * train the score network on the GPU and watch, live, the samples of p0 and q0 on the same axes, the
 * DSM loss, W2(p0, q0) against the bound on log-log axes, L_s(t) against t, and trajectories of the
 * reverse process. Training runs in chunks (each chunk is many steps in one submit, read back once),
 * and the page yields to the browser between chunks, so it stays responsive.
 */
import { el, nextFrame, statusLine } from './dom.js';
import { MODEL_SIZES, type Engine, type PointCloud, type Evaluation, type ModelSize, type PlaygroundSession, type SessionConfig } from '../api/engine.js';
import { DATASETS, DATASET_DIM, DdpmSigmoid, InputError, makeProcess, parseCsv, SAMPLER_KINDS, type DatasetName, type ProcessKind, type SamplerKind } from '../api/library.js';
import { histogram, PALETTE } from '../plot/figure.js';
import { initBoundsPanel } from './bounds_panel.js';
import { Plot, type Series } from './plot.js';
import { state } from './state.js';

const PROCESSES: { kind: ProcessKind; label: string }[] = [
  { kind: 'ddpm', label: 'DDPM sigmoid, 10 steps (paper)' },
  { kind: 'vp', label: 'VP linear β 0.1→20' },
  { kind: 'cosine', label: 'VP cosine' },
  { kind: 'subvp', label: 'sub-VP' },
  { kind: 've', label: 'VE σ 0.01→1' },
];

// Okabe–Ito (src/plot/figure.ts): pairs (p0/q0, W2/bound) in blue and vermillion, safe for colour-blind readers.
const COLORS = { p: PALETTE[0], q: PALETTE[1], loss: '#444c5e', w2: PALETTE[1], bound: PALETTE[0], ls: PALETTE[2], traj: PALETTE[4] };

function fill(select: HTMLSelectElement, items: readonly { value: string; label: string }[], selected: string): void {
  select.replaceChildren(
    ...items.map((i) => {
      const o = document.createElement('option');
      o.value = i.value;
      o.textContent = i.label;
      o.selected = i.value === selected;
      return o;
    }),
  );
}

/** Up to `max` points of a cloud as x/y arrays (2-D: the first two coordinates). */
function xy(pts: Float32Array, dim: number): { x: Float32Array; y: Float32Array } {
  const n = pts.length / dim;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = pts[i * dim]!;
    y[i] = pts[i * dim + 1]!;
  }
  return { x, y };
}

/**
 * p0 and q0 on the same axes: a scatter in 2-D and up (first two coordinates), or for 1-D data
 * two histograms (densities) on shared bins, on their own axes (x, density).
 */
function samplesSeries(p0: Float32Array, q0: Float32Array | undefined, dim: number): Series[] {
  if (dim >= 2) {
    // q0 under p0: the data are often tight clusters that a cloud of samples would hide.
    const p: Series = { name: 'p0 (data)', color: COLORS.p, kind: 'points', ...xy(p0, dim), size: 1.6, alpha: 0.6 };
    return q0 ? [{ name: 'q0 (samples)', color: COLORS.q, kind: 'points', ...xy(q0, dim), size: 1.6, alpha: 0.6 }, p] : [p];
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of q0 ? [p0, q0] : [p0]) for (const v of a) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (!(hi > lo)) return [];
  const range: [number, number] = [lo, hi];
  const hp = histogram(p0, 60, range);
  const out: Series[] = [{ name: 'p0 (data)', color: COLORS.p, kind: 'bars', x: hp.edges, y: hp.density }];
  if (q0) {
    const hq = histogram(q0, 60, range);
    out.unshift({ name: 'q0 (samples)', color: COLORS.q, kind: 'bars', x: hq.edges, y: hq.density });
  }
  return out;
}

export async function initPlayground(engine: Engine): Promise<void> {
  const dataset = el<HTMLSelectElement>('dataset');
  const process = el<HTMLSelectElement>('process');
  const model = el<HTMLSelectElement>('model');
  const sampler = el<HTMLSelectElement>('sampler');
  const steps = el<HTMLInputElement>('steps');
  const trainBtn = el<HTMLButtonElement>('train');
  const stopBtn = el<HTMLButtonElement>('stop');
  const message = el<HTMLDivElement>('message');
  const stats = el<HTMLDivElement>('stats');
  const drop = el<HTMLLabelElement>('drop');
  const csvInput = el<HTMLInputElement>('csv');

  fill(dataset, DATASETS.map((d) => ({ value: d, label: `${d} (${DATASET_DIM[d]}-D)` })), 'clusters4');
  fill(process, PROCESSES.map((p) => ({ value: p.kind, label: p.label })), 'ddpm');
  fill(model, (Object.keys(MODEL_SIZES) as ModelSize[]).map((m) => ({ value: m, label: MODEL_SIZES[m].label })), 'paper');
  fill(sampler, SAMPLER_KINDS.map((s) => ({ value: s, label: s === 'ddpm' ? 'DDPM ancestral' : s === 'em' ? 'reverse SDE (Euler–Maruyama)' : s === 'ode' ? 'probability-flow ODE (Euler)' : 'probability-flow ODE (Heun)' })), 'ddpm');

  const plots = {
    samples: new Plot(el('plot-samples'), { title: 'p0 (data) and q0 (samples)', x: {}, y: {}, equalAspect: true }),
    loss: new Plot(el('plot-loss'), { title: 'DSM loss J', x: { label: 'step', log: true }, y: { label: 'J', log: true }, empty: 'train to see the loss' }),
    w2: new Plot(el('plot-w2'), { title: 'W2(p0, q0) and the bound', x: { label: 'step', log: true }, y: { label: 'W2', log: true }, empty: 'W2 and the bound appear after the first evaluation' }),
    ls: new Plot(el('plot-ls'), { title: 'L_s(t): one-sided Lipschitz constant of the score', x: { label: 't' }, y: { label: 'L_s' }, empty: 'L_s(t) appears after the first evaluation' }),
    traj: new Plot(el('plot-traj'), { title: 'reverse trajectories', x: {}, y: {}, empty: 'trajectories appear after the first evaluation' }),
  };

  /** The points trained on (on the host; each run uploads its own copy). */
  let data: (PointCloud & { name: string }) | undefined;
  /** p0 as drawn (at most 5000 points), kept to redraw it under each q0. */
  let p0Host: Float32Array | undefined;
  let csv: { name: string; points: Float32Array; dim: number } | undefined;
  let session: PlaygroundSession | undefined;
  let abort: AbortController | undefined;

  const say = statusLine(message, (text, error) => (state.message = { text, error }));
  const bounds = initBoundsPanel();

  /** The samples plot's axes: a scatter with equal aspect in 2-D, a histogram (x, density) in 1-D. */
  const samplesAxes = (dim: number) => (dim >= 2 ? { x: {}, y: {}, equalAspect: true } : { x: { label: 'x' }, y: { label: 'density' }, equalAspect: false });

  /** A new dataset: the previous run's plots, session and dataset go. */
  const clearRun = () => {
    session?.destroy();
    session = undefined;
    plots.loss.clear();
    plots.w2.clear();
    plots.ls.clear();
    plots.traj.clear();
    stats.textContent = '';
    state.train = { running: false, steps: 0, lossPoints: 0, w2Points: 0, boundPoints: 0 };
    bounds.reset();
    bounds.setSession(undefined, false);
  };

  /** The dataset menu shows the CSV while one is loaded (an extra option, removed when a built-in is chosen). */
  const showCsvInMenu = (name: string | undefined) => {
    dataset.querySelector('option[data-csv]')?.remove();
    if (name === undefined) return;
    const o = new Option(`${name} (CSV)`, `csv:${name}`, true, true);
    o.dataset.csv = '1';
    dataset.add(o, 0);
    dataset.value = o.value;
  };

  /** (Re)draw the dataset (on the GPU) from the current choice and plot p0. */
  const loadData = async () => {
    clearRun();
    data = undefined;
    if (csv) data = { name: csv.name, data: csv.points, n: csv.points.length / csv.dim, d: csv.dim };
    else {
      const name = dataset.value as DatasetName;
      const drawn = await engine.dataset(name, { seed: 1 });
      data = { name, data: drawn.data, n: drawn.n, d: drawn.d };
    }
    const p0 = data.data.subarray(0, Math.min(data.n, 5000) * data.d);
    p0Host = p0;
    state.dataset = { name: data.name, n: data.n, dim: data.d };
    plots.samples.set(samplesSeries(p0, undefined, data.d), { title: `p0: ${data.name} (n = ${data.n}, ${data.d}-D); train to sample q0`, ...samplesAxes(data.d) });
  };

  const onCsv = async (file: File) => {
    if (state.train.running) {
      say(`${file.name}: stop the training before loading another dataset`, true);
      return;
    }
    try {
      const text = await file.text();
      const parsed = parseCsv(text, file.name);
      if (parsed.d > 4) throw new InputError(`${file.name}: dimension ${parsed.d}, the playground's samplers take 1..4`);
      csv = { name: file.name, points: parsed.data, dim: parsed.d };
      await loadData();
      showCsvInMenu(file.name);
      say(`loaded ${file.name}: ${parsed.n} points in ${parsed.d}-D`);
    } catch (e) {
      // Keep the previous dataset: the page keeps working after a bad file.
      say((e as Error).message, true);
    }
  };

  csvInput.addEventListener('change', () => {
    const f = csvInput.files?.[0];
    if (f) void onCsv(f);
    csvInput.value = '';
  });
  for (const target of [drop, document.body]) {
    target.addEventListener('dragover', (ev) => {
      ev.preventDefault();
      drop.classList.add('over');
    });
    target.addEventListener('dragleave', () => drop.classList.remove('over'));
    target.addEventListener('drop', (ev) => {
      ev.preventDefault();
      ev.stopPropagation();
      drop.classList.remove('over');
      const f = (ev as DragEvent).dataTransfer?.files[0];
      if (f) void onCsv(f);
    });
  }
  dataset.addEventListener('change', () => {
    if (state.train.running) {
      say('stop the training before changing the dataset', true);
      dataset.value = csv ? `csv:${csv.name}` : data?.name && (DATASETS as readonly string[]).includes(data.name) ? data.name : dataset.value;
      return;
    }
    csv = undefined;
    showCsvInMenu(undefined);
    void loadData().then(() => say(''), (e: unknown) => say((e as Error).message, true));
  });

  const draw = (ev: Evaluation, s: PlaygroundSession) => {
    const dim = s.dim;
    if (p0Host) plots.samples.set(samplesSeries(p0Host, ev.samples, dim), { title: `p0 (data) and q0 after ${ev.step} steps (${s.config.sampler})`, ...samplesAxes(dim) });
    const hist = s.history;
    const measured = hist.filter((h) => h.w2 !== undefined);
    plots.w2.set([
      { name: 'W2(p0, q0) (Sinkhorn)', color: COLORS.w2, kind: 'line', x: measured.map((h) => h.step), y: measured.map((h) => h.w2!) },
      { name: 'W2 points', color: COLORS.w2, kind: 'points', x: measured.map((h) => h.step), y: measured.map((h) => h.w2!), size: 3.5, hideLegend: true },
      { name: s.config.process instanceof DdpmSigmoid ? 'bound, L_s at samples (paper form)' : 'bound, L_s at samples (Cor. 1)', color: COLORS.bound, kind: 'line', x: hist.map((h) => h.step), y: hist.map((h) => h.bound), dash: [5, 3] },
      { name: 'bound points', color: COLORS.bound, kind: 'points', x: hist.map((h) => h.step), y: hist.map((h) => h.bound), size: 3.5, hideLegend: true },
    ]);
    plots.ls.set([
      { name: 'L_s(t), max over samples of p_t (lower estimate)', color: COLORS.ls, kind: 'line', x: Array.from(ev.lsTimes), y: Array.from(ev.ls) },
      { name: 'L_s points', color: COLORS.ls, kind: 'points', x: Array.from(ev.lsTimes), y: Array.from(ev.ls), size: 3, hideLegend: true },
    ]);
    const traj: Series[] = [];
    if (ev.trajectory && dim >= 1) {
      const { frames } = ev.trajectory;
      const show = Math.min(60, frames[0]!.length / dim);
      for (let p = 0; p < show; p++) {
        // 2-D: the path in the plane; 1-D: x against reverse time.
        const x = frames.map((f, k) => (dim >= 2 ? f[p * dim]! : ev.trajectory!.times[k]!));
        const y = frames.map((f) => (dim >= 2 ? f[p * dim + 1]! : f[p * dim]!));
        traj.push({ name: 'particle paths', color: COLORS.traj, kind: 'line', x, y, size: 1, alpha: 0.5, hideLegend: p > 0 });
      }
      // 2-D: the end points on the paths; 1-D: q0's histogram is in the samples plot, not on (t, x) axes.
      if (dim >= 2) traj.push({ name: 'end points (q0)', color: COLORS.q, kind: 'points', ...xy(frames[frames.length - 1]!.subarray(0, show * dim), dim), size: 2.5 });
    }
    plots.traj.set(traj, dim >= 2 ? { title: 'reverse trajectories', x: {}, y: {} } : { title: 'reverse trajectories x(t)', x: { label: 't' }, y: { label: 'x' } });
    state.train.w2Points = measured.length;
    state.train.boundPoints = hist.filter((h) => Number.isFinite(h.bound)).length;
    state.train.lastW2 = ev.w2;
    state.train.lastBound = ev.bound;
  };

  const run = async () => {
    if (state.train.running) return;
    const kind = process.value as ProcessKind;
    const samplerKind = sampler.value as SamplerKind;
    if (samplerKind === 'ddpm' && kind !== 'ddpm') {
      say("the DDPM ancestral sampler needs the DDPM process: choose 'DDPM sigmoid' or another sampler", true);
      return;
    }
    const total = Number(steps.value);
    if (!(Number.isInteger(total) && total >= 50 && total <= 100_000)) {
      say(`steps must be an integer in [50, 100000], got '${steps.value}'`, true);
      return;
    }
    if (!data) await loadData();
    const cfg: SessionConfig = { process: makeProcess({ kind }), model: model.value as ModelSize, sampler: samplerKind, steps: total };
    abort = new AbortController();
    state.train = { running: true, steps: 0, lossPoints: 0, w2Points: 0, boundPoints: 0 };
    trainBtn.disabled = true;
    stopBtn.disabled = false;
    const what = `${MODEL_SIZES[cfg.model].label} on ${data!.name} with ${cfg.process.label}`;
    say(`training ${what}: compiling the kernels…`);
    const t0 = performance.now();
    session?.destroy();
    session = undefined;
    bounds.reset();
    bounds.setSession(undefined, true);
    try {
      session = await engine.playground(data!, cfg);
      const s = session;
      bounds.setSession(s, true);
      const signal = abort.signal;
      await s.run({
        signal: abort.signal,
        yieldToHost: nextFrame,
        onLoss: () => {
          const l = s.losses;
          plots.loss.set([{ name: 'J (mean over the chunk)', color: COLORS.loss, kind: 'line', x: l.map((p) => p.step), y: l.map((p) => p.loss) }]);
          state.train.steps = s.step;
          state.train.lossPoints = l.length;
          state.train.lastLoss = l[l.length - 1]?.loss;
          state.train.stepsPerSecond = s.stepsPerSecond;
          stats.textContent = s.statsText();
          // Progress with an ETA from the mean time per step so far (evaluations included).
          const spent = (performance.now() - t0) / 1000;
          const left = s.step > 0 ? ((total - s.step) * spent) / s.step : NaN;
          say(`training ${what}: step ${s.step} of ${total}, ${spent.toFixed(0)} s so far${Number.isFinite(left) ? `, about ${left < 90 ? `${Math.ceil(left)} s` : `${Math.ceil(left / 60)} min`} left` : ''} (Stop cancels)`);
        },
        onEvaluation: async (ev) => {
          draw(ev, s);
          stats.textContent = s.statsText();
          // The bound three ways, when asked for (or at the last evaluation): training waits for it.
          await bounds.afterEvaluation(s, ev.step === total, signal);
        },
      });
      say(`done: ${s.step} steps; W2(p0, q0) = ${state.train.lastW2?.toPrecision(3)}, bound with L_s at samples of p_t = ${state.train.lastBound?.toPrecision(3)} (the panel below gives it three ways)`);
    } catch (e) {
      const err = e as Error;
      if (err.name === 'CancelledError') say(`stopped after ${session?.step ?? 0} steps`);
      else {
        say(`${err.name}: ${err.message}`, true);
        state.train.error = err.message;
      }
    } finally {
      state.train.running = false;
      trainBtn.disabled = false;
      stopBtn.disabled = true;
      bounds.setSession(session, false);
    }
  };

  trainBtn.addEventListener('click', () => void run());
  stopBtn.addEventListener('click', () => abort?.abort());
  await loadData();
}
