import { createEngine, SAMPLER_DEFAULTS } from '../../api/engine.js';
import {
  DATASETS, DATASET_DIM, datasetMixture, InputError, makeProcess, parseMixtureJson, SAMPLER_KINDS,
  type DatasetName, type MixtureDescription, type ProcessSpec, type SamplerKind, type ScoreSource,
} from '../../api/library.js';
import { num, parse, processFromFlags, progress, type Options } from '../args.js';
import { checkOutputFile, readCheckpointWeights, readText, writeAtomic } from '../files.js';

export const summary = 'sample the reverse SDE / probability-flow ODE / DDPM with an exact mixture score or a trained network';
export const usage = `wasserflow sample (--checkpoint FILE [--ema] | --exact DATASET|FILE.json) [--sampler em|ode|heun|ddpm] [--lambda L]
       [--steps N] [--n N] [--seed S] [--process vp|cosine|ddpm|ve|subvp|heat] [--ddpm-steps N] [--t-end T]
       [--from-data DATASET] [--capture K] --out FILE.csv
  --exact        a mixture dataset (${DATASETS.filter((d) => datasetMixture(d)).join(', ')}) or a JSON file {weights, means, covs}
  --checkpoint   a checkpoint written by 'wasserflow train' (its process is used unless --process is given)
  --from-data    start from the dataset pushed to T by the exact forward kernel (q_T = p_T, as the paper) instead of the prior
  --capture K    also write the trajectory every K steps to FILE.trajectory.csv (frame, t, coordinates)`;

/** Read a text file; a missing or unreadable file is an InputError naming the flag and the path. */
function toCsv(points: Float32Array, dim: number, prefix: (i: number) => string = () => ''): string {
  const header = Array.from({ length: dim }, (_, j) => `x${j}`).join(',');
  const lines: string[] = [];
  for (let i = 0; i < points.length / dim; i++) lines.push(prefix(i) + Array.from(points.subarray(i * dim, (i + 1) * dim), (v) => v.toPrecision(8)).join(','));
  return `${header}\n${lines.join('\n')}\n`;
}

/** The command's options (every one is listed in `usage`: test/cli_help.test.ts). */
export const options = {
  checkpoint: { type: 'string' },
  ema: { type: 'boolean' },
  exact: { type: 'string' },
  sampler: { type: 'string' },
  lambda: { type: 'string' },
  steps: { type: 'string' },
  n: { type: 'string' },
  seed: { type: 'string' },
  process: { type: 'string' },
  'ddpm-steps': { type: 'string' },
  't-end': { type: 'string' },
  'from-data': { type: 'string' },
  capture: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean' },
} satisfies Options;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, options, usage);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.out) throw new InputError(`--out FILE.csv is required\nusage: ${usage}`);
  if (Boolean(values.checkpoint) === Boolean(values.exact)) throw new InputError(`give exactly one of --checkpoint FILE or --exact DATASET\nusage: ${usage}`);
  const sampler = (values.sampler ?? SAMPLER_DEFAULTS.sampler) as SamplerKind;
  if (!SAMPLER_KINDS.includes(sampler)) throw new InputError(`--sampler must be one of ${SAMPLER_KINDS.join(', ')}, got '${sampler}'`);
  const n = num(values.n, 'n', 10_000, { min: 1, max: 1 << 26, int: true });
  const seed = num(values.seed, 'seed', 0, { min: 0, int: true });
  const capture = num(values.capture, 'capture', 0, { min: 0, int: true });

  let score: ScoreSource;
  let processSpec: ProcessSpec | undefined;
  let dim: number;
  if (values.exact) {
    let mixture: MixtureDescription | undefined;
    if (values.exact.toLowerCase().endsWith('.json')) mixture = parseMixtureJson(readText(values.exact, '--exact'), values.exact);
    else {
      if (!DATASETS.includes(values.exact as DatasetName)) throw new InputError(`--exact: unknown dataset '${values.exact}'`);
      mixture = datasetMixture(values.exact as DatasetName);
      if (!mixture) throw new InputError(`--exact: '${values.exact}' is not a Gaussian mixture, it has no exact score`);
    }
    score = { kind: 'exact', mixture };
    dim = mixture.means[0]?.length ?? 0;
  } else {
    const { ck, params } = readCheckpointWeights(values.checkpoint!, values.ema ?? false);
    const header = ck.header;
    score = { kind: 'network', network: { spec: header.spec, params } };
    dim = header.spec.dim;
    processSpec = (header as { processSpec?: ProcessSpec }).processSpec;
  }
  processSpec = processFromFlags(values, sampler === 'ddpm' ? 'ddpm' : 'vp', processSpec);
  const process = makeProcess(processSpec);
  const steps = values.steps === undefined ? undefined : num(values.steps, 'steps', 1000, { min: 1, int: true });
  const lambda = values.lambda === undefined ? undefined : num(values.lambda, 'lambda', 1, { min: 0, max: 1 });
  const tEnd = values['t-end'] === undefined ? undefined : num(values['t-end'], 't-end', 0, { min: 0 });
  const trajectoryFile = values.out.replace(/\.csv$/, '') + '.trajectory.csv';
  checkOutputFile(values.out);
  if (capture > 0) checkOutputFile(trajectoryFile);

  const fromData = values['from-data'] as DatasetName | undefined;
  if (fromData !== undefined) {
    if (!DATASETS.includes(fromData)) throw new InputError(`--from-data: unknown dataset '${fromData}'`);
    if (DATASET_DIM[fromData] !== dim) throw new InputError(`--from-data: ${fromData} has dimension ${DATASET_DIM[fromData]}, the score has ${dim}`);
  }

  const engine = await createEngine();
  try {
    let bar: ReturnType<typeof progress> | undefined;
    const out = await engine.sample({
      process,
      score,
      n,
      dim,
      sampler,
      seed,
      ...(lambda !== undefined ? { lambda } : {}),
      ...(steps !== undefined ? { steps } : {}),
      ...(tEnd !== undefined ? { tEnd } : {}),
      ...(capture > 0 ? { captureEvery: capture } : {}),
      stepsPerDispatch: Math.max(1, Math.ceil((steps ?? SAMPLER_DEFAULTS.steps) / 20)),
      ...(fromData !== undefined ? { fromData } : {}),
      onProgress: (e) => (bar ??= progress('sample', e.total ?? e.done))(e.done),
    });
    const secs = out.ms / 1000;
    writeAtomic(values.out, toCsv(out.samples, dim));
    if (out.trajectory) {
      const { times, frames } = out.trajectory;
      const parts = frames.map((f, k) => toCsv(f, dim, () => `${k},${times[k]!.toPrecision(8)},`).split('\n').slice(1).join('\n'));
      const header = `frame,t,${Array.from({ length: dim }, (_, j) => `x${j}`).join(',')}`;
      writeAtomic(trajectoryFile, `${header}\n${parts.join('')}`);
    }
    console.log(
      `${n} samples (${sampler}${sampler === 'em' ? `, λ ${lambda ?? SAMPLER_DEFAULTS.lambda}` : ''}, ${out.steps} steps, ${process.label}, ${score.kind === 'exact' ? 'exact score' : 'network'}) -> ${values.out}` +
        `  [${secs.toFixed(2)} s, ${((n * out.steps) / secs).toExponential(2)} particle-steps/s on ${engine.adapter.description || engine.adapter.vendor}]`,
    );
    return 0;
  } finally {
    engine.destroy();
  }
}
