/** Owner of shaders/flow_particle_step.wgsl: MonoFlow particle moves x ← x + ε h'(D) ∇D with D an MLP. */
import source from '../../shaders/flow_particle_step.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, read, rw, uniform, type Resources } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { MONO_H_CODE, type MonoH } from './flow_gauss_ratio.js';

export const ParticleStepParams = new ParamsLayout('ParticleStepParams', {
  n: 'u32', bs: 'u32', dim: 'u32', x_off: 'u32', out_off: 'u32', dout_off: 'u32', du0_off: 'u32', w0_off: 'u32', width0: 'u32', scale_off: 'u32', eps: 'f32', shift: 'f32',
});
const WG = 64;

export const ParticleStepBindings = new Bindings('flow_particle_step', {
  pp: uniform(ParticleStepParams),
  /** The discriminator's flat MLP parameters. */
  params: read('array<f32>'),
  /** Particles, n × dim row-major (moved in place). */
  x: rw('array<f32>'),
  /** The evaluation plan's MLP workspace. */
  acts: rw('array<f32>'),
});

export class FlowParticleStep {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly load: GPUComputePipeline,
    private readonly move: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext, h: MonoH): Promise<FlowParticleStep> {
    const pl = ParticleStepBindings.pipelineLayout(ctx.device);
    const make = (stage: number) =>
      ctx.pipelines.get({ kernel: 'flow_particle_step', source, layout: pl, prelude: [ParticleStepBindings.wgsl], constants: { WG, STAGE: stage, H: MONO_H_CODE[h] } });
    const [load, move] = await Promise.all([make(0), make(1)]);
    return new FlowParticleStep(ctx, load, move);
  }

  /** Buffers by the names of ParticleStepBindings. */
  bind(b: Resources<typeof ParticleStepBindings>): GPUBindGroup {
    return ParticleStepBindings.bind(this.ctx.device, b);
  }

  dispatch(pass: GPUComputePassEncoder, stage: 'load' | 'move', bind: GPUBindGroup, n: number): void {
    pass.setPipeline(stage === 'load' ? this.load : this.move);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(...workgroups(n, WG));
  }
}
