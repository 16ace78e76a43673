/**
 * The DSM loss of a trained network on a held-out batch, in float64 on the CPU, next to the exact
 * score's loss on the same samples: what a trained model's loss is, as opposed to the trainer's
 * running mean of noisy minibatch losses (float32, over the last steps, while the weights still move).
 *
 * For each table row k (uniform over rows, as in training), `samples` fresh draws
 * x_0 ~ mixture, ε ~ N(0, I), x_t = α_k x_0 + σ_k ε (counter-based Philox, independent of the
 * training data), and
 *
 *   model = mean_k mean_n λ_k ||ε_θ(x_t, k) − ε||²,   exact = the same with ε*(x, k) = −σ_k ∇log p_k(x).
 *
 * `exact` is an unbiased estimate of J* (src/train/optimum.ts) on the same draws, so `gap` =
 * model − exact has a small paired standard error, and J* + gap estimates the model's loss with
 * J*'s error plus the gap's.
 */
import { InputError } from '../gpu/errors.js';
import { fourierFeatures, mlpLayout, type MlpLayout, type MlpSpec } from '../model/layout.js';
import { boxMuller, philox4x32, splitSeed, u01 } from '../rng/philox.js';
import type { MixtureDescription } from '../scores/mixture.js';
import type { CoefficientTable } from './coefficients.js';

export interface HeldOutStep {
  /** Table row (0-based DDPM step). */
  step: number;
  /** λ_k-weighted mean ||ε_θ − ε||² over this row's draws. */
  model: number;
  /** The same for the exact score. */
  exact: number;
}

export interface HeldOutLoss {
  /** The network's DSM loss on the held-out draws. */
  model: number;
  /** The exact score's DSM loss on the same draws (an estimate of J*). */
  exact: number;
  /** model − exact, and its standard error (paired draws). */
  gap: number;
  gapStderr: number;
  /** Draws per table row. */
  samples: number;
  perStep: HeldOutStep[];
}

function act64(kind: string, v: number, slope: number): number {
  switch (kind) {
    case 'softplus':
      return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    case 'silu':
      return v / (1 + Math.exp(-v));
    case 'relu':
      return Math.max(v, 0);
    case 'leakyrelu':
      return v >= 0 ? v : slope * v;
    default:
      return Math.tanh(v);
  }
}

/**
 * Float64 forward pass of the network (src/model/layout.ts maths: u = s·(W x) + b, hidden layers
 * v = u ⊙ e[step], h = act(v)) for one input `x` (d floats) at table row `step`, time τ for Fourier
 * features. Returns the head output (d floats). `L` is `mlpLayout(spec)`.
 */
export function mlpForward64(L: MlpLayout, params: ArrayLike<number>, x: ArrayLike<number>, step: number, tau = 0): Float64Array {
  const spec = L.spec;
  if (params.length < L.size) throw new InputError(`mlpForward64: parameters have ${params.length} floats, the layout needs ${L.size}`);
  const slope = spec.leakySlope ?? 0.01;
  let h = new Float64Array(L.inputFeatures);
  for (let i = 0; i < spec.dim; i++) h[i] = x[i]!;
  if (spec.time.kind === 'fourier') h.set(fourierFeatures(tau, spec.time.features), spec.dim);
  L.layers.forEach((l, li) => {
    const s = params[L.scaleOffset + li]!;
    const o = new Float64Array(l.out);
    for (let j = 0; j < l.out; j++) {
      let a = 0;
      for (let i = 0; i < l.in; i++) a += params[l.wOffset + j * l.in + i]! * h[i]!;
      let u = s * a + params[l.bOffset + j]!;
      if (l.hidden) {
        if (l.eOffset >= 0) u *= params[l.eOffset + step * l.out + j]!;
        u = act64(spec.activation, u, slope);
      }
      o[j] = u;
    }
    h = o;
  });
  return h;
}

/**
 * Held-out DSM loss of an ε-predicting network trained on `table` (discrete or continuous rows;
 * continuous rows are evaluated at their own t) with data from `mixture` (diagonal covariances).
 */
export function dsmHeldOut(
  spec: MlpSpec,
  params: ArrayLike<number>,
  table: CoefficientTable,
  mixture: MixtureDescription,
  samples = 5000,
  seed: number | bigint = 11,
): HeldOutLoss {
  if (spec.output !== 'eps') throw new InputError(`dsmHeldOut: needs an ε-predicting network, got output '${spec.output}'`);
  const d = spec.dim;
  if ((mixture.means[0]?.length ?? 0) !== d) throw new InputError(`dsmHeldOut: the mixture has dimension ${mixture.means[0]?.length}, the network ${d}`);
  if (!Number.isInteger(samples) || samples < 2) throw new InputError(`dsmHeldOut: samples must be an integer >= 2, got ${samples}`);
  const layout = mlpLayout(spec);
  if (params.length < layout.size) throw new InputError(`dsmHeldOut: parameters have ${params.length} floats, the layout needs ${layout.size}`);
  const p64 = Float64Array.from({ length: layout.size }, (_, i) => params[i]!);
  const C = mixture.weights.length;
  const sd = mixture.covs.map((c, ci) =>
    c.map((row, i) => {
      row.forEach((v, j) => {
        if (i !== j && v !== 0) throw new InputError(`dsmHeldOut: component ${ci} has a non-diagonal covariance`);
      });
      return Math.sqrt(row[i]!);
    }),
  );
  const cum: number[] = [];
  mixture.weights.reduce((a, w, i) => ((cum[i] = a + w), a + w), 0);
  const total = cum[C - 1]!;
  const key = splitSeed(seed);
  const normals = (n: number, k: number, count: number): number[] => {
    const out: number[] = [];
    for (let c = 0; out.length < count; c++) {
      const w = philox4x32([n, k, 1 + c, 0], key);
      out.push(...boxMuller(w[0], w[1]), ...boxMuller(w[2], w[3]));
    }
    return out;
  };
  const perStep: HeldOutStep[] = [];
  let model = 0;
  let exact = 0;
  let gapVar = 0;
  const x = new Float64Array(d);
  const logp = new Float64Array(C);
  for (let k = 0; k < table.rows; k++) {
    const [alpha, sigma, lambda, t] = [table.data[4 * k]!, table.data[4 * k + 1]!, table.data[4 * k + 2]!, table.data[4 * k + 3]!];
    const v = sd.map((s) => s.map((si) => alpha * alpha * si * si + sigma * sigma));
    const logNorm = v.map((vc) => vc.reduce((a, q) => a - 0.5 * Math.log(2 * Math.PI * q), 0));
    let m = 0;
    let e = 0;
    let gMean = 0;
    let gM2 = 0;
    for (let n = 0; n < samples; n++) {
      const u = u01(philox4x32([n, k, 0, 0], key)[0]) * total;
      let c = 0;
      while (c < C - 1 && u >= cum[c]!) c++;
      const z = normals(n, k, 2 * d);
      for (let j = 0; j < d; j++) x[j] = alpha * (mixture.means[c]![j]! + sd[c]![j]! * z[j]!) + sigma * z[d + j]!;
      const o = mlpForward64(layout, p64, x, table.discrete ? k : 0, t / table.T);
      // ε* = −σ ∇log p_k(x) = σ Σ_c r_c(x) (x − α μ_c) / v_c.
      let mx = -Infinity;
      for (let cc = 0; cc < C; cc++) {
        let lp = Math.log(mixture.weights[cc]!) + logNorm[cc]!;
        for (let j = 0; j < d; j++) lp -= (x[j]! - alpha * mixture.means[cc]![j]!) ** 2 / (2 * v[cc]![j]!);
        logp[cc] = lp;
        mx = Math.max(mx, lp);
      }
      let zsum = 0;
      for (let cc = 0; cc < C; cc++) zsum += Math.exp(logp[cc]! - mx);
      let lm = 0;
      let le = 0;
      for (let j = 0; j < d; j++) {
        let es = 0;
        for (let cc = 0; cc < C; cc++) es += (Math.exp(logp[cc]! - mx) / zsum) * ((x[j]! - alpha * mixture.means[cc]![j]!) / v[cc]![j]!);
        const eps = z[d + j]!;
        lm += (o[j]! - eps) ** 2;
        le += (sigma * es - eps) ** 2;
      }
      m += lambda * lm;
      e += lambda * le;
      const g = lambda * (lm - le);
      const delta = g - gMean;
      gMean += delta / (n + 1);
      gM2 += delta * (g - gMean);
    }
    perStep.push({ step: k, model: m / samples, exact: e / samples });
    model += m / samples / table.rows;
    exact += e / samples / table.rows;
    gapVar += gM2 / (samples - 1) / samples / (table.rows * table.rows);
  }
  return { model, exact, gap: model - exact, gapStderr: Math.sqrt(gapVar), samples, perStep };
}
