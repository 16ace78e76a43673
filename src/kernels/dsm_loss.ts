/** Owner of shaders/dsm_loss.wgsl: weighted DSM loss, its output gradient and a running loss sum. */
import source from '../../shaders/dsm_loss.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { bindLayout, groupsFor } from '../gpu/bindings.js';
import { StepParams } from '../model/step.js';

export const DsmLossParams = new ParamsLayout('DsmLossParams', { batch: 'u32', bs: 'u32', dim: 'u32', out_off: 'u32', tgt_off: 'u32', lam_off: 'u32', dout_off: 'u32' });
export type DsmLossFields = Parameters<typeof DsmLossParams.pack>[0];
const WG = 64;

export class DsmLossKernel {
  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: GPUBindGroupLayout,
    readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext): Promise<DsmLossKernel> {
    const layout = bindLayout(ctx.device, 'dsm_loss', ['uniform', 'dyn', 'rw', 'rw']);
    const pl = ctx.device.createPipelineLayout({ label: 'dsm_loss', bindGroupLayouts: [layout] });
    const pipeline = await ctx.pipelines.get({ kernel: 'dsm_loss', source, layout: pl, prelude: [DsmLossParams.wgsl, StepParams.wgsl], constants: { WG } });
    return new DsmLossKernel(ctx, layout, pipeline);
  }

  bind(b: { ubuf: GPUBuffer; step: GPUBufferBinding; acts: GPUBuffer; lossAcc: GPUBuffer }): GPUBindGroup {
    return this.ctx.device.createBindGroup({
      label: 'dsm_loss',
      layout: this.layout,
      entries: [{ buffer: b.ubuf }, b.step, { buffer: b.acts }, { buffer: b.lossAcc }].map((resource, binding) => ({ binding, resource })),
    });
  }

  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, stepOffset: number, dim: number, bs: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [stepOffset]);
    const [x, y] = groupsFor((dim * bs) / 4, WG);
    pass.dispatchWorkgroups(x, y);
  }
}
