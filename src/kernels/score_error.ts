/**
 * Owner of shaders/score_error.wgsl: per-particle J_SM and J_DSM integrands of a network on a time
 * grid. Bind group: 0 params, 1 table, 2 weights, 3 mixture (a dummy without EXACT), 4 data, 5 out.
 */
import source from '../../shaders/score_error.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { computeLayout, grid2d } from '../gpu/dispatch.js';
import { ParamsLayout } from '../gpu/params.js';
import type { MlpLayout } from '../model/layout.js';
import { mlpConstants, mlpPrelude } from '../model/network.js';
import { STREAM } from './forward_sample.js';

export const ScoreErrorParams = new ParamsLayout('ScoreErrorParams', { n: 'u32', times: 'u32', seed_lo: 'u32', seed_hi: 'u32' });
const WG = 64;

export class ScoreErrorKernel {
  private constructor(
    readonly layout: GPUBindGroupLayout,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext, dim: number, network: MlpLayout, exact: boolean): Promise<ScoreErrorKernel> {
    const layout = computeLayout(ctx.device, 'score_error', ['uniform', 'read', 'read', 'read', 'read', 'rw']);
    const pl = ctx.device.createPipelineLayout({ label: 'score_error', bindGroupLayouts: [layout] });
    const pipeline = await ctx.pipelines.get({
      kernel: 'score_error',
      source,
      layout: pl,
      prelude: [ScoreErrorParams.wgsl, mlpPrelude(network)],
      defines: { EXACT: exact },
      constants: { DIM: dim, WG, STREAM: STREAM.scoreError, ...mlpConstants(network.spec) },
    });
    return new ScoreErrorKernel(layout, pipeline);
  }

  encode(pass: GPUComputePassEncoder, bind: GPUBindGroup, n: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind);
    const [x, y] = grid2d(Math.ceil(n / 4 / WG));
    pass.dispatchWorkgroups(x, y);
  }
}
