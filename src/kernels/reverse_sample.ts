/**
 * Owner of shaders/reverse_sample.wgsl: the fused reverse-time step (score + update) for chunks of
 * steps per dispatch, with the exact mixture score or the MLP as the score source.
 * Bind group: 0 params (uniform, dynamic offset: one 256-byte slot per chunk), 1 table, 2 mixture or
 * weights, 3 particles (rw), 4 capture (rw).
 */
import source from '../../shaders/reverse_sample.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { grid2d } from '../gpu/dispatch.js';
import { ParamsLayout } from '../gpu/params.js';
import type { MlpLayout } from '../model/layout.js';
import { mlpConstants, mlpPrelude } from '../model/network.js';

export const ReverseParams = new ParamsLayout('ReverseParams', {
  n: 'u32',
  step_begin: 'u32',
  step_end: 'u32',
  total_steps: 'u32',
  seed_lo: 'u32',
  seed_hi: 'u32',
  lambda: 'f32',
  capture_every: 'u32',
});

export const SAMPLER_CODE = { em: 0, heun: 1, ddpm: 2 } as const;
export type SamplerCode = keyof typeof SAMPLER_CODE;

/** Uniform slot stride for dynamic offsets (WebGPU's default minUniformBufferOffsetAlignment). */
export const PARAM_SLOT = 256;

export const REVERSE_WG = 64;

/** A bind group layout whose binding 0 is a uniform with a dynamic offset. */
export function dynamicUniformLayout(device: GPUDevice, label: string, kinds: readonly ('read' | 'rw')[], uniformBytes: number): GPUBindGroupLayout {
  return device.createBindGroupLayout({
    label,
    entries: [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: uniformBytes } },
      ...kinds.map((k, i) => ({
        binding: i + 1,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: (k === 'read' ? 'read-only-storage' : 'storage') as GPUBufferBindingType },
      })),
    ],
  });
}

export interface ReverseKernelOptions {
  dim: number;
  sampler: SamplerCode;
  /** Undefined for the exact mixture score. */
  network?: MlpLayout;
  /** Counter stream of the noise (third Philox word). */
  stream?: number;
}

export class ReverseSampleKernel {
  private constructor(
    readonly layout: GPUBindGroupLayout,
    readonly pipeline: GPUComputePipeline,
    /** Particles per invocation. */
    readonly particlesPerInvocation: number,
  ) {}

  static async create(ctx: GpuContext, o: ReverseKernelOptions): Promise<ReverseSampleKernel> {
    const layout = dynamicUniformLayout(ctx.device, 'reverse_sample', ['read', 'read', 'rw', 'rw'], ReverseParams.byteSize);
    const pl = ctx.device.createPipelineLayout({ label: 'reverse_sample', bindGroupLayouts: [layout] });
    // The MLP evaluates 4 particles per invocation (one vec4 lane each, 4 FMAs per weight load);
    // the mixture score has no shared loads, so one particle per invocation keeps all threads busy.
    const pb = o.network ? 4 : 1;
    const prelude = [ReverseParams.wgsl];
    if (o.network) prelude.push(mlpPrelude(o.network));
    const pipeline = await ctx.pipelines.get({
      kernel: 'reverse_sample',
      source,
      layout: pl,
      prelude,
      defines: { EXACT: !o.network },
      constants: { DIM: o.dim, SAMPLER: SAMPLER_CODE[o.sampler], PB: pb, WG: REVERSE_WG, STREAM: o.stream ?? 0, ...(o.network ? mlpConstants(o.network.spec) : {}) },
    });
    return new ReverseSampleKernel(layout, pipeline, pb);
  }

  /** Workgroups (x, y) for n particles. */
  workgroups(n: number): [number, number] {
    return grid2d(Math.ceil(n / this.particlesPerInvocation / REVERSE_WG));
  }

  /** Encode one dispatch using the params slot at `slotOffset` bytes. */
  encode(pass: GPUComputePassEncoder, bind: GPUBindGroup, slotOffset: number, n: number): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [slotOffset]);
    const [x, y] = this.workgroups(n);
    pass.dispatchWorkgroups(x, y);
  }
}
