/** Owner of shaders/flow_velocity_ode.wgsl: Euler / Heun stages of dx/dt = v_θ(x, t) around the MLP. */
import source from '../../shaders/flow_velocity_ode.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { bindLayout, groupsFor } from '../gpu/bindings.js';

export const VelocityOdeParams = new ParamsLayout('VelocityOdeParams', { n: 'u32', bs: 'u32', dim: 'u32', fourier: 'u32', x_off: 'u32', out_off: 'u32' });
export const OdeStepParams = new ParamsLayout('OdeStepParams', { tau: 'f32', h: 'f32' });
const WG = 64;

export type OdeStage = 'load' | 'loadPred' | 'euler' | 'heun1' | 'heun2';
const STAGES: Record<OdeStage, { STAGE: number; FROM_PRED: number }> = {
  load: { STAGE: 0, FROM_PRED: 0 },
  loadPred: { STAGE: 0, FROM_PRED: 1 },
  euler: { STAGE: 1, FROM_PRED: 0 },
  heun1: { STAGE: 2, FROM_PRED: 0 },
  heun2: { STAGE: 3, FROM_PRED: 0 },
};

export class FlowVelocityOde {
  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: GPUBindGroupLayout,
    private readonly pipelines: Record<OdeStage, GPUComputePipeline>,
  ) {}

  static async create(ctx: GpuContext): Promise<FlowVelocityOde> {
    const layout = bindLayout(ctx.device, 'flow_velocity_ode', ['uniform', 'dyn', 'rw', 'rw', 'rw', 'rw']);
    const pl = ctx.device.createPipelineLayout({ label: 'flow_velocity_ode', bindGroupLayouts: [layout] });
    const names = Object.keys(STAGES) as OdeStage[];
    const made = await Promise.all(
      names.map((s) => ctx.pipelines.get({ kernel: 'flow_velocity_ode', source, layout: pl, prelude: [VelocityOdeParams.wgsl, OdeStepParams.wgsl], constants: { WG, ...STAGES[s] } })),
    );
    return new FlowVelocityOde(ctx, layout, Object.fromEntries(names.map((s, i) => [s, made[i]!])) as Record<OdeStage, GPUComputePipeline>);
  }

  bind(b: { ubuf: GPUBuffer; step: GPUBufferBinding; x: GPUBuffer; xp: GPUBuffer; k: GPUBuffer; acts: GPUBuffer }): GPUBindGroup {
    return this.ctx.device.createBindGroup({
      label: 'flow_velocity_ode',
      layout: this.layout,
      entries: [{ buffer: b.ubuf }, b.step, { buffer: b.x }, { buffer: b.xp }, { buffer: b.k }, { buffer: b.acts }].map((resource, binding) => ({ binding, resource })),
    });
  }

  dispatch(pass: GPUComputePassEncoder, stage: OdeStage, bind: GPUBindGroup, stepOffset: number, n: number): void {
    pass.setPipeline(this.pipelines[stage]);
    pass.setBindGroup(0, bind, [stepOffset]);
    const [x, y] = groupsFor(n, WG);
    pass.dispatchWorkgroups(x, y);
  }
}
