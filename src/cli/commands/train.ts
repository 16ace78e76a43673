import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCsv } from '../../data/csv.js';
import { DATASETS, makeDataset, uploadPoints, type Dataset, type DatasetName } from '../../data/datasets.js';
import { GpuContext } from '../../gpu/context.js';
import { CancelledError, InputError } from '../../gpu/errors.js';
import { ACTIVATIONS, MAX_DIM, MAX_WIDTH, OUTPUT_KINDS, type Activation, type MlpSpec, type OutputKind, type TimeConditioning } from '../../model/layout.js';
import { makeProcess, type ProcessKind } from '../../processes/process.js';
import { WEIGHTINGS, type Weighting } from '../../train/coefficients.js';
import { Trainer, type TrainConfig } from '../../train/trainer.js';
import { num, parse, progress } from '../args.js';

export const summary = 'train a score network on the GPU (DSM loss), writing the loss curve and a checkpoint';
const usage = `wasserflow train --dataset NAME|FILE.csv --out DIR [--paper] [--process vp|cosine|ddpm|ve|subvp|heat] [--ddpm-steps N]
       [--steps N] [--batch B] [--width W] [--depth D] [--activation softplus|silu|relu|leakyrelu|tanh]
       [--time step|fourier|none] [--fourier F] [--output eps|score|x0|velocity] [--weighting none|g2|sigma2|paper]
       [--antithetic] [--optimizer adam|adamw] [--lr LR] [--weight-decay WD] [--clip C] [--ema D] [--weight-clip C] [--spectral-norm]
       [--maximize K] [--seed S] [--n N] [--loss-every N] [--steps-per-submit K]
  --dataset   ${DATASETS.join(', ')}, or a CSV point cloud (one point per line)
  --paper     Kwon et al.'s setup: ddpm (10 steps), 2→64→64→64→2 softplus with per-step embedding, ε output,
              weighting β/(1-ᾱ), antithetic t, AdamW lr 1e-3, clip 1, batch 128 (other flags override)
  writes DIR/loss.csv (step,loss), DIR/checkpoint.wfck (weights + optimizer state) and DIR/train.json`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      dataset: { type: 'string' }, out: { type: 'string' }, paper: { type: 'boolean' }, process: { type: 'string' },
      'ddpm-steps': { type: 'string' }, steps: { type: 'string' }, batch: { type: 'string' }, width: { type: 'string' },
      depth: { type: 'string' }, activation: { type: 'string' }, time: { type: 'string' }, fourier: { type: 'string' },
      output: { type: 'string' }, weighting: { type: 'string' }, antithetic: { type: 'boolean' }, optimizer: { type: 'string' },
      lr: { type: 'string' }, 'weight-decay': { type: 'string' }, clip: { type: 'string' }, ema: { type: 'string' },
      'weight-clip': { type: 'string' }, 'spectral-norm': { type: 'boolean' }, maximize: { type: 'string' }, seed: { type: 'string' }, n: { type: 'string' },
      'loss-every': { type: 'string' }, 'steps-per-submit': { type: 'string' }, help: { type: 'boolean' },
    },
    usage,
  );
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.dataset) throw new InputError(`--dataset is required\nusage: ${usage}`);
  if (!values.out) throw new InputError(`--out DIR is required\nusage: ${usage}`);
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

  const ctx = await GpuContext.create();
  let data: Dataset | undefined;
  let trainer: Trainer | undefined;
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process_on(onSigint);
  try {
    if (values.dataset.toLowerCase().endsWith('.csv')) {
      const csv = parseCsv(await readFile(values.dataset, 'utf8'), values.dataset);
      // Refuse at the start what no sampler could use later (the samplers take d <= MAX_DIM).
      if (csv.dim > MAX_DIM) throw new InputError(`--dataset ${values.dataset}: dimension ${csv.dim} is over the limit of the networks and samplers (d <= ${MAX_DIM})`);
      data = uploadPoints(ctx, values.dataset, csv.points, csv.dim);
    } else {
      data = await makeDataset(ctx, pick<DatasetName>('dataset', values.dataset, DATASETS, 'clusters4'), {
        seed: seed + 1,
        ...(values.n ? { n: num(values.n, 'n', 0, { min: 1, int: true }) } : {}),
      });
    }
    const width = num(values.width, 'width', 64, { min: 1, max: MAX_WIDTH, int: true });
    const depth = num(values.depth, 'depth', 3, { min: 1, max: 8, int: true });
    const spec: MlpSpec = {
      dim: data.dim,
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
      batch: num(values.batch, 'batch', 128, { min: 1, max: 1 << 20, int: true }),
      optimizer: pick('optimizer', values.optimizer, ['adam', 'adamw'] as const, 'adamw'),
      lr: num(values.lr, 'lr', 1e-3, { min: 0 }),
      ...(values['weight-decay'] ? { weightDecay: num(values['weight-decay'], 'weight-decay', 0, { min: 0, max: 1 }) } : {}),
      gradClip: num(values.clip, 'clip', paper ? 1 : 0, { min: 0 }),
      ema: num(values.ema, 'ema', 0, { min: 0, max: 0.999999 }),
      weightClip: num(values['weight-clip'], 'weight-clip', 0, { min: 0 }),
      maximizeSteps: num(values.maximize, 'maximize', 0, { min: 0, int: true }),
      spectralNorm: values['spectral-norm'] ?? false,
      seed,
      lossEvery: num(values['loss-every'], 'loss-every', Math.max(1, Math.min(100, Math.floor(steps / 20))), { min: 1, int: true }),
      stepsPerSubmit: num(values['steps-per-submit'], 'steps-per-submit', 64, { min: 1, max: 4096, int: true }),
    };
    trainer = await Trainer.create(ctx, data, config);
    const bar = progress('train', steps);
    const t0 = performance.now();
    const losses = await trainer.train(steps, {
      signal: abort.signal,
      onProgress: (e) => bar(e.done, `loss ${(e.metrics?.loss ?? NaN).toPrecision(4)}`),
    });
    const seconds = (performance.now() - t0) / 1000;
    await mkdir(values.out, { recursive: true });
    await writeFile(join(values.out, 'loss.csv'), `step,loss\n${losses.map((l) => `${l.step},${l.loss}`).join('\n')}\n`);
    await writeFile(join(values.out, 'checkpoint.wfck'), await trainer.saveCheckpoint());
    const report = {
      dataset: data.name, points: data.n, process: process.label, spec, steps, seconds, stepsPerSecond: steps / seconds,
      dispatchesPerStep: trainer.dispatchesPerStep, finalLoss: losses.at(-1)?.loss, adapter: ctx.adapter.description || ctx.adapter.architecture,
      config: { ...config, spec: undefined, process: undefined },
    };
    await writeFile(join(values.out, 'train.json'), JSON.stringify(report, null, 2) + '\n');
    console.log(
      `trained ${steps} steps in ${seconds.toFixed(1)} s (${(steps / seconds).toFixed(1)} steps/s, ${trainer.dispatchesPerStep} dispatches/step); ` +
        `final loss ${losses.at(-1)?.loss.toPrecision(5)}; wrote ${join(values.out, 'loss.csv')}, checkpoint.wfck, train.json`,
    );
    return 0;
  } catch (e) {
    if (e instanceof CancelledError) {
      console.error('train: cancelled');
      return 130;
    }
    throw e;
  } finally {
    process_off(onSigint);
    trainer?.destroy();
    data?.destroy();
    ctx.destroy();
  }
}

function process_on(f: () => void): void {
  globalThis.process.on('SIGINT', f);
}
function process_off(f: () => void): void {
  globalThis.process.off('SIGINT', f);
}
