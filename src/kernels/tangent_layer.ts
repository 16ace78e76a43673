/**
 * Owner of shaders/tangent_layer.wgsl: one MLP layer for many points at once, point-major, in four
 * modes (forward through a hidden layer storing the activation slopes, forward through the head to
 * the score, JVP, VJP) and a fifth, the input-gradient of wᵀ J_out(x) v (the search's ascent). A chain of dispatches gives the forward pass, J_out·v and J_outᵀ·v at every
 * point for any d and any widths (src/lipschitz/power_iteration.ts). Per-layer parameters live in a
 * UniformSlots buffer written once; a dispatch allocates nothing.
 */
import source from '../../shaders/tangent_layer.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, read, rw, uniform, UniformSlots, type BufferResource } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { ParamsLayout } from '../gpu/params.js';
import { ACTIVATION_CODE, OUTPUT_CODE, type MlpLayout } from '../model/layout.js';

export const TangentRunParams = new ParamsLayout('TangentRunParams', { points: 'u32', per_time: 'u32', time_offset: 'u32', sumh: 'u32', plane: 'u32' });

export const TangentLayerParams = new ParamsLayout('TangentLayerParams', {
  mode: 'u32',
  in_dim: 'u32',
  in_cols: 'u32',
  out_dim: 'u32',
  w_off: 'u32',
  b_off: 'u32',
  e_off: 'u32',
  emb: 'u32',
  scale_idx: 'u32',
  slope_off: 'u32',
  has_slopes: 'u32',
  fourier: 'u32',
  first: 'u32',
  store: 'u32',
  store_off: 'u32',
});

type LayerField = typeof TangentLayerParams extends ParamsLayout<infer F> ? F : never;

export const TangentLayerBindings = new Bindings('tangent_layer', {
  run: uniform(TangentRunParams),
  /** This dispatch's layer and mode (a slot of the per-layer UniformSlots). */
  lp: uniform(TangentLayerParams, { dynamic: true }),
  /** The MLP's flat parameters. */
  mlp: read('array<f32>'),
  /** Per time: (α, σ, step, τ) (packTimes). */
  times: read('array<vec4<f32>>'),
  /** The layer's input, points × (in_cols, or out_dim for VJP). */
  xin: read('array<f32>'),
  /** The points (points × d), for the head's score. */
  pts: read('array<f32>'),
  /** Activation slopes of every hidden layer, points × SUMH (written by forward, read by JVP/VJP). */
  slopes: rw('array<f32>'),
  /** The layer's output, points × (out_dim, or in_cols for VJP). */
  yout: rw('array<f32>'),
});

export const TANGENT_LAYER_WG = 64;

export type TangentMode = 'forward' | 'jvp' | 'vjp' | 'grad';
const MODES: readonly TangentMode[] = ['forward', 'jvp', 'vjp', 'grad'];

/** One dispatch of the chain: which layer, which mode. */
export interface TangentStep {
  layer: number;
  mode: TangentMode;
}

/** Sum of the hidden widths: the per-point length of the slopes buffer. */
export function slopesWidth(layout: MlpLayout): number {
  return layout.layers.filter((l) => l.hidden).reduce((n, l) => n + l.out, 0);
}

export class TangentLayer {
  private readonly slots: UniformSlots<LayerField>;
  private readonly slotOf = new Map<string, number>();
  readonly run: GPUBuffer;

  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: MlpLayout,
    private readonly pipeline: GPUComputePipeline,
  ) {
    const L = layout.layers.length;
    this.slots = new UniformSlots(ctx, 'tangent_layer:layers', TangentLayerParams, MODES.length * L);
    const d = layout.spec.dim;
    const nf = layout.spec.time.kind === 'fourier' ? layout.spec.time.features : 0;
    let slopeOff = 0;
    const slopeOffs: number[] = [];
    for (const l of layout.layers) {
      slopeOffs.push(slopeOff);
      if (l.hidden) slopeOff += l.out;
    }
    let slot = 0;
    layout.layers.forEach((l, li) => {
      for (const mode of MODES) {
        const inCols = li === 0 ? d : l.in;
        const code = mode === 'forward' ? (l.hidden ? 0 : 1) : mode === 'jvp' ? 2 : mode === 'vjp' ? 3 : 4;
        this.slots.set(slot, {
          mode: code,
          in_dim: l.in,
          in_cols: inCols,
          out_dim: l.out,
          w_off: l.wOffset,
          b_off: l.bOffset,
          e_off: Math.max(0, l.eOffset),
          emb: l.eOffset >= 0 ? 1 : 0,
          scale_idx: layout.scaleOffset + li,
          slope_off: slopeOffs[li]!,
          has_slopes: l.hidden ? 1 : 0,
          fourier: mode === 'forward' && li === 0 ? nf : 0,
          // The gradient chain starts at the last hidden layer with no incoming adjoint.
          first: mode === 'grad' && li === L - 2 ? 1 : 0,
          // VJP through layer li ≥ 1 yields the cotangent on hidden layer li − 1's output.
          store: mode === 'vjp' && li >= 1 ? 1 : 0,
          store_off: li >= 1 ? slopeOffs[li - 1]! : 0,
        });
        this.slotOf.set(`${li}:${mode}`, slot++);
      }
    });
    this.slots.upload();
    this.run = ctx.uniform('tangent_layer:run', TangentRunParams.byteSize);
  }

  static async create(ctx: GpuContext, layout: MlpLayout): Promise<TangentLayer> {
    const pipeline = await ctx.pipelines.get({
      kernel: 'tangent_layer',
      source,
      layout: TangentLayerBindings.pipelineLayout(ctx.device),
      prelude: [TangentLayerBindings.wgsl],
      constants: {
        WG: TANGENT_LAYER_WG,
        ACT: ACTIVATION_CODE[layout.spec.activation],
        LEAKY: layout.spec.leakySlope ?? 0.01,
        OUT_KIND: OUTPUT_CODE[layout.spec.output],
      },
    });
    return new TangentLayer(ctx, layout, pipeline);
  }

  /**
   * Write the run parameters (before the submit that uses them). `planes`: the slope rows hold the
   * four planes of the gradient chain (slopes, curvatures, z, c; 4·SUMH floats per point).
   */
  setRun(points: number, perTime: number, timeOffset: number, planes = false): void {
    const sumh = Math.max(1, slopesWidth(this.layout));
    this.ctx.write(this.run, TangentRunParams.pack({ points, per_time: perTime, time_offset: timeOffset, sumh: planes ? 4 * sumh : sumh, plane: planes ? sumh : 0 }));
  }

  /** A bind group for one input → output pair (the caller keeps it for as long as the buffers live). */
  bind(resources: { mlp: BufferResource; times: BufferResource; xin: BufferResource; pts: BufferResource; slopes: BufferResource; yout: BufferResource }): GPUBindGroup {
    return TangentLayerBindings.bind(this.ctx.device, { run: this.run, lp: this.slots.resource, ...resources });
  }

  /** Outputs per point of a step. */
  outputs(step: TangentStep): number {
    const l = this.layout.layers[step.layer]!;
    return step.mode === 'vjp' || step.mode === 'grad' ? (step.layer === 0 ? this.layout.spec.dim : l.in) : l.out;
  }

  /** Encode one step over `points` points into an open compute pass. */
  dispatch(pass: GPUComputePassEncoder, bind: GPUBindGroup, step: TangentStep, points: number): void {
    const slot = this.slotOf.get(`${step.layer}:${step.mode}`);
    if (slot === undefined) throw new Error(`tangent_layer: no layer ${step.layer}`);
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind, [this.slots.offset(slot)]);
    const blocks = Math.ceil(points / 4) * Math.ceil(this.outputs(step) / 4);
    pass.dispatchWorkgroups(...workgroups(blocks, TANGENT_LAYER_WG));
  }

  destroy(): void {
    this.slots.destroy();
    this.ctx.destroyBuffer(this.run);
  }
}
