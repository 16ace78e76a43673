import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createEngine, TRAIN_DEFAULTS, type TrainingData, type TrainingSession } from '../../api/engine.js';
import {
  ACTIVATIONS, CancelledError, crc32, DATASETS, DATASET_DIM, InputError, loadFashionMnist, makeProcess, MAX_DIM, MAX_WIDTH, OUTPUT_KINDS, parseClasses, parseCsv, parseFashionName, WEIGHTINGS,
  type Activation, type DatasetName, type LossPoint, type MlpSpec, type OutputKind, type ProcessKind, type TimeConditioning, type TrainConfig, type Weighting,
} from '../../api/library.js';
import { num, parse, progress, type Options } from '../args.js';
import { interruptSignal } from '../interrupt.js';
import { prepareOutputDir, readBytes, readCheckpoint, readJson, readText, writeAtomic } from '../files.js';

export const summary = 'train a score network on the GPU (DSM loss), writing the loss curve and a checkpoint';
export const usage = `wasserflow train --dataset NAME|FILE.csv [--classes C,C] --out DIR [--paper] [--process vp|cosine|ddpm|ve|subvp|heat] [--ddpm-steps N]
       [--steps N] [--batch B] [--width W] [--depth D] [--activation softplus|silu|relu|leakyrelu|tanh]
       [--time step|fourier|none] [--fourier F] [--output eps|score|x0|velocity] [--weighting none|g2|sigma2|paper]
       [--antithetic] [--optimizer adam|adamw] [--lr LR] [--lr-decay none|cosine] [--weight-decay WD] [--clip C] [--ema D] [--weight-clip C] [--spectral-norm]
       [--maximize K] [--seed S] [--n N] [--loss-every N] [--steps-per-submit K] [--checkpoint-every N] [--resume] [--overwrite]
  --dataset   ${DATASETS.join(', ')}, fashion-mnist[:POOL] (POOL 1, 2, 4: 784, 196, 49-D; Debian's
              dataset-fashion-mnist; --classes 0,7 keeps those labels), or a CSV point cloud (one point per line)
  --paper     Kwon et al.'s setup: ddpm (10 steps), 2→64→64→64→2 softplus with per-step embedding, ε output,
              weighting β/(1-ᾱ), antithetic t, AdamW lr 1e-3, clip 1, batch 128 (other flags override)
  --maximize K  maximise the loss for the first K steps (the paper's bad-model start); K < --steps
  --lr LR     learning rate in (0, 10] (default 1e-3)
  --checkpoint-every N  write DIR/checkpoint.wfck and DIR/loss.csv every N steps (rounded up to a multiple of
              --loss-every; default about 1000; 0: only at the end)
  --resume    continue the run in DIR from its last checkpoint, with the options it was started with
              (DIR/run.json; flags given again must agree; --steps is the new total): the weights and the
              loss curve are bit-identical to a run that never stopped
  --overwrite start afresh in a DIR that holds an unfinished run (one killed before it ended)
  writes DIR/loss.csv (step,loss), DIR/checkpoint.wfck (weights + optimizer state), DIR/run.json (the options)
  and DIR/train.json; every file is written atomically (temporary file + rename)`;

/** Options that may differ between a run and its --resume: they do not change a single bit of the result. */
const RESUME_FREE = new Set(['out', 'steps', 'resume', 'overwrite', 'checkpoint-every', 'steps-per-submit', 'help']);

/** The command's options (every one is listed in `usage`: test/cli_help.test.ts). */
export const options = {
  dataset: { type: 'string' }, classes: { type: 'string' }, out: { type: 'string' }, paper: { type: 'boolean' }, process: { type: 'string' },
  'ddpm-steps': { type: 'string' }, steps: { type: 'string' }, batch: { type: 'string' }, width: { type: 'string' },
  depth: { type: 'string' }, activation: { type: 'string' }, time: { type: 'string' }, fourier: { type: 'string' },
  output: { type: 'string' }, weighting: { type: 'string' }, antithetic: { type: 'boolean' }, optimizer: { type: 'string' },
  lr: { type: 'string' }, 'lr-decay': { type: 'string' }, 'weight-decay': { type: 'string' }, clip: { type: 'string' }, ema: { type: 'string' },
  'weight-clip': { type: 'string' }, 'spectral-norm': { type: 'boolean' }, maximize: { type: 'string' }, seed: { type: 'string' }, n: { type: 'string' },
  'loss-every': { type: 'string' }, 'steps-per-submit': { type: 'string' }, help: { type: 'boolean' },
  'checkpoint-every': { type: 'string' }, resume: { type: 'boolean' }, overwrite: { type: 'boolean' },
} satisfies Options;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, options, usage);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.out) throw new InputError(`--out DIR is required\nusage: ${usage}`);
  if (values.resume && values.overwrite) throw new InputError('give --resume (continue the run in --out) or --overwrite (start afresh), not both');
  const outDir = values.out;
  const files = { ck: join(outDir, 'checkpoint.wfck'), loss: join(outDir, 'loss.csv'), run: join(outDir, 'run.json'), report: join(outDir, 'train.json') };
  const resumed = values.resume ? resumeOptions(values as Record<string, unknown>, files.run, files.ck) : undefined;
  if (!values.resume && !values.overwrite && existsSync(files.ck) && !existsSync(files.report)) {
    throw new InputError(`--out '${outDir}' holds an unfinished run (a checkpoint without train.json): pass --resume to continue it, or --overwrite to start afresh`);
  }
  if (!values.dataset) throw new InputError(`--dataset is required\nusage: ${usage}`);
  const paper = values.paper ?? false;
  const pick = <T extends string>(name: string, v: string | undefined, allowed: readonly T[], dflt: T): T => {
    const x = (v ?? dflt) as T;
    if (!allowed.includes(x)) throw new InputError(`--${name} must be one of ${allowed.join(', ')}, got '${x}'`);
    return x;
  };
  const kind = pick<ProcessKind>('process', values.process, ['vp', 'cosine', 'ddpm', 've', 'subvp', 'heat'], paper ? 'ddpm' : 'vp');
  const ddpmSteps = num(values['ddpm-steps'], 'ddpm-steps', 10, { min: 1, max: 100_000, int: true });
  const process = makeProcess(kind === 'ddpm' ? { kind, steps: ddpmSteps } : { kind });
  const timeKind = pick('time', values.time, ['step', 'fourier', 'none'] as const, kind === 'ddpm' ? 'step' : 'fourier');
  const time: TimeConditioning =
    timeKind === 'step' ? { kind: 'step', steps: ddpmSteps } : timeKind === 'fourier' ? { kind: 'fourier', features: num(values.fourier, 'fourier', 4, { min: 1, max: 16, int: true }) } : { kind: 'none' };
  const steps = num(values.steps, 'steps', 2000, { min: 1, max: 1e9, int: true });
  const seed = num(values.seed, 'seed', 0, { min: 0, int: true });
  // The first K steps maximise the loss (the paper's bad-model start); the rest must minimise it.
  const maximize = num(values.maximize, 'maximize', 0, { min: 0, int: true });
  if (maximize >= steps) throw new InputError(`--maximize ${maximize}: the first K steps maximise the loss, so K must be below --steps (${steps}) to leave steps that minimise it`);
  const lossEvery = num(values['loss-every'], 'loss-every', Math.max(1, Math.min(100, Math.floor(steps / 20))), { min: 1, int: true });
  const ckEvery = num(values['checkpoint-every'], 'checkpoint-every', 1000, { min: 0, max: 1e9, int: true });
  // Checkpoints fall on loss reads, so the loss curve does not depend on where a run was cut.
  const segment = ckEvery === 0 ? Infinity : Math.ceil(ckEvery / lossEvery) * lossEvery;
  const csvText = values.dataset.toLowerCase().endsWith('.csv') ? readText(values.dataset, '--dataset') : undefined;
  const csv = csvText === undefined ? undefined : parseCsv(csvText, values.dataset);
  const fashionPool = parseFashionName(values.dataset);
  if (values.classes !== undefined && fashionPool === undefined) throw new InputError(`--classes applies to --dataset fashion-mnist[:POOL], not '${values.dataset}'`);
  const fashion =
    fashionPool === undefined
      ? undefined
      : await loadFashionMnist({
          pool: fashionPool,
          ...(values.classes !== undefined ? { classes: parseClasses(values.classes) } : {}),
          ...(values.n ? { limit: num(values.n, 'n', 0, { min: 1, int: true }) } : {}),
        });
  // Refuse at the start what no sampler could use later (the samplers take d <= MAX_DIM).
  if (csv && csv.d > MAX_DIM) throw new InputError(`--dataset ${values.dataset}: dimension ${csv.d} is over the limit of the networks and samplers (d <= ${MAX_DIM})`);
  if (resumed && resumed.dataCrc !== undefined && csvText !== undefined && resumed.dataCrc !== crc32(new TextEncoder().encode(csvText))) {
    throw new InputError(`--resume: '${values.dataset}' changed since the run started (its checksum differs)`);
  }
  if (resumed && resumed.step > steps) throw new InputError(`--resume: the checkpoint is at step ${resumed.step}, beyond --steps ${steps}`);
  // The points: a CSV cloud, Fashion-MNIST, or a built-in dataset drawn on the GPU (seed + 1).
  const builtIn = csv || fashion ? undefined : pick<DatasetName>('dataset', values.dataset, DATASETS, 'clusters4');
  const data: TrainingData = csv ?? (fashion ? { points: fashion.points, dim: fashion.dim } : builtIn!);
  const dim = csv ? csv.d : fashion ? fashion.dim : DATASET_DIM[builtIn!];
  const nPoints = builtIn && values.n ? num(values.n, 'n', 0, { min: 1, max: 1 << 26, int: true }) : undefined;
  const width = num(values.width, 'width', TRAIN_DEFAULTS.width, { min: 1, max: MAX_WIDTH, int: true });
  const depth = num(values.depth, 'depth', TRAIN_DEFAULTS.depth, { min: 1, max: 8, int: true });
  const spec: MlpSpec = {
    dim,
    hidden: Array.from({ length: depth }, () => width),
    activation: pick<Activation>('activation', values.activation, ACTIVATIONS, paper ? 'softplus' : 'silu'),
    time,
    output: pick<OutputKind>('output', values.output, OUTPUT_KINDS, 'eps'),
  };
  const config: TrainConfig = {
    spec,
    process,
    weighting: pick<Weighting>('weighting', values.weighting, WEIGHTINGS, paper ? 'paper' : 'none'),
    timeSampling: values.antithetic || paper ? 'antithetic' : 'uniform',
    batch: num(values.batch, 'batch', TRAIN_DEFAULTS.batch, { min: 1, max: 1 << 20, int: true }),
    optimizer: pick('optimizer', values.optimizer, ['adam', 'adamw'] as const, 'adamw'),
    lr: num(values.lr, 'lr', TRAIN_DEFAULTS.lr, { above: 0, max: 10 }), // the trainer's range
    // Cosine decay to lr/100 over the whole run (--steps): anneals Adam's minibatch noise away.
    ...(pick('lr-decay', values['lr-decay'], ['none', 'cosine'] as const, 'none') === 'cosine' ? { lrDecaySteps: steps } : {}),
    ...(values['weight-decay'] ? { weightDecay: num(values['weight-decay'], 'weight-decay', 0, { min: 0, max: 1 }) } : {}),
    gradClip: num(values.clip, 'clip', paper ? 1 : 0, { min: 0 }),
    ema: num(values.ema, 'ema', 0, { min: 0, max: 0.999999 }),
    weightClip: num(values['weight-clip'], 'weight-clip', 0, { min: 0 }),
    maximizeSteps: maximize,
    spectralNorm: values['spectral-norm'] ?? false,
    seed,
    lossEvery,
    stepsPerSubmit: num(values['steps-per-submit'], 'steps-per-submit', TRAIN_DEFAULTS.stepsPerSubmit, { min: 1, max: 4096, int: true }),
  };

  // The output directory is checked (and created) before any work, so a bad path loses nothing.
  prepareOutputDir(outDir);
  if (!values.resume) {
    // A fresh run: drop the previous run's report (it would mark a killed run as finished), record the options.
    rmSync(files.report, { force: true });
    // The resolved --loss-every is recorded: its default depends on --steps, which a resume may change.
    const args = { ...Object.fromEntries(Object.entries(values).filter(([k]) => !RESUME_FREE.has(k))), 'loss-every': String(lossEvery) };
    writeAtomic(files.run, JSON.stringify({ args, steps, ...(csvText !== undefined ? { dataCrc: crc32(new TextEncoder().encode(csvText)) } : {}) }, null, 2) + '\n');
  }

  const engine = await createEngine();
  let session: TrainingSession | undefined;
  // Ctrl-C stops at the next loss read (cooperative: src/cli/interrupt.ts); the last checkpoint stays.
  const signal = interruptSignal();
  let savedStep = resumed?.step; // the step of the checkpoint on disk, for the cancel message
  try {
    session = await engine.train(data, {
      ...config,
      ...(nPoints !== undefined ? { n: nPoints } : {}),
      dataSeed: seed + 1,
    });
    const trainer = session.trainer;
    const losses: LossPoint[] = [];
    if (resumed) {
      trainer.loadCheckpoint(resumed.bytes);
      losses.push(...resumed.losses);
      console.error(`train: resuming ${outDir} at step ${trainer.step} of ${steps}`);
    }
    const bar = progress('train', steps);
    const t0 = performance.now();
    const startStep = trainer.step;
    const save = async () => {
      // loss.csv first: a kill between the two leaves loss rows past the checkpoint, which --resume drops.
      writeAtomic(files.loss, lossCsv(losses));
      writeAtomic(files.ck, await trainer.saveCheckpoint());
      savedStep = trainer.step;
    };
    while (trainer.step < steps) {
      const next = Math.min(steps, segment === Infinity ? steps : (Math.floor(trainer.step / segment) + 1) * segment);
      const base = trainer.step;
      losses.push(
        ...(await trainer.train(next - base, {
          signal,
          onProgress: (e) => bar(base + e.done, `loss ${(e.metrics?.loss ?? NaN).toPrecision(4)}`),
        })),
      );
      if (trainer.step < steps) await save();
    }
    const seconds = (performance.now() - t0) / 1000;
    await save();
    const trained = steps - startStep;
    const report = {
      dataset: values.dataset, points: session.points.n, process: process.label, spec, steps, ...(resumed ? { resumedAt: startStep } : {}), seconds, stepsPerSecond: trained / seconds,
      dispatchesPerStep: trainer.dispatchesPerStep, finalLoss: losses.at(-1)?.loss, adapter: engine.adapter.description || engine.adapter.architecture,
      config: { ...config, spec: undefined, process: undefined },
    };
    writeAtomic(files.report, JSON.stringify(report, null, 2) + '\n');
    console.log(
      `trained ${trained} steps in ${seconds.toFixed(1)} s (${(trained / seconds).toFixed(1)} steps/s, ${trainer.dispatchesPerStep} dispatches/step); ` +
        `final loss ${losses.at(-1)?.loss.toPrecision(5)}; wrote ${files.loss}, checkpoint.wfck, train.json`,
    );
    return 0;
  } catch (e) {
    if (e instanceof CancelledError) {
      const kept = savedStep !== undefined && existsSync(files.ck) ? `kept the checkpoint of step ${savedStep} in ${files.ck}: continue with --resume` : 'no checkpoint written yet: nothing kept';
      console.error(`wasserflow train: cancelled at step ${session?.trainer.step ?? 0}; ${kept}`);
      return 130;
    }
    throw e;
  } finally {
    session?.destroy();
    engine.destroy();
  }
}

function lossCsv(losses: LossPoint[]): string {
  return `step,loss\n${losses.map((l) => `${l.step},${l.loss}`).join('\n')}\n`;
}

/**
 * --resume: the options the run in --out started with (DIR/run.json) merged into `values` (a flag
 * given again must agree), the checkpoint's bytes and step, and the loss rows up to that step.
 */
function resumeOptions(values: Record<string, unknown>, runFile: string, ckFile: string): { bytes: Uint8Array; step: number; losses: LossPoint[]; dataCrc?: number } {
  if (!existsSync(ckFile)) throw new InputError(`--resume: there is no checkpoint to resume in '${ckFile}'`);
  if (!existsSync(runFile)) throw new InputError(`--resume: '${runFile}' (the run's options) is missing: this directory was not written by this version of 'wasserflow train'`);
  const run = readJson(runFile, '--resume') as { args?: Record<string, unknown>; steps?: unknown; dataCrc?: number };
  if (typeof run !== 'object' || run === null || typeof run.args !== 'object' || run.args === null) throw new InputError(`--resume: '${runFile}' has no args`);
  const keys = new Set([...Object.keys(run.args), ...Object.keys(values)]);
  for (const k of keys) {
    if (RESUME_FREE.has(k)) continue;
    const was = run.args[k];
    const now = values[k];
    if (now !== undefined && now !== was) {
      throw new InputError(`--resume: --${k} ${now === true ? '' : `'${String(now)}' `}differs from the run being resumed (${was === undefined ? 'not given' : was === true ? 'given' : `'${String(was)}'`} there): drop it to use the run's options`);
    }
    values[k] = was;
  }
  if (values.steps === undefined && typeof run.steps === 'number') values.steps = String(run.steps);
  const ck = readCheckpoint(ckFile, '--resume');
  const step = ck.header.step;
  let losses: LossPoint[] = [];
  const lossFile = join(dirname(ckFile), 'loss.csv');
  if (existsSync(lossFile)) {
    const lines = readText(lossFile, '--resume').trim().split('\n').slice(1);
    losses = lines.map((l) => l.split(',').map(Number) as [number, number]).filter(([s]) => s <= step).map(([s, loss]) => ({ step: s, loss }));
  }
  return { bytes: readBytes(ckFile, '--resume'), step, losses, ...(typeof run.dataCrc === 'number' ? { dataCrc: run.dataCrc } : {}) };
}
