/**
 * Float64 reference for the Lipschitz kernels: the MLP score (src/model/layout.ts) and its exact
 * Jacobian in x by forward-mode differentiation, at one point; the Philox point generator of
 * shaders/lib/lipschitz_io.wgsl; the pairwise estimator.
 */
import { fourierFeatures, type MlpLayout } from '../../src/model/layout.js';
import { boxMuller, philox4x32, splitSeed } from '../../src/rng/philox.js';
import { scoreAffine } from '../../src/lipschitz/certified.js';

function actFwd(layout: MlpLayout, v: number): number {
  const slope = layout.spec.leakySlope ?? 0.01;
  switch (layout.spec.activation) {
    case 'softplus':
      return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    case 'silu':
      return v / (1 + Math.exp(-v));
    case 'relu':
      return Math.max(v, 0);
    case 'leakyrelu':
      return v >= 0 ? v : slope * v;
    case 'tanh':
      return Math.tanh(v);
  }
}

function actGrad(layout: MlpLayout, v: number): number {
  const slope = layout.spec.leakySlope ?? 0.01;
  const sig = 1 / (1 + Math.exp(-v));
  switch (layout.spec.activation) {
    case 'softplus':
      return sig;
    case 'silu':
      return sig + v * sig * (1 - sig);
    case 'relu':
      return v > 0 ? 1 : 0;
    case 'leakyrelu':
      return v >= 0 ? 1 : slope;
    case 'tanh':
      return 1 - Math.tanh(v) ** 2;
  }
}

/** Score s(x, t) and J = ∂s/∂x (row-major d×d) in float64. */
export function mlpScoreJacobian(layout: MlpLayout, p: ArrayLike<number>, x: readonly number[], t: { alpha: number; sigma: number; step?: number; tau?: number }): { score: number[]; jacobian: number[] } {
  const d = layout.spec.dim;
  const tk = layout.spec.time;
  let h = [...x, ...(tk.kind === 'fourier' ? fourierFeatures(t.tau ?? 0, tk.features) : [])];
  // dh/dx: rows = units, cols = d.
  let dh: number[][] = h.map((_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
  layout.layers.forEach((ly, l) => {
    const s = p[layout.scaleOffset + l]!;
    const nh: number[] = [];
    const ndh: number[][] = [];
    for (let j = 0; j < ly.out; j++) {
      let acc = 0;
      const g = new Array<number>(d).fill(0);
      for (let i = 0; i < ly.in; i++) {
        const w = p[ly.wOffset + j * ly.in + i]!;
        acc += w * h[i]!;
        for (let c = 0; c < d; c++) g[c]! += w * dh[i]![c]!;
      }
      let v = s * acc + p[ly.bOffset + j]!;
      let gs = g.map((q) => q * s);
      if (ly.hidden) {
        const e = ly.eOffset >= 0 ? p[ly.eOffset + (t.step ?? 0) * ly.out + j]! : 1;
        v *= e;
        const a = actGrad(layout, v) * e;
        gs = gs.map((q) => q * a);
        nh.push(actFwd(layout, v));
      } else nh.push(v);
      ndh.push(gs);
    }
    h = nh;
    dh = ndh;
  });
  const [a, b] = scoreAffine(layout, t.alpha, t.sigma);
  const score = h.map((o, i) => a * o + b * x[i]!);
  const jacobian: number[] = [];
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) jacobian.push(a * dh[i]![j]! + (i === j ? b : 0));
  return { score, jacobian };
}

/** Random parameters for a layout: weights ~ U(−1, 1)·scale/sqrt(in), biases U(−½, ½), embeddings U(½, 3/2), scales 1. */
export function randomParams(layout: MlpLayout, seed: number, scale = 1.5): Float32Array {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const p = new Float32Array(layout.size);
  for (const ly of layout.layers) {
    for (let i = 0; i < ly.in * ly.out; i++) p[ly.wOffset + i] = ((2 * rnd() - 1) * scale) / Math.sqrt(ly.in);
    for (let i = 0; i < ly.out; i++) p[ly.bOffset + i] = rnd() - 0.5;
    if (ly.eOffset >= 0) for (let i = 0; i < layout.steps * ly.out; i++) p[ly.eOffset + i] = 0.5 + rnd();
  }
  for (let l = 0; l < layout.layers.length; l++) p[layout.scaleOffset + l] = 1;
  return p;
}

/** The standard normal vector of lipschitz_io.wgsl normal_vec(p, stream) (f32 Box–Muller twin). */
export function normalVec(p: number, stream: number, d: number, seed: number): number[] {
  const key = splitSeed(seed);
  const out: number[] = [];
  for (let c = 0; 4 * c < d; c++) {
    const w = philox4x32([p, 4 * c + stream, 0, 0], key);
    out.push(...boxMuller(w[0], w[1]), ...boxMuller(w[2], w[3]));
  }
  return out.slice(0, d);
}

/** Pairwise estimator per point: max_j (s_i − s_j)·(x_i − x_j)/|x_i − x_j|² within its segment. */
export function pairwiseReference(xs: ArrayLike<number>, scores: ArrayLike<number>, d: number, perTime: number, count: number, minDist = 1e-3): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.floor(i / perTime) * perTime;
    let m = -Infinity;
    for (let j = start; j < start + perTime; j++) {
      if (j === i) continue;
      let num = 0;
      let den = 0;
      for (let k = 0; k < d; k++) {
        const dx = xs[i * d + k]! - xs[j * d + k]!;
        num += (scores[i * d + k]! - scores[j * d + k]!) * dx;
        den += dx * dx;
      }
      if (den > minDist * minDist) m = Math.max(m, num / den);
    }
    out.push(m);
  }
  return out;
}
