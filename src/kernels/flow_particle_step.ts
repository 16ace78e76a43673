/** Owner of shaders/flow_particle_step.wgsl: MonoFlow particle moves x ← x + ε h'(D) ∇D with D an MLP. */
import source from '../../shaders/flow_particle_step.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { bindLayout, groupsFor } from '../gpu/bindings.js';
import { MONO_H_CODE, type MonoH } from './flow_gauss_ratio.js';

export const ParticleStepParams = new ParamsLayout('ParticleStepParams', {
  n: 'u32', bs: 'u32', dim: 'u32', x_off: 'u32', out_off: 'u32', dout_off: 'u32', du0_off: 'u32', w0_off: 'u32', width0: 'u32', scale_off: 'u32', eps: 'f32', shift: 'f32',
});
const WG = 64;

export class FlowParticleStep {
  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: GPUBindGroupLayout,
    private readonly load: GPUComputePipeline,
    private readonly move: GPUComputePipeline,
  ) {}

  static async create(ctx: GpuContext, h: MonoH): Promise<FlowParticleStep> {
    const layout = bindLayout(ctx.device, 'flow_particle_step', ['uniform', 'read', 'rw', 'rw']);
    const pl = ctx.device.createPipelineLayout({ label: 'flow_particle_step', bindGroupLayouts: [layout] });
    const make = (stage: number) =>
      ctx.pipelines.get({ kernel: 'flow_particle_step', source, layout: pl, prelude: [ParticleStepParams.wgsl], constants: { WG, STAGE: stage, H: MONO_H_CODE[h] } });
    const [load, move] = await Promise.all([make(0), make(1)]);
    return new FlowParticleStep(ctx, layout, load, move);
  }

  bind(b: { ubuf: GPUBuffer; params: GPUBuffer; x: GPUBuffer; acts: GPUBuffer }): GPUBindGroup {
    return this.ctx.device.createBindGroup({
      label: 'flow_particle_step',
      layout: this.layout,
      entries: [b.ubuf, b.params, b.x, b.acts].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
  }

  dispatch(pass: GPUComputePassEncoder, stage: 'load' | 'move', bind: GPUBindGroup, n: number): void {
    pass.setPipeline(stage === 'load' ? this.load : this.move);
    pass.setBindGroup(0, bind);
    const [x, y] = groupsFor(n, WG);
    pass.dispatchWorkgroups(x, y);
  }
}
