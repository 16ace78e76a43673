/** Owner of shaders/mixture_score.wgsl: the exact score and log-density of a Gaussian mixture at N points. */
import source from '../../shaders/mixture_score.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, UniformBlock, read, rw, uniform } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';
import { packMixture, prepareMixture, type MixtureDescription, type PreparedMixture } from '../scores/mixture.js';

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
    private readonly pipeline: GPUComputePipeline,
    private readonly params: UniformBlock<'n' | 'alpha' | 'sigma2'>,
  ) {}

  static async create(ctx: GpuContext, mix: MixtureDescription | PreparedMixture): Promise<MixtureScore> {
    const prepared = 'eigenvalues' in mix ? mix : prepareMixture(mix);
    const pipeline = await ctx.pipelines.get({
      kernel: 'mixture_score',
      source,
      layout: MixtureScoreBindings.pipelineLayout(ctx.device),
      prelude: [MixtureScoreBindings.wgsl],
      constants: { DIM: prepared.dim, WG },
    });
    const buffer = ctx.storage('mixture:components', packMixture(prepared));
    return new MixtureScore(ctx, prepared, buffer, pipeline, new UniformBlock(ctx, 'mixture_score:params', MixtureScoreParams));
  }

  /**
   * Encode the evaluation at the `n` points of `points` (n × d floats) into `scores` (n × d) and
   * `logp` (n). The parameters are written now: encode one evaluation per submit.
   */
  encode(encoder: GPUCommandEncoder, points: GPUBuffer, scores: GPUBuffer, logp: GPUBuffer, n: number, alpha: number, sigma: number): void {
    if (!Number.isInteger(n) || n < 1) throw new InputError(`mixture score: point count must be a positive integer, got ${n}`);
    if (!Number.isFinite(alpha) || !Number.isFinite(sigma) || sigma < 0) throw new InputError(`mixture score: bad (α, σ) = (${alpha}, ${sigma})`);
    this.params.set({ n, alpha, sigma2: sigma * sigma });
    const bind = MixtureScoreBindings.bind(this.ctx.device, { params: this.params.buffer, mixture: this.buffer, points, scores, logp });
    const pass = encoder.beginComputePass({ label: 'mixture_score' });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(...workgroups(n, WG));
    pass.end();
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
    this.ctx.destroyBuffer(this.buffer);
    this.params.destroy();
  }
}
