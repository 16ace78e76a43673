/**
 * float64 reference for the exact score of a Gaussian mixture under a linear forward SDE, written
 * independently of src/scores/mixture.ts: C_k = α² Σ_k + σ² I is inverted directly (Gauss–Jordan)
 * and the posterior weights are a plain softmax of the log-densities.
 */
import type { MixtureDescription } from '../../src/scores/mixture.js';

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
