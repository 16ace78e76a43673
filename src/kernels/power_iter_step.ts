/**
 * Owner of shaders/power_iter_step.wgsl: the per-point vector work of the power iteration on
 * ½(J + Jᵀ) (the points, random starts, one shifted or unshifted step from J·v and Jᵀ·v, the
 * Rayleigh quotient), one workgroup per point, any d. The Jacobian products come from
 * tangent_layer.ts; src/lipschitz/power_iteration.ts chains the two.
 */
import source from '../../shaders/power_iter_step.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, read, rw, uniform, UniformSlots, type BufferResource } from '../gpu/bindings.js';
import { grid2d } from '../gpu/dispatch.js';
import { ParamsLayout } from '../gpu/params.js';
import { OUTPUT_CODE, type MlpLayout } from '../model/layout.js';
import { splitSeed } from '../rng/philox.js';

export const PowerRunParams = new ParamsLayout('PowerRunParams', {
  points: 'u32',
  per_time: 'u32',
  time_offset: 'u32',
  sources: 'u32',
  src_stride: 'u32',
  noise: 'u32',
  seed_lo: 'u32',
  seed_hi: 'u32',
});

export const PowerStepParams = new ParamsLayout('PowerStepParams', { mode: 'u32', stream: 'u32', shift: 'u32' });

export const PowerIterBindings = new Bindings('power_iter_step', {
  run: uniform(PowerRunParams),
  vp: uniform(PowerStepParams, { dynamic: true }),
  /** Per time: (α, σ, step, τ). */
  times: read('array<vec4<f32>>'),
  /** Source points (sources × d). */
  sources: read('array<f32>'),
  /** The points, P × d (written by mode 'points'). */
  xs: rw('array<f32>'),
  /** The iterate, P × d. */
  v: rw('array<f32>'),
  /** J_out·v and J_outᵀ·v, P × d each. */
  jv: read('array<f32>'),
  jtv: read('array<f32>'),
  /** Per point: |S v| of the last unshifted step (the spectral radius estimate). */
  rho: rw('array<f32>'),
  /** Per point: the Rayleigh quotient. */
  lam: rw('array<f32>'),
});

/** The dispatches of the power iteration, in the order of `PowerIterStep.SLOTS`. */
export type PowerOp = 'points' | 'start1' | 'start2' | 'step' | 'shifted' | 'rayleigh';
const OPS: readonly PowerOp[] = ['points', 'start1', 'start2', 'step', 'shifted', 'rayleigh'];

export interface PowerRun {
  points: number;
  perTime: number;
  timeOffset: number;
  sources: number;
  stride: number;
  noise: boolean;
  seed: number | bigint;
}

export class PowerIterStep {
  private readonly slots: UniformSlots<'mode' | 'stream' | 'shift'>;
  readonly run: GPUBuffer;

  private constructor(
    private readonly ctx: GpuContext,
    private readonly pipeline: GPUComputePipeline,
  ) {
    this.slots = new UniformSlots(ctx, 'power_iter_step:ops', PowerStepParams, OPS.length);
    const modes: Record<PowerOp, [number, number, number]> = { points: [0, 0, 0], start1: [1, 1, 0], start2: [1, 2, 0], step: [2, 0, 0], shifted: [2, 0, 1], rayleigh: [3, 0, 0] };
    OPS.forEach((op, i) => this.slots.set(i, { mode: modes[op][0], stream: modes[op][1], shift: modes[op][2] }));
    this.slots.upload();
    this.run = ctx.uniform('power_iter_step:run', PowerRunParams.byteSize);
  }

  static async create(ctx: GpuContext, layout: MlpLayout): Promise<PowerIterStep> {
    const pipeline = await ctx.pipelines.get({
      kernel: 'power_iter_step',
      source,
      layout: PowerIterBindings.pipelineLayout(ctx.device),
      prelude: [PowerIterBindings.wgsl],
      constants: { OUT_KIND: OUTPUT_CODE[layout.spec.output], D: layout.spec.dim },
    });
    return new PowerIterStep(ctx, pipeline);
  }

  setRun(r: PowerRun): void {
    const [lo, hi] = splitSeed(r.seed);
    this.ctx.write(
      this.run,
      PowerRunParams.pack({ points: r.points, per_time: r.perTime, time_offset: r.timeOffset, sources: r.sources, src_stride: r.stride, noise: r.noise ? 1 : 0, seed_lo: lo, seed_hi: hi }),
    );
  }

  bind(resources: { times: BufferResource; sources: BufferResource; xs: BufferResource; v: BufferResource; jv: BufferResource; jtv: BufferResource; rho: BufferResource; lam: BufferResource }): GPUBindGroup {
    return PowerIterBindings.bind(this.ctx.device, { run: this.run, vp: this.slots.resource, ...resources });
  }

  /** One workgroup per point. */
  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, op: PowerOp, points: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [this.slots.offset(OPS.indexOf(op))]);
    pass.dispatchWorkgroups(...grid2d(points));
  }

  destroy(): void {
    this.slots.destroy();
    this.ctx.destroyBuffer(this.run);
  }
}
