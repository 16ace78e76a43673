/**
 * Shared owner of shaders/lib/mlp_tangent.wgsl and shaders/lib/lipschitz_io.wgsl: the WGSL
 * constants that describe an MLP layout (so every loop bound and offset is a compile-time constant),
 * the LipschitzParams uniform, the bind group layout, and the per-time table. The two kernels that
 * evaluate the score's Jacobian at many points (power_iter_step, sym_jacobian_eig) build on it.
 */
import type { GpuContext } from '../gpu/context.js';
import { computeLayout, grid2d } from '../gpu/dispatch.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';
import { ACTIVATION_CODE, OUTPUT_CODE, type MlpLayout } from '../model/layout.js';
import { splitSeed } from '../rng/philox.js';

export const LipschitzParams = new ParamsLayout('LipschitzParams', {
  points: 'u32',
  per_time: 'u32',
  time_offset: 'u32',
  sources: 'u32',
  noise: 'u32',
  seed_lo: 'u32',
  seed_hi: 'u32',
  iters: 'u32',
  shift_iters: 'u32',
});

export const TANGENT_WG = 64;

/** WGSL declarations of a layout's constants (the prelude of mlp_tangent.wgsl). */
export function mlpTangentPrelude(layout: MlpLayout): string {
  const L = layout.layers;
  const hidden = L.filter((l) => l.hidden);
  const hOff: number[] = [];
  let acc = 0;
  for (const l of hidden) {
    hOff.push(acc);
    acc += l.out;
  }
  const arr = (xs: number[]) => `array<u32, ${xs.length}>(${xs.map((x) => `${x >>> 0}u`).join(', ')})`;
  const nf = layout.spec.time.kind === 'fourier' ? layout.spec.time.features : 0;
  const slope = layout.spec.leakySlope ?? 0.01;
  return [
    `const D: u32 = ${layout.spec.dim}u;`,
    `const NL: u32 = ${L.length}u;`,
    `const NH: u32 = ${hidden.length}u;`,
    `const IN0: u32 = ${layout.inputFeatures}u;`,
    `const MAXW: u32 = ${layout.maxWidth}u;`,
    `const SUMH: u32 = ${acc}u;`,
    `const NF: u32 = ${nf}u;`,
    `const L_IN = ${arr(L.map((l) => l.in))};`,
    `const L_OUT = ${arr(L.map((l) => l.out))};`,
    `const L_W = ${arr(L.map((l) => l.wOffset))};`,
    `const L_B = ${arr(L.map((l) => l.bOffset))};`,
    `const L_E = ${arr(L.map((l) => (l.eOffset < 0 ? 0 : l.eOffset)))};`,
    `const H_OFF = ${arr(hOff)};`,
    `const SCALE_OFF: u32 = ${layout.scaleOffset}u;`,
    `const ACT: u32 = ${ACTIVATION_CODE[layout.spec.activation]}u;`,
    `const LEAKY: f32 = ${slope.toExponential()};`,
    `const OUT_KIND: u32 = ${OUTPUT_CODE[layout.spec.output]}u;`,
    `const TIME_STEP: bool = ${layout.spec.time.kind === 'step'};`,
  ].join('\n');
}

/** One row of the per-time table: the kernel's coefficients at time t. */
export interface TangentTime {
  /** Mean factor α_t of the forward kernel. */
  alpha: number;
  /** Std σ_t of the forward kernel (> 0 for 'eps', 'x0' and 'velocity' outputs). */
  sigma: number;
  /** Discrete step index k for the per-step embedding (0 otherwise). */
  step?: number;
  /** Normalised time τ = t/T for Fourier features (0 otherwise). */
  tau?: number;
}

/** Pack per-time rows (α, σ, step, τ) as vec4<f32>. */
export function packTimes(layout: MlpLayout, times: readonly TangentTime[]): Float32Array {
  const out = new Float32Array(times.length * 4);
  times.forEach((t, m) => {
    if (!Number.isFinite(t.alpha) || !Number.isFinite(t.sigma) || t.sigma < 0) throw new InputError(`time ${m}: α and σ must be finite, σ >= 0 (got α ${t.alpha}, σ ${t.sigma})`);
    if (t.sigma === 0 && layout.spec.output !== 'score') throw new InputError(`time ${m}: σ = 0 makes the '${layout.spec.output}' score undefined`);
    const step = t.step ?? 0;
    if (layout.steps > 0 && !(Number.isInteger(step) && step >= 0 && step < layout.steps)) {
      throw new InputError(`time ${m}: step must be an integer in [0, ${layout.steps - 1}], got ${step}`);
    }
    out.set([t.alpha, t.sigma, step, t.tau ?? 0], 4 * m);
  });
  return out;
}

/** Where the points come from: see shaders/lib/lipschitz_io.wgsl. */
export interface PointSource {
  /** Source points (sources × d floats). */
  buffer: GPUBuffer;
  /** Number of source rows; point p uses row p mod sources. */
  count: number;
  /** Add σ_t·ε (Philox, `seed`) to α_t·x: samples of p_t from data samples. Otherwise x as given. */
  noise: boolean;
}

export interface TangentDispatch {
  /** MLP parameters (flat layout). */
  params: GPUBuffer;
  /** Per-time table (packTimes), `times` rows. */
  times: GPUBuffer;
  /** First table row of this dispatch (chunks of times), default 0. */
  timeOffset?: number;
  timeCount: number;
  /** Points per time. */
  perTime: number;
  source: PointSource;
  /** Outputs: lam (P floats), xs and scores (P × d floats each). */
  lam: GPUBuffer;
  xs: GPUBuffer;
  scores: GPUBuffer;
  seed?: number | bigint;
  iters?: number;
  shiftIters?: number;
}

/** Common machinery of the per-point Jacobian kernels. */
export class MlpPointKernel {
  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: MlpLayout,
    private readonly bindLayout: GPUBindGroupLayout,
    private readonly pipeline: GPUComputePipeline,
    private readonly kernel: string,
  ) {}

  static async create(ctx: GpuContext, layout: MlpLayout, kernel: string, source: string): Promise<MlpPointKernel> {
    const bindLayout = computeLayout(ctx.device, kernel, ['uniform', 'read', 'read', 'read', 'rw', 'rw', 'rw']);
    const pl = ctx.device.createPipelineLayout({ label: kernel, bindGroupLayouts: [bindLayout] });
    const pipeline = await ctx.pipelines.get({
      kernel,
      source,
      layout: pl,
      prelude: [LipschitzParams.wgsl, mlpTangentPrelude(layout)],
      constants: { WG: TANGENT_WG },
    });
    return new MlpPointKernel(ctx, layout, bindLayout, pipeline, kernel);
  }

  /**
   * Encode one dispatch over timeCount × perTime points. Returns the uniform buffer, which the
   * caller keeps until the commands ran, then destroys (or reuses via `writeParams`).
   */
  encode(encoder: GPUCommandEncoder, d: TangentDispatch, uniform?: GPUBuffer): GPUBuffer {
    const P = d.timeCount * d.perTime;
    const dim = this.layout.spec.dim;
    if (!(Number.isInteger(d.perTime) && d.perTime >= 1)) throw new InputError(`points per time must be a positive integer, got ${d.perTime}`);
    if (!(Number.isInteger(d.source.count) && d.source.count >= 1)) throw new InputError(`source point count must be a positive integer, got ${d.source.count}`);
    if (d.source.buffer.size < d.source.count * dim * 4) throw new InputError(`source buffer holds fewer than ${d.source.count} points of dimension ${dim}`);
    if (d.lam.size < P * 4 || d.xs.size < P * dim * 4 || d.scores.size < P * dim * 4) throw new InputError(`output buffers too small for ${P} points`);
    if (d.times.size < ((d.timeOffset ?? 0) + d.timeCount) * 16) throw new InputError(`time table holds fewer than ${d.timeCount} rows`);
    const [lo, hi] = splitSeed(d.seed ?? 0);
    const ubuf = uniform ?? this.ctx.uniform(`${this.kernel}:params`, LipschitzParams.byteSize);
    this.ctx.write(
      ubuf,
      LipschitzParams.pack({
        points: P,
        per_time: d.perTime,
        time_offset: d.timeOffset ?? 0,
        sources: d.source.count,
        noise: d.source.noise ? 1 : 0,
        seed_lo: lo,
        seed_hi: hi,
        iters: d.iters ?? 0,
        shift_iters: d.shiftIters ?? 0,
      }),
    );
    const bind = this.ctx.device.createBindGroup({
      label: this.kernel,
      layout: this.bindLayout,
      entries: [ubuf, d.params, d.times, d.source.buffer, d.lam, d.xs, d.scores].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const pass = encoder.beginComputePass({ label: this.kernel });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind);
    const [x, y] = grid2d(Math.ceil(P / TANGENT_WG));
    pass.dispatchWorkgroups(x, y);
    pass.end();
    return ubuf;
  }
}
