/**
 * Owner of shaders/mixture_score.wgsl: the exact score and log-density of a Gaussian mixture at N
 * points. Dimensions above 4 run shaders/mixture_score_nd.wgsl (src/kernels/mixture_score_nd.ts)
 * through a work buffer that holds points, scores and log-densities.
 */
import source from '../../shaders/mixture_score.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, UniformBlock, read, rw, uniform } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';
import { MIXTURE_VEC4_MAX_DIM, checkMixtureNdFits, mixtureNdStride, packMixture, packMixtureNd, prepareMixture, type MixtureDescription, type PreparedMixture } from '../scores/mixture.js';
import { MixtureNdParams, MixtureScoreNdKernel } from './mixture_score_nd.js';

const WG = 64;
export const MixtureScoreParams = new ParamsLayout('MixtureScoreParams', { n: 'u32', alpha: 'f32', sigma2: 'f32' });

export const MixtureScoreBindings = new Bindings('mixture_score', {
  params: uniform(MixtureScoreParams),
  /** Packed components (7 vec4 each). */
  mixture: read('array<vec4<f32>>'),
  /** n × d row-major. */
  points: read('array<f32>'),
  scores: rw('array<f32>'),
  logp: rw('array<f32>'),
});

/**
 * A mixture uploaded once; `encode` evaluates score and log-density at every point of a buffer for
 * one time (α_t, σ_t of the forward process), `evaluate` is the convenience form with readback.
 */
export class MixtureScore {
  private constructor(
    private readonly ctx: GpuContext,
    readonly mixture: PreparedMixture,
    /** The packed components (7 vec4 each), readable by other kernels (samplers). */
    readonly buffer: GPUBuffer,
    private readonly pipeline: GPUComputePipeline | undefined,
    private readonly params: UniformBlock<'n' | 'alpha' | 'sigma2'> | undefined,
    private readonly nd: { kernel: MixtureScoreNdKernel; ubuf: GPUBuffer } | undefined,
  ) {}
  /** d > 4: the work buffer (points, scores, log p) of the largest n so far, and a one-row table. */
  private work: { buffer: GPUBuffer; scratch: GPUBuffer; n: number } | undefined;
  private ndTable: GPUBuffer | undefined;

  static async create(ctx: GpuContext, mix: MixtureDescription | PreparedMixture): Promise<MixtureScore> {
    const prepared = 'eigenvalues' in mix ? mix : prepareMixture(mix);
    if (prepared.dim > MIXTURE_VEC4_MAX_DIM) {
      checkMixtureNdFits(prepared, ctx.device.limits.maxStorageBufferBindingSize);
      const kernel = await MixtureScoreNdKernel.create(ctx, prepared.dim);
      const buffer = ctx.storage('mixture:components-nd', packMixtureNd(prepared));
      return new MixtureScore(ctx, prepared, buffer, undefined, undefined, { kernel, ubuf: ctx.uniform('mixture_score_nd:params', 256) });
    }
    const pipeline = await ctx.pipelines.get({
      kernel: 'mixture_score',
      source,
      layout: MixtureScoreBindings.pipelineLayout(ctx.device),
      prelude: [MixtureScoreBindings.wgsl],
      constants: { DIM: prepared.dim, WG },
    });
    const buffer = ctx.storage('mixture:components', packMixture(prepared));
    return new MixtureScore(ctx, prepared, buffer, pipeline, new UniformBlock(ctx, 'mixture_score:params', MixtureScoreParams), undefined);
  }

  /**
   * Encode the evaluation at the `n` points of `points` (n × d floats) into `scores` (n × d) and
   * `logp` (n). The parameters are written now: encode one evaluation per submit.
   */
  encode(encoder: GPUCommandEncoder, points: GPUBuffer, scores: GPUBuffer, logp: GPUBuffer, n: number, alpha: number, sigma: number): void {
    if (!Number.isInteger(n) || n < 1) throw new InputError(`mixture score: point count must be a positive integer, got ${n}`);
    if (!Number.isFinite(alpha) || !Number.isFinite(sigma) || sigma < 0) throw new InputError(`mixture score: bad (α, σ) = (${alpha}, ${sigma})`);
    if (this.nd) {
      this.encodeNd(encoder, points, scores, logp, n, alpha, sigma);
      return;
    }
    this.params!.set({ n, alpha, sigma2: sigma * sigma });
    const bind = MixtureScoreBindings.bind(this.ctx.device, { params: this.params!.buffer, mixture: this.buffer, points, scores, logp });
    const pass = encoder.beginComputePass({ label: 'mixture_score' });
    pass.setPipeline(this.pipeline!);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(...workgroups(n, WG));
    pass.end();
  }

  /** d > 4: points → work, the d-dimensional kernel (row-major), work → scores and logp. */
  private encodeNd(encoder: GPUCommandEncoder, points: GPUBuffer, scores: GPUBuffer, logp: GPUBuffer, n: number, alpha: number, sigma: number): void {
    const d = this.mixture.dim;
    const nd = n * d;
    const floats = 2 * nd + n;
    if (floats * 4 > this.ctx.device.limits.maxStorageBufferBindingSize) throw new InputError(`mixture score: ${n} points of dimension ${d} need ${floats * 4} bytes of work space, over the storage binding limit`);
    if (!this.work || this.work.n < n) {
      if (this.work) for (const b of [this.work.buffer, this.work.scratch]) this.ctx.destroyBuffer(b);
      this.work = { buffer: this.ctx.storage('mixture_score_nd:work', floats * 4), scratch: this.ctx.storage('mixture_score_nd:scratch', nd * 4), n };
    }
    // A one-row table (t, α, σ, ·), (·, ·, ·, ·) as the samplers' tables.
    this.ndTable ??= this.ctx.storage('mixture_score_nd:table', 32);
    this.ctx.write(this.ndTable, new Float32Array([0, alpha, sigma, 0, 0, 0, 0, 0]));
    const { kernel, ubuf } = this.nd!;
    this.ctx.write(ubuf, MixtureNdParams.pack({ n, row: 0, comps: this.mixture.components, stride: mixtureNdStride(d), x_off: 0, x_sp: d, x_sj: 1, s_off: nd, s_sp: d, s_sj: 1, logp_off: 2 * nd }));
    const bind = kernel.bind({ mp: ubuf, mixture: this.buffer, table: this.ndTable, work: this.work.buffer, scratch: this.work.scratch });
    encoder.copyBufferToBuffer(points, 0, this.work.buffer, 0, nd * 4);
    const pass = encoder.beginComputePass({ label: 'mixture_score_nd' });
    kernel.encode(pass, bind, 0, n);
    pass.end();
    encoder.copyBufferToBuffer(this.work.buffer, nd * 4, scores, 0, nd * 4);
    encoder.copyBufferToBuffer(this.work.buffer, 2 * nd * 4, logp, 0, n * 4);
  }

  /** Score (n × d) and log-density (n) at the given points, read back. */
  async evaluate(points: Float32Array, alpha: number, sigma: number): Promise<{ score: Float32Array; logp: Float32Array }> {
    const d = this.mixture.dim;
    if (points.length === 0 || points.length % d !== 0) throw new InputError(`mixture score: ${points.length} floats is not a positive multiple of d = ${d}`);
    for (const v of points) if (!Number.isFinite(v)) throw new InputError('mixture score: points contain NaN or Inf');
    const n = points.length / d;
    const pts = this.ctx.storage('mixture_score:points', points);
    const sc = this.ctx.storage('mixture_score:scores', n * d * 4);
    const lp = this.ctx.storage('mixture_score:logp', n * 4);
    try {
      const enc = this.ctx.device.createCommandEncoder({ label: 'mixture_score' });
      this.encode(enc, pts, sc, lp, n, alpha, sigma);
      this.ctx.submit(enc.finish());
      const [score, logp] = await Promise.all([this.ctx.readF32(sc), this.ctx.readF32(lp)]);
      return { score, logp };
    } finally {
      for (const b of [pts, sc, lp]) this.ctx.destroyBuffer(b);
    }
  }

  destroy(): void {
    if (this.work) for (const b of [this.work.buffer, this.work.scratch]) this.ctx.destroyBuffer(b);
    if (this.ndTable) this.ctx.destroyBuffer(this.ndTable);
    if (this.nd) this.ctx.destroyBuffer(this.nd.ubuf);
    this.ctx.destroyBuffer(this.buffer);
    this.params?.destroy();
  }
}
