/**
 * float64 reference for the exact score of a Gaussian mixture under a linear forward SDE, written
 * independently of src/scores/mixture.ts: C_k = α² Σ_k + σ² I is inverted directly (Gauss–Jordan)
 * and the posterior weights are a plain softmax of the log-densities.
 */
import type { MixtureDescription } from '../../src/scores/mixture.js';
import { rngFillCpu } from '../../src/rng/philox.js';

export function invert64(a: readonly (readonly number[])[]): { inv: number[][]; logdet: number } {
  const n = a.length;
  const m = a.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  let logdet = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const piv = m[c]![c]!;
    logdet += Math.log(Math.abs(piv));
    for (let j = 0; j < 2 * n; j++) m[c]![j]! /= piv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      for (let j = 0; j < 2 * n; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return { inv: m.map((r) => r.slice(n)), logdet };
}

/** Score and log-density of Σ w_k N(α μ_k, α² Σ_k + σ² I) at x. */
export function mixtureScoreRef(mix: MixtureDescription, x: readonly number[], alpha: number, sigma: number): { score: number[]; logp: number } {
  const d = x.length;
  const wsum = mix.weights.reduce((a, b) => a + b, 0);
  const logs: number[] = [];
  const grads: number[][] = [];
  mix.weights.forEach((w, k) => {
    const C = mix.covs[k]!.map((row, i) => row.map((v, j) => alpha * alpha * v + (i === j ? sigma * sigma : 0)));
    const { inv, logdet } = invert64(C);
    const r = x.map((xi, i) => xi - alpha * mix.means[k]![i]!);
    const z = inv.map((row) => row.reduce((s, v, j) => s + v * r[j]!, 0));
    const quad = r.reduce((s, v, i) => s + v * z[i]!, 0);
    logs.push(Math.log(w / wsum) - 0.5 * quad - 0.5 * logdet - 0.5 * d * Math.log(2 * Math.PI));
    grads.push(z.map((v) => -v));
  });
  const mx = Math.max(...logs);
  const e = logs.map((l) => Math.exp(l - mx));
  const s = e.reduce((a, b) => a + b, 0);
  const score = Array.from({ length: d }, (_, i) => grads.reduce((acc, g, k) => acc + (e[k]! / s) * g[i]!, 0));
  return { score, logp: mx + Math.log(s) };
}

/** A K-component mixture in d dimensions with full (random SPD) covariances, seeded. */
export function randomMixture(d: number, K: number, seed: number): MixtureDescription {
  const u = rngFillCpu(K * (d + d * d + 1), seed, 11);
  let o = 0;
  const weights: number[] = [], means: number[][] = [], covs: number[][][] = [];
  for (let k = 0; k < K; k++) {
    weights.push(0.5 + u[o++]!);
    means.push(Array.from({ length: d }, () => 1.5 * (2 * u[o++]! - 1)));
    const A = new Float64Array(d * d);
    for (let i = 0; i < d * d; i++) A[i] = (2 * u[o++]! - 1) / Math.sqrt(d);
    // Σ = 0.05·(A Aᵀ + 0.2 I): SPD, eigenvalues between 0.01 and ~0.3 (typed loops: d = 1024 in seconds).
    const cov = Array.from({ length: d }, () => new Array<number>(d));
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += A[i * d + c]! * A[j * d + c]!;
        cov[i]![j] = cov[j]![i] = 0.05 * (s + (i === j ? 0.2 : 0));
      }
    }
    covs.push(cov);
  }
  const tot = weights.reduce((a, b) => a + b, 0);
  return { weights: weights.map((w) => w / tot), means, covs };
}

