/**
 * The MLP on the GPU: a flat parameter buffer (src/model/layout.ts) initialised from the seeded
 * Philox RNG, and batch plans that encode the fused forward pass (one dispatch per layer), the
 * backward pass (one dispatch per hidden layer) and all parameter gradients (one dispatch).
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import type { ParamsLayout } from '../gpu/params.js';
import { MlpBackwardKernel } from '../kernels/mlp_backward.js';
import {
  DEFAULT_LAYER_VARIANT,
  layerCandidates,
  layerVariantName,
  MlpForwardKernel,
  MlpLayerBindings,
  MlpLayerParams,
  type LayerKernelVariant,
} from '../kernels/mlp_forward.js';
import { GpuTimer } from '../gpu/timing.js';
import { bestTime } from '../gpu/tuning.js';
import { DEFAULT_GRADS_VARIANT, gradsCandidates, gradsVariantName, MlpGradsKernel, type GradsVariant, type MlpGradsPlan } from '../kernels/mlp_grads.js';
import { MlpInitKernel, type InitScheme } from '../kernels/mlp_init.js';
import { UniformSlots } from '../gpu/bindings.js';
import { ACTIVATION_CODE, fourierFeatures, mlpLayout, type MlpLayout, type MlpSpec } from '../model/layout.js';
import { workspaceLayout, type Workspace } from '../model/workspace.js';

type LayerField = typeof MlpLayerParams extends ParamsLayout<infer F> ? F : never;

export interface MlpOptions {
  seed?: number | bigint;
  init?: InitScheme;
}

export class Mlp {
  readonly layout: MlpLayout;
  /** The flat parameter buffer (layout.size floats). */
  readonly params: GPUBuffer;

  private constructor(
    readonly ctx: GpuContext,
    readonly spec: MlpSpec,
  ) {
    this.layout = mlpLayout(spec);
    this.params = ctx.storage('mlp:params', this.layout.size * 4);
  }

  /** A new network with parameters drawn on the GPU (default: Xavier, seed 0). */
  static async create(ctx: GpuContext, spec: MlpSpec, options: MlpOptions = {}): Promise<Mlp> {
    const m = new Mlp(ctx, spec);
    try {
      const init = await MlpInitKernel.create(ctx);
      await init.run(m.layout, m.params, options.init ?? 'xavier', options.seed ?? 0);
    } catch (e) {
      m.destroy();
      throw e;
    }
    return m;
  }

  async readParams(): Promise<Float32Array> {
    return this.ctx.readF32(this.params, 0, this.layout.size);
  }

  writeParams(values: Float32Array): void {
    if (values.length !== this.layout.size) throw new InputError(`parameters: expected ${this.layout.size} floats, got ${values.length}`);
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) throw new InputError(`parameters: value ${i} is not finite`);
    this.ctx.write(this.params, values);
  }

  /**
   * Plan forward/backward passes for batches of up to `batch` samples (allocates the workspace once).
   * The layer kernels' shapes are tuned for the adapter (see MlpBatchPlan.create) unless `kernels` names them.
   */
  async plan(batch: number, params: GPUBuffer = this.params, kernels: Partial<MlpKernelChoice> = {}): Promise<MlpBatchPlan> {
    if (!Number.isInteger(batch) || batch < 1 || batch > 1 << 22) throw new InputError(`batch must be an integer in [1, 4194304], got ${batch}`);
    return MlpBatchPlan.create(this.ctx, this.layout, batch, params, kernels);
  }

  /**
   * Convenience (tests, CLI): evaluate the raw network output for points `x` (n × d row-major)
   * at time `t` (a discrete step index for 'step' conditioning, else t/T in [0, 1] for 'fourier').
   * Returns n × d row-major. Allocates; not for inner loops.
   */
  async evaluate(x: Float32Array, t: number | ArrayLike<number>): Promise<Float32Array> {
    const d = this.spec.dim;
    const n = x.length / d;
    if (!Number.isInteger(n) || n < 1) throw new InputError(`evaluate: x must hold n·${d} floats, got ${x.length}`);
    const plan = await this.plan(n);
    try {
      plan.setInput(x, t);
      const enc = this.ctx.device.createCommandEncoder({ label: 'mlp:evaluate' });
      const pass = enc.beginComputePass({ label: 'mlp:forward' });
      plan.encodeForward(pass);
      pass.end();
      const outOff = plan.ws.u[this.layout.layers.length - 1]!;
      const out = new Float32Array(await this.ctx.read(plan.acts, outOff * 4, d * plan.ws.bs * 4, enc));
      const res = new Float32Array(n * d);
      for (let j = 0; j < d; j++) for (let b = 0; b < n; b++) res[b * d + j] = out[j * plan.ws.bs + b]!;
      return res;
    } finally {
      plan.destroy();
    }
  }

  destroy(): void {
    this.ctx.destroyBuffer(this.params);
  }
}

/** The kernel shapes of a batch plan (src/kernels/mlp_forward.ts LayerKernelVariant). */
export interface MlpKernelChoice {
  forward: LayerKernelVariant;
  backward: LayerKernelVariant;
  grads: GradsVariant;
}

/**
 * Below this many multiply-adds per pass (batch stride × Σ in·out) the default shapes run without a
 * search: small networks are bound by dispatch overhead, where the shapes differ little, and a
 * search (compiling every candidate) would cost more than it saves.
 */
export const TUNE_MIN_MACS = 1 << 22;

/** The tuner's problem class of a plan: widest layer and batch stride, each rounded up to a power of 2. */
function shapeClass(layout: MlpLayout, bs: number): string {
  const p2 = (x: number) => 2 ** Math.ceil(Math.log2(Math.max(1, x)));
  const width = Math.max(...layout.layers.map((l) => Math.max(l.in, l.out)));
  return `w${p2(width)}-b${p2(bs)}`;
}

/** Best time (ms) of one compute pass that `encode` fills: GPU timestamps when the device has them, else wall-clock per awaited submit. */
async function timePass(ctx: GpuContext, sync: GPUBuffer, encode: (pass: GPUComputePassEncoder) => void): Promise<number> {
  const timer = ctx.hasTimestamps ? new GpuTimer(ctx, 1) : undefined;
  try {
    return await bestTime(async () => {
      const enc = ctx.device.createCommandEncoder({ label: 'tune:mlp' });
      const t0 = performance.now();
      const tw = timer?.passTimestamps('pass');
      const pass = enc.beginComputePass({ label: 'tune:mlp', ...(tw ? { timestampWrites: tw } : {}) });
      encode(pass);
      pass.end();
      if (timer) {
        timer.resolve(enc);
        ctx.submit(enc.finish());
        return (await timer.read()).get('pass') ?? 0;
      }
      await ctx.read(sync, 0, 4, enc);
      return performance.now() - t0;
    }, 2);
  } finally {
    timer?.destroy();
  }
}

/** Workspace, uniforms, bind groups and pipelines for one batch size. Encode many times. */
export class MlpBatchPlan {
  readonly acts: GPUBuffer;
  /** Per-sample step index (u32, for the per-step embedding), bs entries. */
  readonly tidx: GPUBuffer;
  private gradsPlan: MlpGradsPlan | undefined;
  private gradsBind: GPUBindGroup | undefined;

  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: MlpLayout,
    readonly ws: Workspace,
    private readonly slots: UniformSlots<LayerField>,
    private readonly bind: GPUBindGroup,
    acts: GPUBuffer,
    tidx: GPUBuffer,
    private readonly fwd: MlpForwardKernel[],
    private readonly bwd: MlpBackwardKernel[],
    private readonly grads: MlpGradsKernel,
    readonly params: GPUBuffer,
    /** MlpLayerParams of each layer forward (0..L) and each hidden layer backward (L+1+h): what the slots hold. */
    readonly layerFields: readonly Partial<Record<LayerField, number>>[],
  ) {
    this.acts = acts;
    this.tidx = tidx;
  }

  /**
   * A plan for batches of up to `batch` samples. The forward and backward kernels' shapes are those
   * in `kernels`, else (when a pass does at least TUNE_MIN_MACS multiply-adds) the fastest of
   * layerCandidates on this adapter for the plan's shape class, timed at first use by the tuner
   * (src/gpu/tuning.ts, keys 'mlp_forward:<class>' and 'mlp_backward:<class>'), else the default.
   */
  static async create(ctx: GpuContext, layout: MlpLayout, batch: number, params: GPUBuffer, kernels: Partial<MlpKernelChoice> = {}): Promise<MlpBatchPlan> {
    const ws = workspaceLayout(layout, batch);
    const L = layout.layers.length;
    const act = ACTIVATION_CODE[layout.spec.activation];
    const slope = layout.spec.leakySlope ?? 0.01;
    const makeFwd = (kv: LayerKernelVariant) =>
      Promise.all(layout.layers.map((l) => MlpForwardKernel.create(ctx, { act, emb: l.eOffset >= 0, hidden: l.hidden, inputs: l.in }, kv)));
    const makeBwd = (kv: LayerKernelVariant) =>
      Promise.all(layout.layers.filter((l) => l.hidden).map((l) => MlpBackwardKernel.create(ctx, { act, emb: l.eOffset >= 0, rows: l.out }, kv)));
    if (ws.size * 4 > ctx.device.limits.maxStorageBufferBindingSize) {
      throw new InputError(`batch ${batch}: the activation workspace needs ${ws.size * 4} bytes, over the device's storage binding limit`);
    }
    const acts = ctx.storage('mlp:acts', ws.size * 4);
    const tidx = ctx.storage('mlp:tidx', ws.bs * 4);
    const slots = new UniformSlots(ctx, 'mlp:layer-params', MlpLayerParams, 2 * L);
    const fields: Partial<Record<LayerField, number>>[] = Array.from({ length: 2 * L }, () => ({}));
    const set = (i: number, v: Partial<Record<LayerField, number>>) => {
      fields[i] = v;
      slots.set(i, v);
    };
    layout.layers.forEach((l, i) => {
      set(i, {
        in_dim: l.in,
        out_dim: l.out,
        bs: ws.bs,
        w_off: l.wOffset,
        b_off: l.bOffset,
        e_off: Math.max(0, l.eOffset),
        scale_idx: layout.scaleOffset + i,
        x_off: i === 0 ? ws.x : ws.h[i - 1]!,
        u_off: ws.u[i]!,
        h_off: Math.max(0, ws.h[i]!),
        slope,
      });
      if (l.hidden) {
        const next = layout.layers[i + 1]!;
        set(L + i, {
          in_dim: next.out,
          out_dim: l.out,
          bs: ws.bs,
          w_off: next.wOffset,
          e_off: Math.max(0, l.eOffset),
          scale_idx: layout.scaleOffset + i + 1,
          u_off: ws.u[i]!,
          du_off: ws.du[i]!,
          dv_off: Math.max(0, ws.dv[i]!),
          dnext_off: ws.du[i + 1]!,
          slope,
        });
      }
    });
    slots.upload();
    const bind = MlpLayerBindings.bind(ctx.device, { lp: slots.resource, params, acts, tidx, params4: params });
    try {
      const macs = ws.bs * layout.layers.reduce((s, l) => s + l.in * l.out, 0);
      const tune = macs >= TUNE_MIN_MACS;
      const cls = shapeClass(layout, ws.bs);
      const candidates = (stage: 'forward' | 'backward') => layerCandidates(ctx, stage).map((v) => ({ name: layerVariantName(v), value: v }));
      const timer = ctx.hasTimestamps ? 'gpu-timestamps' : 'wall-clock';
      const encodeFwd = (pass: GPUComputePassEncoder, ks: MlpForwardKernel[]) =>
        layout.layers.forEach((l, i) => {
          pass.setBindGroup(0, bind, [slots.offset(i)]);
          ks[i]!.dispatch(pass, l.out, ws.bs);
        });
      const encodeBwd = (pass: GPUComputePassEncoder, ks: MlpBackwardKernel[]) => {
        for (let i = L - 2; i >= 0; i--) {
          pass.setBindGroup(0, bind, [slots.offset(L + i)]);
          ks[i]!.dispatch(pass, layout.layers[i]!.out, ws.bs);
        }
      };
      const pick = async <K>(stage: string, given: LayerKernelVariant | undefined, make: (v: LayerKernelVariant) => Promise<K>, encode: (pass: GPUComputePassEncoder, ks: K) => void): Promise<K> => {
        if (given) return make(given);
        if (!tune) return make(DEFAULT_LAYER_VARIANT);
        const chosen = await ctx.tuner.choose(
          `${stage}:${cls}`,
          candidates(stage === 'mlp_forward' ? 'forward' : 'backward'),
          async (c) => {
            const ks = await make(c);
            return timePass(ctx, acts, (p) => encode(p, ks));
          },
          timer,
        );
        return make(chosen); // compiled during the search: the pipeline cache returns it
      };
      const fwd = await pick('mlp_forward', kernels.forward, makeFwd, encodeFwd);
      const bwd = await pick('mlp_backward', kernels.backward, makeBwd, encodeBwd);
      let gradsVariant = kernels.grads ?? DEFAULT_GRADS_VARIANT;
      if (!kernels.grads && tune) {
        const scratch = ctx.storage('tune:mlp-grads', layout.size * 4);
        try {
          gradsVariant = await ctx.tuner.choose(
            `mlp_grads:${cls}`,
            gradsCandidates(ctx).map((v) => ({ name: gradsVariantName(v), value: v })),
            async (c) => {
              const k = await MlpGradsKernel.create(ctx, c);
              const gp = k.prepare(layout, ws);
              try {
                const b = k.bind(gp, params, acts, tidx, scratch);
                return await timePass(ctx, acts, (p) => k.dispatch(p, b, gp.jobs));
              } finally {
                ctx.destroyBuffer(gp.plan);
                ctx.destroyBuffer(gp.ubuf);
              }
            },
            timer,
          );
        } finally {
          ctx.destroyBuffer(scratch);
        }
      }
      const grads = await MlpGradsKernel.create(ctx, gradsVariant);
      return new MlpBatchPlan(ctx, layout, ws, slots, bind, acts, tidx, fwd, bwd, grads, params, fields);
    } catch (e) {
      slots.destroy();
      ctx.destroyBuffer(acts);
      ctx.destroyBuffer(tidx);
      throw e;
    }
  }

  /** The kernel shapes in use (tuned or given). */
  get kernels(): MlpKernelChoice {
    return { forward: this.fwd[0]!.variant, backward: this.bwd[0]?.variant ?? DEFAULT_LAYER_VARIANT, grads: this.grads.variant };
  }

  /** Dispatches per encodeForward / encodeBackward / encodeGrads. */
  get dispatches(): { forward: number; backward: number; grads: number } {
    return { forward: this.fwd.length, backward: this.bwd.length, grads: 1 };
  }

  /** Forward through every layer: workspace x → u/h of each layer; output in u[L]. */
  encodeForward(pass: GPUComputePassEncoder): void {
    this.layout.layers.forEach((l, i) => {
      pass.setBindGroup(0, this.bind, [this.slots.offset(i)]);
      this.fwd[i]!.dispatch(pass, l.out, this.ws.bs);
    });
  }

  /** Backward from du[L] (dJ/d output, written by the loss) down to du[0]. */
  encodeBackward(pass: GPUComputePassEncoder): void {
    const L = this.layout.layers.length;
    for (let i = L - 2; i >= 0; i--) {
      pass.setBindGroup(0, this.bind, [this.slots.offset(L + i)]);
      this.bwd[i]!.dispatch(pass, this.layout.layers[i]!.out, this.ws.bs);
    }
  }

  /** Bind the gradient buffer (same layout as params) once. */
  attachGrads(grads: GPUBuffer): MlpGradsPlan {
    if (!this.gradsPlan) this.gradsPlan = this.grads.prepare(this.layout, this.ws);
    this.gradsBind = this.grads.bind(this.gradsPlan, this.params, this.acts, this.tidx, grads);
    return this.gradsPlan;
  }

  /** Every parameter gradient into the attached gradient buffer (one dispatch). */
  encodeGrads(pass: GPUComputePassEncoder): void {
    if (!this.gradsBind || !this.gradsPlan) throw new InputError('encodeGrads: call attachGrads(buffer) first');
    this.grads.dispatch(pass, this.gradsBind, this.gradsPlan.jobs);
  }

  /**
   * Write network inputs from the CPU: x (n × d row-major, n <= batch) at time t (per point or
   * one for all; discrete step index for 'step' conditioning, τ = t/T for 'fourier').
   */
  setInput(x: Float32Array, t: number | ArrayLike<number>): void {
    const { spec, inputFeatures } = this.layout;
    const d = spec.dim;
    const n = x.length / d;
    const bs = this.ws.bs;
    if (!Number.isInteger(n) || n > this.ws.batch) throw new InputError(`setInput: x must hold at most ${this.ws.batch}·${d} floats, got ${x.length}`);
    const tAt = (b: number) => (typeof t === 'number' ? t : t[b]!);
    const feat = new Float32Array(inputFeatures * bs);
    const steps = new Uint32Array(bs);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < d; j++) {
        const v = x[b * d + j]!;
        if (!Number.isFinite(v)) throw new InputError(`setInput: x[${b}][${j}] is not finite`);
        feat[j * bs + b] = v;
      }
      if (spec.time.kind === 'fourier') fourierFeatures(tAt(b), spec.time.features).forEach((v, k) => (feat[(d + k) * bs + b] = v));
      if (spec.time.kind === 'step') {
        const k = tAt(b);
        if (!Number.isInteger(k) || k < 0 || k >= spec.time.steps) throw new InputError(`setInput: step index must be an integer in [0, ${spec.time.steps}), got ${k}`);
        steps[b] = k;
      }
    }
    this.ctx.write(this.acts, feat, this.ws.x * 4);
    this.ctx.write(this.tidx, steps);
  }

  destroy(): void {
    this.slots.destroy();
    this.ctx.destroyBuffer(this.acts);
    this.ctx.destroyBuffer(this.tidx);
    if (this.gradsPlan) {
      this.ctx.destroyBuffer(this.gradsPlan.plan);
      this.ctx.destroyBuffer(this.gradsPlan.ubuf);
    }
  }
}
