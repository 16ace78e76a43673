/**
 * Owner of shaders/flow_gauss_ratio.wgsl: MonoFlow's exact log-ratio velocity and generator-loss
 * terms for an affine generator x = μ + L z against a Gaussian target (d ≤ 4).
 */
import source from '../../shaders/flow_gauss_ratio.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, UniformBlock, read, rw, uniform } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';
import { splitSeed } from '../rng/philox.js';

const WG = 64;
/** Particles per invocation (partial sums in registers). */
const PER = 16;
export const GAUSS_RATIO_MAX_DIM = 4;

export const GaussRatioParams = new ParamsLayout('GaussRatioParams', { n: 'u32', d: 'u32', seed_lo: 'u32', seed_hi: 'u32', shift: 'f32', eps: 'f32' });

export const GaussRatioBindings = new Bindings('flow_gauss_ratio', {
  params: uniform(GaussRatioParams),
  /** m (d), Σ⁻¹ (d×d), log det Σ. */
  target_: read('array<f32>'),
  /** μ (d), L (d×d row-major). */
  theta: read('array<f32>'),
  /** RNG stream (iteration counter). */
  iter: read('array<u32>'),
  x_out: rw('array<f32>'),
  partial: rw('array<f32>'),
  /** θ_t: μ_t (d), L_t (d×d). */
  frozen: read('array<f32>'),
});

/** Generator loss: −E h(D(g_θ(z))) ('gan') or the regression onto the ε-moved particles. */
export type GeneratorLoss = 'gan' | 'regression';

/** MonoFlow's monotone h (MonoFlow, Yi et al. 2023): the flow is dx/dt = ∇h(log r(x)). */
export type MonoH = 'identity' | 'logsigmoid' | 'arcsinh' | 'softplus' | 'exp';
export const MONO_H: readonly MonoH[] = ['identity', 'logsigmoid', 'arcsinh', 'softplus', 'exp'];
export const MONO_H_CODE: Record<MonoH, number> = { identity: 0, logsigmoid: 1, arcsinh: 2, softplus: 3, exp: 4 };

/** Rows of the partial-sums buffer: d for μ, d² for L, 1 for D. */
export const gaussRatioRows = (d: number): number => d + d * d + 1;
/** Partial sums per row for n particles. */
export const gaussRatioGroups = (n: number): number => Math.ceil(n / PER);

export class FlowGaussRatio {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly pipeline: GPUComputePipeline,
    readonly h: MonoH,
    readonly dim: number,
  ) {}

  static async create(ctx: GpuContext, h: MonoH, d: number, loss: GeneratorLoss = 'gan'): Promise<FlowGaussRatio> {
    if (loss !== 'gan' && loss !== 'regression') throw new InputError(`monoflow: generator loss must be 'gan' or 'regression', got '${String(loss)}'`);
    if (!Number.isInteger(d) || d < 1 || d > GAUSS_RATIO_MAX_DIM) throw new InputError(`monoflow exact ratio: dimension must be 1..${GAUSS_RATIO_MAX_DIM}, got ${d}`);
    if (!MONO_H.includes(h)) throw new InputError(`monoflow: h must be one of ${MONO_H.join(', ')}, got '${h}'`);
    const pipeline = await ctx.pipelines.get({
      kernel: 'flow_gauss_ratio',
      source,
      layout: GaussRatioBindings.pipelineLayout(ctx.device),
      prelude: [GaussRatioBindings.wgsl],
      constants: { WG, H: MONO_H_CODE[h], DIM: d, PER, LOSS: loss === 'regression' ? 1 : 0 },
    });
    return new FlowGaussRatio(ctx, pipeline, h, d);
  }

  /**
   * Bind buffers once: `target` = [m (d), Σ⁻¹ (d²), log det Σ], `theta` = [μ (d), L (d²)], `frozen`
   * (θ_t, same layout: the generator whose law defines the frozen ratio), `iter`
   * (u32 RNG stream), `x` (n·d floats out), `partial` (gaussRatioRows(d) × gaussRatioGroups(n)
   * floats out). The returned
   * plan owns only its uniform.
   */
  plan(n: number, d: number, b: { target: GPUBuffer; theta: GPUBuffer; frozen: GPUBuffer; iter: GPUBuffer; x: GPUBuffer; partial: GPUBuffer }, opts: { seed: number | bigint; shift?: number; eps?: number }): GaussRatioPlan {
    if (d !== this.dim) throw new InputError(`monoflow exact ratio: this kernel was built for dimension ${this.dim}, got ${d}`);
    if (!Number.isInteger(n) || n < 1) throw new InputError(`monoflow exact ratio: particle count must be a positive integer, got ${n}`);
    if (b.x.size < n * d * 4 || b.partial.size < gaussRatioRows(d) * gaussRatioGroups(n) * 4) throw new InputError('monoflow exact ratio: output buffers too small');
    const shift = opts.shift ?? 0;
    if (!Number.isFinite(shift)) throw new InputError(`monoflow: softplus shift C must be finite, got ${shift}`);
    const eps = opts.eps ?? 0;
    if (!Number.isFinite(eps) || eps < 0) throw new InputError(`monoflow: eps must be finite and >= 0, got ${eps}`);
    const [lo, hi] = splitSeed(opts.seed);
    const params = new UniformBlock(this.ctx, 'flow_gauss_ratio:params', GaussRatioParams);
    params.set({ n, d, seed_lo: lo, seed_hi: hi, shift, eps });
    const bind = GaussRatioBindings.bind(this.ctx.device, { params: params.buffer, target_: b.target, theta: b.theta, iter: b.iter, x_out: b.x, partial: b.partial, frozen: b.frozen });
    return new GaussRatioPlan(this.pipeline, bind, workgroups(gaussRatioGroups(n), WG), params);
  }
}

export class GaussRatioPlan {
  constructor(
    private readonly pipeline: GPUComputePipeline,
    private readonly bind: GPUBindGroup,
    private readonly groups: [number, number],
    private params: UniformBlock<string> | undefined,
  ) {}

  encode(pass: GPUComputePassEncoder): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bind);
    pass.dispatchWorkgroups(this.groups[0], this.groups[1]);
  }

  destroy(): void {
    this.params?.destroy();
    this.params = undefined;
  }
}
