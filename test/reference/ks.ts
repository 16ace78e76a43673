/**
 * Kolmogorov–Smirnov checks of samples of a Gaussian mixture through 1-D projections: the projection
 * u·x of Σ w_k N(μ_k, Σ_k) is Σ w_k N(u·μ_k, uᵀΣ_k u), whose CDF is exact (erf to 1.5e-7).
 */
import type { MixtureDescription } from '../../src/scores/mixture.js';

/** erf by Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7). */
export function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

export const normalCdf = (x: number, mean: number, sd: number) => 0.5 * (1 + erf((x - mean) / (sd * Math.SQRT2)));

/** The CDF of u·x for x ~ mixture. */
export function projectedMixtureCdf(mix: MixtureDescription, u: readonly number[]): (x: number) => number {
  const tot = mix.weights.reduce((a, b) => a + b, 0);
  const comps = mix.weights.map((w, k) => {
    const m = mix.means[k]!.reduce((s, v, i) => s + v * u[i]!, 0);
    const c = mix.covs[k]!;
    let v = 0;
    for (let i = 0; i < u.length; i++) for (let j = 0; j < u.length; j++) v += u[i]! * c[i]![j]! * u[j]!;
    return { w: w / tot, m, sd: Math.sqrt(v) };
  });
  return (x) => comps.reduce((s, c) => s + c.w * normalCdf(x, c.m, c.sd), 0);
}

/** KS distance sup |F_n − F| of the projections u·x_i of row-major points (n × d). */
export function ksProjected(points: ArrayLike<number>, d: number, u: readonly number[], cdf: (x: number) => number): number {
  const n = points.length / d;
  const proj = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += u[j]! * points[i * d + j]!;
    proj[i] = s;
  }
  proj.sort();
  let D = 0;
  for (let i = 0; i < n; i++) {
    const F = cdf(proj[i]!);
    D = Math.max(D, Math.abs(F - i / n), Math.abs((i + 1) / n - F));
  }
  return D;
}

/** The mixture's mean and covariance (d × d). */
export function mixtureMoments(mix: MixtureDescription): { mean: number[]; cov: number[][] } {
  const d = mix.means[0]!.length;
  const tot = mix.weights.reduce((a, b) => a + b, 0);
  const mean = Array.from({ length: d }, (_, i) => mix.weights.reduce((s, w, k) => s + (w / tot) * mix.means[k]![i]!, 0));
  const cov = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => mix.weights.reduce((s, w, k) => s + (w / tot) * (mix.covs[k]![i]![j]! + mix.means[k]![i]! * mix.means[k]![j]!), 0) - mean[i]! * mean[j]!),
  );
  return { mean, cov };
}

/** Sample covariance (divisor n) of row-major points. */
export function sampleCov(points: ArrayLike<number>, d: number): number[][] {
  const n = points.length / d;
  const mean = Array.from({ length: d }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += points[i * d + j]!;
    return s / n;
  });
  return Array.from({ length: d }, (_, a) =>
    Array.from({ length: d }, (_, b) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += (points[i * d + a]! - mean[a]!) * (points[i * d + b]! - mean[b]!);
      return s / n;
    }),
  );
}
