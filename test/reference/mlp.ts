/**
 * Float64 CPU reference of the MLP (src/model/layout.ts maths): forward, and backward from a given
 * output gradient to every parameter gradient. Samples are rows; parameters read from the flat
 * layout, so the same Float32Array feeds the GPU and this reference.
 */
import type { MlpLayout } from '../../src/model/layout.js';

export function act64(kind: string, v: number, slope = 0.01): number {
  switch (kind) {
    case 'softplus':
      return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    case 'silu':
      return v / (1 + Math.exp(-v));
    case 'relu':
      return Math.max(v, 0);
    case 'leakyrelu':
      return v >= 0 ? v : slope * v;
    default:
      return Math.tanh(v);
  }
}

export function actGrad64(kind: string, v: number, slope = 0.01): number {
  const s = 1 / (1 + Math.exp(-v));
  switch (kind) {
    case 'softplus':
      return s;
    case 'silu':
      return s + v * s * (1 - s);
    case 'relu':
      return v > 0 ? 1 : 0;
    case 'leakyrelu':
      return v >= 0 ? 1 : slope;
    default:
      return 1 - Math.tanh(v) ** 2;
  }
}

export interface Forward64 {
  /** Per layer, per sample: inputs, u, v, h. */
  xs: number[][][];
  us: number[][][];
  vs: number[][][];
  out: number[][];
}

/** Forward for samples `feats[b]` (input features) with step indices `steps[b]`. */
export function forward64(L: MlpLayout, p: ArrayLike<number>, feats: number[][], steps: number[]): Forward64 {
  const kind = L.spec.activation;
  const slope = L.spec.leakySlope ?? 0.01;
  const xs: number[][][] = [], us: number[][][] = [], vs: number[][][] = [];
  let h = feats;
  L.layers.forEach((l, li) => {
    const s = p[L.scaleOffset + li]!;
    xs.push(h);
    const u = h.map((x) =>
      Array.from({ length: l.out }, (_, j) => {
        let a = 0;
        for (let i = 0; i < l.in; i++) a += p[l.wOffset + j * l.in + i]! * x[i]!;
        return s * a + p[l.bOffset + j]!;
      }),
    );
    us.push(u);
    if (l.hidden) {
      const v = u.map((row, b) => row.map((x, j) => (l.eOffset >= 0 ? x * p[l.eOffset + steps[b]! * l.out + j]! : x)));
      vs.push(v);
      h = v.map((row) => row.map((x) => act64(kind, x, slope)));
    } else {
      vs.push(u);
      h = u;
    }
  });
  return { xs, us, vs, out: h };
}

/** Gradient of Σ_b Σ_j dOut[b][j]·out[b][j] with respect to every parameter (flat, like params). */
export function backward64(L: MlpLayout, p: ArrayLike<number>, f: Forward64, steps: number[], dOut: number[][]): Float64Array {
  const g = new Float64Array(L.size);
  const kind = L.spec.activation;
  const slope = L.spec.leakySlope ?? 0.01;
  let du = dOut; // dJ/du of the current layer
  for (let li = L.layers.length - 1; li >= 0; li--) {
    const l = L.layers[li]!;
    const s = p[L.scaleOffset + li]!;
    const x = f.xs[li]!;
    for (let b = 0; b < du.length; b++) {
      for (let j = 0; j < l.out; j++) {
        g[l.bOffset + j] = g[l.bOffset + j]! + du[b]![j]!;
        for (let i = 0; i < l.in; i++) g[l.wOffset + j * l.in + i] = g[l.wOffset + j * l.in + i]! + s * du[b]![j]! * x[b]![i]!;
      }
    }
    if (li === 0) break;
    const prev = L.layers[li - 1]!;
    // dh_{l-1} = s W_lᵀ du_l, then through act and the embedding of layer l-1.
    du = du.map((row, b) =>
      Array.from({ length: l.in }, (_, i) => {
        let dh = 0;
        for (let j = 0; j < l.out; j++) dh += s * p[l.wOffset + j * l.in + i]! * row[j]!;
        const v = f.vs[li - 1]![b]![i]!;
        const dv = dh * actGrad64(kind, v, slope);
        if (prev.eOffset >= 0) {
          const e = p[prev.eOffset + steps[b]! * prev.out + i]!;
          const k = prev.eOffset + steps[b]! * prev.out + i;
          g[k] = g[k]! + dv * f.us[li - 1]![b]![i]!;
          return dv * e;
        }
        return dv;
      }),
    );
  }
  return g;
}
