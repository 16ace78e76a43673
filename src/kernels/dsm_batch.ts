/** Owner of shaders/dsm_batch.wgsl: draw one DSM minibatch (x_t, target, λ, step index) on the GPU. */
import source from '../../shaders/dsm_batch.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, read, rw, uniform, type Resources } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { StepParams } from '../model/step.js';

export const DsmBatchParams = new ParamsLayout('DsmBatchParams', {
  batch: 'u32',
  bs: 'u32',
  dim: 'u32',
  n_points: 'u32',
  m_coef: 'u32',
  fourier: 'u32',
  x_off: 'u32',
  tgt_off: 'u32',
  lam_off: 'u32',
  inv_t: 'f32',
  seed_lo: 'u32',
  seed_hi: 'u32',
});
export type DsmBatchFields = Parameters<typeof DsmBatchParams.pack>[0];
const WG = 64;

export const DsmBatchBindings = new Bindings('dsm_batch', {
  bp: uniform(DsmBatchParams),
  /** This step's StepParams (dynamic offset). */
  st: uniform(StepParams, { dynamic: true }),
  /** Training data, n_points × dim row-major. */
  data: read('array<f32>'),
  /** Per-step (α, σ, λ, t) rows (src/train/coefficients.ts). */
  coef: read('array<vec4<f32>>'),
  /** The MLP workspace: x_t, target and λ are written. */
  acts: rw('array<f32>'),
  /** Discrete step index per sample. */
  tidx: rw('array<u32>'),
});

export interface DsmBatchVariant {
  discrete: boolean;
  antithetic: boolean;
  /** OUTPUT_CODE of the parameterisation. */
  output: number;
}

export class DsmBatchKernel {
  private constructor(
    private readonly ctx: GpuContext,
    readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext, v: DsmBatchVariant): Promise<DsmBatchKernel> {
    const pl = DsmBatchBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({
      kernel: 'dsm_batch',
      source,
      layout: pl,
      prelude: [DsmBatchBindings.wgsl],
      constants: { WG, DISCRETE: v.discrete ? 1 : 0, ANTITHETIC: v.antithetic ? 1 : 0, OUT: v.output },
    });
    return new DsmBatchKernel(ctx, pipeline);
  }

  bind(b: Resources<typeof DsmBatchBindings>): GPUBindGroup {
    return DsmBatchBindings.bind(this.ctx.device, b);
  }

  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, stepOffset: number, bs: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [stepOffset]);
    pass.dispatchWorkgroups(...workgroups(bs, WG));
  }
}
