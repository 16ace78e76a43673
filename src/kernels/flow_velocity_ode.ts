/** Owner of shaders/flow_velocity_ode.wgsl: Euler / Heun stages of dx/dt = v_θ(x, t) around the MLP. */
import source from '../../shaders/flow_velocity_ode.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, rw, uniform, type Resources } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';

export const VelocityOdeParams = new ParamsLayout('VelocityOdeParams', { n: 'u32', bs: 'u32', dim: 'u32', fourier: 'u32', x_off: 'u32', out_off: 'u32' });
export const OdeStepParams = new ParamsLayout('OdeStepParams', { tau: 'f32', h: 'f32' });
const WG = 64;

export const VelocityOdeBindings = new Bindings('flow_velocity_ode', {
  op: uniform(VelocityOdeParams),
  /** This step's (τ, h) (dynamic offset). */
  sp: uniform(OdeStepParams, { dynamic: true }),
  /** Particles, n × dim row-major. */
  x: rw('array<f32>'),
  /** Heun's predictor. */
  xp: rw('array<f32>'),
  /** Heun's first slope. */
  k: rw('array<f32>'),
  /** The velocity MLP's workspace. */
  acts: rw('array<f32>'),
});

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
    private readonly pipelines: Record<OdeStage, GPUComputePipeline>,
  ) {}

  static async create(ctx: GpuContext): Promise<FlowVelocityOde> {
    const pl = VelocityOdeBindings.pipelineLayout(ctx.device);
    const names = Object.keys(STAGES) as OdeStage[];
    const made = await Promise.all(
      names.map((s) => ctx.pipelines.get({ kernel: 'flow_velocity_ode', source, layout: pl, prelude: [VelocityOdeBindings.wgsl], constants: { WG, ...STAGES[s] } })),
    );
    return new FlowVelocityOde(ctx, Object.fromEntries(names.map((s, i) => [s, made[i]!])) as Record<OdeStage, GPUComputePipeline>);
  }

  /** Buffers by the names of VelocityOdeBindings. */
  bind(b: Resources<typeof VelocityOdeBindings>): GPUBindGroup {
    return VelocityOdeBindings.bind(this.ctx.device, b);
  }

  dispatch(pass: GPUComputePassEncoder, stage: OdeStage, bind: GPUBindGroup, stepOffset: number, n: number): void {
    pass.setPipeline(this.pipelines[stage]);
    pass.setBindGroup(0, bind, [stepOffset]);
    pass.dispatchWorkgroups(...workgroups(n, WG));
  }
}
