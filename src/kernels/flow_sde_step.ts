/**
 * Owner of shaders/flow_sde_step.wgsl: exact Gaussian transitions x ← a·x + k·(y − x) + s·ξ of the
 * coordinate-wise linear SDEs the flows need (Brownian bridge, heat, VP/OU). A plan uploads the
 * coefficients of every step once, into one uniform buffer with a 256-byte slot per step bound at a
 * dynamic offset, so encoding a step allocates nothing and a chunk of steps is one compute pass.
 */
import source from '../../shaders/flow_sde_step.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, read, rw, uniform } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';
import { splitSeed } from '../rng/philox.js';

const WG = 256;
/** Bytes per step slot: WebGPU's minUniformBufferOffsetAlignment is at most 256. */
const SLOT = 256;

export const FlowSdeParams = new ParamsLayout('FlowSdeParams', {
  n: 'u32',
  stream: 'u32',
  seed_lo: 'u32',
  seed_hi: 'u32',
  a: 'f32',
  k: 'f32',
  s: 'f32',
});

export const FlowSdeBindings = new Bindings('flow_sde_step', {
  /** This step's coefficients (dynamic offset: one SLOT per step). */
  params: uniform(FlowSdeParams, { dynamic: true }),
  /** Updated in place (n floats). */
  x: rw('array<f32>'),
  /** Target (n floats; unused without HAS_TARGET). */
  y: read('array<f32>'),
});

/** Coefficients of one step x ← a·x + k·(y − x) + s·ξ; `stream` picks the RNG counter row. */
export interface SdeStepCoefs {
  a: number;
  k: number;
  s: number;
  stream: number;
}

export class FlowSdeStep {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly pipelines: { plain: GPUComputePipeline; target: GPUComputePipeline },
  ) {}

  static async create(ctx: GpuContext): Promise<FlowSdeStep> {
    const pl = FlowSdeBindings.pipelineLayout(ctx.device);
    const make = (target: boolean) =>
      ctx.pipelines.get({ kernel: 'flow_sde_step', source, layout: pl, prelude: [FlowSdeBindings.wgsl], constants: { WG, HAS_TARGET: target ? 1 : 0 } });
    const [plain, target] = await Promise.all([make(false), make(true)]);
    return new FlowSdeStep(ctx, { plain, target });
  }

  /**
   * Plan `steps.length` steps on `x` (n floats, updated in place) towards `y` (n floats, or none when
   * every k is 0). Allocates the uniform slots once; `destroy()` releases them.
   */
  plan(x: GPUBuffer, n: number, steps: readonly SdeStepCoefs[], opts: { seed: number | bigint; y?: GPUBuffer }): SdeStepPlan {
    if (!Number.isInteger(n) || n < 1) throw new InputError(`flow_sde_step: element count must be a positive integer, got ${n}`);
    if (n * 4 > x.size) throw new InputError(`flow_sde_step: x holds ${x.size / 4} floats, fewer than n = ${n}`);
    if (opts.y && n * 4 > opts.y.size) throw new InputError(`flow_sde_step: y holds ${opts.y.size / 4} floats, fewer than n = ${n}`);
    if (steps.length < 1) throw new InputError('flow_sde_step: no steps');
    for (const [i, c] of steps.entries()) {
      if (![c.a, c.k, c.s].every(Number.isFinite) || c.s < 0) throw new InputError(`flow_sde_step: step ${i} has bad coefficients a=${c.a} k=${c.k} s=${c.s}`);
      if (c.k !== 0 && !opts.y) throw new InputError(`flow_sde_step: step ${i} pulls towards a target (k = ${c.k}) but no y buffer was given`);
    }
    const [lo, hi] = splitSeed(opts.seed);
    const ubuf = this.ctx.uniform('flow_sde_step:params', steps.length * SLOT);
    const bytes = new ArrayBuffer(steps.length * SLOT);
    const view = new Uint8Array(bytes);
    steps.forEach((c, i) => view.set(new Uint8Array(FlowSdeParams.pack({ n, stream: c.stream, seed_lo: lo, seed_hi: hi, a: c.a, k: c.k, s: c.s })), i * SLOT));
    this.ctx.write(ubuf, bytes);
    const owned: GPUBuffer[] = [ubuf];
    let y = opts.y;
    if (!y) {
      y = this.ctx.storage('flow_sde_step:no-target', 16);
      owned.push(y);
    }
    const bind = FlowSdeBindings.bind(this.ctx.device, { params: ubuf, x, y });
    const pipeline = opts.y ? this.pipelines.target : this.pipelines.plain;
    return new SdeStepPlan(this.ctx, pipeline, bind, workgroups(Math.ceil(n / 4), WG), steps.length, owned);
  }
}

export class SdeStepPlan {
  constructor(
    private readonly ctx: GpuContext,
    private readonly pipeline: GPUComputePipeline,
    private readonly bind: GPUBindGroup,
    private readonly groups: [number, number],
    /** Number of planned steps. */
    readonly steps: number,
    private readonly owned: GPUBuffer[],
  ) {}

  /** Encode steps [from, to) in one compute pass. */
  encode(encoder: GPUCommandEncoder, from = 0, to = this.steps): void {
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= this.steps)) {
      throw new InputError(`flow_sde_step: step range [${from}, ${to}) outside [0, ${this.steps})`);
    }
    if (from === to) return;
    const pass = encoder.beginComputePass({ label: 'flow_sde_step' });
    pass.setPipeline(this.pipeline);
    for (let i = from; i < to; i++) {
      pass.setBindGroup(0, this.bind, [i * SLOT]);
      pass.dispatchWorkgroups(this.groups[0], this.groups[1]);
    }
    pass.end();
  }

  destroy(): void {
    for (const b of this.owned) this.ctx.destroyBuffer(b);
    this.owned.length = 0;
  }
}
