/**
 * Owner of shaders/forward_sample.wgsl: prior draws, exact marginal samples x_t = α x_0 + σ z, and
 * Euler–Maruyama on the forward SDE, at any dimension (bindings: ForwardBindings).
 */
import source from '../../shaders/forward_sample.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, read, rw, uniform, type Resources } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { ParamsLayout } from '../gpu/params.js';

export const ForwardParams = new ParamsLayout('ForwardParams', {
  n: 'u32',
  step_begin: 'u32',
  step_end: 'u32',
  seed_lo: 'u32',
  seed_hi: 'u32',
  alpha: 'f32',
  sigma: 'f32',
  capture_every: 'u32',
  stream: 'u32',
});

const WG = 64;

export const ForwardBindings = new Bindings('forward_sample', {
  /** This dispatch's ForwardParams (dynamic offset: one PARAM_SLOT per dispatch). */
  params: uniform(ForwardParams, { dynamic: true }),
  /** The sampler table (one vec4 row per time). */
  table: read('array<vec4<f32>>'),
  /** Source cloud x_0 (n × DIM). */
  src: read('array<f32>'),
  /** The particles (n × DIM). */
  x: rw('array<f32>'),
  /** Trajectory frames. */
  capture: rw('array<f32>'),
});
export type ForwardEntry = 'prior' | 'marginal' | 'em';

/** Noise streams (third Philox counter word) used by the engine, so draws never collide. */
export const STREAM = { reverse: 0, forwardEm: 1, prior: 2, marginal: 3, scoreError: 4 } as const;

export class ForwardSampleKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipelines: Record<ForwardEntry, GPUComputePipeline>,
    readonly dim: number,
  ) {}

  static async create(ctx: GpuContext, dim: number): Promise<ForwardSampleKernel> {
    const pl = ForwardBindings.pipelineLayout(ctx.device);
    const make = (entryPoint: ForwardEntry) =>
      ctx.pipelines.get({ kernel: 'forward_sample', source, entryPoint, layout: pl, prelude: [ForwardBindings.wgsl], constants: { DIM: dim, WG } });
    const [prior, marginal, em] = await Promise.all([make('prior'), make('marginal'), make('em')]);
    return new ForwardSampleKernel(ctx.device, { prior, marginal, em }, dim);
  }

  /** Buffers by the names of ForwardBindings. */
  bind(b: Resources<typeof ForwardBindings>): GPUBindGroup {
    return ForwardBindings.bind(this.device, b);
  }

  /** One invocation per (particle, quad of coordinates): n·⌈d/4⌉ invocations. */
  encode(pass: GPUComputePassEncoder, entry: ForwardEntry, bind: GPUBindGroup, slotOffset: number, n: number): void {
    pass.setPipeline(this.pipelines[entry]);
    pass.setBindGroup(0, bind, [slotOffset]);
    pass.dispatchWorkgroups(...workgroups(n * Math.ceil(this.dim / 4), WG));
  }
}
