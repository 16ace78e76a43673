/**
 * Forward SDEs with a linear drift, dx = f(t)·x dt + g(t) dw, the only kind score-based models use.
 * Their transition kernel is Gaussian: x_t | x_0 ~ N(α_t x_0, σ_t² I), so the marginals of a Gaussian
 * mixture stay a Gaussian mixture (DESIGN.md, "Exact oracles"):
 *
 *   p_t = Σ w_k N(α_t μ_k, α_t² Σ_k + σ_t² I).
 *
 * For VP σ_t² = 1 − α_t²; for VE α_t = 1 and σ_t² = σ(t)² − σ(0)² (the "variance offset" σ(0)² is
 * already in the data's noise level, Song et al. 2021 §3.4); sub-VP σ_t² = (1 − α_t²)²; heat 2t.
 */
import { InputError } from '../gpu/errors.js';
import { checkInteger, checkNumber, checkPositive } from '../gpu/validate.js';

export type ProcessKind = 'vp' | 'cosine' | 'ddpm' | 've' | 'subvp' | 'heat';

/** A forward SDE dx = f(t)·x dt + g(t) dw on [0, T], with its closed-form Gaussian kernel. */
export interface ForwardProcess {
  readonly kind: ProcessKind;
  /** Human-readable description with parameters, e.g. `vp(β 0.1→20, T 1)`. */
  readonly label: string;
  /** Time horizon: the reverse processes integrate from T down to 0. */
  readonly T: number;
  /** Drift coefficient a(t) of f(x, t) = a(t)·x (VP: −½β(t)). */
  driftCoef(t: number): number;
  /** β(t) = −2·a(t), the rate of the linear drift (VP: β(t); VE and heat: 0). */
  beta(t: number): number;
  /** Diffusion coefficient g(t). */
  diffusion(t: number): number;
  /** g(t)². */
  g2(t: number): number;
  /** Mean factor α_t = exp(∫_0^t a(r) dr) of the kernel x_t | x_0 ~ N(α_t x_0, σ_t² I). */
  alpha(t: number): number;
  /** Std σ_t of the kernel x_t | x_0 (exact: for VE, sqrt(σ(t)² − σ(0)²)). */
  sigma(t: number): number;
  /**
   * Variance already present at t = 0 that the kernel does not add. Zero except for VE, where it is
   * σ_min² (the schedule σ(t) = σ_min·(σ_max/σ_min)^t starts at σ_min, not 0).
   */
  readonly varianceOffset: number;
  /**
   * L_f(t): one-sided Lipschitz constant of the drift as it enters the bound (DESIGN.md, Kwon et al.
   * 2022, Theorem 1), i.e. of the reverse-time drift −f: sup (−f(x)+f(y))·(x−y)/|x−y|² = −a(t).
   * VP and sub-VP: +β(t)/2; VE and heat: 0. The paper's discrete bound uses exactly this
   * (log I_i = Σ_{j≤i} (L_s,j + ½) β_j).
   */
  lipschitzDrift(t: number): number;
  /** Std of the Gaussian prior the reverse process starts from: N(0, priorStd² I). */
  readonly priorStd: number;
  /**
   * Smallest time to train on and to stop sampling at when a network predicts ε (σ_t → 0 makes
   * −ε/σ_t blow up): 1e-3·T for VP, sub-VP, cosine and heat, 1e-5·T for VE (Song et al. 2021), and
   * 1 for DDPM (its first noisy step; discrete steps k = 0..n−1 sit at t = k + 1).
   */
  readonly tMin: number;
  /** The plain description that rebuilds this process with `makeProcess` (store it in checkpoints). */
  readonly spec: ProcessSpec;
}

/** Columns of one row of a process table (stride TABLE_STRIDE floats). */
export const TABLE_COL = { t: 0, alpha: 1, sigma: 2, beta: 3, g2: 4, lipschitz: 5, driftCoef: 6 } as const;
/** Floats per table row (the last one is padding so that rows are 32-byte aligned). */
export const TABLE_STRIDE = 8;

/** A time grid with the process's coefficients, in the f32 layout GPU kernels upload once. */
export interface ProcessTable {
  /** Times in float64, ascending. */
  readonly times: Float64Array;
  /** rows × TABLE_STRIDE floats: t, α, σ, β, g², L_f, a (= f/x), 0. Index with TABLE_COL. */
  readonly data: Float32Array;
  readonly rows: number;
}

function checkTime(p: ForwardProcess, t: number): void {
  // Guarded so that the name is built only for a bad t (α(t), σ(t) run per grid time).
  if (!Number.isFinite(t)) checkNumber(`${p.label}: time`, t);
}

/**
 * The process's coefficients on a time grid: either explicit ascending times in [0, T] or a count n
 * (n + 1 equispaced times 0, T/n, …, T).
 */
export function processTable(p: ForwardProcess, grid: number | ArrayLike<number>): ProcessTable {
  let times: Float64Array;
  if (typeof grid === 'number') {
    if (!Number.isInteger(grid) || grid < 1) throw new InputError(`processTable: step count must be an integer >= 1, got ${grid}`);
    times = new Float64Array(grid + 1);
    for (let i = 0; i <= grid; i++) times[i] = (p.T * i) / grid;
  } else {
    times = Float64Array.from(grid);
    if (times.length === 0) throw new InputError('processTable: empty time grid');
    for (let i = 0; i < times.length; i++) {
      const t = times[i]!;
      checkTime(p, t);
      if (t < 0 || t > p.T * (1 + 1e-12)) throw new InputError(`processTable: time ${t} outside [0, ${p.T}] of ${p.label}`);
      if (i > 0 && !(t > times[i - 1]!)) throw new InputError(`processTable: times must be strictly ascending (index ${i})`);
    }
  }
  const data = new Float32Array(times.length * TABLE_STRIDE);
  times.forEach((t, i) => {
    const o = i * TABLE_STRIDE;
    data[o + TABLE_COL.t] = t;
    data[o + TABLE_COL.alpha] = p.alpha(t);
    data[o + TABLE_COL.sigma] = p.sigma(t);
    data[o + TABLE_COL.beta] = p.beta(t);
    data[o + TABLE_COL.g2] = p.g2(t);
    data[o + TABLE_COL.lipschitz] = p.lipschitzDrift(t);
    data[o + TABLE_COL.driftCoef] = p.driftCoef(t);
  });
  return { times, data, rows: times.length };
}

/** Shared implementation: subclasses give a(t), g²(t), α(t), σ(t). */
abstract class LinearSde implements ForwardProcess {
  abstract readonly kind: ProcessKind;
  abstract readonly spec: ProcessSpec;
  get tMin(): number {
    return 1e-3 * this.T;
  }
  abstract readonly label: string;
  abstract readonly T: number;
  abstract readonly priorStd: number;
  readonly varianceOffset: number = 0;
  abstract driftCoef(t: number): number;
  abstract g2(t: number): number;
  abstract alpha(t: number): number;
  abstract sigma(t: number): number;
  beta(t: number): number {
    return -2 * this.driftCoef(t);
  }
  diffusion(t: number): number {
    return Math.sqrt(this.g2(t));
  }
  lipschitzDrift(t: number): number {
    return 0 - this.driftCoef(t);
  }
}


/** Shared by VP and sub-VP: the linear β(t) = β_min + (t/T)(β_max − β_min) and its integral. */
abstract class LinearBetaSde extends LinearSde {
  readonly T: number;
  readonly priorStd = 1;
  readonly betaMin: number;
  readonly betaMax: number;
  constructor(name: string, opts: { betaMin?: number; betaMax?: number; T?: number }) {
    super();
    this.betaMin = opts.betaMin ?? 0.1;
    this.betaMax = opts.betaMax ?? 20;
    this.T = opts.T ?? 1;
    checkPositive(`${name} betaMin`, this.betaMin);
    checkPositive(`${name} betaMax`, this.betaMax);
    checkPositive(`${name} T`, this.T);
    if (this.betaMax < this.betaMin) throw new InputError(`${name} betaMax (${this.betaMax}) must be >= betaMin (${this.betaMin})`);
  }
  /** B(t) = ∫_0^t β(r) dr. */
  integratedBeta(t: number): number {
    return this.betaMin * t + (0.5 * (this.betaMax - this.betaMin) * t * t) / this.T;
  }
  override beta(t: number): number {
    return this.betaMin + ((this.betaMax - this.betaMin) * t) / this.T;
  }
  driftCoef(t: number): number {
    return -0.5 * this.beta(t);
  }
  alpha(t: number): number {
    return Math.exp(-0.5 * this.integratedBeta(t));
  }
}

/** VP SDE with linear β(t) = β_min + (t/T)(β_max − β_min) (Song et al. 2021, defaults 0.1 → 20, T = 1). */
export class VpLinear extends LinearBetaSde {
  readonly kind = 'vp' as const;
  readonly label: string;
  constructor(opts: { betaMin?: number; betaMax?: number; T?: number } = {}) {
    super('VP', opts);
    this.label = `vp(β ${this.betaMin}→${this.betaMax}, T ${this.T})`;
  }
  get spec(): ProcessSpec {
    return { kind: 'vp', betaMin: this.betaMin, betaMax: this.betaMax, T: this.T };
  }
  g2(t: number): number {
    return this.beta(t);
  }
  sigma(t: number): number {
    // 1 − e^{−B} without cancellation for small B.
    return Math.sqrt(-Math.expm1(-this.integratedBeta(t)));
  }
}

/**
 * Sub-VP SDE (Song et al. 2021, eq. 29): dx = −½β x dt + sqrt(β(t)(1 − e^{−2B(t)})) dw with the same
 * linear β as VP. Same α_t; σ_t = 1 − α_t².
 */
export class SubVp extends LinearBetaSde {
  readonly kind = 'subvp' as const;
  readonly label: string;
  constructor(opts: { betaMin?: number; betaMax?: number; T?: number } = {}) {
    super('sub-VP', opts);
    this.label = `subvp(β ${this.betaMin}→${this.betaMax}, T ${this.T})`;
  }
  get spec(): ProcessSpec {
    return { kind: 'subvp', betaMin: this.betaMin, betaMax: this.betaMax, T: this.T };
  }
  g2(t: number): number {
    return this.beta(t) * -Math.expm1(-2 * this.integratedBeta(t));
  }
  sigma(t: number): number {
    return -Math.expm1(-this.integratedBeta(t));
  }
}

/**
 * Cosine schedule (Nichol & Dhariwal 2021) in continuous time: ᾱ(t) = cos²(φ(t))/cos²(φ(0)),
 * φ(t) = ((t + s)/(1 + s))·π/2, α_t = sqrt(ᾱ(t)), β(t) = −d log ᾱ/dt = π/(1 + s)·tan φ(t). β blows up
 * at t = 1, so the horizon T is where β reaches `betaMax` (default 20, as for VP linear: T ≈ 0.90).
 */
export class VpCosine extends LinearSde {
  readonly kind = 'cosine' as const;
  readonly label: string;
  readonly T: number;
  readonly priorStd = 1;
  readonly s: number;
  readonly betaMax: number;
  private readonly logCos0: number;
  constructor(opts: { s?: number; betaMax?: number } = {}) {
    super();
    this.s = opts.s ?? 0.008;
    this.betaMax = opts.betaMax ?? 20;
    checkPositive('cosine s', this.s);
    checkPositive('cosine betaMax', this.betaMax);
    const phiMax = Math.atan((this.betaMax * (1 + this.s)) / Math.PI);
    this.T = (phiMax / (Math.PI / 2)) * (1 + this.s) - this.s;
    if (!(this.T > 0)) throw new InputError(`cosine betaMax ${this.betaMax} is too small for s ${this.s}`);
    this.logCos0 = Math.log(Math.cos(this.phi(0)));
    this.label = `cosine(s ${this.s}, β ≤ ${this.betaMax}, T ${this.T.toPrecision(6)})`;
  }
  get spec(): ProcessSpec {
    return { kind: 'cosine', s: this.s, betaMax: this.betaMax };
  }
  private phi(t: number): number {
    return ((t + this.s) / (1 + this.s)) * (Math.PI / 2);
  }
  override beta(t: number): number {
    return (Math.PI / (1 + this.s)) * Math.tan(this.phi(t));
  }
  driftCoef(t: number): number {
    return -0.5 * this.beta(t);
  }
  g2(t: number): number {
    return this.beta(t);
  }
  alpha(t: number): number {
    return Math.exp(Math.log(Math.cos(this.phi(t))) - this.logCos0);
  }
  sigma(t: number): number {
    const a = this.alpha(t);
    return Math.sqrt(Math.max(0, 1 - a * a));
  }
}

/**
 * The paper's discrete DDPM schedule (Kwon et al. 2022 code): n steps,
 * β_i = sigmoid(linspace(−6, 6, n)_i)·(1e-2 − 1e-5) + 1e-5, ᾱ_i = Π_{j≤i} (1 − β_j), and the forward
 * chain x_i = sqrt(1 − β_i) x_{i−1} + sqrt(β_i) ε for i = 1..n.
 *
 * Continuous-time view, exact at integer times: a VP SDE on [0, n] whose rate is constant on each
 * step, b(t) = −log(1 − β_i) for t ∈ (i−1, i]. One unit of time then multiplies the mean by
 * exp(−b_i/2) = sqrt(1 − β_i) and adds variance 1 − e^{−b_i} = β_i, so α_i² = ᾱ_i exactly.
 * Arrays are 0-based: `betas[i−1]` is β_i, `alphaBars[i−1]` is ᾱ_i (the paper's code indexes its
 * steps 0..n−1 the same way).
 */
export class DdpmSigmoid extends LinearSde {
  readonly kind = 'ddpm' as const;
  readonly label: string;
  readonly T: number;
  readonly priorStd = 1;
  readonly steps: number;
  /** β_1..β_n (float64). */
  readonly betas: Float64Array;
  /** ᾱ_1..ᾱ_n (float64). */
  readonly alphaBars: Float64Array;
  /** Continuous rates b_i = −log(1 − β_i). */
  readonly rates: Float64Array;
  /** B(i) = Σ_{j≤i} b_j, with B(0) = 0 (length n + 1). */
  private readonly cumRates: Float64Array;
  constructor(opts: { steps?: number; betaStart?: number; betaEnd?: number } = {}) {
    super();
    const n = opts.steps ?? 10;
    checkInteger('DDPM steps', n, 1, 1_000_000);
    const lo = opts.betaStart ?? 1e-5;
    const hi = opts.betaEnd ?? 1e-2;
    checkPositive('DDPM betaStart', lo);
    if (!(hi > lo && hi < 1)) throw new InputError(`DDPM betaEnd must be in (betaStart, 1), got ${hi}`);
    this.steps = n;
    this.T = n;
    this.betas = new Float64Array(n);
    this.alphaBars = new Float64Array(n);
    this.rates = new Float64Array(n);
    this.cumRates = new Float64Array(n + 1);
    let ab = 1;
    for (let i = 0; i < n; i++) {
      const x = n === 1 ? -6 : -6 + (12 * i) / (n - 1);
      const b = (1 / (1 + Math.exp(-x))) * (hi - lo) + lo;
      this.betas[i] = b;
      ab *= 1 - b;
      this.alphaBars[i] = ab;
      this.rates[i] = -Math.log1p(-b);
      this.cumRates[i + 1] = this.cumRates[i]! + this.rates[i]!;
    }
    this.label = `ddpm-sigmoid(n ${n}, β ${lo}→${hi})`;
    this.betaStart = lo;
    this.betaEnd = hi;
  }
  readonly betaStart: number;
  readonly betaEnd: number;
  get spec(): ProcessSpec {
    return { kind: 'ddpm', steps: this.steps, betaStart: this.betaStart, betaEnd: this.betaEnd };
  }
  override get tMin(): number {
    return 1;
  }
  /** The step i (1-based) whose interval (i−1, i] contains t; t = 0 belongs to step 1. */
  stepOf(t: number): number {
    return Math.min(this.steps, Math.max(1, Math.ceil(t)));
  }
  /** B(t) = ∫_0^t b(r) dr, piecewise linear. */
  integratedBeta(t: number): number {
    const tt = Math.min(Math.max(t, 0), this.T);
    const i = this.stepOf(tt);
    return this.cumRates[i - 1]! + this.rates[i - 1]! * (tt - (i - 1));
  }
  override beta(t: number): number {
    return this.rates[this.stepOf(t) - 1]!;
  }
  driftCoef(t: number): number {
    return -0.5 * this.beta(t);
  }
  g2(t: number): number {
    return this.beta(t);
  }
  alpha(t: number): number {
    return Math.exp(-0.5 * this.integratedBeta(t));
  }
  sigma(t: number): number {
    return Math.sqrt(-Math.expm1(-this.integratedBeta(t)));
  }
}

/**
 * VE SDE (Song et al. 2021): σ(t) = σ_min (σ_max/σ_min)^(t/T), dx = sqrt(dσ²/dt) dw, no drift.
 * Kernel variance σ(t)² − σ_min² (the offset σ_min² is `varianceOffset`); prior N(0, σ_max² I).
 * Defaults σ_min 0.01, σ_max 10 (Song's rule of thumb: σ_max about the largest distance between
 * data points; the toy data sets live in [−2, 2]²), T = 1.
 */
export class Ve extends LinearSde {
  readonly kind = 've' as const;
  readonly label: string;
  readonly T: number;
  readonly sigmaMin: number;
  readonly sigmaMax: number;
  override readonly varianceOffset: number;
  readonly priorStd: number;
  private readonly logRatio: number;
  constructor(opts: { sigmaMin?: number; sigmaMax?: number; T?: number } = {}) {
    super();
    this.sigmaMin = opts.sigmaMin ?? 0.01;
    this.sigmaMax = opts.sigmaMax ?? 10;
    this.T = opts.T ?? 1;
    checkPositive('VE sigmaMin', this.sigmaMin);
    checkPositive('VE sigmaMax', this.sigmaMax);
    checkPositive('VE T', this.T);
    if (!(this.sigmaMax > this.sigmaMin)) throw new InputError(`VE sigmaMax (${this.sigmaMax}) must be > sigmaMin (${this.sigmaMin})`);
    this.logRatio = Math.log(this.sigmaMax / this.sigmaMin);
    this.varianceOffset = this.sigmaMin * this.sigmaMin;
    this.priorStd = this.sigmaMax;
    this.label = `ve(σ ${this.sigmaMin}→${this.sigmaMax}, T ${this.T})`;
  }
  get spec(): ProcessSpec {
    return { kind: 've', sigmaMin: this.sigmaMin, sigmaMax: this.sigmaMax, T: this.T };
  }
  override get tMin(): number {
    return 1e-5 * this.T;
  }
  /** The schedule's noise level σ(t) (not the kernel std: see `sigma`). */
  noiseLevel(t: number): number {
    return this.sigmaMin * Math.exp((this.logRatio * t) / this.T);
  }
  driftCoef(_t: number): number {
    return 0;
  }
  g2(t: number): number {
    const s = this.noiseLevel(t);
    return (2 * s * s * this.logRatio) / this.T;
  }
  alpha(_t: number): number {
    return 1;
  }
  sigma(t: number): number {
    // σ(t)² − σ_min² = σ_min² (e^{2 log(r) t/T} − 1), without cancellation near t = 0.
    return this.sigmaMin * Math.sqrt(Math.expm1((2 * this.logRatio * t) / this.T));
  }
}

/** The heat equation as an SDE: dx = √2 dw (so p_t = p_0 * N(0, 2t I)); prior N(0, 2T I). */
export class Heat extends LinearSde {
  readonly kind = 'heat' as const;
  readonly label: string;
  readonly T: number;
  readonly priorStd: number;
  constructor(opts: { T?: number } = {}) {
    super();
    this.T = opts.T ?? 1;
    checkPositive('heat T', this.T);
    this.priorStd = Math.sqrt(2 * this.T);
    this.label = `heat(T ${this.T})`;
  }
  get spec(): ProcessSpec {
    return { kind: 'heat', T: this.T };
  }
  driftCoef(_t: number): number {
    return 0;
  }
  g2(_t: number): number {
    return 2;
  }
  alpha(_t: number): number {
    return 1;
  }
  sigma(t: number): number {
    return Math.sqrt(2 * Math.max(0, t));
  }
}

export interface ProcessSpec {
  kind: ProcessKind;
  betaMin?: number;
  betaMax?: number;
  T?: number;
  s?: number;
  steps?: number;
  betaStart?: number;
  betaEnd?: number;
  sigmaMin?: number;
  sigmaMax?: number;
}

/** Build a process from a plain description (CLI flags, checkpoint headers). */
export function makeProcess(spec: ProcessSpec): ForwardProcess {
  const pick = <K extends keyof ProcessSpec>(...keys: K[]) => {
    const o: Partial<ProcessSpec> = {};
    for (const k of keys) if (spec[k] !== undefined) (o as Record<string, unknown>)[k] = spec[k];
    return o;
  };
  switch (spec.kind) {
    case 'vp':
      return new VpLinear(pick('betaMin', 'betaMax', 'T'));
    case 'subvp':
      return new SubVp(pick('betaMin', 'betaMax', 'T'));
    case 'cosine':
      return new VpCosine(pick('s', 'betaMax'));
    case 'ddpm':
      return new DdpmSigmoid(pick('steps', 'betaStart', 'betaEnd'));
    case 've':
      return new Ve(pick('sigmaMin', 'sigmaMax', 'T'));
    case 'heat':
      return new Heat(pick('T'));
    default:
      throw new InputError(`unknown process '${String((spec as { kind: unknown }).kind)}' (vp, cosine, ddpm, ve, subvp, heat)`);
  }
}
