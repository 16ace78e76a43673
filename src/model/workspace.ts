/**
 * Activation workspace of an MLP for a batch: one f32 buffer holding every intermediate of the
 * forward and backward passes, feature-major (row i = feature i of all samples, `bs` floats, bs =
 * batch rounded up to 8 so every row is whole vec4s and two-vec4 tiles never straddle rows).
 * Padding samples are zeros in the input and carry zero loss weight.
 *
 *   x      inputFeatures × bs   network input (x_t and Fourier features)
 *   u[l]   out_l × bs           pre-activation u_l = s_l W_l h + b_l (for the head: the output)
 *   h[l]   out_l × bs           hidden activations act(u ⊙ e)
 *   du[l]  out_l × bs           dJ/du_l (for the head: dJ/d output)
 *   dv[l]  out_l × bs           dJ/dv_l (hidden layers with a per-step embedding)
 *   target dim × bs, lam bs     DSM target and weight per sample
 */
import type { MlpLayout } from './layout.js';

export interface Workspace {
  batch: number;
  bs: number;
  x: number;
  u: number[];
  h: number[];
  du: number[];
  dv: number[];
  target: number;
  lam: number;
  /** Total floats. */
  size: number;
}

export function workspaceLayout(layout: MlpLayout, batch: number): Workspace {
  const bs = Math.ceil(batch / 8) * 8;
  let off = 0;
  const take = (rows: number) => {
    const o = off;
    off += rows * bs;
    return o;
  };
  const x = take(layout.inputFeatures);
  const u: number[] = [], h: number[] = [], du: number[] = [], dv: number[] = [];
  for (const l of layout.layers) {
    u.push(take(l.out));
    h.push(l.hidden ? take(l.out) : -1);
    du.push(take(l.out));
    dv.push(l.eOffset >= 0 ? take(l.out) : -1);
  }
  const target = take(layout.spec.dim);
  const lam = take(1);
  return { batch, bs, x, u, h, du, dv, target, lam, size: off };
}
