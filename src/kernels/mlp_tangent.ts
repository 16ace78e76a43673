/**
 * Shared owner of shaders/lib/mlp_tangent.wgsl and shaders/lib/lipschitz_io.wgsl: the WGSL
 * constants that describe an MLP layout (so every loop bound and offset is a compile-time constant),
 * the LipschitzParams uniform, the bind group layout, and the per-time table. The exact d ≤ 3
 * kernel (sym_jacobian_eig) builds on it: one point per invocation, its Jacobian in private arrays.
 * Power iteration at any d uses batched layers instead (tangent_layer, power_iter_step,
 * src/lipschitz/power_iteration.ts); it shares packTimes and PointSource from here.
 */
import type { GpuContext } from '../gpu/context.js';
import { Bindings, UniformBlock, read, rw, uniform } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';
import { ACTIVATION_CODE, OUTPUT_CODE, type MlpLayout } from '../model/layout.js';
import { splitSeed } from '../rng/philox.js';

export const LipschitzParams = new ParamsLayout('LipschitzParams', {
  points: 'u32',
  per_time: 'u32',
  time_offset: 'u32',
  sources: 'u32',
  src_stride: 'u32',
  noise: 'u32',
  seed_lo: 'u32',
  seed_hi: 'u32',
  iters: 'u32',
  shift_iters: 'u32',
});

type LipschitzField = typeof LipschitzParams extends ParamsLayout<infer F> ? F : never;

/** Bindings of the per-point Jacobian kernels (shaders/lib/lipschitz_io.wgsl). */
export const LipschitzBindings = new Bindings('mlp_point', {
  params: uniform(LipschitzParams),
  /** The MLP's flat parameters. */
  mlp: read('array<f32>'),
  /** Per time: (α, σ, discrete step, τ = t/T). */
  times: read('array<vec4<f32>>'),
  sources: read('array<f32>'),
  /** Per point: the eigenvalue estimate (power iteration) or exact top eigenvalue of ½(J + Jᵀ). */
  lam: rw('array<f32>'),
  /** Per point: the location used (P × D), for the pairwise estimator. */
  xs: rw('array<f32>'),
  /** Per point: the score there (P × D). */
  scores: rw('array<f32>'),
});

export const TANGENT_WG = 64;

/**
 * The prelude of mlp_tangent.wgsl for a layout: constants and the forward / JVP / VJP functions
 * with each layer unrolled and its offsets and widths as literals (see the shader's comment).
 */
export function mlpTangentPrelude(layout: MlpLayout): string {
  const L = layout.layers;
  const d = layout.spec.dim;
  const hidden = L.filter((l) => l.hidden);
  const head = L[L.length - 1]!;
  const hOff: number[] = [];
  let sumh = 0;
  for (const l of hidden) {
    hOff.push(sumh);
    sumh += l.out;
  }
  const nf = layout.spec.time.kind === 'fourier' ? layout.spec.time.features : 0;
  const slope = layout.spec.leakySlope ?? 0.01;
  const u = (n: number) => `${n}u`;
  const scale = (l: number) => `mlp[${u(layout.scaleOffset + l)}]`;
  const out: string[] = [
    `const D: u32 = ${u(d)};`,
    `const MAXW: u32 = ${u(layout.maxWidth)};`,
    `const SUMH: u32 = ${u(sumh)};`,
    `const ACT: u32 = ${u(ACTIVATION_CODE[layout.spec.activation])};`,
    `const LEAKY: f32 = ${slope.toExponential()};`,
    `const OUT_KIND: u32 = ${u(OUTPUT_CODE[layout.spec.output])};`,
    'struct Forward { slopes: array<f32, SUMH>, out: array<f32, D> }',
    '',
    'fn mlp_forward(x: array<f32, D>, step: u32, tau: f32) -> Forward {',
    '  var f: Forward;',
    '  var h: array<f32, MAXW>;',
    '  var u: array<f32, MAXW>;',
    `  for (var i = 0u; i < ${u(d)}; i++) { h[i] = x[i]; }`,
  ];
  for (let k = 0; k < nf; k++) {
    const w = Math.PI * 2 ** k;
    out.push(`  h[${u(d + k)}] = sin(${w.toPrecision(9)} * tau);`, `  h[${u(d + nf + k)}] = cos(${w.toPrecision(9)} * tau);`);
  }
  hidden.forEach((l, li) => {
    out.push(
      `  // hidden layer ${li}: ${l.in} → ${l.out}`,
      '  {',
      `    let s = ${scale(li)};`,
      `    for (var j = 0u; j < ${u(l.out)}; j++) {`,
      '      var acc = 0.0;',
      `      let row = ${u(l.wOffset)} + j * ${u(l.in)};`,
      `      for (var i = 0u; i < ${u(l.in)}; i++) { acc += mlp[row + i] * h[i]; }`,
      l.eOffset >= 0 ? `      let e = mlp[${u(l.eOffset)} + step * ${u(l.out)} + j];` : '      let e = 1.0;',
      `      let v = (s * acc + mlp[${u(l.bOffset)} + j]) * e;`,
      '      u[j] = act_fwd(ACT, v, LEAKY);',
      `      f.slopes[${u(hOff[li]!)} + j] = act_grad(ACT, v, LEAKY) * e * s;`,
      '    }',
      `    for (var j = 0u; j < ${u(l.out)}; j++) { h[j] = u[j]; }`,
      '  }',
    );
  });
  out.push(
    '  {',
    `    let s = ${scale(L.length - 1)};`,
    `    for (var j = 0u; j < ${u(d)}; j++) {`,
    '      var acc = 0.0;',
    `      let row = ${u(head.wOffset)} + j * ${u(head.in)};`,
    `      for (var i = 0u; i < ${u(head.in)}; i++) { acc += mlp[row + i] * h[i]; }`,
    `      f.out[j] = s * acc + mlp[${u(head.bOffset)} + j];`,
    '    }',
    '  }',
    '  return f;',
    '}',
    '',
    // JVP: tangent through the data inputs only (Fourier inputs carry none).
    'fn mlp_jvp(f: ptr<function, Forward>, t: array<f32, D>) -> array<f32, D> {',
    '  var a: array<f32, MAXW>;',
    '  var c: array<f32, MAXW>;',
    `  for (var i = 0u; i < ${u(d)}; i++) { a[i] = t[i]; }`,
  );
  hidden.forEach((l, li) => {
    const nIn = li === 0 ? d : l.in;
    out.push(
      `  for (var j = 0u; j < ${u(l.out)}; j++) {`,
      '    var acc = 0.0;',
      `    let row = ${u(l.wOffset)} + j * ${u(l.in)};`,
      `    for (var i = 0u; i < ${u(nIn)}; i++) { acc += mlp[row + i] * a[i]; }`,
      `    c[j] = (*f).slopes[${u(hOff[li]!)} + j] * acc;`,
      '  }',
      `  for (var j = 0u; j < ${u(l.out)}; j++) { a[j] = c[j]; }`,
    );
  });
  out.push(
    '  var o: array<f32, D>;',
    `  let s = ${scale(L.length - 1)};`,
    `  for (var j = 0u; j < ${u(d)}; j++) {`,
    '    var acc = 0.0;',
    `    let row = ${u(head.wOffset)} + j * ${u(head.in)};`,
    `    for (var i = 0u; i < ${u(head.in)}; i++) { acc += mlp[row + i] * a[i]; }`,
    '    o[j] = s * acc;',
    '  }',
    '  return o;',
    '}',
    '',
    'fn mlp_vjp(f: ptr<function, Forward>, w: array<f32, D>) -> array<f32, D> {',
    '  var a: array<f32, MAXW>;',
    '  var c: array<f32, MAXW>;',
    `  let sh = ${scale(L.length - 1)};`,
    `  for (var i = 0u; i < ${u(head.in)}; i++) {`,
    '    var acc = 0.0;',
    `    for (var j = 0u; j < ${u(d)}; j++) { acc += mlp[${u(head.wOffset)} + j * ${u(head.in)} + i] * w[j]; }`,
    '    a[i] = sh * acc;',
    '  }',
  );
  for (let li = hidden.length - 1; li >= 0; li--) {
    const l = hidden[li]!;
    const nIn = li === 0 ? d : l.in;
    out.push(
      `  for (var j = 0u; j < ${u(l.out)}; j++) { a[j] = a[j] * (*f).slopes[${u(hOff[li]!)} + j]; }`,
      `  for (var i = 0u; i < ${u(nIn)}; i++) { c[i] = 0.0; }`,
      // Row-major W: accumulate row by row so reads are contiguous.
      `  for (var j = 0u; j < ${u(l.out)}; j++) {`,
      '    let aj = a[j];',
      `    let row = ${u(l.wOffset)} + j * ${u(l.in)};`,
      `    for (var i = 0u; i < ${u(nIn)}; i++) { c[i] += mlp[row + i] * aj; }`,
      '  }',
      `  for (var i = 0u; i < ${u(nIn)}; i++) { a[i] = c[i]; }`,
    );
  }
  out.push('  var o: array<f32, D>;', `  for (var i = 0u; i < ${u(d)}; i++) { o[i] = a[i]; }`, '  return o;', '}');
  return out.join('\n');
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
  /**
   * Rows per time block (e.g. trajectory frames: one frame of `stride` particles per time): time m
   * uses rows m·stride + i, i < perTime. 0 (default): point g uses row g mod count.
   */
  stride?: number;
}

/** The buffers of one binding, by the names of LipschitzBindings (`params` is the kernel's own). */
export interface TangentBuffers {
  /** MLP parameters (flat layout). */
  mlp: GPUBuffer;
  /** Per-time table (packTimes). */
  times: GPUBuffer;
  /** Source points (PointSource.buffer). */
  sources: GPUBuffer;
  /** Outputs: lam (P floats), xs and scores (P × d floats each). */
  lam: GPUBuffer;
  xs: GPUBuffer;
  scores: GPUBuffer;
}

/** A bind group of an MlpPointKernel and the buffers in it (their sizes are checked per dispatch). */
export interface TangentBinding {
  readonly group: GPUBindGroup;
  readonly buffers: Readonly<TangentBuffers>;
}

/** What one dispatch computes: the points of `timeCount` times from row `timeOffset` of the table. */
export interface TangentDispatch {
  /** First table row of this dispatch (chunks of times), default 0. */
  timeOffset?: number;
  timeCount: number;
  /** Points per time. */
  perTime: number;
  /** Where the points come from (its buffer must be the bound `sources`). */
  source: PointSource;
  seed?: number | bigint;
  iters?: number;
  shiftIters?: number;
}

/**
 * Common machinery of the per-point Jacobian kernels, in the kernel shape create → bind →
 * dispatch: the uniform block is allocated once at create and written by `dispatch` with
 * queue.writeBuffer, so a dispatch allocates nothing. The write takes effect for the next submit:
 * one dispatch per submit.
 */
export class MlpPointKernel {
  private readonly params: UniformBlock<LipschitzField>;

  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: MlpLayout,
    private readonly pipeline: GPUComputePipeline,
    private readonly kernel: string,
  ) {
    this.params = new UniformBlock(ctx, `${kernel}:params`, LipschitzParams);
  }

  static async create(ctx: GpuContext, layout: MlpLayout, kernel: string, source: string): Promise<MlpPointKernel> {
    const pipeline = await ctx.pipelines.get({
      kernel,
      source,
      layout: LipschitzBindings.pipelineLayout(ctx.device),
      prelude: [LipschitzBindings.wgsl, mlpTangentPrelude(layout)],
      constants: { WG: TANGENT_WG },
    });
    return new MlpPointKernel(ctx, layout, pipeline, kernel);
  }

  /** A bind group over these buffers and the kernel's uniform block (make it once per set of buffers). */
  bind(buffers: TangentBuffers): TangentBinding {
    const group = LipschitzBindings.bind(this.ctx.device, { params: this.params.buffer, ...buffers }, this.kernel);
    return { group, buffers: { ...buffers } };
  }

  /** Write this dispatch's parameters and dispatch over timeCount × perTime points. */
  dispatch(pass: GPUComputePassEncoder, binding: TangentBinding, d: TangentDispatch): void {
    const P = d.timeCount * d.perTime;
    const dim = this.layout.spec.dim;
    const b = binding.buffers;
    if (!(Number.isInteger(d.perTime) && d.perTime >= 1)) throw new InputError(`points per time must be a positive integer, got ${d.perTime}`);
    if (!(Number.isInteger(d.source.count) && d.source.count >= 1)) throw new InputError(`source point count must be a positive integer, got ${d.source.count}`);
    const stride = d.source.stride ?? 0;
    if (!(Number.isInteger(stride) && stride >= 0)) throw new InputError(`source stride must be a non-negative integer, got ${stride}`);
    if (stride > 0 && stride < d.perTime) throw new InputError(`source stride ${stride} is smaller than the ${d.perTime} points per time`);
    if (d.source.buffer !== b.sources) throw new InputError('the point source is not the buffer this binding was made with');
    if (b.sources.size < d.source.count * dim * 4) throw new InputError(`source buffer holds fewer than ${d.source.count} points of dimension ${dim}`);
    if (b.lam.size < P * 4 || b.xs.size < P * dim * 4 || b.scores.size < P * dim * 4) throw new InputError(`output buffers too small for ${P} points`);
    if (b.times.size < ((d.timeOffset ?? 0) + d.timeCount) * 16) throw new InputError(`time table holds fewer than ${d.timeCount} rows`);
    const [lo, hi] = splitSeed(d.seed ?? 0);
    this.params.set({
      points: P,
      per_time: d.perTime,
      time_offset: d.timeOffset ?? 0,
      sources: d.source.count,
      src_stride: stride,
      noise: d.source.noise ? 1 : 0,
      seed_lo: lo,
      seed_hi: hi,
      iters: d.iters ?? 0,
      shift_iters: d.shiftIters ?? 0,
    });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, binding.group);
    pass.dispatchWorkgroups(...workgroups(P, TANGENT_WG));
  }

  /** Release the uniform block. */
  destroy(): void {
    this.params.destroy();
  }
}
