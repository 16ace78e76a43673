/**
 * Float64 CPU references of the flow kernels (shaders/flow_*.wgsl). The random normals come from
 * the bit-exact Philox twin, so GPU and CPU see the same ξ and z.
 */
import { rngFillCpu } from '../../src/rng/philox.js';
import { inv, logAbsDet, matvec, type Gaussian } from '../../src/flows/gaussian.js';
import type { MonoH } from '../../src/kernels/flow_gauss_ratio.js';
import type { SdeStepCoefs } from '../../src/kernels/flow_sde_step.js';

/** flow_sde_step: x ← a·x + k·(y − x) + s·ξ for every step, ξ from stream `stream` (float64). */
export function sdeStepsCpu(x0: Float32Array, steps: readonly SdeStepCoefs[], seed: number, y?: Float32Array): Float64Array {
  const x = Float64Array.from(x0);
  for (const c of steps) {
    const xi = rngFillCpu(x.length, seed, c.stream, 'normal');
    for (let e = 0; e < x.length; e++) x[e] = c.a * x[e]! + (y ? c.k * (y[e]! - x[e]!) : 0) + c.s * xi[e]!;
  }
  return x;
}

export const H_FUNCS: Record<MonoH, { h: (d: number, c: number) => number; hp: (d: number, c: number) => number }> = {
  identity: { h: (d) => d, hp: () => 1 },
  logsigmoid: { h: (d) => -Math.log1p(Math.exp(-d)), hp: (d) => 1 / (1 + Math.exp(d)) },
  arcsinh: { h: (d) => Math.asinh(d), hp: (d) => 1 / Math.sqrt(1 + d * d) },
  softplus: { h: (d, c) => Math.log1p(Math.exp(d + c)), hp: (d, c) => 1 / (1 + Math.exp(-(d + c))) },
  exp: { h: (d) => Math.exp(d), hp: (d) => Math.exp(d) },
};

/** The z of particle i at iteration `iter` (first d of Philox normal4(i, iter)). */
export function generatorNoise(n: number, d: number, seed: number, iter: number): Float64Array[] {
  const all = rngFillCpu(4 * n, seed, iter, 'normal');
  return Array.from({ length: n }, (_, i) => Float64Array.from(all.subarray(4 * i, 4 * i + d)));
}

/**
 * The frozen log ratio D_θ(x) = log p(x) − log q_θ(x) of an affine generator θ = (μ, L), as a
 * function of x (float64), with its gradient.
 */
export function frozenLogRatio(target: Gaussian, mu: ArrayLike<number>, L: ArrayLike<number>): (x: Float64Array) => { D: number; grad: Float64Array } {
  const d = mu.length;
  const pPrec = inv(target.cov, d);
  const pLogdet = logAbsDet(target.cov, d);
  const lInv = inv(L, d);
  const lLogdet = logAbsDet(L, d);
  return (x) => {
    const dx = Float64Array.from(x, (v, a) => v - target.mean[a]!);
    const pdx = matvec(pPrec, dx, d);
    const z = matvec(lInv, Float64Array.from(x, (v, a) => v - mu[a]!), d); // q: x = μ + L z
    // L⁻ᵀ z
    const w = new Float64Array(d);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) w[a]! += lInv[b * d + a]! * z[b]!;
    let quad = 0;
    let zz = 0;
    for (let a = 0; a < d; a++) {
      quad += dx[a]! * pdx[a]!;
      zz += z[a]! ** 2;
    }
    return { D: -0.5 * quad - 0.5 * pLogdet + 0.5 * zz + lLogdet, grad: Float64Array.from(w, (v, a) => v - pdx[a]!) };
  };
}

/** The generator loss ℓ(θ') = −(1/n) Σ h(D(μ' + L' z_i)) with D frozen (float64). */
export function generatorLoss(D: (x: Float64Array) => { D: number }, h: (d: number) => number, zs: readonly Float64Array[], mu: ArrayLike<number>, L: ArrayLike<number>): number {
  const d = mu.length;
  let s = 0;
  for (const z of zs) {
    const x = Float64Array.from({ length: d }, (_, a) => {
      let v = mu[a]!;
      for (let b = 0; b < d; b++) v += L[a * d + b]! * z[b]!;
      return v;
    });
    s += h(D(x).D);
  }
  return -s / zs.length;
}

/** flow_gauss_ratio's per-particle terms, summed over particles: [−Σv, −Σ v⊗z, Σ D] (float64). */
export function gaussRatioSumsCpu(target: Gaussian, mu: ArrayLike<number>, L: ArrayLike<number>, zs: readonly Float64Array[], hp: (d: number) => number): { sums: Float64Array; perParticle: Float64Array[] } {
  const d = mu.length;
  const D = frozenLogRatio(target, mu, L);
  const sums = new Float64Array(d + d * d + 1);
  const perParticle: Float64Array[] = [];
  for (const z of zs) {
    const x = Float64Array.from({ length: d }, (_, a) => {
      let v = mu[a]!;
      for (let b = 0; b < d; b++) v += L[a * d + b]! * z[b]!;
      return v;
    });
    const r = D(x);
    const t = new Float64Array(d + d * d + 1);
    const g = hp(r.D);
    for (let a = 0; a < d; a++) {
      t[a] = -g * r.grad[a]!;
      for (let b = 0; b < d; b++) t[d + a * d + b] = -g * r.grad[a]! * z[b]!;
    }
    t[d + d * d] = r.D;
    for (let c = 0; c < t.length; c++) sums[c]! += t[c]!;
    perParticle.push(t);
  }
  return { sums, perParticle };
}

/** float64 twin of shaders/flow_gen_loss.wgsl: dU = c(g − y) on a feature-major workspace, loss (c/2)Σ||g − y||². */
export function genLossRef(acts: Float32Array, y: Float32Array, o: { n: number; bs: number; dim: number; out_off: number; dout_off: number; c: number }): { acts: Float64Array; loss: Float64Array } {
  const out = Float64Array.from(acts);
  const loss = new Float64Array(o.bs);
  for (let b = 0; b < o.bs; b++) {
    let s = 0;
    for (let j = 0; j < o.dim; j++) {
      let d = 0;
      if (b < o.n) {
        const r = acts[o.out_off + j * o.bs + b]! - y[b * o.dim + j]!;
        d = o.c * r;
        s += r * r;
      }
      out[o.dout_off + j * o.bs + b] = d;
    }
    loss[b] = 0.5 * o.c * s;
  }
  return { acts: out, loss };
}
