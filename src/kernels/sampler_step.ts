/**
 * Owner of shaders/sampler_step.wgsl: one reverse-time step on a feature-major block of particles at
 * any dimension, after the score was written by another kernel. Entry points load / step / predict /
 * correct / store. Bind group: 0 params (uniform, dynamic offset: one slot per (block, step)), 1 table,
 * 2 work (rw: particles and score rows; the MLP workspace for a network), 3 aux (rw: Heun's x and D1),
 * 4 state (rw, row-major n × d), 5 capture (rw), 6 tidx (rw: per-column embedding index of a network).
 */
import source from '../../shaders/sampler_step.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, read, rw, uniform, type Resources } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
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

export const SamplerStepBindings = new Bindings('sampler_step', {
  /** This step's SamplerStepParams (dynamic offset: one UniformSlots slot per step and block). */
  sp: uniform(SamplerStepParams, { dynamic: true }),
  /** The sampler table (one vec4 row per time). */
  table: read('array<vec4<f32>>'),
  /** Feature-major block work space (network input and output, or mixture scores). */
  work: rw('array<f32>'),
  /** Heun's predictor and first slope. */
  aux: rw('array<f32>'),
  /** The particles, n × dim row-major. */
  state: rw('array<f32>'),
  /** Trajectory frames. */
  capture: rw('array<f32>'),
  /** Per-step embedding index per column. */
  tidx: rw('array<u32>'),
});

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
    private readonly device: GPUDevice,
    private readonly pipelines: Record<StepEntry, GPUComputePipeline>,
    readonly dim: number,
  ) {}

  static async create(ctx: GpuContext, o: SamplerStepOptions): Promise<SamplerStepKernel> {
    const pl = SamplerStepBindings.pipelineLayout(ctx.device);
    const constants = { DIM: o.dim, SAMPLER: o.sampler, OUT_KIND: o.outKind, FOURIER: o.fourier, EMBED: o.embed ? 1 : 0, STREAM: o.stream, WG };
    const list = await Promise.all(ENTRIES.map((entryPoint) => ctx.pipelines.get({ kernel: 'sampler_step', source, entryPoint, layout: pl, prelude: [SamplerStepBindings.wgsl], constants })));
    return new SamplerStepKernel(ctx.device, Object.fromEntries(ENTRIES.map((e, i) => [e, list[i]!])) as Record<StepEntry, GPUComputePipeline>, o.dim);
  }

  /** Buffers by the names of SamplerStepBindings. */
  bind(b: Resources<typeof SamplerStepBindings>): GPUBindGroup {
    return SamplerStepBindings.bind(this.device, b);
  }

  /** Encode one entry over a block of `bs` columns, params slot at `slotOffset` bytes. */
  encode(pass: GPUComputePassEncoder, entry: StepEntry, bind: GPUBindGroup, slotOffset: number, bs: number): void {
    pass.setPipeline(this.pipelines[entry]);
    pass.setBindGroup(0, bind, [slotOffset]);
    pass.dispatchWorkgroups(...workgroups(bs * Math.ceil(this.dim / 4), WG));
  }
}
