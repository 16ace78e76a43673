/** Owner of shaders/pairwise_lipschitz.wgsl: per point, max over the other points of its segment of (s_i − s_j)·(x_i − x_j)/|x_i − x_j|². */
import source from '../../shaders/pairwise_lipschitz.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, read, rw, uniform } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';

const WG = 64;
export const PairwiseParams = new ParamsLayout('PairwiseParams', { points: 'u32', per_time: 'u32', min_dist2: 'f32' });

export const PairwiseBindings = new Bindings('pairwise_lipschitz', {
  params: uniform(PairwiseParams),
  /** Points, P × D (from the per-point kernels). */
  xs: read('array<f32>'),
  /** Scores at those points, P × D. */
  scores: read('array<f32>'),
  /** Per point: the largest quotient against the other points of its time. */
  best: rw('array<f32>'),
});

export class PairwiseLipschitz {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly pipeline: GPUComputePipeline,
    readonly dim: number,
  ) {}

  static async create(ctx: GpuContext, dim: number): Promise<PairwiseLipschitz> {
    if (!(Number.isInteger(dim) && dim >= 1 && dim <= 64)) throw new InputError(`pairwise estimator: dimension must be an integer in [1, 64], got ${dim}`);
    const layout = PairwiseBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({ kernel: 'pairwise_lipschitz', source, layout, prelude: [PairwiseBindings.wgsl], constants: { WG, D: dim } });
    return new PairwiseLipschitz(ctx, pipeline, dim);
  }

  /** Encode: `best[i]` for i < segments·perTime. Returns the uniform buffer (caller destroys it after the run). */
  encode(encoder: GPUCommandEncoder, xs: GPUBuffer, scores: GPUBuffer, best: GPUBuffer, segments: number, perTime: number, minDist = 1e-3): GPUBuffer {
    const P = segments * perTime;
    if (!(Number.isInteger(perTime) && perTime >= 2)) throw new InputError(`pairwise estimator needs at least 2 points per time, got ${perTime}`);
    if (xs.size < P * this.dim * 4 || scores.size < P * this.dim * 4 || best.size < P * 4) throw new InputError(`pairwise estimator: buffers too small for ${P} points`);
    const ubuf = this.ctx.uniform('pairwise_lipschitz:params', PairwiseParams.byteSize);
    this.ctx.write(ubuf, PairwiseParams.pack({ points: P, per_time: perTime, min_dist2: minDist * minDist }));
    const bind = PairwiseBindings.bind(this.ctx.device, { params: ubuf, xs, scores, best });
    const pass = encoder.beginComputePass({ label: 'pairwise_lipschitz' });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(...workgroups(P, WG));
    pass.end();
    return ubuf;
  }
}
