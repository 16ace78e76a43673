/**
 * The paper's own L_s estimator, exactly as the official notebook (Kwon et al. 2022,
 * `Score_Wasserstein.ipynb`) computes it once after training: at each step, the max over pairs of
 * a 10×10 grid linspace(0, 0.9, 10)² (the positive quadrant only) of
 *
 *   ⟨s(x_j) − s(x_k), x_j − x_k⟩ / |x_j − x_k|²,   s = −ε_θ(x, t)/√(1 − ᾱ_t).
 *
 * Every quotient is ≤ L_s (a lower estimate, on a small patch of the plane); kept for comparison.
 * The bound then uses log I_i = Σ_{k≤i} (L_s,k + ½) β_k and the intercept ½ log(2 Σ β_i I_i²)
 * (src/bound/bound.ts discreteBound).
 */
import { InputError } from '../gpu/errors.js';
import type { NetworkAtTime } from './certify.js';

/** The paper's grid: linspace(0, 0.9, 10)² in 2-D (and linspace(0, 0.9, 10) in 1-D). */
export function paperGrid(d: number): number[][] {
  const t = Array.from({ length: 10 }, (_, i) => (0.9 * i) / 9);
  if (d === 1) return t.map((v) => [v]);
  if (d === 2) return t.flatMap((a) => t.map((b) => [a, b]));
  throw new InputError(`the paper's estimator is defined on a 2-D grid (and its 1-D analogue), not in dimension ${d}`);
}

/** max over pairs of the grid of the secant quotient, with the pair that reaches it. */
export function paperEstimate(net: NetworkAtTime): { value: number; pair: [number[], number[]] } {
  const pts = paperGrid(net.d);
  const s = pts.map((x) => net.score(x));
  let best = -Infinity;
  let pair: [number[], number[]] = [pts[0]!, pts[1]!];
  for (let j = 0; j < pts.length; j++)
    for (let k = j + 1; k < pts.length; k++) {
      let num = 0;
      let den = 0;
      for (let i = 0; i < net.d; i++) {
        const dx = pts[j]![i]! - pts[k]![i]!;
        num += (s[j]![i]! - s[k]![i]!) * dx;
        den += dx * dx;
      }
      const q = num / den;
      if (q > best) {
        best = q;
        pair = [pts[j]!, pts[k]!];
      }
    }
  return { value: best, pair };
}
