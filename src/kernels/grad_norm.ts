/** Owner of shaders/grad_norm.wgsl: global gradient norm and clipping factor, one workgroup. */
import source from '../../shaders/grad_norm.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { bindLayout } from '../gpu/bindings.js';

export const GradNormParams = new ParamsLayout('GradNormParams', { n: 'u32', max_norm: 'f32' });

export class GradNormKernel {
  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: GPUBindGroupLayout,
    readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext): Promise<GradNormKernel> {
    const layout = bindLayout(ctx.device, 'grad_norm', ['uniform', 'read', 'rw']);
    const pl = ctx.device.createPipelineLayout({ label: 'grad_norm', bindGroupLayouts: [layout] });
    const pipeline = await ctx.pipelines.get({ kernel: 'grad_norm', source, layout: pl, prelude: [GradNormParams.wgsl] });
    return new GradNormKernel(ctx, layout, pipeline);
  }

  /** Uniform for `n` gradient floats (a multiple of 4) and clipping threshold `maxNorm` (<= 0: no clipping). */
  params(n: number, maxNorm: number): GPUBuffer {
    const u = this.ctx.uniform('grad_norm:params', GradNormParams.byteSize);
    this.ctx.write(u, GradNormParams.pack({ n, max_norm: maxNorm }));
    return u;
  }

  bind(ubuf: GPUBuffer, grads: GPUBuffer, stats: GPUBuffer): GPUBindGroup {
    return this.ctx.device.createBindGroup({
      label: 'grad_norm',
      layout: this.layout,
      entries: [ubuf, grads, stats].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
  }

  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(1);
  }
}
