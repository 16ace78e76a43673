/**
 * Power iteration for λ_max(½(J + Jᵀ)) of a trained MLP score at many points at once, for any d up
 * to MAX_DIM (4096): the forward pass, J_out·v and J_outᵀ·v are chains of batched layer dispatches
 * over [points × width] (kernels/tangent_layer.ts) and the per-point normalisation, shift and
 * Rayleigh quotient run one workgroup per point (kernels/power_iter_step.ts). Nothing per point
 * lives in registers or private arrays, so no limit on d or the widths comes from the shader; the
 * limits are the storage-binding size (points × widest row) and memory, checked with a clear error.
 *
 * Per point: `shiftIters` unshifted steps estimate the spectral radius ρ, then `iters` steps on
 * S + (1.05ρ + 1e-6)·I from a fresh random start, then the Rayleigh quotient vᵀSv/vᵀv — at every
 * point a LOWER estimate of λ_max(S(x)) (a Rayleigh quotient never exceeds the top eigenvalue).
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import type { PointSource } from '../kernels/mlp_tangent.js';
import { PowerIterStep } from '../kernels/power_iter_step.js';
import { slopesWidth, TangentLayer, type TangentMode } from '../kernels/tangent_layer.js';
import type { MlpLayout } from '../model/layout.js';

/** Bytes per point of the working buffers (v, J·v, Jᵀ·v, two activation rows, slopes, ρ). */
export function powerBytesPerPoint(layout: MlpLayout): number {
  const d = layout.spec.dim;
  const wide = Math.max(1, ...layout.layers.filter((l) => l.hidden).map((l) => l.out));
  return 4 * (3 * d + 2 * wide + slopesWidth(layout) + 1);
}

/**
 * The most points one batch can hold on this device: every working buffer within the storage
 * binding limit and all of them within `memoryBytes` (default 512 MiB).
 */
export function powerCapacity(ctx: GpuContext, layout: MlpLayout, memoryBytes = 512 * 2 ** 20): number {
  const limit = ctx.device.limits.maxStorageBufferBindingSize;
  const d = layout.spec.dim;
  const wide = Math.max(1, ...layout.layers.filter((l) => l.hidden).map((l) => l.out));
  const widest = 4 * Math.max(d, wide, slopesWidth(layout));
  return Math.max(0, Math.min(Math.floor(limit / widest), Math.floor(memoryBytes / powerBytesPerPoint(layout))));
}

export interface PowerEncode {
  /** MLP parameters (flat layout). */
  params: GPUBuffer;
  /** Per-time table (packTimes). */
  times: GPUBuffer;
  timeOffset: number;
  timeCount: number;
  perTime: number;
  source: PointSource;
  /** Outputs: the Rayleigh quotient per point (P), the points and the scores there (P × d). */
  lam: GPUBuffer;
  xs: GPUBuffer;
  scores: GPUBuffer;
  seed: number | bigint;
  iters: number;
  shiftIters: number;
}

export class PowerIteration {
  private readonly bindCache = new Map<string, GPUBindGroup>();
  private ids = new WeakMap<GPUBuffer, number>();
  private nextId = 0;

  private constructor(
    private readonly ctx: GpuContext,
    readonly layout: MlpLayout,
    /** Points per batch. */
    readonly capacity: number,
    private readonly layer: TangentLayer,
    private readonly step: PowerIterStep,
    private readonly buf: { v: GPUBuffer; jv: GPUBuffer; jtv: GPUBuffer; a: GPUBuffer; b: GPUBuffer; slopes: GPUBuffer; rho: GPUBuffer },
  ) {}

  /** Working buffers for `capacity` points per batch (InputError above `powerCapacity`). */
  static async create(ctx: GpuContext, layout: MlpLayout, capacity: number): Promise<PowerIteration> {
    const cap = powerCapacity(ctx, layout);
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new InputError(`power iteration: capacity must be a positive integer, got ${capacity}`);
    if (capacity > cap) {
      throw new InputError(
        `power iteration: ${capacity} points per batch at d = ${layout.spec.dim} (widest row ${Math.max(layout.spec.dim, slopesWidth(layout))} floats) exceed this adapter's limit of ${cap} points (storage binding ${ctx.device.limits.maxStorageBufferBindingSize} bytes, 512 MiB of working memory): use fewer points per time`,
      );
    }
    const d = layout.spec.dim;
    const wide = Math.max(1, ...layout.layers.filter((l) => l.hidden).map((l) => l.out));
    const [layer, step] = await Promise.all([TangentLayer.create(ctx, layout), PowerIterStep.create(ctx, layout)]);
    const f = (label: string, floats: number) => ctx.storage(`power:${label}`, Math.max(4, floats * 4));
    return new PowerIteration(ctx, layout, capacity, layer, step, {
      v: f('v', capacity * d),
      jv: f('jv', capacity * d),
      jtv: f('jtv', capacity * d),
      a: f('a', capacity * wide),
      b: f('b', capacity * wide),
      slopes: f('slopes', capacity * Math.max(1, slopesWidth(layout))),
      rho: f('rho', capacity),
    });
  }

  private id(b: GPUBuffer): number {
    let i = this.ids.get(b);
    if (i === undefined) {
      i = this.nextId++;
      this.ids.set(b, i);
    }
    return i;
  }

  private cached(key: string, make: () => GPUBindGroup): GPUBindGroup {
    let g = this.bindCache.get(key);
    if (!g) {
      g = make();
      this.bindCache.set(key, g);
    }
    return g;
  }

  /** Encode the whole iteration for timeCount × perTime points (≤ capacity) into `encoder`. */
  encode(encoder: GPUCommandEncoder, e: PowerEncode): void {
    const P = e.timeCount * e.perTime;
    const d = this.layout.spec.dim;
    if (P > this.capacity) throw new InputError(`power iteration: ${P} points exceed the batch capacity ${this.capacity}`);
    if (e.lam.size < P * 4 || e.xs.size < P * d * 4 || e.scores.size < P * d * 4) throw new InputError(`power iteration: output buffers too small for ${P} points`);
    this.layer.setRun(P, e.perTime, e.timeOffset);
    this.step.setRun({ points: P, perTime: e.perTime, timeOffset: e.timeOffset, sources: e.source.count, stride: e.source.stride ?? 0, noise: e.source.noise, seed: e.seed });
    const { v, jv, jtv, a, b, slopes, rho } = this.buf;
    const key = [e.params, e.times, e.source.buffer, e.lam, e.xs, e.scores].map((x) => this.id(x)).join(',');
    const tangent = (xin: GPUBuffer, yout: GPUBuffer) =>
      this.cached(`t|${key}|${this.id(xin)}|${this.id(yout)}`, () => this.layer.bind({ mlp: e.params, times: e.times, xin, pts: e.xs, slopes, yout }));
    const vec = this.cached(`v|${key}`, () => this.step.bind({ times: e.times, sources: e.source.buffer, xs: e.xs, v, jv, jtv, rho, lam: e.lam }));
    const L = this.layout.layers.length;
    const pass = encoder.beginComputePass({ label: 'power_iteration' });
    // A chain through every layer (forward: 0..L-1; JVP: 0..L-1; VJP: L-1..0), alternating a/b.
    const chain = (mode: TangentMode, first: GPUBuffer, last: GPUBuffer) => {
      let xin = first;
      for (let k = 0; k < L; k++) {
        const layer = mode === 'vjp' ? L - 1 - k : k;
        const yout = k === L - 1 ? last : k % 2 === 0 ? a : b;
        this.layer.dispatch(pass, tangent(xin, yout), { layer, mode }, P);
        xin = yout;
      }
    };
    this.step.dispatch(pass, vec, 'points', P);
    chain('forward', e.xs, e.scores);
    this.step.dispatch(pass, vec, 'start1', P);
    for (let it = 0; it < e.shiftIters; it++) {
      chain('jvp', v, jv);
      chain('vjp', v, jtv);
      this.step.dispatch(pass, vec, 'step', P);
    }
    this.step.dispatch(pass, vec, 'start2', P);
    for (let it = 0; it < e.iters; it++) {
      chain('jvp', v, jv);
      chain('vjp', v, jtv);
      this.step.dispatch(pass, vec, 'shifted', P);
    }
    chain('jvp', v, jv);
    this.step.dispatch(pass, vec, 'rayleigh', P);
    pass.end();
  }

  destroy(): void {
    this.layer.destroy();
    this.step.destroy();
    for (const x of Object.values(this.buf)) this.ctx.destroyBuffer(x);
    this.bindCache.clear();
  }
}
