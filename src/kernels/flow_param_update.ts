/**
 * Owner of shaders/flow_param_update.wgsl: SGD or Adam on a small parameter vector (≤ 64 floats)
 * whose gradient is left as `groups` partial sums per parameter, plus an iteration counter.
 */
import source from '../../shaders/flow_param_update.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, UniformBlock, read, rw, uniform } from '../gpu/bindings.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';
import { checkNumber, checkOneOf, checkPositive } from '../gpu/validate.js';

const WG = 64;
export const PARAM_UPDATE_MAX = WG;

export const ParamUpdateParams = new ParamsLayout('ParamUpdateParams', {
  count: 'u32',
  groups: 'u32',
  inv_n: 'f32',
  lr: 'f32',
  beta1: 'f32',
  beta2: 'f32',
  eps: 'f32',
});

export const ParamUpdateBindings = new Bindings('flow_param_update', {
  params: uniform(ParamUpdateParams),
  /** count × groups partial sums of the gradient. */
  partial: read('array<f32>'),
  theta: rw('array<f32>'),
  /** Adam's m and v (2·count). */
  moments: rw('array<f32>'),
  iter: rw('array<u32>'),
});

export interface OptimizerSpec {
  kind: 'sgd' | 'adam';
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export function validateOptimizer(o: OptimizerSpec): void {
  checkOneOf('optimizer', o.kind, ['sgd', 'adam'] as const);
  checkPositive('optimizer lr', o.lr);
  for (const [k, v] of [['beta1', o.beta1], ['beta2', o.beta2]] as const) {
    if (v !== undefined) checkNumber(`optimizer ${k}`, v, { min: 0, max: 1, maxExclusive: true });
  }
  if (o.eps !== undefined) checkPositive('optimizer eps', o.eps);
}

export class FlowParamUpdate {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext, kind: 'sgd' | 'adam'): Promise<FlowParamUpdate> {
    const layout = ParamUpdateBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({ kernel: 'flow_param_update', source, layout, prelude: [ParamUpdateBindings.wgsl], constants: { WG, ADAM: kind === 'adam' ? 1 : 0 } });
    return new FlowParamUpdate(ctx, pipeline);
  }

  /**
   * `partial`: count × groups floats (row c holds the partial sums of parameter c's gradient, which
   * is gradScale times their total); `moments`: 2·count floats (zeroed for a fresh Adam).
   */
  plan(count: number, groups: number, gradScale: number, opt: OptimizerSpec, b: { partial: GPUBuffer; theta: GPUBuffer; moments: GPUBuffer; iter: GPUBuffer }): ParamUpdatePlan {
    validateOptimizer(opt);
    if (!Number.isInteger(count) || count < 1 || count > PARAM_UPDATE_MAX) throw new InputError(`flow_param_update: count must be 1..${PARAM_UPDATE_MAX}, got ${count}`);
    if (!Number.isInteger(groups) || groups < 1 || b.partial.size < count * groups * 4) throw new InputError(`flow_param_update: partial buffer must hold ${count}×${groups} floats`);
    const params = new UniformBlock(this.ctx, 'flow_param_update:params', ParamUpdateParams);
    params.set({ count, groups, inv_n: gradScale, lr: opt.lr, beta1: opt.beta1 ?? 0.9, beta2: opt.beta2 ?? 0.999, eps: opt.eps ?? 1e-8 });
    const bind = ParamUpdateBindings.bind(this.ctx.device, { params: params.buffer, ...b });
    return new ParamUpdatePlan(this.pipeline, bind, params);
  }
}

export class ParamUpdatePlan {
  constructor(
    private readonly pipeline: GPUComputePipeline,
    private readonly bind: GPUBindGroup,
    private params: UniformBlock<string> | undefined,
  ) {}

  encode(pass: GPUComputePassEncoder): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bind);
    pass.dispatchWorkgroups(1);
  }

  destroy(): void {
    this.params?.destroy();
    this.params = undefined;
  }
}
