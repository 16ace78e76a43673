/**
 * The playground tab: pick a dataset (or drop a CSV), a forward process, a model size and a sampler;
 * train the score network on the GPU and watch, live, the samples of p0 and q0 side by side, the
 * DSM loss, W2(p0, q0) against the bound on log-log axes, L_s(t) against t, and trajectories of the
 * reverse process. Training runs in chunks (each chunk is many steps in one submit, read back once),
 * and the page yields to the browser between chunks, so it stays responsive.
 */
import { el, statusLine } from './dom.js';
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { parseCsv } from '../data/csv.js';
import { DATASETS, DATASET_DIM, makeDataset, uploadPoints, type Dataset, type DatasetName } from '../data/datasets.js';
import { DdpmSigmoid, makeProcess, type ProcessKind } from '../processes/process.js';
import { SAMPLER_KINDS, type SamplerKind } from '../samplers/sampler.js';
import { Plot, type Series } from './plot.js';
import { Session, type SessionConfig, type Evaluation, MODEL_SIZES, type ModelSize } from './session.js';
import { state } from './state.js';

const PROCESSES: { kind: ProcessKind; label: string }[] = [
  { kind: 'ddpm', label: 'DDPM sigmoid, 10 steps (paper)' },
  { kind: 'vp', label: 'VP linear β 0.1→20' },
  { kind: 'cosine', label: 'VP cosine' },
  { kind: 'subvp', label: 'sub-VP' },
  { kind: 've', label: 'VE σ 0.01→1' },
];

const COLORS = { p: '#2f6fd6', q: '#d9622b', loss: '#444c5e', w2: '#d9622b', bound: '#2f6fd6', ls: '#11772b', traj: '#7b5bb5' };

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

/** A point cloud as plot series: 2-D scatter, or for 1-D data a histogram (density). */
function cloudSeries(name: string, color: string, pts: Float32Array, dim: number): Series[] {
  if (dim >= 2) {
    const n = pts.length / dim;
    const x = new Float32Array(n);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = pts[i * dim]!;
      y[i] = pts[i * dim + 1]!;
    }
    return [{ name, color, kind: 'points', x, y, size: 2, alpha: 0.6 }];
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of pts) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (!(hi > lo)) return [];
  const bins = 80;
  const counts = new Float64Array(bins);
  for (const v of pts) if (Number.isFinite(v)) counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]!++;
  const w = (hi - lo) / bins;
  const x: number[] = [];
  const y: number[] = [];
  counts.forEach((c, i) => {
    x.push(lo + i * w, lo + (i + 1) * w);
    y.push(c / (pts.length * w), c / (pts.length * w));
  });
  return [{ name, color, kind: 'line', x, y }];
}

export async function initPlayground(ctx: GpuContext): Promise<void> {
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
    p0: new Plot(el('plot-p0'), { title: 'samples of p0 (data)', x: {}, y: {}, equalAspect: true }),
    q0: new Plot(el('plot-q0'), { title: 'samples of q0 (model)', x: {}, y: {}, equalAspect: true, empty: 'train to sample q0' }),
    loss: new Plot(el('plot-loss'), { title: 'DSM loss J', x: { label: 'step', log: true }, y: { label: 'J', log: true }, empty: 'train to see the loss' }),
    w2: new Plot(el('plot-w2'), { title: 'W2(p0, q0) and the bound', x: { label: 'step', log: true }, y: { label: 'W2', log: true }, empty: 'W2 and the bound appear after the first evaluation' }),
    ls: new Plot(el('plot-ls'), { title: 'L_s(t): one-sided Lipschitz constant of the score', x: { label: 't' }, y: { label: 'L_s' }, empty: 'L_s(t) appears after the first evaluation' }),
    traj: new Plot(el('plot-traj'), { title: 'reverse trajectories', x: {}, y: {}, empty: 'trajectories appear after the first evaluation' }),
  };

  let data: Dataset | undefined;
  let csv: { name: string; points: Float32Array; dim: number } | undefined;
  let session: Session | undefined;
  let abort: AbortController | undefined;

  const say = statusLine(message, (text, error) => (state.message = { text, error }));

  /** (Re)build the dataset on the GPU from the current choice and plot p0. */
  const loadData = async () => {
    data?.destroy();
    data = undefined;
    if (csv) data = uploadPoints(ctx, csv.name, csv.points, csv.dim);
    else data = await makeDataset(ctx, dataset.value as DatasetName, { seed: 1 });
    const host = await ctx.readF32(data.buffer, 0, Math.min(data.n, 5000) * data.dim);
    state.dataset = { name: data.name, n: data.n, dim: data.dim };
    plots.p0.set(cloudSeries('p0', COLORS.p, host, data.dim), { title: `samples of p0: ${data.name} (n = ${data.n}, ${data.dim}-D)` });
    plots.q0.set([]);
  };

  const onCsv = async (file: File) => {
    if (state.train.running) {
      say(`${file.name}: stop the training before loading another dataset`, true);
      return;
    }
    try {
      const text = await file.text();
      const parsed = parseCsv(text, file.name);
      if (parsed.dim > 4) throw new InputError(`${file.name}: dimension ${parsed.dim}, the playground's samplers take 1..4`);
      csv = { name: file.name, points: parsed.points, dim: parsed.dim };
      await loadData();
      say(`loaded ${file.name}: ${parsed.n} points in ${parsed.dim}-D`);
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
      dataset.value = data?.name && (DATASETS as readonly string[]).includes(data.name) ? data.name : dataset.value;
      return;
    }
    csv = undefined;
    void loadData().then(() => say(''), (e: unknown) => say((e as Error).message, true));
  });

  const draw = (ev: Evaluation, s: Session) => {
    const dim = s.dim;
    plots.q0.set(cloudSeries('q0', COLORS.q, ev.samples, dim), { title: `samples of q0 after ${ev.step} steps (${s.config.sampler})` });
    const hist = s.history;
    const measured = hist.filter((h) => h.w2 !== undefined);
    plots.w2.set([
      { name: 'W2(p0, q0) (Sinkhorn)', color: COLORS.w2, kind: 'line', x: measured.map((h) => h.step), y: measured.map((h) => h.w2!) },
      { name: 'W2 points', color: COLORS.w2, kind: 'points', x: measured.map((h) => h.step), y: measured.map((h) => h.w2!), size: 4, hideLegend: true },
      { name: s.config.process instanceof DdpmSigmoid ? 'bound (paper, discrete)' : 'bound (Corollary 1)', color: COLORS.bound, kind: 'line', x: hist.map((h) => h.step), y: hist.map((h) => h.bound), dash: [5, 3] },
      { name: 'bound points', color: COLORS.bound, kind: 'points', x: hist.map((h) => h.step), y: hist.map((h) => h.bound), size: 4, hideLegend: true },
    ]);
    plots.ls.set([
      { name: 'L_s(t) (max over points)', color: COLORS.ls, kind: 'line', x: Array.from(ev.lsTimes), y: Array.from(ev.ls) },
      { name: 'L_s points', color: COLORS.ls, kind: 'points', x: Array.from(ev.lsTimes), y: Array.from(ev.ls), size: 4, hideLegend: true },
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
      const last = frames[frames.length - 1]!;
      traj.push(...cloudSeries('end points (q0)', COLORS.q, last.subarray(0, show * dim), dim).map((s) => ({ ...s, size: 3, alpha: 1 })));
    }
    plots.traj.set(traj, { x: dim >= 2 ? {} : { label: 't' }, y: {} });
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
    say(`training ${MODEL_SIZES[cfg.model].label} on ${data!.name} with ${cfg.process.label}…`);
    session?.destroy();
    session = undefined;
    try {
      session = await Session.create(ctx, data!, cfg);
      const s = session;
      await s.run({
        signal: abort.signal,
        onLoss: () => {
          const l = s.losses;
          plots.loss.set([{ name: 'J (mean over the chunk)', color: COLORS.loss, kind: 'line', x: l.map((p) => p.step), y: l.map((p) => p.loss) }]);
          state.train.steps = s.step;
          state.train.lossPoints = l.length;
          state.train.lastLoss = l[l.length - 1]?.loss;
          state.train.stepsPerSecond = s.stepsPerSecond;
          stats.textContent = s.statsText();
        },
        onEvaluation: (ev) => {
          draw(ev, s);
          stats.textContent = s.statsText();
        },
      });
      say(`done: ${s.step} steps; W2(p0, q0) = ${state.train.lastW2?.toPrecision(3)}, bound = ${state.train.lastBound?.toPrecision(3)}`);
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
    }
  };

  trainBtn.addEventListener('click', () => void run());
  stopBtn.addEventListener('click', () => abort?.abort());
  await loadData();
}
