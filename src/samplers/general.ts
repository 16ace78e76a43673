/**
 * The reverse samplers' general path, for any dimension d (and networks too wide for the fused vec4
 * kernel): particles are processed in blocks of `bs` columns, feature-major, and every step is
 *
 *   score at row r (the batched MLP layers of src/train/mlp.ts, or shaders/mixture_score_nd.wgsl)
 *   → sampler_step (EM with λ / DDPM ancestral; Heun: predict, score at row r − 1, correct)
 *
 * all encoded into one pass (one parameter slot per (block, step), written once per run), so the
 * CPU never waits inside a run. The updates and the noise counters are those of the fused kernel
 * (shaders/reverse_sample.wgsl): for d ≤ 4 both paths draw the same noise.
 */
import type { GpuContext } from '../gpu/context.js';
import { UniformSlots } from '../gpu/bindings.js';
import { InputError } from '../gpu/errors.js';
import { MixtureNdParams, MixtureScoreNdKernel, NO_LOGP } from '../kernels/mixture_score_nd.js';
import { SamplerStepKernel, SamplerStepParams } from '../kernels/sampler_step.js';
import { OUTPUT_CODE, type MlpLayout } from '../model/layout.js';
import { workspaceLayout } from '../model/workspace.js';
import { checkMixtureNdFits, mixtureNdStride, packMixtureNd, type PreparedMixture } from '../scores/mixture.js';
import { MlpBatchPlan } from '../train/mlp.js';
import { splitSeed } from '../rng/philox.js';

type StepField = typeof SamplerStepParams extends { pack(v: Partial<Record<infer F, number>>): ArrayBuffer } ? F : never;
type MixField = typeof MixtureNdParams extends { pack(v: Partial<Record<infer F, number>>): ArrayBuffer } ? F : never;

export type GeneralScore = { kind: 'exact'; mixture: PreparedMixture } | { kind: 'network'; layout: MlpLayout; params: GPUBuffer };

export interface GeneralOptions {
  dim: number;
  n: number;
  kind: 'em' | 'heun' | 'ddpm';
  lambda: number;
  /** Ascending grid (the table's rows). */
  times: Float64Array;
  /** σ of each table row as stored in f32 (Heun skips the corrector where it is 0). */
  sigmas: Float32Array;
  table: GPUBuffer;
  state: GPUBuffer;
  capture: GPUBuffer;
  captureEvery: number;
  score: GeneralScore;
  stream: number;
  /** Largest block of particles (columns); default: as many as fit one storage binding. */
  maxBlock?: number;
}

/** Cap on the per-(block, step) uniform slots (256 bytes each). */
const MAX_SLOT_BYTES = 64 << 20;

/** Floats per particle column of the block's work buffer (and the Heun aux buffer). */
function columnFloats(o: GeneralOptions): number {
  const heun = o.kind === 'heun' ? 2 * o.dim : 0;
  if (o.score.kind === 'exact') return Math.max(2 * o.dim, heun);
  return Math.max(workspaceLayout(o.score.layout, 8).size / 8, heun);
}

export class GeneralStepper {
  readonly blocks: { p0: number; count: number }[] = [];
  readonly bs: number;
  private readonly owned: GPUBuffer[] = [];
  private readonly slots: UniformSlots<StepField>;
  private readonly mixSlots: UniformSlots<MixField> | undefined;
  private readonly stepBind: GPUBindGroup;
  private readonly mixBind: GPUBindGroup | undefined;
  private readonly slotsPerBlock: number;

  private constructor(
    private readonly ctx: GpuContext,
    private readonly o: GeneralOptions,
    private readonly kernel: SamplerStepKernel,
    private readonly mix: MixtureScoreNdKernel | undefined,
    private readonly plan: MlpBatchPlan | undefined,
    bs: number,
    work: GPUBuffer,
    private readonly offsets: { x: number; out: number; feat: number },
  ) {
    this.bs = bs;
    for (let p0 = 0; p0 < o.n; p0 += bs) this.blocks.push({ p0, count: Math.min(bs, o.n - p0) });
    const own = (b: GPUBuffer) => (this.owned.push(b), b);
    if (!plan) own(work);
    const aux = own(ctx.storage('sampler:heun-aux', o.kind === 'heun' ? 2 * o.dim * bs * 4 : 16));
    const tidx = plan ? plan.tidx : own(ctx.storage('sampler:no-tidx', 16));
    const steps = o.times.length - 1;
    this.slotsPerBlock = steps + 1;

    this.slots = new UniformSlots(ctx, 'sampler_step:params', SamplerStepParams, this.slotsPerBlock * this.blocks.length);
    this.stepBind = kernel.bind({ sp: this.slots.resource, table: o.table, work, aux, state: o.state, capture: o.capture, tidx });
    if (mix && o.score.kind === 'exact') {
      const m = o.score.mixture;
      const d = o.dim;
      const mbuf = own(ctx.storage('sampler:mixture-nd', packMixtureNd(m)));
      // One slot per table row: the mixture kernel evaluates the whole block (padding columns are zeros).
      this.mixSlots = new UniformSlots(ctx, 'mixture_score_nd:params', MixtureNdParams, o.times.length);
      for (let r = 0; r < o.times.length; r++) {
        this.mixSlots.set(r, { n: bs, row: r, comps: m.components, stride: mixtureNdStride(d), x_off: 0, x_sp: 1, x_sj: bs, s_off: d * bs, s_sp: 1, s_sj: bs, logp_off: NO_LOGP });
      }
      this.mixSlots.upload();
      // C⁻¹(x − αμ) of each particle of a block (bs·d floats: within the binding, as the block is sized for work).
      const scratch = own(ctx.storage('sampler:mixture-scratch', bs * d * 4));
      this.mixBind = mix.bind({ mp: this.mixSlots.resource, mixture: mbuf, table: o.table, work, scratch });
    }
  }

  static async create(ctx: GpuContext, o: GeneralOptions): Promise<GeneralStepper> {
    const limit = ctx.device.limits.maxStorageBufferBindingSize;
    const perColumn = columnFloats(o);
    const fit = Math.floor(limit / 4 / perColumn / 8) * 8;
    if (fit < 8) throw new InputError(`sampler: one block of 8 particles needs ${perColumn * 32} bytes of work space, over this device's storage binding limit (${limit} bytes)`);
    const want = Math.ceil(Math.min(o.n, o.maxBlock ?? Infinity) / 8) * 8;
    const bs = Math.max(8, Math.min(fit, want));
    const slotBytes = o.times.length * Math.ceil(o.n / bs) * 256;
    if (slotBytes > MAX_SLOT_BYTES) throw new InputError(`sampler: ${o.times.length - 1} steps × ${Math.ceil(o.n / bs)} blocks of particles need ${slotBytes} bytes of step parameters (limit ${MAX_SLOT_BYTES}); lower steps or n`);
    const d = o.dim;
    const exact = o.score.kind === 'exact';
    if (o.score.kind === 'exact') checkMixtureNdFits(o.score.mixture, limit);
    const layout = o.score.kind === 'network' ? o.score.layout : undefined;
    const spec = layout?.spec;
    const [kernel, mix, plan] = await Promise.all([
      SamplerStepKernel.create(ctx, {
        dim: d,
        sampler: o.kind === 'ddpm' ? 2 : 0,
        outKind: spec ? OUTPUT_CODE[spec.output] : OUTPUT_CODE.score,
        fourier: spec?.time.kind === 'fourier' ? spec.time.features : 0,
        embed: spec?.time.kind === 'step',
        stream: o.stream,
      }),
      exact ? MixtureScoreNdKernel.create(ctx, d) : Promise.resolve(undefined),
      o.score.kind === 'network' ? MlpBatchPlan.create(ctx, o.score.layout, bs, o.score.params) : Promise.resolve(undefined),
    ]);
    let work: GPUBuffer;
    let offsets: { x: number; out: number; feat: number };
    if (plan) {
      work = plan.acts;
      const L = plan.layout.layers.length;
      offsets = { x: plan.ws.x, out: plan.ws.u[L - 1]!, feat: plan.ws.x + d * plan.ws.bs };
    } else {
      work = ctx.storage('sampler:block', 2 * d * bs * 4);
      offsets = { x: 0, out: d * bs, feat: 0 };
    }
    return new GeneralStepper(ctx, o, kernel, mix, plan, plan ? plan.ws.bs : bs, work, offsets);
  }

  /** Write every (block, step) parameter slot for a run with this seed. */
  writeParams(seed: number | bigint): void {
    const [lo, hi] = splitSeed(seed);
    const N = this.o.times.length - 1;
    const every = this.o.captureEvery;
    this.blocks.forEach((blk, bi) => {
      const base = { n: this.o.n, count: blk.count, p0: blk.p0, bs: this.bs, x_off: this.offsets.x, out_off: this.offsets.out, feat_off: this.offsets.feat, seed_lo: lo, seed_hi: hi, lambda: this.o.lambda };
      this.slots.set(bi * this.slotsPerBlock, { ...base, m: 0, row: N, next_row: N });
      for (let m = 0; m < N; m++) {
        const r = N - m;
        const slot = every > 0 && (m + 1) % every === 0 ? (m + 1) / every : 0;
        this.slots.set(bi * this.slotsPerBlock + 1 + m, { ...base, m, row: r, next_row: r - 1, capture_slot: slot, corrector: this.o.sigmas[r - 1]! > 0 ? 1 : 0 });
      }
    });
    this.slots.upload();
  }

  private score(pass: GPUComputePassEncoder, row: number): void {
    if (this.plan) this.plan.encodeForward(pass);
    else this.mix!.encode(pass, this.mixBind!, this.mixSlots!.offset(row), this.bs);
  }

  /** Encode steps [begin, end) of block `bi` (with the load before step 0 and the store after the last). */
  encode(pass: GPUComputePassEncoder, bi: number, begin: number, end: number): void {
    const N = this.o.times.length - 1;
    const slot = (i: number) => this.slots.offset(bi * this.slotsPerBlock + i);
    if (begin === 0) this.kernel.encode(pass, 'load', this.stepBind, slot(0), this.bs);
    for (let m = begin; m < end; m++) {
      const r = N - m;
      this.score(pass, r);
      if (this.o.kind === 'heun') {
        this.kernel.encode(pass, 'predict', this.stepBind, slot(1 + m), this.bs);
        if (this.o.sigmas[r - 1]! > 0) {
          this.score(pass, r - 1);
          this.kernel.encode(pass, 'correct', this.stepBind, slot(1 + m), this.bs);
        }
      } else {
        this.kernel.encode(pass, 'step', this.stepBind, slot(1 + m), this.bs);
      }
    }
    if (end === N) this.kernel.encode(pass, 'store', this.stepBind, slot(0), this.bs);
  }

  destroy(): void {
    this.plan?.destroy();
    this.slots.destroy();
    this.mixSlots?.destroy();
    for (const b of this.owned) this.ctx.destroyBuffer(b);
    this.owned.length = 0;
  }
}
