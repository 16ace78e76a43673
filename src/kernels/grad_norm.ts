/** Owner of shaders/grad_norm.wgsl: global gradient norm and clipping factor, one workgroup. */
import source from '../../shaders/grad_norm.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, read, rw, uniform, type Resources } from '../gpu/bindings.js';

export const GradNormParams = new ParamsLayout('GradNormParams', { n: 'u32', max_norm: 'f32' });

export const GradNormBindings = new Bindings('grad_norm', {
  np: uniform(GradNormParams),
  grads: read('array<vec4<f32>>'),
  /** [norm, clip factor, ...] read by adam_step. */
  stats: rw('array<f32>'),
});

export class GradNormKernel {
  private constructor(
    private readonly ctx: GpuContext,
    readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext): Promise<GradNormKernel> {
    const layout = GradNormBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({ kernel: 'grad_norm', source, layout, prelude: [GradNormBindings.wgsl] });
    return new GradNormKernel(ctx, pipeline);
  }

  /** Uniform for `n` gradient floats (a multiple of 4) and clipping threshold `maxNorm` (<= 0: no clipping). */
  params(n: number, maxNorm: number): GPUBuffer {
    const u = this.ctx.uniform('grad_norm:params', GradNormParams.byteSize);
    this.ctx.write(u, GradNormParams.pack({ n, max_norm: maxNorm }));
    return u;
  }

  bind(b: Resources<typeof GradNormBindings>): GPUBindGroup {
    return GradNormBindings.bind(this.ctx.device, b);
  }

  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(1);
  }
}
