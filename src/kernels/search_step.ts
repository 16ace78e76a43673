/**
 * Owner of shaders/search_step.wgsl: the per-start projected-ascent step of the GPU search for
 * sup_x λ_max(½(J + Jᵀ)) (src/lipschitz/search.ts), one workgroup per start, any d.
 */
import source from '../../shaders/search_step.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, read, rw, uniform, UniformSlots, type BufferResource } from '../gpu/bindings.js';
import { grid2d } from '../gpu/dispatch.js';
import { ParamsLayout } from '../gpu/params.js';
import { OUTPUT_CODE, type MlpLayout } from '../model/layout.js';

export const SearchStepParams = new ParamsLayout('SearchStepParams', { mode: 'u32', points: 'u32', per_time: 'u32', time_offset: 'u32', box_half: 'f32', eta0: 'f32' });

export const SearchStepBindings = new Bindings('search_step', {
  run: uniform(SearchStepParams, { dynamic: true }),
  /** Per time: (α, σ, step, τ). */
  times: read('array<vec4<f32>>'),
  /** Current points, P × d (moved by the step). */
  xs: rw('array<f32>'),
  /** Per start: the best point and the gradient there, P × 2d. */
  best: rw('array<f32>'),
  /** ∇_x (vᵀ J_out v) at the current points, P × d. */
  grad: read('array<f32>'),
  /** The Rayleigh quotient at the current points, P. */
  lam: read('array<f32>'),
  /** Per start: (best value, step length), P × 2. */
  state: rw('array<f32>'),
});

export interface SearchRun {
  points: number;
  perTime: number;
  timeOffset: number;
  /** Half-width B of the box [−B, B]^d. */
  box: number;
  /** First step length as a fraction of B. */
  eta0: number;
}

export class SearchStep {
  private readonly slots: UniformSlots<'mode' | 'points' | 'per_time' | 'time_offset' | 'box_half' | 'eta0'>;

  private constructor(
    private readonly ctx: GpuContext,
    private readonly pipeline: GPUComputePipeline,
  ) {
    this.slots = new UniformSlots(ctx, 'search_step:run', SearchStepParams, 2);
  }

  static async create(ctx: GpuContext, layout: MlpLayout): Promise<SearchStep> {
    const pipeline = await ctx.pipelines.get({
      kernel: 'search_step',
      source,
      layout: SearchStepBindings.pipelineLayout(ctx.device),
      prelude: [SearchStepBindings.wgsl],
      constants: { OUT_KIND: OUTPUT_CODE[layout.spec.output], D: layout.spec.dim },
    });
    return new SearchStep(ctx, pipeline);
  }

  /** Write the run parameters (both modes) before the submit. */
  setRun(r: SearchRun): void {
    for (const mode of [0, 1]) this.slots.set(mode, { mode, points: r.points, per_time: r.perTime, time_offset: r.timeOffset, box_half: r.box, eta0: r.eta0 });
    this.slots.upload();
  }

  bind(resources: { times: BufferResource; xs: BufferResource; best: BufferResource; grad: BufferResource; lam: BufferResource; state: BufferResource }): GPUBindGroup {
    return SearchStepBindings.bind(this.ctx.device, { run: this.slots.resource, ...resources });
  }

  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, op: 'init' | 'ascend', points: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [this.slots.offset(op === 'init' ? 0 : 1)]);
    pass.dispatchWorkgroups(...grid2d(points));
  }

  destroy(): void {
    this.slots.destroy();
  }
}
