/**
 * Owner of shaders/dsm_step_fused.wgsl: a DSM training step's minibatch draw, forward pass, loss,
 * backward pass and per-workgroup parameter-gradient sums in one dispatch. Each workgroup owns
 * `spw` samples (a multiple of 8 dividing the workspace's batch stride) and writes its own slice of
 * partial gradients; adam_step with PARTS = bs / spw adds them. Needs 9 storage buffers per stage.
 */
import source from '../../shaders/dsm_step_fused.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, read, rw, uniform, type Resources } from '../gpu/bindings.js';
import { StepParams } from '../model/step.js';
import { DsmBatchParams } from './dsm_batch.js';
import { DsmLossParams } from './dsm_loss.js';
import { MlpLayerParams } from './mlp_forward.js';

export const FusedStepParams = new ParamsLayout('FusedStepParams', {
  /** Layers L + 1 (hidden layers and the head). */
  nlayers: 'u32',
  /** Samples per workgroup. */
  spw: 'u32',
  /** 1 when hidden layers have a per-step embedding. */
  emb: 'u32',
  njobs: 'u32',
  nsegments: 'u32',
  /** Floats between two workgroups' partial-gradient slices. */
  part_stride: 'u32',
  dim: 'u32',
  bs: 'u32',
});
export type FusedStepFields = Parameters<typeof FusedStepParams.pack>[0];

export const DsmStepFusedBindings = new Bindings('dsm_step_fused', {
  fp: uniform(FusedStepParams),
  /** This step's StepParams (dynamic offset). */
  st: uniform(StepParams, { dynamic: true }),
  bp: uniform(DsmBatchParams),
  lp: uniform(DsmLossParams),
  /** MlpLayerParams of every layer forward (0..L), then of every hidden layer backward (L+1+h). */
  layers: read('array<MlpLayerParams>'),
  /** mlp_grads' job segments. */
  plan: read('array<Segment>'),
  data: read('array<f32>'),
  coef: read('array<vec4<f32>>'),
  params4: read('array<vec4<f32>>'),
  acts: rw('array<vec4<f32>>'),
  tidx: rw('array<u32>'),
  /** Partial gradients: one slice of part_stride floats per workgroup. */
  grads: rw('array<f32>'),
  loss_acc: rw('array<vec4<f32>>'),
});

/** Storage buffers per shader stage the fused step needs (the device limit decides if it can run). */
export const FUSED_STORAGE_BUFFERS = 9;

export interface FusedStepVariant {
  act: number;
  discrete: boolean;
  antithetic: boolean;
  /** OUTPUT_CODE of the parameterisation. */
  output: number;
  /** Invocations per workgroup. */
  wg: number;
}

export class DsmStepFusedKernel {
  private constructor(
    private readonly ctx: GpuContext,
    readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext, v: FusedStepVariant): Promise<DsmStepFusedKernel> {
    const pipeline = await ctx.pipelines.get({
      kernel: 'dsm_step_fused',
      source,
      layout: DsmStepFusedBindings.pipelineLayout(ctx.device),
      prelude: [MlpLayerParams.wgsl, DsmStepFusedBindings.wgsl],
      constants: { WG: v.wg, ACT: v.act, DISCRETE: v.discrete ? 1 : 0, ANTITHETIC: v.antithetic ? 1 : 0, OUT: v.output },
    });
    return new DsmStepFusedKernel(ctx, pipeline);
  }

  bind(b: Resources<typeof DsmStepFusedBindings>): GPUBindGroup {
    return DsmStepFusedBindings.bind(this.ctx.device, b);
  }

  /** One step: `parts` workgroups (= bs / spw); `stepOffset` the dynamic offset of its StepParams. */
  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, stepOffset: number, parts: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [stepOffset]);
    pass.dispatchWorkgroups(parts);
  }
}
