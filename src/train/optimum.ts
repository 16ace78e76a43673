/**
 * The optimum J* of the DSM training loss for data from a known Gaussian mixture: the loss the
 * exact score would have, i.e. the floor no network can go below.
 *
 * With ε-prediction the trainer minimises J(θ) = E_k E λ_k ||ε_θ(x_t, k) − ε||² (k uniform over the
 * table's rows, x_t = α_k x_0 + σ_k ε). Its minimiser is ε*(x, k) = E[ε | x_t = x] = −σ_k ∇log p_k(x),
 * so (Vincent 2011)
 *
 *   J* = (1/K) Σ_k λ_k ( d − σ_k² E_{p_k} ||∇log p_k(x)||² ),
 *
 * where p_k = Σ_c w_c N(α_k μ_c, α_k² C_c + σ_k² I) is the mixture's marginal at step k. The last
 * expectation is a float64 Monte Carlo average over exact samples of p_k (diagonal covariances),
 * reported with its standard error. Antithetic time sampling has the same uniform marginal over k,
 * so J* is the same for it.
 */
import { InputError } from '../gpu/errors.js';
import { boxMuller, philox4x32, splitSeed, u01 } from '../rng/philox.js';
import type { MixtureDescription } from '../scores/mixture.js';
import type { CoefficientTable } from './coefficients.js';

export interface DsmOptimum {
  /** J*, the DSM loss of the exact score (the trainer's loss definition and weighting). */
  value: number;
  /** Monte Carlo standard error of `value`. */
  stderr: number;
  /** Samples per table row. */
  samples: number;
}

/** J* for ε-prediction on a discrete table (the paper's DDPM) and a mixture with diagonal covariances. */
export function dsmOptimum(table: CoefficientTable, mixture: MixtureDescription, samples = 20_000, seed: number | bigint = 0): DsmOptimum {
  if (!table.discrete) throw new InputError('dsmOptimum: needs a discrete (DDPM) coefficient table');
  const d = mixture.means[0]?.length ?? 0;
  const C = mixture.weights.length;
  const diag = mixture.covs.map((c, ci) =>
    c.map((row, i) =>
      row.map((v, j) => {
        if (i !== j && v !== 0) throw new InputError(`dsmOptimum: component ${ci} has a non-diagonal covariance`);
        return v;
      })[i]!,
    ),
  );
  const key = splitSeed(seed);
  const cum: number[] = [];
  mixture.weights.reduce((a, w, i) => ((cum[i] = a + w), a + w), 0);
  const total = cum[C - 1]!;
  let value = 0;
  let variance = 0;
  for (let k = 0; k < table.rows; k++) {
    const [alpha, sigma, lambda] = [table.data[4 * k]!, table.data[4 * k + 1]!, table.data[4 * k + 2]!];
    const v = diag.map((dg) => dg.map((c) => alpha * alpha * c + sigma * sigma));
    const logNorm = v.map((vc) => vc.reduce((a, x) => a - 0.5 * Math.log(2 * Math.PI * x), 0));
    let mean = 0;
    let m2 = 0;
    const x = new Float64Array(d);
    const logp = new Float64Array(C);
    for (let n = 0; n < samples; n++) {
      // One exact sample of p_k: component by its weight, then the Gaussian.
      const w = philox4x32([n, k, 0, 0], key);
      const u = u01(w[0]) * total;
      let c = 0;
      while (c < C - 1 && u >= cum[c]!) c++;
      for (let j = 0; j < d; j += 2) {
        const q = j === 0 ? w : philox4x32([n, k, 1 + j, 0], key);
        const z = boxMuller(q[2], q[3]);
        x[j] = alpha * mixture.means[c]![j]! + Math.sqrt(v[c]![j]!) * z[0];
        if (j + 1 < d) x[j + 1] = alpha * mixture.means[c]![j + 1]! + Math.sqrt(v[c]![j + 1]!) * z[1];
      }
      // Posterior weights r_c(x) and the score Σ_c r_c · (−(x − α μ_c) / v_c).
      let mx = -Infinity;
      for (let cc = 0; cc < C; cc++) {
        let lp = Math.log(mixture.weights[cc]!) + logNorm[cc]!;
        for (let j = 0; j < d; j++) lp -= (x[j]! - alpha * mixture.means[cc]![j]!) ** 2 / (2 * v[cc]![j]!);
        logp[cc] = lp;
        mx = Math.max(mx, lp);
      }
      let z = 0;
      for (let cc = 0; cc < C; cc++) z += Math.exp(logp[cc]! - mx);
      let s2 = 0;
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let cc = 0; cc < C; cc++) s -= (Math.exp(logp[cc]! - mx) / z) * ((x[j]! - alpha * mixture.means[cc]![j]!) / v[cc]![j]!);
        s2 += s * s;
      }
      const term = lambda * (d - sigma * sigma * s2);
      const delta = term - mean;
      mean += delta / (n + 1);
      m2 += delta * (term - mean);
    }
    value += mean / table.rows;
    variance += m2 / (samples - 1) / samples / (table.rows * table.rows);
  }
  return { value, stderr: Math.sqrt(variance), samples };
}
