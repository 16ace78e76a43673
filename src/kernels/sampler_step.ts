/**
 * Owner of shaders/sampler_step.wgsl: one reverse-time step on a feature-major block of particles at
 * any dimension, after the score was written by another kernel. Entry points load / step / predict /
 * correct / store. Bind group: 0 params (uniform, dynamic offset: one slot per (block, step)), 1 table,
 * 2 work (rw: particles and score rows; the MLP workspace for a network), 3 aux (rw: Heun's x and D1),
 * 4 state (rw, row-major n × d), 5 capture (rw), 6 tidx (rw: per-column embedding index of a network).
 */
import source from '../../shaders/sampler_step.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { bindLayout, groupsFor } from '../gpu/bindings.js';
import { ParamsLayout } from '../gpu/params.js';

export const SamplerStepParams = new ParamsLayout('SamplerStepParams', {
  n: 'u32',
  count: 'u32',
  p0: 'u32',
  bs: 'u32',
  x_off: 'u32',
  out_off: 'u32',
  feat_off: 'u32',
  m: 'u32',
  row: 'u32',
  next_row: 'u32',
  capture_slot: 'u32',
  corrector: 'u32',
  seed_lo: 'u32',
  seed_hi: 'u32',
  lambda: 'f32',
});

export type StepEntry = 'load' | 'step' | 'predict' | 'correct' | 'store';
const ENTRIES: readonly StepEntry[] = ['load', 'step', 'predict', 'correct', 'store'];
const WG = 64;

export interface SamplerStepOptions {
  dim: number;
  /** 0 EM (λ from the params), 2 DDPM ancestral (Heun uses predict/correct with either). */
  sampler: 0 | 2;
  /** How the score rows are read (OUTPUT_CODE of src/model/layout.ts; 1 = the score itself). */
  outKind: number;
  /** Fourier time features written into the network input (0 = none). */
  fourier: number;
  /** Write the per-step embedding index into tidx. */
  embed: boolean;
  stream: number;
}

export class SamplerStepKernel {
  private constructor(
    readonly layout: GPUBindGroupLayout,
    private readonly pipelines: Record<StepEntry, GPUComputePipeline>,
    readonly dim: number,
  ) {}

  static async create(ctx: GpuContext, o: SamplerStepOptions): Promise<SamplerStepKernel> {
    const layout = bindLayout(ctx.device, 'sampler_step', ['dyn', 'read', 'rw', 'rw', 'rw', 'rw', 'rw']);
    const pl = ctx.device.createPipelineLayout({ label: 'sampler_step', bindGroupLayouts: [layout] });
    const constants = { DIM: o.dim, SAMPLER: o.sampler, OUT_KIND: o.outKind, FOURIER: o.fourier, EMBED: o.embed ? 1 : 0, STREAM: o.stream, WG };
    const list = await Promise.all(ENTRIES.map((entryPoint) => ctx.pipelines.get({ kernel: 'sampler_step', source, entryPoint, layout: pl, prelude: [SamplerStepParams.wgsl], constants })));
    return new SamplerStepKernel(layout, Object.fromEntries(ENTRIES.map((e, i) => [e, list[i]!])) as Record<StepEntry, GPUComputePipeline>, o.dim);
  }

  /** Encode one entry over a block of `bs` columns, params slot at `slotOffset` bytes. */
  encode(pass: GPUComputePassEncoder, entry: StepEntry, bind: GPUBindGroup, slotOffset: number, bs: number): void {
    pass.setPipeline(this.pipelines[entry]);
    pass.setBindGroup(0, bind, [slotOffset]);
    const [x, y] = groupsFor(bs * Math.ceil(this.dim / 4), WG);
    pass.dispatchWorkgroups(x, y);
  }
}
