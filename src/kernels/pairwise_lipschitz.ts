/** Owner of shaders/pairwise_lipschitz.wgsl: per point, max over the other points of its segment of (s_i − s_j)·(x_i − x_j)/|x_i − x_j|². */
import source from '../../shaders/pairwise_lipschitz.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, UniformBlock, read, rw, uniform } from '../gpu/bindings.js';
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

/** A bind group of PairwiseLipschitz and the buffers in it (their sizes are checked per dispatch). */
export interface PairwiseBinding {
  readonly group: GPUBindGroup;
  readonly buffers: Readonly<{ xs: GPUBuffer; scores: GPUBuffer; best: GPUBuffer }>;
}

/**
 * create → bind → dispatch: the uniform block is allocated once at create and written by
 * `dispatch` with queue.writeBuffer (it takes effect for the next submit: one dispatch per submit).
 */
export class PairwiseLipschitz {
  private readonly params: UniformBlock<'points' | 'per_time' | 'min_dist2'>;

  private constructor(
    private readonly ctx: GpuContext,
    private readonly pipeline: GPUComputePipeline,
    readonly dim: number,
  ) {
    this.params = new UniformBlock(ctx, 'pairwise_lipschitz:params', PairwiseParams);
  }

  static async create(ctx: GpuContext, dim: number): Promise<PairwiseLipschitz> {
    if (!(Number.isInteger(dim) && dim >= 1 && dim <= 64)) throw new InputError(`pairwise estimator: dimension must be an integer in [1, 64], got ${dim}`);
    const layout = PairwiseBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({ kernel: 'pairwise_lipschitz', source, layout, prelude: [PairwiseBindings.wgsl], constants: { WG, D: dim } });
    return new PairwiseLipschitz(ctx, pipeline, dim);
  }

  /** A bind group over points and scores (P × D each) and the per-point output `best` (P). */
  bind(buffers: { xs: GPUBuffer; scores: GPUBuffer; best: GPUBuffer }): PairwiseBinding {
    const group = PairwiseBindings.bind(this.ctx.device, { params: this.params.buffer, ...buffers });
    return { group, buffers: { ...buffers } };
  }

  /**
   * `best[i]` for i < segments·perTime: the largest quotient of point i against the other points of
   * its segment, pairs closer than `minDist` skipped.
   */
  dispatch(pass: GPUComputePassEncoder, binding: PairwiseBinding, segments: number, perTime: number, minDist = 1e-3): void {
    const P = segments * perTime;
    const { xs, scores, best } = binding.buffers;
    if (!(Number.isInteger(perTime) && perTime >= 2)) throw new InputError(`pairwise estimator needs at least 2 points per time, got ${perTime}`);
    if (!(Number.isInteger(segments) && segments >= 1)) throw new InputError(`pairwise estimator: segment count must be a positive integer, got ${segments}`);
    if (xs.size < P * this.dim * 4 || scores.size < P * this.dim * 4 || best.size < P * 4) throw new InputError(`pairwise estimator: buffers too small for ${P} points`);
    this.params.set({ points: P, per_time: perTime, min_dist2: minDist * minDist });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, binding.group);
    pass.dispatchWorkgroups(...workgroups(P, WG));
  }

  /** Release the uniform block. */
  destroy(): void {
    this.params.destroy();
  }
}
