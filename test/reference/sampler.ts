/**
 * float64 references for the samplers: the reverse-time family, DDPM ancestral and forward EM, with
 * the exact mixture score (test/reference/mixture.ts) or a float64 MLP forward, and the same noise as
 * the GPU (Philox counters (particle, step, stream, 0) through the bit-exact CPU twin).
 */
import { embedIndex } from '../../src/processes/grid.js';
import { DdpmSigmoid, type ForwardProcess } from '../../src/processes/process.js';
import { boxMuller, philox4x32, splitSeed } from '../../src/rng/philox.js';
import { fourierFeatures, mlpLayout, scoreFromOutput, type MlpSpec } from '../../src/model/layout.js';
import type { MixtureDescription } from '../../src/scores/mixture.js';
import { mixtureScoreRef } from './mixture.js';

/** The 4 normals the GPU draws for counter (p, m, stream, q). */
export function normal4Ref(p: number, m: number, stream: number, seed: number | bigint, q = 0): number[] {
  const w = philox4x32([p >>> 0, m >>> 0, stream >>> 0, q >>> 0], splitSeed(seed));
  return [...boxMuller(w[0], w[1]), ...boxMuller(w[2], w[3])];
}

/** The d normals of particle p at step m: coordinate j from counter (p, m, stream, ⌊j/4⌋), component j % 4. */
export function normalRef(p: number, m: number, stream: number, seed: number | bigint, d: number): number[] {
  const out: number[] = [];
  for (let q = 0; 4 * q < d; q++) out.push(...normal4Ref(p, m, stream, seed, q));
  return out.slice(0, d);
}

export const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
const ACT: Record<string, (v: number, slope: number) => number> = {
  softplus,
  silu: (v) => v / (1 + Math.exp(-v)),
  relu: (v) => Math.max(v, 0),
  leakyrelu: (v, s) => (v >= 0 ? v : s * v),
  tanh: (v) => Math.tanh(v),
};

/** float64 forward of the MLP (src/model/layout.ts maths): the head's output at x, time τ, step k. */
export function mlpForwardRef(spec: MlpSpec, params: Float32Array, x: readonly number[], tau: number, k: number): number[] {
  const layout = mlpLayout(spec);
  let h = [...x, ...(spec.time.kind === 'fourier' ? fourierFeatures(tau, spec.time.features) : [])];
  layout.layers.forEach((l, li) => {
    const s = params[layout.scaleOffset + li]!;
    const out: number[] = [];
    for (let j = 0; j < l.out; j++) {
      let acc = 0;
      for (let i = 0; i < l.in; i++) acc += params[l.wOffset + j * l.in + i]! * h[i]!;
      let v = s * acc + params[l.bOffset + j]!;
      if (l.hidden) {
        if (l.eOffset >= 0) v *= params[l.eOffset + k * l.out + j]!;
        v = ACT[spec.activation]!(v, spec.leakySlope ?? 0.01);
      }
      out.push(v);
    }
    h = out;
  });
  return h;
}

export type RefScore = { kind: 'exact'; mixture: MixtureDescription } | { kind: 'network'; spec: MlpSpec; params: Float32Array };

export function scoreRef(src: RefScore, p: ForwardProcess, x: readonly number[], t: number): number[] {
  const a = p.alpha(t), s = p.sigma(t);
  if (src.kind === 'exact') return mixtureScoreRef(src.mixture, x, a, s).score;
  const steps = src.spec.time.kind === 'step' ? src.spec.time.steps : 0;
  const o = mlpForwardRef(src.spec, src.params, x, t / p.T, embedIndex(t, p.T, steps));
  return o.map((oj, j) => scoreFromOutput(src.spec.output, oj, x[j]!, a, s));
}

/**
 * The reverse sampler in float64 for particles `x0` (n × d, modified in place) over the ascending grid
 * `times`: 'em' with λ, 'heun', or 'ddpm', noise stream 0 as on the GPU.
 */
export function reverseRef(
  p: ForwardProcess,
  src: RefScore,
  x: Float64Array,
  d: number,
  times: Float64Array,
  kind: 'em' | 'heun' | 'ddpm',
  lambda: number,
  seed: number | bigint,
): Float64Array {
  const n = x.length / d;
  const N = times.length - 1;
  for (let pi = 0; pi < n; pi++) {
    let v = Array.from(x.subarray(pi * d, (pi + 1) * d));
    for (let m = 0; m < N; m++) {
      const t = times[N - m]!, tn = times[N - m - 1]!, h = t - tn;
      const s = scoreRef(src, p, v, t);
      if (kind === 'ddpm') {
        const beta = (p as DdpmSigmoid).betas[(p as DdpmSigmoid).stepOf(t) - 1]!;
        const z = normalRef(pi, m, 0, seed, d);
        v = v.map((vj, j) => (vj + beta * s[j]!) / Math.sqrt(1 - beta) + Math.sqrt(beta) * z[j]!);
      } else if (kind === 'heun') {
        const d1 = v.map((vj, j) => p.driftCoef(t) * vj - 0.5 * p.g2(t) * s[j]!);
        const xp = v.map((vj, j) => vj - h * d1[j]!);
        if (p.sigma(tn) > 0) {
          const s2 = scoreRef(src, p, xp, tn);
          v = v.map((vj, j) => vj - 0.5 * h * (d1[j]! + p.driftCoef(tn) * xp[j]! - 0.5 * p.g2(tn) * s2[j]!));
        } else v = xp;
      } else {
        const z = lambda > 0 ? normalRef(pi, m, 0, seed, d) : new Array<number>(d).fill(0);
        const g2 = p.g2(t);
        v = v.map((vj, j) => vj - h * (p.driftCoef(t) * vj - 0.5 * (1 + lambda * lambda) * g2 * s[j]!) + lambda * Math.sqrt(g2 * h) * z[j]!);
      }
    }
    x.set(v, pi * d);
  }
  return x;
}

/** Forward Euler–Maruyama in float64 over the ascending grid, noise stream 1. */
export function forwardEmRef(p: ForwardProcess, x: Float64Array, d: number, times: Float64Array, seed: number | bigint): Float64Array {
  const n = x.length / d;
  for (let pi = 0; pi < n; pi++) {
    for (let m = 0; m + 1 < times.length; m++) {
      const t = times[m]!, h = times[m + 1]! - t;
      const z = normalRef(pi, m, 1, seed, d);
      for (let j = 0; j < d; j++) {
        const v = x[pi * d + j]!;
        x[pi * d + j] = v + h * p.driftCoef(t) * v + Math.sqrt(p.g2(t) * h) * z[j]!;
      }
    }
  }
  return x;
}

/** Exact 1-D W2² between two equal-size samples (sort both). */
export function w2Sorted1d(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - y[i]!) ** 2;
  return s / x.length;
}

export function moments(a: ArrayLike<number>, d = 1, j = 0): { mean: number; variance: number } {
  const n = a.length / d;
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) s += a[i * d + j]!;
  const mean = s / n;
  for (let i = 0; i < n; i++) s2 += (a[i * d + j]! - mean) ** 2;
  return { mean, variance: s2 / n };
}
