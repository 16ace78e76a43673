/**
 * Float64 Monte-Carlo value of the Bayes-optimal DSM loss for a Gaussian-mixture dataset:
 *   J* = E_k E_{x0, ε} λ_k ||ε + σ_k ∇log p_k(x_t)||²,  x_t = α_k x0 + σ_k ε,
 * for an ε-predicting network, the lowest loss any network can reach (the optimal ε-predictor is
 * -σ ∇log p_t). Uses the exact mixture score of src/scores/mixture.ts.
 */
import { mixtureScore64, prepareMixture, type MixtureDescription } from '../../src/scores/mixture.js';
import type { CoefficientTable } from '../../src/train/coefficients.js';
import { boxMuller, philox4x32, u01 } from '../../src/rng/philox.js';

export function optimalDsmLoss(mix: MixtureDescription, table: CoefficientTable, samples: number, seed = 7): number {
  const m = prepareMixture(mix);
  const d = m.dim;
  const cum: number[] = [];
  let c = 0;
  for (const w of mix.weights) cum.push((c += w));
  let total = 0;
  for (let s = 0; s < samples; s++) {
    const w = philox4x32([s, 0, 99, 0], [seed, 0]);
    const z1 = philox4x32([s, 1, 99, 0], [seed, 0]);
    const z2 = philox4x32([s, 2, 99, 0], [seed, 0]);
    const normals = [...boxMuller(z1[0], z1[1]), ...boxMuller(z1[2], z1[3]), ...boxMuller(z2[0], z2[1]), ...boxMuller(z2[2], z2[3])];
    const uk = u01(w[0]) * c;
    const comp = Math.max(0, cum.findIndex((x) => uk < x));
    const k = Math.min(table.rows - 1, Math.floor(u01(w[1]) * table.rows));
    const [alpha, sigma, lam] = [table.data[4 * k]!, table.data[4 * k + 1]!, table.data[4 * k + 2]!];
    const L = mix.covs[comp]!.map((row) => row.map(Number));
    // x0 = μ + chol(Σ) z with a diagonal Σ in every toy mixture: sqrt of the diagonal.
    const x0 = mix.means[comp]!.map((mu, i) => mu + Math.sqrt(L[i]![i]!) * normals[i]!);
    const eps = Array.from({ length: d }, (_, i) => normals[4 + i]!);
    const xt = x0.map((v, i) => alpha * v + sigma * eps[i]!);
    const { score } = mixtureScore64(m, xt, alpha, sigma);
    let r2 = 0;
    for (let i = 0; i < d; i++) r2 += (eps[i]! + sigma * score[i]!) ** 2;
    total += lam * r2;
  }
  return total / samples;
}
