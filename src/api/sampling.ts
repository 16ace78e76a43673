/**
 * `engine.sample`: reverse-time samplers from the prior, from given points or from a built-in
 * dataset pushed to T, with the samples returned as a PointCloud.
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { throwIfAborted } from '../gpu/run.js';
import { checkInteger, checkOneOf, checkSeed, checkSignal, toPoints, type PointsInput } from '../gpu/validate.js';
import type { PointCloud } from '../gpu/points.js';
import { DATASETS, DATASET_DIM, makeDataset, type DatasetName } from '../data/datasets.js';
import { ForwardSampler } from '../samplers/forward.js';
import { sample as runSampler, type SampleRunOptions, type SamplerOptions } from '../samplers/sampler.js';
import { checkNetwork } from './checks.js';

/** Options of `engine.sample`: the sampler's, with `init` also as a PointCloud or an array of points. */
export type EngineSampleOptions = Omit<SamplerOptions, 'init'> &
  SampleRunOptions & {
    init?: PointsInput | GPUBuffer;
    /**
     * Start from data instead of the prior: `n` points of this built-in dataset (drawn with seed + 1)
     * pushed to T by the exact forward kernel (noise seed + 2), so q_T = p_T as in the paper. Not with `init`.
     */
    fromData?: DatasetName;
  };

/** What `engine.sample` resolves with. */
export interface SampleResult {
  /** The samples as a PointCloud (n × d). */
  points: PointCloud;
  /** The same floats, n × d row-major. */
  samples: Float32Array;
  /** Steps run (the schedule's for 'ddpm'). */
  steps: number;
  /** Wall-clock milliseconds of the run and the samples' readback (not the set-up). */
  ms: number;
  /** With `captureEvery`: the particles every captureEvery steps. */
  trajectory?: { times: Float64Array; frames: Float32Array[] };
}

/** A sampler's output with its samples also as a PointCloud. */
function withCloud<T extends { samples: Float32Array }>(out: T, n: number): T & { points: PointCloud } {
  return { ...out, points: { data: out.samples, n, d: out.samples.length / n } };
}

/**
 * Run a reverse-time sampler (reverse SDE, probability-flow ODE, Heun, DDPM ancestral) with the
 * exact mixture score or a network, from the prior or from `init` (a PointCloud, an array of
 * points, or a GPU buffer); resolves with the samples as a PointCloud `points` (and the same
 * floats as `samples`, n × d row-major) and, with `captureEvery`, the trajectory.
 */
export async function sampleWith(ctx: GpuContext, options: EngineSampleOptions): Promise<SampleResult> {
  if (typeof options !== 'object' || options === null) throw new InputError('sample: options are required ({ process, score, n, ... })');
  let opts = options as SamplerOptions & SampleRunOptions;
  checkInteger('sample: n', opts.n, 1, 1 << 26);
  if (opts.steps !== undefined) checkInteger('sample: steps', opts.steps, 1, 1 << 24);
  if (opts.seed !== undefined) checkSeed('sample: seed', opts.seed);
  checkSignal('sample: signal', opts.signal);
  if (typeof (opts.process as { g2?: unknown } | undefined)?.g2 !== 'function') throw new InputError('sample: process must be a forward process (makeProcess(...), new VpLinear(), ...)');
  const score = opts.score as { kind?: unknown; mixture?: unknown; network?: unknown } | undefined;
  if (typeof score !== 'object' || score === null) throw new InputError("sample: score is required: { kind: 'exact', mixture } or { kind: 'network', network: { spec, params } }");
  if (score.kind !== 'exact' && score.kind !== 'network') throw new InputError(`sample: score.kind must be 'exact' or 'network', got ${JSON.stringify(score.kind)}`);
  if (score.kind === 'exact' && (typeof score.mixture !== 'object' || score.mixture === null)) throw new InputError('sample: score.mixture (weights, means, covs) is required for an exact score');
  if (score.kind === 'network' && (typeof score.network !== 'object' || score.network === null)) throw new InputError('sample: score.network ({ spec, params }) is required for a network score');
  const exact = opts.score.kind === 'exact' ? opts.score.mixture : undefined;
  const dim = opts.dim ?? (opts.score.kind === 'network' ? opts.score.network.spec?.dim : exact && 'eigenvalues' in exact ? exact.dim : exact?.means?.[0]?.length);
  const init = opts.init as unknown;
  if (init !== undefined) {
    const isBuffer = typeof init === 'object' && init !== null && typeof (init as GPUBuffer).size === 'number' && typeof (init as GPUBuffer).usage === 'number';
    if (!isBuffer) {
      // Float32Array, a flat number[] or one array per point: n points of the score's dimension.
      const pts = toPoints('sample: init', init, Array.isArray(init) && Array.isArray(init[0]) ? undefined : (dim ?? 1), dim);
      if (pts.n !== opts.n) throw new InputError(`sample: init has ${pts.n} points of dimension ${pts.d}, expected n = ${opts.n}`);
      opts = { ...opts, init: pts.data };
    }
  }
  if (opts.score?.kind === 'network') checkNetwork('sample', opts.score.network);
  const fromData = (options as { fromData?: DatasetName }).fromData;
  if (fromData !== undefined) {
    checkOneOf('sample: fromData', fromData, DATASETS);
    if (init !== undefined) throw new InputError('sample: give init or fromData, not both');
    if (dim !== undefined && DATASET_DIM[fromData] !== dim) throw new InputError(`sample: fromData ${fromData} has dimension ${DATASET_DIM[fromData]}, the score has ${dim}`);
  }
  throwIfAborted(opts.signal, 'sample');
  const { fromData: _fromData, ...samplerOpts } = opts as SamplerOptions & SampleRunOptions & { fromData?: DatasetName };
  if (fromData === undefined) return withCloud(await runSampler(ctx, samplerOpts), opts.n);
  const seed = opts.seed ?? 0;
  const offset = (k: number) => (typeof seed === 'bigint' ? seed + BigInt(k) : seed + k);
  const data = await makeDataset(ctx, fromData, { n: opts.n, seed: offset(1) });
  let forward: ForwardSampler | undefined;
  try {
    forward = await ForwardSampler.create(ctx, { process: opts.process, dim: data.d, n: opts.n, steps: 1 });
    await forward.marginal(data.data, opts.process.T, offset(2));
    return withCloud(await runSampler(ctx, { ...samplerOpts, init: forward.state }), opts.n);
  } finally {
    forward?.destroy();
    data.destroy();
  }
}
