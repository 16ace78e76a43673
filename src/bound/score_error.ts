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
import { MIXTURE_VEC4_MAX_DIM, packMixture, prepareMixture, type MixtureDescription, type PreparedMixture } from '../scores/mixture.js';
import { MixtureScore } from '../kernels/mixture_score.js';
import { STREAM } from '../kernels/forward_sample.js';
import { scoreFromOutput, type MlpLayout } from '../model/layout.js';
import { embedIndex } from '../processes/grid.js';
import { boxMuller, philox4x32 } from '../rng/philox.js';
import { FUSED_MAX_WIDTH } from '../samplers/sampler.js';
import { MlpBatchPlan } from '../train/mlp.js';
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

/**
 * The general path (d > 4 or layers wider than the fused kernel takes): x_t = α x_0 + σ z drawn on
 * the host from the same Philox counters as the GPU kernel (particle p, time index ti, stream
 * scoreError, coordinate quad j/4), the network evaluated in batches by the trainer's layer kernels,
 * the exact score by MixtureScore; sums in float64.
 */
async function scoreErrorsGeneral(
  ctx: GpuContext,
  o: ScoreErrorOptions,
  layout: MlpLayout,
  prepared: PreparedMixture | undefined,
  data: Float32Array,
  n: number,
  times: Float64Array,
): Promise<ScoreErrors> {
  const d = o.dim;
  const M = times.length;
  const batch = Math.min(n, 2048);
  const weights = o.network.params instanceof Float32Array ? ctx.storage('score_error:weights', o.network.params.subarray(0, layout.size)) : o.network.params;
  const owns = weights !== o.network.params;
  let plan: MlpBatchPlan | undefined;
  let mix: MixtureScore | undefined;
  const key = splitSeed(o.seed ?? 0);
  const stats = Array.from({ length: 2 * M }, () => ({ mean: 0, m2: 0, k: 0 }));
  const add = (i: number, v: number) => {
    const s = stats[i]!;
    s.k++;
    const delta = v - s.mean;
    s.mean += delta / s.k;
    s.m2 += delta * (v - s.mean);
  };
  try {
    plan = await MlpBatchPlan.create(ctx, layout, batch, weights);
    if (prepared) mix = await MixtureScore.create(ctx, prepared);
    const outRow = plan.ws.u[layout.layers.length - 1]!;
    const bs = plan.ws.bs;
    const xt = new Float32Array(batch * d);
    const z = new Float32Array(batch * d);
    for (let ti = 0; ti < M; ti++) {
      const t = times[ti]!;
      const alpha = o.process.alpha(t), sigma = o.process.sigma(t);
      // The fused kernel reads α, σ from the f32 table: use the same rounded values.
      const a32 = Math.fround(alpha), s32 = Math.fround(sigma);
      const tin = layout.steps > 0 ? embedIndex(t, o.process.T, layout.steps) : t / o.process.T;
      for (let p0 = 0; p0 < n; p0 += batch) {
        const cnt = Math.min(batch, n - p0);
        for (let b = 0; b < cnt; b++) {
          const p = p0 + b;
          for (let q = 0; 4 * q < d; q++) {
            const w = philox4x32([p >>> 0, ti, STREAM.scoreError, q], key);
            const g = [...boxMuller(w[0], w[1]), ...boxMuller(w[2], w[3])];
            for (let c = 0; c < 4 && 4 * q + c < d; c++) {
              const j = 4 * q + c;
              z[b * d + j] = g[c]!;
              xt[b * d + j] = a32 * data[p * d + j]! + s32 * g[c]!;
            }
          }
        }
        const x = xt.subarray(0, cnt * d);
        plan.setInput(x, tin);
        const enc = ctx.device.createCommandEncoder({ label: 'score_error:general' });
        const pass = enc.beginComputePass({ label: 'mlp:forward' });
        plan.encodeForward(pass);
        pass.end();
        const out = new Float32Array(await ctx.read(plan.acts, outRow * 4, d * bs * 4, enc));
        const exact = mix ? (await mix.evaluate(x, a32, s32)).score : undefined;
        for (let b = 0; b < cnt; b++) {
          let dsm = 0, sm = 0;
          for (let j = 0; j < d; j++) {
            const sj = scoreFromOutput(layout.spec.output, out[j * bs + b]!, x[b * d + j]!, a32, s32);
            dsm += (sj + z[b * d + j]! / s32) ** 2;
            if (exact) sm += (exact[b * d + j]! - sj) ** 2;
          }
          add(M + ti, dsm);
          if (exact) add(ti, sm);
        }
      }
    }
  } finally {
    plan?.destroy();
    mix?.destroy();
    if (owns) ctx.destroyBuffer(weights);
  }
  const pick = (off: number) => Float64Array.from({ length: M }, (_, i) => stats[off + i]!.mean);
  const se = (off: number) => Float64Array.from({ length: M }, (_, i) => Math.sqrt(stats[off + i]!.m2 / n / n));
  const res: ScoreErrors = { times, jdsm: pick(M), jdsmStderr: se(M) };
  if (prepared) {
    res.jsm = pick(0);
    res.jsmStderr = se(0);
  }
  return res;
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
  if (dim > MIXTURE_VEC4_MAX_DIM || layout.maxWidth > FUSED_MAX_WIDTH) {
    try {
      const host = o.data instanceof Float32Array ? o.data : await ctx.readF32(dataBuffer, 0, n * dim);
      return await scoreErrorsGeneral(ctx, o, layout, prepared, host, n, times);
    } finally {
      for (const b of owned) ctx.destroyBuffer(b);
    }
  }
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
