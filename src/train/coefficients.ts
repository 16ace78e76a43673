/**
 * The table the DSM minibatch kernel reads: rows of (α, σ, λ, t) for the forward process and the
 * loss weighting, built in float64 on the CPU and uploaded once.
 *
 * Discrete processes (the paper's DDPM schedule): row k is step k (0-based, at continuous time
 * t = k + 1), α = √ᾱ_k, σ = √(1 − ᾱ_k); t is drawn as a uniform step index.
 * Continuous processes: `rows` equispaced times on [tMin, T]; t is uniform on that span and the
 * kernel interpolates rows linearly.
 *
 * Weightings λ(t) of the DSM loss E λ(t) ||net(x_t, t) − target||²:
 *   'none' 1;  'g2' g(t)²;  'sigma2' σ_t²;  'paper' β_t / (1 − ᾱ_t) (Kwon et al.'s code; for a
 *   continuous process g(t)² / σ_t², which is β(t)/σ_t² for VP).
 */
import { InputError } from '../gpu/errors.js';
import type { DdpmSigmoid, ForwardProcess } from '../processes/process.js';

export type Weighting = 'none' | 'g2' | 'sigma2' | 'paper';
export const WEIGHTINGS: readonly Weighting[] = ['none', 'g2', 'sigma2', 'paper'];

export interface CoefficientTable {
  /** rows × 4 floats: α, σ, λ, t. */
  data: Float32Array;
  rows: number;
  discrete: boolean;
  /** Time horizon, for the Fourier features' τ = t / T. */
  T: number;
}

export function isDiscrete(p: ForwardProcess): p is DdpmSigmoid {
  return p.kind === 'ddpm';
}

function weight(w: Weighting, g2: number, sigma2: number, beta: number): number {
  switch (w) {
    case 'none':
      return 1;
    case 'g2':
      return g2;
    case 'sigma2':
      return sigma2;
    case 'paper':
      return beta / sigma2;
  }
}

/** Build the table (default 1024 rows for continuous processes). */
export function dsmCoefficients(process: ForwardProcess, weighting: Weighting, rows = 1024): CoefficientTable {
  if (!WEIGHTINGS.includes(weighting)) throw new InputError(`weighting must be one of ${WEIGHTINGS.join(', ')}, got '${weighting}'`);
  if (isDiscrete(process)) {
    const n = process.steps;
    const data = new Float32Array(4 * n);
    for (let k = 0; k < n; k++) {
      const ab = process.alphaBars[k]!;
      const beta = process.betas[k]!;
      data.set([Math.sqrt(ab), Math.sqrt(1 - ab), weight(weighting, beta, 1 - ab, beta), k + 1], 4 * k);
    }
    return { data, rows: n, discrete: true, T: process.T };
  }
  if (!Number.isInteger(rows) || rows < 2) throw new InputError(`coefficient rows must be an integer >= 2, got ${rows}`);
  const data = new Float32Array(4 * rows);
  const t0 = process.tMin;
  for (let i = 0; i < rows; i++) {
    const t = t0 + ((process.T - t0) * i) / (rows - 1);
    const s = process.sigma(t);
    const g2 = process.g2(t);
    data.set([process.alpha(t), s, weight(weighting, g2, s * s, g2), t], 4 * i);
  }
  return { data, rows, discrete: false, T: process.T };
}
