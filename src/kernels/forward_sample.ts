/**
 * Owner of shaders/forward_sample.wgsl: prior draws, exact marginal samples x_t = α x_0 + σ z, and
 * Euler–Maruyama on the forward SDE, at any dimension. Bind group: 0 params (uniform, dynamic offset), 1 table,
 * 2 source cloud (read), 3 particles (rw), 4 capture (rw).
 */
import source from '../../shaders/forward_sample.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { grid2d } from '../gpu/dispatch.js';
import { ParamsLayout } from '../gpu/params.js';
import { dynamicUniformLayout } from './reverse_sample.js';

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
export type ForwardEntry = 'prior' | 'marginal' | 'em';

/** Noise streams (third Philox counter word) used by the engine, so draws never collide. */
export const STREAM = { reverse: 0, forwardEm: 1, prior: 2, marginal: 3, scoreError: 4 } as const;

export class ForwardSampleKernel {
  private constructor(
    readonly layout: GPUBindGroupLayout,
    private readonly pipelines: Record<ForwardEntry, GPUComputePipeline>,
    readonly dim: number,
  ) {}

  static async create(ctx: GpuContext, dim: number): Promise<ForwardSampleKernel> {
    const layout = dynamicUniformLayout(ctx.device, 'forward_sample', ['read', 'read', 'rw', 'rw'], ForwardParams.byteSize);
    const pl = ctx.device.createPipelineLayout({ label: 'forward_sample', bindGroupLayouts: [layout] });
    const make = (entryPoint: ForwardEntry) =>
      ctx.pipelines.get({ kernel: 'forward_sample', source, entryPoint, layout: pl, prelude: [ForwardParams.wgsl], constants: { DIM: dim, WG } });
    const [prior, marginal, em] = await Promise.all([make('prior'), make('marginal'), make('em')]);
    return new ForwardSampleKernel(layout, { prior, marginal, em }, dim);
  }

  /** One invocation per (particle, quad of coordinates): n·⌈d/4⌉ invocations. */
  encode(pass: GPUComputePassEncoder, entry: ForwardEntry, bind: GPUBindGroup, slotOffset: number, n: number): void {
    pass.setPipeline(this.pipelines[entry]);
    pass.setBindGroup(0, bind, [slotOffset]);
    const [x, y] = grid2d(Math.ceil((n * Math.ceil(this.dim / 4)) / WG));
    pass.dispatchWorkgroups(x, y);
  }
}
