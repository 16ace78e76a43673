/**
 * Owner of shaders/score_error.wgsl: per-particle J_SM and J_DSM integrands of a network on a time
 * grid. Bind group: 0 params, 1 table, 2 weights, 3 mixture (a dummy without EXACT), 4 data, 5 out.
 */
import source from '../../shaders/score_error.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, read, rw, uniform, type Resources } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { ParamsLayout } from '../gpu/params.js';
import type { MlpLayout } from '../model/layout.js';
import { mlpConstants, mlpPrelude } from '../model/network.js';
import { STREAM } from './forward_sample.js';

export const ScoreErrorParams = new ParamsLayout('ScoreErrorParams', { n: 'u32', times: 'u32', seed_lo: 'u32', seed_hi: 'u32' });
const WG = 64;

export const ScoreErrorBindings = new Bindings('score_error', {
  params: uniform(ScoreErrorParams),
  /** Per time: the sampler table rows (α, σ, ...). */
  table: read('array<vec4<f32>>'),
  /** The network's flat parameters. */
  weights: read('array<f32>'),
  /** Packed mixture (exact scores) or a dummy. */
  mixture: read('array<vec4<f32>>'),
  /** Data points x_0, n × DIM. */
  data: read('array<f32>'),
  /** 2 × times × n floats. */
  out: rw('array<f32>'),
});

export class ScoreErrorKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext, dim: number, network: MlpLayout, exact: boolean): Promise<ScoreErrorKernel> {
    const pipeline = await ctx.pipelines.get({
      kernel: 'score_error',
      source,
      layout: ScoreErrorBindings.pipelineLayout(ctx.device),
      prelude: [ScoreErrorBindings.wgsl, mlpPrelude(network)],
      defines: { EXACT: exact },
      constants: { DIM: dim, WG, STREAM: STREAM.scoreError, ...mlpConstants(network.spec) },
    });
    return new ScoreErrorKernel(ctx.device, pipeline);
  }

  bind(b: Resources<typeof ScoreErrorBindings>): GPUBindGroup {
    return ScoreErrorBindings.bind(this.device, b);
  }

  encode(pass: GPUComputePassEncoder, bind: GPUBindGroup, n: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(...workgroups(Math.ceil(n / 4), WG));
  }
}
