/**
 * The MLP's description (`MlpSpec`) and its flat parameter-buffer layout (`MlpLayout`). This file is
 * the contract between the trainer (src/model, src/train) and every other kernel that evaluates the
 * network (fused samplers, JVP/VJP for Lipschitz estimates): keep it stable.
 *
 * ## Network
 * Layers l = 0..L, where L = hidden.length: hidden layers 0..L-1 and the head L.
 *   input features h_{-1} (dim in_0): the data x (dim d), then for `time.kind === 'fourier'` the
 *     features [sin(ω_k τ) for k < F, cos(ω_k τ) for k < F] with ω_k = π·2^k and τ = t / T the
 *     time normalised to [0, 1] (see `fourierFeatures`), so in_0 = d + 2F.
 *   hidden layer l < L:  u_l = s_l · (W_l h_{l-1}) + b_l
 *                         v_l = u_l ⊙ e_l[k]        (per-step embedding, only for time.kind 'step',
 *                                                   k = the discrete step index; otherwise v_l = u_l)
 *                         h_l = act(v_l)
 *   head l = L:          out = s_L · (W_L h_{L-1}) + b_L       (dim d, no activation)
 * s_l is the layer scale: 1, or 1/σ_max(W_l) when spectral normalisation is on (kept up to date
 * by the trainer, one power-iteration step per training step).
 *
 * ## Parameter buffer (one f32 storage buffer, offsets in floats)
 *   for l = 0..L: W_l (out_l × in_l, row-major: W_l[j][i] at wOffset + j·in + i), then b_l (out_l),
 *                 then for hidden layers with per-step embedding e_l (steps × out_l, row-major:
 *                 e_l[k][j] at eOffset + k·out + j)
 *   then the layer scales s_0..s_L (L+1 floats, at `scaleOffset`; not trainable).
 * Every block starts at a multiple of 4 floats (16 bytes). Floats [0, trainable) are the trainable
 * parameters; the total length `size` is a multiple of 4. Gradients, Adam's first and second
 * moments and the EMA weights are separate buffers with exactly the same offsets.
 *
 * ## Output parameterisations (what the head predicts, with x_t = α_t x_0 + σ_t ε)
 *   'eps': ε;  'score': ∇log p_t(x_t) = -ε/σ_t;  'x0': x_0;  'velocity': v = α_t ε - σ_t x_0.
 * `scoreFromOutput` gives the score in each case (WGSL twin: shaders/lib/mlp_output.wgsl).
 */
import { InputError } from '../gpu/errors.js';
import { checkInteger, checkNumber } from '../gpu/validate.js';

export type Activation = 'softplus' | 'silu' | 'relu' | 'leakyrelu' | 'tanh';
export const ACTIVATIONS: readonly Activation[] = ['softplus', 'silu', 'relu', 'leakyrelu', 'tanh'];
/** WGSL `override ACT` code of each activation (shaders/lib/activations.wgsl). */
export const ACTIVATION_CODE: Record<Activation, number> = { softplus: 0, silu: 1, relu: 2, leakyrelu: 3, tanh: 4 };

export type OutputKind = 'eps' | 'score' | 'x0' | 'velocity';
export const OUTPUT_KINDS: readonly OutputKind[] = ['eps', 'score', 'x0', 'velocity'];
export const OUTPUT_CODE: Record<OutputKind, number> = { eps: 0, score: 1, x0: 2, velocity: 3 };

/** How the network sees time. */
export type TimeConditioning =
  | { kind: 'none' }
  /** The paper's learned per-step embedding (discrete t in 0..steps-1), multiplying each hidden layer. */
  | { kind: 'step'; steps: number }
  /** `features` sin/cos pairs of τ = t/T concatenated to the input (ω_k = π·2^k). */
  | { kind: 'fourier'; features: number };

export interface MlpSpec {
  /** Data dimension d (input x and output), 1..MAX_DIM. */
  dim: number;
  /** Widths of the hidden layers (1..8 layers, each 1..MAX_WIDTH). */
  hidden: readonly number[];
  activation: Activation;
  /** Negative slope of 'leakyrelu' (default 0.01). */
  leakySlope?: number;
  time: TimeConditioning;
  output: OutputKind;
}

/** One layer's place in the flat buffers (floats). */
export interface LayerLayout {
  in: number;
  out: number;
  wOffset: number;
  bOffset: number;
  /** Offset of the per-step embedding table (steps × out), or -1 when the layer has none. */
  eOffset: number;
  hidden: boolean;
}

export interface MlpLayout {
  spec: MlpSpec;
  /** Input feature count of layer 0 (d plus 2·Fourier features). */
  inputFeatures: number;
  layers: readonly LayerLayout[];
  /** Offset of the L+1 layer scales. */
  scaleOffset: number;
  /** Trainable floats occupy [0, trainable). */
  trainable: number;
  /** Total floats (multiple of 4). */
  size: number;
  /** Widest layer (max of every in/out). */
  maxWidth: number;
  /** Per-step embedding table rows (0 without). */
  steps: number;
}

export const MAX_HIDDEN_LAYERS = 8;
export const MAX_WIDTH = 2048;
/** Largest data dimension (the samplers' limit, src/samplers/forward.ts MAX_SAMPLER_DIM). */
export const MAX_DIM = 4096;
export const MAX_FOURIER = 16;

const up4 = (n: number) => Math.ceil(n / 4) * 4;

/**
 * A network spec, checked and typed: `mlpSpec({ dim: 2, hidden: [64, 64, 64], activation: 'softplus',
 * time: { kind: 'step', steps: 10 }, output: 'eps' })` type-checks as it is (a bare object literal
 * assigned to a `const` widens 'softplus' to string and needs `satisfies MlpSpec`), and a bad value
 * throws an InputError naming it here rather than at training.
 */
export function mlpSpec<const S extends MlpSpec>(spec: S): S {
  validateSpec(spec);
  return spec;
}

/** Validate a spec (InputError naming the problem). */
export function validateSpec(spec: MlpSpec): void {
  checkInteger('MlpSpec.dim', spec.dim, 1, MAX_DIM);
  if (!Array.isArray(spec.hidden) || spec.hidden.length < 1 || spec.hidden.length > MAX_HIDDEN_LAYERS) {
    throw new InputError(`MlpSpec.hidden must list 1..${MAX_HIDDEN_LAYERS} widths, got ${JSON.stringify(spec.hidden)}`);
  }
  spec.hidden.forEach((w, i) => checkInteger(`MlpSpec.hidden[${i}]`, w, 1, MAX_WIDTH));
  if (!ACTIVATIONS.includes(spec.activation)) throw new InputError(`MlpSpec.activation must be one of ${ACTIVATIONS.join(', ')}, got '${spec.activation}'`);
  if (!OUTPUT_KINDS.includes(spec.output)) throw new InputError(`MlpSpec.output must be one of ${OUTPUT_KINDS.join(', ')}, got '${spec.output}'`);
  checkNumber('MlpSpec.leakySlope', spec.leakySlope ?? 0.01, { min: 0, max: 1, maxExclusive: true });
  const t = spec.time;
  if (t.kind === 'step') checkInteger('MlpSpec.time.steps', t.steps, 1, 100_000);
  else if (t.kind === 'fourier') checkInteger('MlpSpec.time.features', t.features, 1, MAX_FOURIER);
  else if (t.kind !== 'none') throw new InputError(`MlpSpec.time.kind must be 'none', 'step' or 'fourier'`);
}

/** Compute the flat layout of a spec. */
export function mlpLayout(spec: MlpSpec): MlpLayout {
  validateSpec(spec);
  const steps = spec.time.kind === 'step' ? spec.time.steps : 0;
  const inputFeatures = spec.dim + (spec.time.kind === 'fourier' ? 2 * spec.time.features : 0);
  const dims = [inputFeatures, ...spec.hidden, spec.dim];
  const layers: LayerLayout[] = [];
  let off = 0;
  for (let l = 0; l + 1 < dims.length; l++) {
    const inD = dims[l]!;
    const outD = dims[l + 1]!;
    const hidden = l + 2 < dims.length;
    const wOffset = off;
    off = up4(off + inD * outD);
    const bOffset = off;
    off = up4(off + outD);
    let eOffset = -1;
    if (hidden && steps > 0) {
      eOffset = off;
      off = up4(off + steps * outD);
    }
    layers.push({ in: inD, out: outD, wOffset, bOffset, eOffset, hidden });
  }
  const trainable = off;
  const scaleOffset = off;
  const size = up4(off + layers.length);
  return { spec, inputFeatures, layers, scaleOffset, trainable, size, maxWidth: Math.max(...dims), steps };
}

/** Angular frequencies ω_k = π·2^k of the Fourier time features. */
export function fourierFrequencies(features: number): number[] {
  return Array.from({ length: features }, (_, k) => Math.PI * 2 ** k);
}

/** Fourier time features of τ = t/T: [sin ω_k τ..., cos ω_k τ...]. */
export function fourierFeatures(tau: number, features: number): number[] {
  const w = fourierFrequencies(features);
  return [...w.map((o) => Math.sin(o * tau)), ...w.map((o) => Math.cos(o * tau))];
}

/** Number of floats of parameters, for reports. */
export function parameterCount(layout: MlpLayout): number {
  return layout.layers.reduce((n, l) => n + l.in * l.out + l.out + (l.eOffset >= 0 ? layout.steps * l.out : 0), 0);
}

/**
 * The score ∇log p_t(x) from the network output `o` at x_t = x with marginal coefficients
 * (α_t, σ_t), per parameterisation (see the file comment). Elementwise; used by CPU references.
 */
export function scoreFromOutput(kind: OutputKind, o: number, x: number, alpha: number, sigma: number): number {
  switch (kind) {
    case 'eps':
      return -o / sigma;
    case 'score':
      return o;
    case 'x0':
      return (alpha * o - x) / (sigma * sigma);
    case 'velocity': {
      // ε = (σ x + α v) / (α² + σ²) inverts x = α x0 + σ ε, v = α ε - σ x0.
      const eps = (sigma * x + alpha * o) / (alpha * alpha + sigma * sigma);
      return -eps / sigma;
    }
  }
}
