/**
 * Owner of shaders/reverse_sample.wgsl: the fused reverse-time step (score + update) for chunks of
 * steps per dispatch, with the exact mixture score or the MLP as the score source.
 * Bindings: ReverseExactBindings (mixture score) or ReverseNetworkBindings (MLP).
 */
import source from '../../shaders/reverse_sample.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, read, rw, uniform, type BufferBinding, type Resources } from '../gpu/bindings.js';
import { grid2d } from '../gpu/dispatch.js';
import { ParamsLayout } from '../gpu/params.js';
import type { MlpLayout } from '../model/layout.js';
import { mlpConstants, mlpPrelude, mlpPreludeSg } from '../model/network.js';

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

const reverseBindings = <S extends string>(score: S, scoreType: string) =>
  new Bindings(`reverse_sample:${score}`, {
    /** This chunk's ReverseParams (dynamic offset: one PARAM_SLOT per chunk). */
    params: uniform(ReverseParams, { dynamic: true }),
    /** The sampler table (one vec4 row per time). */
    table: read('array<vec4<f32>>'),
    ...({ [score]: read(scoreType) } as Record<S, BufferBinding>),
    /** The particles (n × DIM). */
    x: rw('array<f32>'),
    /** Trajectory frames. */
    capture: rw('array<f32>'),
  });

/** With the exact mixture score: `mixture` holds the packed components. */
export const ReverseExactBindings = reverseBindings('mixture', 'array<vec4<f32>>');
/** With the network score: `weights` holds the MLP's flat parameters. */
export const ReverseNetworkBindings = reverseBindings('weights', 'array<f32>');

/**
 * Shapes of the network-score kernel (the exact score has only 'tile'), chosen per adapter by
 * src/samplers/sampler.ts through the tuner; all take 4 particles per invocation, REVERSE_WG per
 * workgroup and the same Philox counters:
 * - 'tile': every lane loads its own weights (shaders/lib/mlp_forward4.wgsl, mlp_layer4);
 * - 'sg': the weights of a chunk of 8 inputs are loaded one per lane and shared by subgroupShuffle
 *   (on CPU drivers a storage load is a per-lane gather even at a lane-uniform address), same sums
 *   in the same order as 'tile';
 * - 'sg8': the same sharing in per-layer code generated with the layout's sizes as literals
 *   (src/model/network.ts mlpPreludeSg): 8 outputs per block, no guards on full chunks of inputs,
 *   fused multiply-adds (same order, different rounding from 'tile'/'sg').
 * 'sg' and 'sg8' need subgroups of at least 8 lanes.
 */
export type ReverseKernelKind = 'tile' | 'sg' | 'sg8';
export const REVERSE_KERNEL_KINDS: readonly ReverseKernelKind[] = ['tile', 'sg', 'sg8'];
const SG_KINDS: readonly ReverseKernelKind[] = ['sg', 'sg8'];

/** The network-score kernel shapes this device can run ('sg' needs subgroups of at least 8 lanes). */
export function reverseKernelCandidates(ctx: GpuContext): ReverseKernelKind[] {
  return ctx.subgroupMinSize >= 8 ? [...REVERSE_KERNEL_KINDS] : ['tile'];
}

export interface ReverseKernelOptions {
  dim: number;
  sampler: SamplerCode;
  /** Undefined for the exact mixture score. */
  network?: MlpLayout;
  /** Counter stream of the noise (third Philox word). */
  stream?: number;
  /** Kernel shape for the network score (default 'tile'). */
  kind?: ReverseKernelKind;
}

export class ReverseSampleKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly exact: boolean,
    readonly pipeline: GPUComputePipeline,
    /** Particles per invocation. */
    readonly particlesPerInvocation: number,
    readonly kind: ReverseKernelKind,
  ) {}

  static async create(ctx: GpuContext, o: ReverseKernelOptions): Promise<ReverseSampleKernel> {
    const bindings = o.network ? ReverseNetworkBindings : ReverseExactBindings;
    const pl = bindings.pipelineLayout(ctx.device);
    // The MLP evaluates 4 particles per invocation (one vec4 lane each, 4 FMAs per weight load);
    // the mixture score has no shared loads, so one particle per invocation keeps all threads busy.
    const pb = o.network ? 4 : 1;
    const kind = o.kind ?? 'tile';
    if (!REVERSE_KERNEL_KINDS.includes(kind)) throw new Error(`reverse_sample: unknown kernel kind '${String(kind)}'`);
    const sg = SG_KINDS.includes(kind);
    if (sg && !o.network) throw new Error(`reverse_sample: the '${kind}' kernel is for the network score`);
    if (sg && ctx.subgroupMinSize < 8) throw new Error(`reverse_sample: the '${kind}' kernel needs subgroups of at least 8 lanes`);
    const prelude = [...(sg ? ['enable subgroups;'] : []), bindings.wgsl];
    if (o.network) prelude.push(kind === 'sg8' ? mlpPreludeSg(o.network, 8) : mlpPrelude(o.network));
    const pipeline = await ctx.pipelines.get({
      kernel: 'reverse_sample',
      source,
      layout: pl,
      prelude,
      defines: { EXACT: !o.network, SG: sg },
      constants: { DIM: o.dim, SAMPLER: SAMPLER_CODE[o.sampler], PB: pb, WG: REVERSE_WG, STREAM: o.stream ?? 0, ...(o.network ? mlpConstants(o.network.spec) : {}) },
    });
    return new ReverseSampleKernel(ctx.device, !o.network, pipeline, pb, kind);
  }

  /** Bind the buffers: `mixture` for the exact score, `weights` for the network. */
  bind(b: Resources<typeof ReverseExactBindings> | Resources<typeof ReverseNetworkBindings>): GPUBindGroup {
    if ('mixture' in b) return ReverseExactBindings.bind(this.device, this.exactOnly(b));
    if (this.exact) throw new Error("reverse_sample: this kernel reads the exact score's 'mixture'");
    return ReverseNetworkBindings.bind(this.device, b);
  }

  private exactOnly<T>(b: T): T {
    if (!this.exact) throw new Error("reverse_sample: this kernel reads the network's 'weights'");
    return b;
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
