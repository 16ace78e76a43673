/**
 * The W2 ≤ score-matching bound of Kwon, Fan & Lee (NeurIPS 2022), evaluated on a process's own
 * time grid in float64 (the inputs are a handful of numbers per time: nothing here is GPU work).
 *
 * Continuous time (Theorem 1), for the reverse SDE of dx = f dt + g dw run from q_T:
 *
 *   W2(p_0, q_0) ≤ ∫_0^T g(t)² I(t) sqrt(E_t) dt + I(T)·W2(p_T, q_T),
 *   I(t) = exp ∫_0^t (L_f(r) + L_s(r) g(r)²) dr,     E_t = E_{p_t} |∇log p_t(x) − s_θ(x, t)|².
 *
 * Corollary 1 (Cauchy–Schwarz on the integral): with J = ½ ∫_0^T g² E_t dt (the score-matching
 * objective J_SM; the denoising objective J_DSM = J_SM + C with C ≥ 0 can replace it),
 *
 *   W2(p_0, q_0) ≤ sqrt(2 (∫_0^T g² I² dt) · J) + I(T)·W2(p_T, q_T).
 *
 * Probability-flow ODE (Su's derivation): the reverse ODE drift −f + ½ g² s has one-sided
 * constant L_f + ½ g² L_s, and the velocity error is ½ g² (s − ∇log p), so every g² above becomes
 * ½ g²: W2 ≤ ∫ ½ g² I_ode sqrt(E_t) dt + I_ode(T) W2_T, I_ode = exp ∫ (L_f + ½ L_s g²), and the
 * Corollary form sqrt(½ (∫ g² I_ode² dt) · J) + I_ode(T) W2_T.
 *
 * The paper's discrete DDPM form (its code; DESIGN.md): with n steps β_1..β_n and constants L_s,i,
 *
 *   log W ≤ ½ log J + ½ log(2 Σ_i β_i I_i²),   log I_i = Σ_{j≤i} (L_s,j β_j + ½ β_j).
 *
 * Integrals use the trapezoidal rule on the given grid; I(t) is carried in the log domain so that
 * large constants never overflow.
 */
import { InputError } from '../gpu/errors.js';
import { checkFinite } from '../gpu/validate.js';

/** Coefficients of a process and the score's constants on an ascending time grid t_0 < … < t_m. */
export interface BoundGrid {
  /** Times, strictly ascending (usually t_0 = 0 and t_m = T). */
  times: ArrayLike<number>;
  /** L_f(t_k): one-sided Lipschitz constant of the reverse drift −f (VP: β/2). */
  lf: ArrayLike<number>;
  /** g(t_k)². */
  g2: ArrayLike<number>;
  /** L_s(t_k): one-sided Lipschitz constant of the score model in x at time t_k. */
  ls: ArrayLike<number>;
}

/** The part of a forward process the bound needs (src/processes/process.ts ForwardProcess fits). */
export interface BoundProcess {
  lipschitzDrift(t: number): number;
  g2(t: number): number;
}

/** Which reverse dynamics the bound is for: the reverse SDE (Theorem 1) or the probability-flow ODE. */
export type Dynamics = 'sde' | 'ode';

function finiteArray(a: ArrayLike<number>, name: string, n?: number): Float64Array {
  if (!a || a.length === 0) throw new InputError(`${name} is empty`);
  if (n !== undefined && a.length !== n) throw new InputError(`${name} has ${a.length} values, expected ${n} (one per grid time)`);
  const out = Float64Array.from(a);
  checkFinite(name, out);
  return out;
}

function checkGrid(grid: BoundGrid): { t: Float64Array; lf: Float64Array; g2: Float64Array; ls: Float64Array } {
  const t = finiteArray(grid.times, 'times');
  for (let i = 1; i < t.length; i++) {
    if (!(t[i]! > t[i - 1]!)) throw new InputError(`times must be strictly ascending (index ${i}: ${t[i]} after ${t[i - 1]})`);
  }
  const g2 = finiteArray(grid.g2, 'g2', t.length);
  for (let i = 0; i < g2.length; i++) if (g2[i]! < 0) throw new InputError(`g2[${i}] is negative (${g2[i]})`);
  return { t, lf: finiteArray(grid.lf, 'lf', t.length), g2, ls: finiteArray(grid.ls, 'ls', t.length) };
}

/** Build a BoundGrid from a process and L_s at the given times. */
export function boundGrid(process: BoundProcess, times: ArrayLike<number>, ls: ArrayLike<number>): BoundGrid {
  const t = Array.from(times);
  return { times: t, lf: t.map((x) => process.lipschitzDrift(x)), g2: t.map((x) => process.g2(x)), ls: Array.from(ls) };
}

/** g² weight of the score term: g² for the reverse SDE, ½ g² for the probability-flow ODE. */
const scoreWeight = (dyn: Dynamics) => (dyn === 'sde' ? 1 : 0.5);

/** Trapezoidal cumulative integral: out[k] = ∫_{t_0}^{t_k} y. */
export function cumulativeTrapezoid(t: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  const out = new Float64Array(t.length);
  for (let k = 1; k < t.length; k++) out[k] = out[k - 1]! + 0.5 * (t[k]! - t[k - 1]!) * (y[k]! + y[k - 1]!);
  return out;
}

/**
 * log I(t_k) = ∫_{t_0}^{t_k} (L_f + w L_s g²) dr by the trapezoidal rule (w = 1 for the SDE, ½ for
 * the ODE). Returned in the log domain: I itself overflows for large positive constants.
 */
export function logGrowth(grid: BoundGrid, dynamics: Dynamics = 'sde'): Float64Array {
  const { t, lf, g2, ls } = checkGrid(grid);
  const w = scoreWeight(dynamics);
  const rate = lf.map((v, i) => v + w * ls[i]! * g2[i]!);
  return cumulativeTrapezoid(t, rate);
}

/** The bound's pieces, all float64. */
export interface BoundTerms {
  /** log I(t_k) on the grid. */
  logI: Float64Array;
  /** The integral term (Theorem 1: ∫ w g² I sqrt(E_t) dt; Corollary: sqrt(2w (∫ g² I² dt)·J)). */
  integral: number;
  /** I(T)·W2(p_T, q_T). */
  offset: number;
  /** integral + offset: the upper bound on W2(p_0, q_0). */
  bound: number;
}

function offsetOf(logIT: number, w2T: number): number {
  if (!(Number.isFinite(w2T) && w2T >= 0)) throw new InputError(`W2(p_T, q_T) must be finite and >= 0, got ${w2T}`);
  return w2T === 0 ? 0 : Math.exp(logIT + Math.log(w2T));
}

/**
 * Theorem 1: W2 ≤ ∫ w g² I sqrt(E_t) dt + I(T) W2_T, with E_t = E_{p_t}|∇log p_t − s_θ|² given at
 * each grid time (exact where the data is a known mixture). w = 1 (SDE) or ½ (ODE).
 */
export function theoremBound(grid: BoundGrid, scoreSqError: ArrayLike<number>, w2T: number, dynamics: Dynamics = 'sde'): BoundTerms {
  const logI = logGrowth(grid, dynamics);
  const e = finiteArray(scoreSqError, 'scoreSqError', logI.length);
  const w = scoreWeight(dynamics);
  const y = e.map((v, i) => {
    if (v < 0) throw new InputError(`scoreSqError[${i}] is negative (${v})`);
    return w * grid.g2[i]! * Math.exp(logI[i]!) * Math.sqrt(v);
  });
  const integral = cumulativeTrapezoid(grid.times, y)[logI.length - 1]!;
  const offset = offsetOf(logI[logI.length - 1]!, w2T);
  return { logI, integral, offset, bound: integral + offset };
}

/** J = ½ ∫ g² E_t dt: the score-matching objective J_SM from the per-time squared errors E_t. */
export function scoreMatchingObjective(grid: Pick<BoundGrid, 'times' | 'g2'>, scoreSqError: ArrayLike<number>): number {
  const e = finiteArray(scoreSqError, 'scoreSqError', grid.times.length);
  const y = e.map((v, i) => 0.5 * grid.g2[i]! * v);
  return cumulativeTrapezoid(grid.times, y)[e.length - 1]!;
}

/**
 * Corollary 1: W2 ≤ sqrt(2w (∫ g² I² dt) · J) + I(T) W2_T with J = J_SM or J_DSM (≥ J_SM), in the
 * normalisation J = ½ ∫ g² E|…|² dt. w = 1 (SDE) or ½ (ODE).
 */
export function corollaryBound(grid: BoundGrid, objective: number, w2T: number, dynamics: Dynamics = 'sde'): BoundTerms {
  if (!(Number.isFinite(objective) && objective >= 0)) throw new InputError(`score-matching objective must be finite and >= 0, got ${objective}`);
  const logI = logGrowth(grid, dynamics);
  const w = scoreWeight(dynamics);
  const y = logI.map((l, i) => grid.g2[i]! * Math.exp(2 * l));
  const gi2 = cumulativeTrapezoid(grid.times, y)[logI.length - 1]!;
  const integral = Math.sqrt(2 * w * gi2 * objective);
  const offset = offsetOf(logI[logI.length - 1]!, w2T);
  return { logI, integral, offset, bound: integral + offset };
}

/** The paper's discrete DDPM bound. */
export interface DiscreteBound {
  /** log I_i = Σ_{j≤i} (L_s,j β_j + ½ β_j), i = 1..n (0-based array). */
  logI: Float64Array;
  /** ½ log(2 Σ β_i I_i²): the intercept of the bound line in (log J, log W) coordinates. */
  intercept: number;
  /** ½ log J + intercept (−∞ when J = 0). */
  logBound: number;
  /** exp(logBound) + I_n·W2_T. */
  bound: number;
  offset: number;
}

/**
 * The paper's discrete form (Kwon et al. code, DESIGN.md): log W ≤ ½ log J + ½ log(2 Σ β_i I_i²),
 * log I_i = Σ_{j≤i} (L_s,j β_j + ½ β_j), plus the offset I_n·W2(p_T, q_T) (0 in the paper, whose
 * sampler starts from the forward-noised batch). `betas[i]` and `ls[i]` belong to step i + 1.
 */
export function discreteBound(betas: ArrayLike<number>, ls: ArrayLike<number>, objective: number, w2T = 0): DiscreteBound {
  const b = finiteArray(betas, 'betas');
  const l = finiteArray(ls, 'ls', b.length);
  for (let i = 0; i < b.length; i++) if (!(b[i]! > 0 && b[i]! < 1)) throw new InputError(`betas[${i}] must be in (0, 1), got ${b[i]}`);
  if (!(Number.isFinite(objective) && objective >= 0)) throw new InputError(`objective must be finite and >= 0, got ${objective}`);
  const logI = new Float64Array(b.length);
  let acc = 0;
  for (let i = 0; i < b.length; i++) {
    acc += l[i]! * b[i]! + 0.5 * b[i]!;
    logI[i] = acc;
  }
  // log Σ β_i I_i² by log-sum-exp.
  const terms = logI.map((v, i) => Math.log(b[i]!) + 2 * v);
  const mx = Math.max(...terms);
  const lse = mx + Math.log(terms.reduce((s, v) => s + Math.exp(v - mx), 0));
  const intercept = 0.5 * (Math.LN2 + lse);
  const logBound = objective === 0 ? -Infinity : 0.5 * Math.log(objective) + intercept;
  const offset = offsetOf(logI[b.length - 1]!, w2T);
  return { logI, intercept, logBound, bound: Math.exp(logBound) + offset, offset };
}
