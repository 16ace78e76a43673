/** Owner of shaders/adam_step.wgsl: Adam / AdamW (+ weight clipping, EMA) over the flat parameters. */
import source from '../../shaders/adam_step.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, read, rw, uniform, type Resources } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { StepParams } from '../model/step.js';

export const AdamParams = new ParamsLayout('AdamParams', {
  n4: 'u32',
  beta1: 'f32',
  beta2: 'f32',
  eps: 'f32',
  wd: 'f32',
  clip: 'f32',
  ema_decay: 'f32',
  /** vec4s between two partial-gradient slices (PARTS > 0). */
  stride4: 'u32',
  /** Gradient-norm clip threshold of the NORM variant (0 = off). */
  max_norm: 'f32',
});
const WG = 64;

export const AdamBindings = new Bindings('adam_step', {
  ap: uniform(AdamParams),
  /** This step's StepParams (dynamic offset). */
  st: uniform(StepParams, { dynamic: true }),
  params: rw('array<vec4<f32>>'),
  grads: read('array<vec4<f32>>'),
  /** First moment. */
  m1: rw('array<vec4<f32>>'),
  /** Second moment. */
  m2: rw('array<vec4<f32>>'),
  ema: rw('array<vec4<f32>>'),
  /** grad_norm's [norm, clip factor]. */
  stats: read('array<f32>'),
});

export interface AdamVariant {
  decoupled: boolean;
  clipWeights: boolean;
  ema: boolean;
  /** Partial-gradient slices to add (0: `grads` is the gradient; the fused step's workgroup count). */
  parts?: number;
  /** Clip by the global gradient norm computed inside the kernel (with parts > 0). */
  norm?: boolean;
}

export class AdamStepKernel {
  private constructor(
    private readonly ctx: GpuContext,
    readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext, v: AdamVariant): Promise<AdamStepKernel> {
    const pl = AdamBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({
      kernel: 'adam_step',
      source,
      layout: pl,
      prelude: [AdamBindings.wgsl],
      constants: { WG, DECOUPLED: v.decoupled ? 1 : 0, CLIP_WEIGHTS: v.clipWeights ? 1 : 0, EMA: v.ema ? 1 : 0, PARTS: v.parts ?? 0, NORM: v.norm ? 1 : 0 },
    });
    return new AdamStepKernel(ctx, pipeline);
  }

  bind(b: Resources<typeof AdamBindings>): GPUBindGroup {
    return AdamBindings.bind(this.ctx.device, b);
  }

  /**
   * `n4` = trainable floats / 4; `stepOffset` the dynamic offset of this step's StepParams;
   * `maxGroups` caps the workgroups (invocations then stride; the NORM variant's redundant norm
   * costs n4·parts loads per workgroup, so it runs on few).
   */
  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, stepOffset: number, n4: number, maxGroups = Infinity): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [stepOffset]);
    const [x, y] = workgroups(n4, WG);
    if (x * y > maxGroups) pass.dispatchWorkgroups(Math.max(1, Math.floor(maxGroups)));
    else pass.dispatchWorkgroups(x, y);
  }
}
