/**
 * Time grids for the samplers and their coefficient tables in the layout shaders/reverse_sample.wgsl
 * and shaders/forward_sample.wgsl read: row r = 2 vec4, (t, α_t, σ_t, a(t)) and (g²(t), k, τ, β_k),
 * with a(t) the drift coefficient (f = a·x), k the per-step embedding index of a network, τ = t/T its
 * Fourier time, β_k the discrete DDPM β of the step containing t (0 for continuous processes).
 */
import { InputError } from '../gpu/errors.js';
import { DdpmSigmoid, type ForwardProcess } from './process.js';

export const SAMPLER_ROW_FLOATS = 8;

/** N + 1 equispaced times from tEnd to T (ascending). */
export function uniformGrid(process: ForwardProcess, steps: number, tEnd = 0): Float64Array {
  if (!Number.isInteger(steps) || steps < 1 || steps > 10_000_000) throw new InputError(`steps must be an integer in [1, 10^7], got ${steps}`);
  if (!(tEnd >= 0 && tEnd < process.T)) throw new InputError(`tEnd must be in [0, T = ${process.T}), got ${tEnd}`);
  return Float64Array.from({ length: steps + 1 }, (_, r) => (r === steps ? process.T : tEnd + ((process.T - tEnd) * r) / steps));
}

/**
 * The embedding index of a network with `embedSteps` per-step embeddings at time t: the step whose
 * interval ((k)T/S, (k+1)T/S] contains t (for the DDPM schedule with S = n this is ceil(t) − 1).
 */
export function embedIndex(t: number, T: number, embedSteps: number): number {
  if (embedSteps <= 0) return 0;
  return Math.min(embedSteps - 1, Math.max(0, Math.ceil((t / T) * embedSteps - 1e-9) - 1));
}

/** The f32 table of a time grid (ascending times). */
export function samplerTable(process: ForwardProcess, times: ArrayLike<number>, embedSteps = 0): Float32Array {
  const out = new Float32Array(times.length * SAMPLER_ROW_FLOATS);
  for (let r = 0; r < times.length; r++) {
    const t = times[r]!;
    const o = r * SAMPLER_ROW_FLOATS;
    out[o] = t;
    out[o + 1] = process.alpha(t);
    out[o + 2] = process.sigma(t);
    out[o + 3] = process.driftCoef(t);
    out[o + 4] = process.g2(t);
    out[o + 5] = embedIndex(t, process.T, embedSteps);
    out[o + 6] = t / process.T;
    out[o + 7] = process instanceof DdpmSigmoid ? process.betas[process.stepOf(t) - 1]! : 0;
  }
  return out;
}
