/**
 * A certified upper bound on the one-sided Lipschitz constant of the MLP score, from the weights
 * alone: L_s(t) ≤ λ_max(½(J_s + J_sᵀ)) sup ≤ |a_t|·‖J_out‖₂ + b_t with J_s = a_t J_out + b_t I
 * (per output kind, see shaders/lib/mlp_tangent.wgsl), and
 *
 *   ‖J_out‖₂ ≤ s_L ‖W_L‖₂ · Π_{hidden l} s_l ‖W_l‖₂ · max_j |e_l[k][j]| · sup |act'|,
 *
 * with W_0 restricted to its d data columns (time features carry no tangent). Spectral norms are
 * computed in float64 from the Gram matrix's exact eigenvalues (Jacobi), so the bound holds up to
 * float64 rounding, for every x — unlike power iteration, which gives a lower estimate.
 */
import { InputError } from '../gpu/errors.js';
import type { MlpLayout } from '../model/layout.js';
import type { TangentTime } from '../kernels/mlp_tangent.js';
import { symmetricEigenvalues } from './exact.js';

/** sup_v |act'(v)| of each activation (SiLU: 1.0998 at v ≈ 2.3994). */
export function activationSlopeBound(layout: MlpLayout): number {
  switch (layout.spec.activation) {
    case 'silu':
      return 1.0998393;
    case 'leakyrelu':
      return Math.max(1, layout.spec.leakySlope ?? 0.01);
    default:
      return 1;
  }
}

/** Largest singular value of the rows × cols block of a row-major matrix with row stride `stride`. */
export function spectralNorm(w: ArrayLike<number>, offset: number, rows: number, cols: number, stride = cols): number {
  // Gram matrix of the smaller side.
  const n = Math.min(rows, cols);
  const g = new Float64Array(n * n);
  const at = (r: number, c: number) => w[offset + r * stride + c]!;
  if (cols <= rows) {
    for (let i = 0; i < cols; i++) for (let j = i; j < cols; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += at(r, i) * at(r, j);
      g[i * n + j] = g[j * n + i] = s;
    }
  } else {
    for (let i = 0; i < rows; i++) for (let j = i; j < rows; j++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += at(i, c) * at(j, c);
      g[i * n + j] = g[j * n + i] = s;
    }
  }
  return Math.sqrt(Math.max(0, symmetricEigenvalues(g, n)[n - 1]!));
}

/** J_s = a J_out + b I for the layout's output kind at (α, σ). */
export function scoreAffine(layout: MlpLayout, alpha: number, sigma: number): [number, number] {
  switch (layout.spec.output) {
    case 'eps':
      return [-1 / sigma, 0];
    case 'score':
      return [1, 0];
    case 'x0':
      return [alpha / (sigma * sigma), -1 / (sigma * sigma)];
    case 'velocity': {
      const q = alpha * alpha + sigma * sigma;
      return [-alpha / (q * sigma), -1 / q];
    }
  }
}

/** Certified upper bound on L_s at each time, from the parameters (flat layout, host copy). */
export function certifiedUpperBound(layout: MlpLayout, params: ArrayLike<number>, times: readonly TangentTime[]): Float64Array {
  if (params.length < layout.size) throw new InputError(`parameters have ${params.length} floats, the layout needs ${layout.size}`);
  const d = layout.spec.dim;
  const slope = activationSlopeBound(layout);
  let base = 1;
  const hiddenLayers: { l: number; out: number; eOffset: number }[] = [];
  layout.layers.forEach((ly, l) => {
    const cols = l === 0 ? d : ly.in;
    const s = Math.abs(params[layout.scaleOffset + l]!);
    base *= s * spectralNorm(params, ly.wOffset, ly.out, cols, ly.in);
    if (ly.hidden) {
      base *= slope;
      if (ly.eOffset >= 0) hiddenLayers.push({ l, out: ly.out, eOffset: ly.eOffset });
    }
  });
  return Float64Array.from(times, (t) => {
    let norm = base;
    for (const h of hiddenLayers) {
      let m = 0;
      const k = t.step ?? 0;
      for (let j = 0; j < h.out; j++) m = Math.max(m, Math.abs(params[h.eOffset + k * h.out + j]!));
      norm *= m;
    }
    const [a, b] = scoreAffine(layout, t.alpha, t.sigma);
    return Math.abs(a) * norm + b;
  });
}
