/** Owner of shaders/adam_step.wgsl: Adam / AdamW (+ weight clipping, EMA) over the flat parameters. */
import source from '../../shaders/adam_step.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { bindLayout, groupsFor } from '../gpu/bindings.js';
import { StepParams } from '../model/step.js';

export const AdamParams = new ParamsLayout('AdamParams', { n4: 'u32', beta1: 'f32', beta2: 'f32', eps: 'f32', wd: 'f32', clip: 'f32', ema_decay: 'f32' });
const WG = 64;

export interface AdamVariant {
  decoupled: boolean;
  clipWeights: boolean;
  ema: boolean;
}

export class AdamStepKernel {
  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: GPUBindGroupLayout,
    readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext, v: AdamVariant): Promise<AdamStepKernel> {
    const layout = bindLayout(ctx.device, 'adam_step', ['uniform', 'dyn', 'rw', 'read', 'rw', 'rw', 'rw', 'read']);
    const pl = ctx.device.createPipelineLayout({ label: 'adam_step', bindGroupLayouts: [layout] });
    const pipeline = await ctx.pipelines.get({
      kernel: 'adam_step',
      source,
      layout: pl,
      prelude: [AdamParams.wgsl, StepParams.wgsl],
      constants: { WG, DECOUPLED: v.decoupled ? 1 : 0, CLIP_WEIGHTS: v.clipWeights ? 1 : 0, EMA: v.ema ? 1 : 0 },
    });
    return new AdamStepKernel(ctx, layout, pipeline);
  }

  bind(buffers: { ubuf: GPUBuffer; step: GPUBufferBinding; params: GPUBuffer; grads: GPUBuffer; m: GPUBuffer; v: GPUBuffer; ema: GPUBuffer; stats: GPUBuffer }): GPUBindGroup {
    const b = buffers;
    return this.ctx.device.createBindGroup({
      label: 'adam_step',
      layout: this.layout,
      entries: [{ buffer: b.ubuf }, b.step, { buffer: b.params }, { buffer: b.grads }, { buffer: b.m }, { buffer: b.v }, { buffer: b.ema }, { buffer: b.stats }].map(
        (resource, binding) => ({ binding, resource }),
      ),
    });
  }

  /** `n4` = trainable floats / 4; `stepOffset` the dynamic offset of this step's StepParams. */
  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, stepOffset: number, n4: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [stepOffset]);
    const [x, y] = groupsFor(n4, WG);
    pass.dispatchWorkgroups(x, y);
  }
}
