/**
 * Multi-start projected ascent for the network's L_s(t) = sup_x λ_max(S(x)), S = ½(J + Jᵀ), over a
 * box [−B, B]^d, on the GPU, any d: many starts at once (samples of p_t, uniform points of the box,
 * or any given points), each moving jointly in x and in the unit vector v:
 *
 *   v ← a few shifted power steps on S(x) (warm-started from the previous x),
 *   f = vᵀ S(x) v (the Rayleigh quotient, ≤ λ_max(S(x))),
 *   ∇_x f = a·∇_x (vᵀ J_out(x) v) (exact: a chain of batched layer dispatches, tangent_layer mode 4),
 *   x ← clamp(x_best + η ∇f/|∇f|) with η grown after an improvement and halved after a failure.
 *
 * Every value kept is a Rayleigh quotient at a point visited, so the best of them is a LOWER
 * estimate of the supremum over the box; `searchNetworkLs` recomputes it in float64 on the host at
 * the argmax (exact eigenvalues for d ≤ 3, a float64 power iteration above) so that f32 rounding
 * never lifts the printed value. The host search and certificate (certify.ts) remain the d ≤ 3
 * tools; this is the search above (and it is measured against them at d = 2).
 */
import type { GpuContext } from '../gpu/context.js';
import { CancelledError, InputError } from '../gpu/errors.js';
import { packTimes, type PointSource, type TangentTime } from '../kernels/mlp_tangent.js';
import { PowerIterStep } from '../kernels/power_iter_step.js';
import { SearchStep } from '../kernels/search_step.js';
import { slopesWidth, TangentLayer, type TangentMode } from '../kernels/tangent_layer.js';
import type { MlpLayout } from '../model/layout.js';
import { NetworkAtTime } from './certify.js';

export interface SearchOptions {
  /** The grid: one row per time. */
  times: readonly TangentTime[];
  /** The starts: source rows (noised to p_t when `noise`), perTime per time. */
  source: PointSource;
  perTime: number;
  /** Half-width B of the box (default 1.5). Starts outside are clamped into it at the first step. */
  box?: number;
  /** Ascent steps (default 40), power steps per ascent step (default 4), initial ones (default 20). */
  steps?: number;
  powerSteps?: number;
  initialPower?: number;
  /** First step length as a fraction of B (default 0.05). */
  eta0?: number;
  seed?: number | bigint;
  signal?: AbortSignal;
}

export interface SearchTimeResult {
  /** Best Rayleigh quotient found (f32, GPU) and the start's point where it was reached. */
  gpuValue: number;
  argmax: number[];
}

export interface SearchResult {
  rows: SearchTimeResult[];
  /** Starts run (times × perTime) and the seconds they took (for starts per second). */
  starts: number;
  seconds: number;
}

/** Bytes per start of the working buffers. */
function bytesPerStart(layout: MlpLayout): number {
  const d = layout.spec.dim;
  const wide = Math.max(1, ...layout.layers.filter((l) => l.hidden).map((l) => l.out));
  return 4 * (8 * d + 2 * wide + 4 * slopesWidth(layout) + 4);
}

/** The most starts one batch can hold (binding limit on the widest buffer, 512 MiB in all). */
export function searchCapacity(ctx: GpuContext, layout: MlpLayout, memoryBytes = 512 * 2 ** 20): number {
  const limit = ctx.device.limits.maxStorageBufferBindingSize;
  const d = layout.spec.dim;
  const wide = Math.max(1, ...layout.layers.filter((l) => l.hidden).map((l) => l.out));
  const widest = 4 * Math.max(2 * d, wide, 4 * slopesWidth(layout));
  return Math.max(0, Math.min(Math.floor(limit / widest), Math.floor(memoryBytes / bytesPerStart(layout))));
}

export class LsSearch {
  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: MlpLayout,
    readonly capacity: number,
    readonly maxTimes: number,
    private readonly layer: TangentLayer,
    private readonly power: PowerIterStep,
    private readonly step: SearchStep,
    private readonly buf: Record<'xs' | 'scores' | 'v' | 'jv' | 'jtv' | 'a' | 'b' | 'slopes' | 'rho' | 'lam' | 'best' | 'state' | 'times', GPUBuffer>,
  ) {}

  static async create(ctx: GpuContext, layout: MlpLayout, opts: { capacity: number; maxTimes: number }): Promise<LsSearch> {
    const cap = searchCapacity(ctx, layout);
    const { capacity, maxTimes } = opts;
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new InputError(`L_s search: capacity must be a positive integer, got ${capacity}`);
    if (capacity > cap) throw new InputError(`L_s search: ${capacity} starts per batch at d = ${layout.spec.dim} exceed this adapter's limit of ${cap} (storage binding and 512 MiB of working memory): use fewer starts`);
    if (!(Number.isInteger(maxTimes) && maxTimes >= 1 && maxTimes <= 1 << 16)) throw new InputError(`L_s search: maxTimes must be an integer in [1, 65536], got ${maxTimes}`);
    const d = layout.spec.dim;
    const wide = Math.max(1, ...layout.layers.filter((l) => l.hidden).map((l) => l.out));
    const [layer, power, step] = await Promise.all([TangentLayer.create(ctx, layout), PowerIterStep.create(ctx, layout), SearchStep.create(ctx, layout)]);
    const f = (label: string, floats: number) => ctx.storage(`search:${label}`, Math.max(4, floats * 4));
    return new LsSearch(ctx, layout, capacity, maxTimes, layer, power, step, {
      xs: f('xs', capacity * d),
      scores: f('scores', capacity * d),
      v: f('v', capacity * d),
      jv: f('jv', capacity * d),
      jtv: f('jtv', capacity * d),
      a: f('a', capacity * wide),
      b: f('b', capacity * wide),
      slopes: f('slopes', capacity * 4 * Math.max(1, slopesWidth(layout))),
      rho: f('rho', capacity),
      lam: f('lam', capacity),
      best: f('best', capacity * 2 * d),
      state: f('state', capacity * 2),
      times: f('times', maxTimes * 4),
    });
  }

  /** Run the search at every time of the grid (chunks of times per submit). */
  async run(params: GPUBuffer, o: SearchOptions): Promise<SearchResult> {
    const d = this.layout.spec.dim;
    const M = o.times.length;
    if (M === 0 || M > this.maxTimes) throw new InputError(`L_s search: 1..${this.maxTimes} times, got ${M}`);
    if (!(Number.isInteger(o.perTime) && o.perTime >= 1 && o.perTime <= this.capacity)) throw new InputError(`L_s search: starts per time must be an integer in [1, ${this.capacity}], got ${o.perTime}`);
    if (params.size < this.layout.size * 4) throw new InputError(`parameter buffer has ${params.size / 4} floats, the layout needs ${this.layout.size}`);
    if (o.source.buffer.size < o.source.count * d * 4) throw new InputError(`source buffer holds fewer than ${o.source.count} points of dimension ${d}`);
    const B = o.box ?? 1.5;
    if (!(Number.isFinite(B) && B > 0)) throw new InputError(`L_s search: box half-width must be positive, got ${B}`);
    const steps = o.steps ?? 40;
    const k = o.powerSteps ?? 4;
    const k0 = o.initialPower ?? 20;
    for (const [n, v] of [['steps', steps], ['powerSteps', k], ['initialPower', k0]] as const) {
      if (!(Number.isInteger(v) && v >= 1 && v <= 10_000)) throw new InputError(`L_s search: ${n} must be an integer in [1, 10000], got ${v}`);
    }
    this.ctx.write(this.buf.times, packTimes(this.layout, o.times));
    const { xs, scores, v, jv, jtv, a, b, slopes, rho, lam, best, state, times } = this.buf;
    const L = this.layout.layers.length;
    const src = o.source.buffer;
    const binds = new Map<string, GPUBindGroup>();
    const tangent = (xin: GPUBuffer, yout: GPUBuffer) => {
      const key = `${xin.label}|${yout.label}|${xin === src ? 's' : ''}`;
      let g = binds.get(key);
      if (!g) binds.set(key, (g = this.layer.bind({ mlp: params, times, xin, pts: xs, slopes, yout })));
      return g;
    };
    const vec = this.power.bind({ times, sources: src, xs, v, jv, jtv, rho, lam });
    const asc = this.step.bind({ times, xs, best, grad: jtv, lam, state });
    const chunk = Math.max(1, Math.floor(this.capacity / o.perTime));
    const rows: SearchTimeResult[] = [];
    const t0 = performance.now();
    for (let m0 = 0; m0 < M; m0 += chunk) {
      if (o.signal?.aborted) throw new CancelledError('L_s search cancelled');
      const nt = Math.min(chunk, M - m0);
      const P = nt * o.perTime;
      this.layer.setRun(P, o.perTime, m0, true);
      this.power.setRun({ points: P, perTime: o.perTime, timeOffset: m0, sources: o.source.count, stride: o.source.stride ?? 0, noise: o.source.noise, seed: o.seed ?? 0 });
      this.step.setRun({ points: P, perTime: o.perTime, timeOffset: m0, box: B, eta0: o.eta0 ?? 0.05 });
      const enc = this.ctx.device.createCommandEncoder({ label: 'lipschitz:search' });
      const pass = enc.beginComputePass({ label: 'lipschitz:search' });
      const chain = (mode: TangentMode, first: GPUBuffer, last: GPUBuffer) => {
        // forward, jvp: layers 0..L−1; vjp: L−1..0; grad: the hidden layers L−2..0.
        const n = mode === 'grad' ? L - 1 : L;
        let xin = first;
        for (let q = 0; q < n; q++) {
          const layer = mode === 'vjp' ? L - 1 - q : mode === 'grad' ? L - 2 - q : q;
          const yout = q === n - 1 ? last : q % 2 === 0 ? a : b;
          this.layer.dispatch(pass, tangent(xin, yout), { layer, mode }, P);
          xin = yout;
        }
      };
      const powerStep = (op: 'step' | 'shifted') => {
        chain('jvp', v, jv);
        chain('vjp', v, jtv);
        this.power.dispatch(pass, vec, op, P);
      };
      this.power.dispatch(pass, vec, 'points', P);
      this.step.dispatch(pass, asc, 'init', P);
      chain('forward', xs, scores);
      this.power.dispatch(pass, vec, 'start1', P);
      for (let i = 0; i < Math.max(5, Math.floor(k0 / 2)); i++) powerStep('step');
      this.power.dispatch(pass, vec, 'start2', P);
      for (let i = 0; i < k0; i++) powerStep('shifted');
      for (let s = 0; s < steps; s++) {
        if (s > 0) for (let i = 0; i < k; i++) powerStep('shifted');
        // J·v (stores z), Jᵀ·v (stores c), the Rayleigh quotient, the gradient, the step.
        chain('jvp', v, jv);
        chain('vjp', v, jtv);
        this.power.dispatch(pass, vec, 'rayleigh', P);
        chain('grad', v /* unused: the first gradient step has no input */, jtv);
        this.step.dispatch(pass, asc, 'ascend', P);
        chain('forward', xs, scores);
      }
      pass.end();
      this.ctx.submit(enc.finish());
      const st = await this.ctx.readF32(state, 0, 2 * P);
      for (let m = 0; m < nt; m++) {
        let bi = -1;
        let bv = -Infinity;
        for (let i = 0; i < o.perTime; i++) {
          const val = st[2 * (m * o.perTime + i)]!;
          if (val > bv) {
            bv = val;
            bi = m * o.perTime + i;
          }
        }
        const argmax = bi >= 0 ? Array.from(await this.ctx.readF32(best, 2 * d * bi, d)) : [];
        rows.push({ gpuValue: bv, argmax });
      }
    }
    return { rows, starts: M * o.perTime, seconds: (performance.now() - t0) / 1000 };
  }

  destroy(): void {
    this.layer.destroy();
    this.power.destroy();
    this.step.destroy();
    for (const x of Object.values(this.buf)) this.ctx.destroyBuffer(x);
  }
}

/**
 * λ_max(S(x)) at a point in float64 on the host, as a lower estimate: exact eigenvalues for d ≤ 3,
 * else a shifted float64 power iteration and its Rayleigh quotient (≤ λ_max at that point).
 */
export function hostLambdaLower(layout: MlpLayout, params: ArrayLike<number>, t: TangentTime, x: readonly number[], iters = 60): number {
  const net = new NetworkAtTime(layout, params, t);
  if (layout.spec.dim <= 3) return net.lambdaAt(x);
  return net.rayleighPower(x, iters);
}
