/**
 * Monte Carlo estimates, on the GPU, of the score-matching errors that enter the W2 bound
 * (Kwon et al. 2022, Theorem 1 and Corollary 1) on a grid of times:
 *
 *   J_SM(t)  = E_{p_t} ||∇log p_t(x) − s_θ(x, t)||²   (exact ∇log p_t of a Gaussian mixture)
 *   J_DSM(t) = E_{x_0 ~ p_0, z ~ N(0, I)} ||s_θ(α_t x_0 + σ_t z, t) + z/σ_t||²
 *
 * Every data point x_0 gives one x_t per time (fresh noise per time from the counter RNG), so each
 * estimate averages n terms; the standard error is reported with it. J_DSM − J_SM is the
 * θ-independent constant E||∇log p(x_t|x_0)||² − E||∇log p_t||² (Vincent 2011).
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { Reduce } from '../kernels/reduce.js';
import { ScoreErrorKernel, ScoreErrorParams } from '../kernels/score_error.js';
import type { ForwardProcess } from '../processes/process.js';
import { splitSeed } from '../rng/philox.js';
import { samplerTable } from '../processes/grid.js';
import { packMixture, prepareMixture, type MixtureDescription, type PreparedMixture } from '../scores/mixture.js';
import { networkLayout, type NetworkScore } from '../model/network.js';

export interface ScoreErrorOptions {
  process: ForwardProcess;
  network: NetworkScore;
  /** Samples of p_0: n × d floats, or a GPU buffer holding them with `n`. */
  data: Float32Array | { buffer: GPUBuffer; n: number };
  dim: number;
  /** Times in (0, T] (σ_t > 0). */
  times: ArrayLike<number>;
  /** The exact p_0 as a Gaussian mixture: enables J_SM. */
  mixture?: MixtureDescription | PreparedMixture;
  seed?: number | bigint;
}

export interface ScoreErrors {
  times: Float64Array;
  /** J_SM(t) (undefined without a mixture) and its standard error. */
  jsm?: Float64Array;
  jsmStderr?: Float64Array;
  jdsm: Float64Array;
  jdsmStderr: Float64Array;
}

export async function scoreMatchingErrors(ctx: GpuContext, o: ScoreErrorOptions): Promise<ScoreErrors> {
  const { process, dim } = o;
  const layout = networkLayout(o.network, dim);
  const times = Float64Array.from(o.times);
  if (times.length === 0) throw new InputError('score errors: empty time grid');
  for (const t of times) {
    if (!(Number.isFinite(t) && t > 0 && t <= process.T && process.sigma(t) > 0)) throw new InputError(`score errors: time ${t} must be in (0, ${process.T}] with σ_t > 0`);
  }
  const M = times.length;
  let n: number;
  let dataBuffer: GPUBuffer;
  const owned: GPUBuffer[] = [];
  if (o.data instanceof Float32Array) {
    if (o.data.length === 0 || o.data.length % dim !== 0) throw new InputError(`score errors: data has ${o.data.length} floats, not a positive multiple of d = ${dim}`);
    for (const v of o.data) if (!Number.isFinite(v)) throw new InputError('score errors: data contains NaN or Inf');
    n = o.data.length / dim;
    dataBuffer = ctx.storage('score_error:data', o.data);
    owned.push(dataBuffer);
  } else {
    n = o.data.n;
    dataBuffer = o.data.buffer;
    if (!Number.isInteger(n) || n < 1 || dataBuffer.size < n * dim * 4) throw new InputError(`score errors: data buffer too small for n = ${n} points of dimension ${dim}`);
  }
  if (2 * M * n * 4 > ctx.device.limits.maxStorageBufferBindingSize) throw new InputError(`score errors: ${M} times × ${n} points exceed the storage binding limit`);
  const prepared = o.mixture ? ('eigenvalues' in o.mixture ? o.mixture : prepareMixture(o.mixture)) : undefined;
  if (prepared && prepared.dim !== dim) throw new InputError(`score errors: mixture dimension ${prepared.dim} != ${dim}`);
  try {
    const kernel = await ScoreErrorKernel.create(ctx, dim, layout, prepared !== undefined);
    const weights = o.network.params instanceof Float32Array ? ctx.storage('score_error:weights', o.network.params.subarray(0, layout.size)) : o.network.params;
    if (weights !== o.network.params) owned.push(weights);
    const mixture = ctx.storage('score_error:mixture', prepared ? packMixture(prepared) : new Float32Array(28));
    const table = ctx.storage('score_error:table', samplerTable(process, times, layout.steps));
    const out = ctx.storage('score_error:out', 2 * M * n * 4);
    const ubuf = ctx.uniform('score_error:params', ScoreErrorParams.byteSize);
    owned.push(mixture, table, out, ubuf);
    const [lo, hi] = splitSeed(o.seed ?? 0);
    ctx.write(ubuf, ScoreErrorParams.pack({ n, times: M, seed_lo: lo, seed_hi: hi }));
    const bind = kernel.bind({ params: ubuf, table, weights, mixture, data: dataBuffer, out });
    const enc = ctx.device.createCommandEncoder({ label: 'score_error' });
    const pass = enc.beginComputePass({ label: 'score_error' });
    kernel.encode(pass, bind, n);
    pass.end();
    ctx.submit(enc.finish());
    const plan = await (await Reduce.create(ctx)).plan('meanvar', out, n, { segments: 2 * M });
    let mv: Float64Array;
    try {
      mv = await plan.run();
    } finally {
      plan.destroy();
    }
    const pick = (off: number, k: number) => Float64Array.from({ length: M }, (_, i) => mv[2 * (off + i) + k]!);
    const se = (off: number) => pick(off, 1).map((v) => Math.sqrt(v / n));
    const res: ScoreErrors = { times, jdsm: pick(M, 0), jdsmStderr: se(M) };
    if (prepared) {
      res.jsm = pick(0, 0);
      res.jsmStderr = se(0);
    }
    return res;
  } finally {
    for (const b of owned) ctx.destroyBuffer(b);
  }
}
