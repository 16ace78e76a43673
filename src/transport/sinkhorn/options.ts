/**
 * The options of the Sinkhorn solver and their defaults, filled in one place (`resolveSinkhorn`).
 * Front ends (the CLI, the page) read the defaults from `SINKHORN_DEFAULTS` instead of restating them.
 */
import type { RunOptions } from '../../gpu/run.js';
import { InputError } from '../../gpu/errors.js';
import { checkInteger, checkPositive } from '../../gpu/validate.js';

/**
 * Options of sinkhorn(). Progress (RunOptions.onProgress) is reported at each convergence check as
 * `{ stage: 'sinkhorn', done: iterations, total: maxIterations, metrics: { marginalError,
 * selfMarginalError, eps, omega } }`; `signal` cancels at the next check with CancelledError.
 */
export interface SinkhornOptions extends RunOptions {
  /**
   * Target blur σ (length units of the points): the final ε is σ² for the cost |x - y|².
   * Default 0.01·diameter. geomloss's convention differs (cost |x - y|²/2, ε = σ²/... ); here
   * ε = blur² exactly.
   */
  blur?: number;
  /** The final ε directly (overrides `blur`). */
  eps?: number;
  /** ε-scaling factor on the blur per level, in (0, 1); default 0.5 (ε shrinks 4× per level). */
  scaling?: number;
  /** Diameter of the data for the first ε (default: the bounding-box diagonal of the centred clouds). */
  diameter?: number;
  /** Return the debiased divergence S_ε as w2sq (default true); false returns OT_ε itself. */
  debias?: boolean;
  /** Stop when the L1 marginal error is below this (default 1e-4; the f32 rounding floor is ~4·2^-24·(√m + 16), 1e-5 at m = 1000). */
  tol?: number;
  /** Cap on softmin iterations in total (default 5000). */
  maxIterations?: number;
  /**
   * Read the marginal error back every this many iterations (default 10); with Anderson acceleration
   * (the final ε) rounded up to a multiple of its 5-iteration block, so a check never reads the
   * transient right after a mixing step. With `checkSpacing: 'adaptive'`, the least spacing.
   */
  checkEvery?: number;
  /**
   * How the convergence checks wait for the GPU: 'sync' submits a check's iterations and waits for its
   * error before encoding more; 'pipelined' keeps the next `checkEvery` iterations queued while a
   * check's error is read back, decides a check behind and, when a check ends the final level, puts that
   * check's potentials back (a snapshot taken with it), so what is returned is what was checked.
   * Default: 'pipelined' on hardware adapters (a readback's round trip costs more than a few
   * iterations of a small problem), 'sync' on CPU adapters, where it was slower (lavapipe, 2 cores,
   * 512 points, a loaded machine: 460–565 ms pipelined against 250–340 ms sync; likely because a
   * readback always pending keeps Dawn's Node binding polling on a core the driver's threads need). The final level of a truncated solve
   * always runs 'sync' (its kept set is re-checked against the potentials of the check itself).
   */
  checks?: 'sync' | 'pipelined';
  /**
   * 'fixed': a check every `checkEvery` iterations. 'adaptive': at the final ε, at least `checkEvery`
   * apart, further when the rate measured between the last two checks predicts the error passes tol
   * later (halfway there while far, at most doubling the spacing from one check to the next, at most
   * 8 × `checkEvery`; level.ts); annealing levels keep `checkEvery`. Fewer round trips for the same
   * iterations (12 debiased W2s of 256–1024 points on lavapipe: 314 checks instead of 380, 3805
   * iterations instead of 3800). Default: 'adaptive' on hardware adapters, 'fixed' on CPU adapters
   * (a readback there costs less than an iteration of a small problem).
   */
  checkSpacing?: 'fixed' | 'adaptive';
  /** Symmetric averaged updates per annealing level when levelTol is Infinity (default 3). */
  levelIterations?: number;
  /**
   * Each annealing level iterates (alternating updates with adaptive over-relaxation, like the final
   * level) until its own marginal error is below this, checked every `checkEvery` iterations, at most
   * `levelMaxIterations` per level. Default 1e-3: the final level then starts near its fixed point
   * (measured, lavapipe: 700 uniform points in ±3 at blur 0.01 went from 5000 iterations unconverged
   * to 940 with 1e-2; two 2000-point 4-cluster samples at the default blur from 2643 to 660). At
   * small ε the plan splits into blocks joined by a few points, and a block's mass left unbalanced by
   * the level before holds the final level on a plateau (measured: 2-D clusters 850 vs uniform 950 in
   * ±3, blur 0.01, every X point of ~540 with the same error 1.4e-6, the sum 7.4e-4 fixed to four
   * digits for 600+ iterations, then 2.5e-4 to the cap): no Anderson tuning moved it, a tighter
   * level tolerance does (scripts/sinkhorn-clouds.py, 20 clouds of 700–1000 points at blur 0.01:
   * 1e-2 left that cloud at the 5000 cap, 1e-3 converged all 20, at most 2840 iterations). Infinity:
   * `levelIterations` symmetric averaged updates per level (geomloss's fixed schedule).
   */
  levelTol?: number;
  /** Cap on the iterations of one annealing level (default 500: measured together with levelTol 1e-3). */
  levelMaxIterations?: number;
  /**
   * Start from a coarse problem (grid cells of the clouds, solved in float64 on the CPU) instead of
   * ε = diameter² (default true, for clouds of a few hundred points and more; GPU-resident clouds
   * are read back once for it). It settles the potential offsets between separated clusters of
   * unequal mass, which plain annealing leaves to thousands of slow iterations at small ε
   * (src/transport/multiscale.ts).
   */
  multiscale?: boolean;
  /**
   * Truncation of far pairs (src/transport/truncation.ts): the points are ordered by a k-d tree and,
   * at each ε level where it pays, the softmin runs block-sparse over the column tiles whose lower
   * bound of C_ij - f_i - g_j is at most τ·ε (τ this value), so each softmin equals the dense one to
   * a relative e^{-τ}; the kept set is re-checked with the current potentials at the final ε (every
   * few checks and at convergence) and rebuilt when they moved. Single problems of 2048+ points per
   * cloud also replace the coarse levels by a nested solve on the k-d tree leaves (`truncation.leaves`
   * in the result). Default: τ = 12 (e^{-12} ≈ 6e-6, under the default tol) when n·m ≥ 4·10^6 and
   * d ≤ 3 with the clouds on the host (or read back), else off; `false` turns it off.
   */
  truncate?: number | false;
  /** Updates at the final ε: 'alternating' with adaptive over-relaxation (default) or 'symmetric'. */
  finalUpdates?: 'alternating' | 'symmetric';
  /**
   * Acceleration of the alternating updates at the final ε: 'anderson' (default) mixes every 5th new
   * X potential with the last ANDERSON_MEMORY such iterates on the GPU (shaders/sinkhorn_anderson.wgsl),
   * restarting its history when it stagnates and falling back to over-relaxation if it diverges
   * repeatedly; 'overrelaxation' uses the adaptive ω
   * alone (src/transport/sinkhorn/relaxation.ts). Anderson needs dense softmins (no truncation) and
   * at most ANDERSON_MAX_POINTS points per cloud; otherwise, and with `omega` given, over-relaxation
   * runs. Measured on lavapipe, 700–1000-point uniform and Gaussian clouds in ±3 at blur 0.01 of
   * unequal sizes (2-D 900/800, 700/1000, Gaussians 1000/900; 3-D 1000/900): 5000 iterations
   * unconverged with over-relaxation (weakly coupled blocks of the plan, whose mass offsets it
   * settles at a rate of ~1 - 1e-4 per iteration), 1190–2350 with Anderson.
   */
  acceleration?: 'anderson' | 'overrelaxation';
  /** Fixed over-relaxation ω in [1, 2) at the final ε instead of the adaptive choice. */
  omega?: number;
  /** Compute the gradient of the returned w2sq with respect to X's points (default false). */
  grad?: boolean;
  /** Compute <π, C>, the transport cost of the entropic plan (default false; implied by grad). */
  linearCost?: boolean;
  /** Return the dense plan (float32, n×m row-major) when n·m <= 1e7 (default false). */
  plan?: boolean;
}

/** The defaults of SinkhornOptions (the blur default is `blurFraction` × the diameter). */
export const SINKHORN_DEFAULTS = {
  blurFraction: 0.01,
  scaling: 0.5,
  debias: true,
  tol: 1e-4,
  maxIterations: 5000,
  checkEvery: 10,
  levelIterations: 3,
  levelTol: 1e-3,
  levelMaxIterations: 500,
  multiscale: true,
  finalUpdates: 'alternating',
  acceleration: 'anderson',
} as const;

/** Anderson acceleration runs on clouds of at most this many points (one workgroup per problem sums its history). */
export const ANDERSON_MAX_POINTS = 65536;

/** Default τ of the truncation of far pairs, and the problem size from which it is on by default. */
export const TRUNCATE_TAU = 12;
export const TRUNCATE_MIN_PAIRS = 4e6;

/** SinkhornOptions validated, with every default filled (blur and diameter depend on the data). */
export interface ResolvedSinkhorn {
  /** Final blur when given (from `eps` or `blur`); undefined: blurFraction × the diameter. */
  blur: number | undefined;
  blurFraction: number;
  diameter: number | undefined;
  scaling: number;
  debias: boolean;
  tol: number;
  maxIterations: number;
  checkEvery: number;
  /** As asked; undefined: the adapter's default (SinkhornOptions.checks). */
  checks: 'sync' | 'pipelined' | undefined;
  /** As asked; undefined: the adapter's default (SinkhornOptions.checkSpacing). */
  checkSpacing: 'fixed' | 'adaptive' | undefined;
  levelIterations: number;
  levelTol: number;
  levelMaxIterations: number;
  multiscale: boolean;
  /** τ asked for (a number), off (false), or the default rule (undefined). */
  truncate: number | false | undefined;
  finalUpdates: 'alternating' | 'symmetric';
  acceleration: 'anderson' | 'overrelaxation';
  /** Fixed ω at the final ε, or undefined for the adaptive choice. */
  omega: number | undefined;
  grad: boolean;
  linearCost: boolean;
  plan: boolean;
  signal: AbortSignal | undefined;
  run: RunOptions;
}

/** Validate `o` (InputError naming the problem) and fill every default. */
export function resolveSinkhorn(o: SinkhornOptions = {}): ResolvedSinkhorn {
  checkOptions(o);
  const D = SINKHORN_DEFAULTS;
  return {
    blur: o.eps !== undefined ? Math.sqrt(o.eps) : o.blur,
    blurFraction: D.blurFraction,
    diameter: o.diameter,
    scaling: o.scaling ?? D.scaling,
    debias: o.debias ?? D.debias,
    tol: o.tol ?? D.tol,
    maxIterations: o.maxIterations ?? D.maxIterations,
    checkEvery: o.checkEvery ?? D.checkEvery,
    checks: o.checks,
    checkSpacing: o.checkSpacing,
    levelIterations: o.levelIterations ?? D.levelIterations,
    levelTol: o.levelTol ?? D.levelTol,
    levelMaxIterations: o.levelMaxIterations ?? D.levelMaxIterations,
    multiscale: o.multiscale ?? D.multiscale,
    truncate: o.truncate,
    finalUpdates: o.finalUpdates ?? D.finalUpdates,
    acceleration: o.acceleration ?? D.acceleration,
    omega: o.omega,
    grad: o.grad ?? false,
    linearCost: o.linearCost ?? false,
    plan: o.plan ?? false,
    signal: o.signal,
    run: o,
  };
}

function checkOptions(o: SinkhornOptions): void {
  if (o.blur !== undefined) checkPositive('blur', o.blur);
  if (o.eps !== undefined) checkPositive('eps', o.eps);
  if (o.diameter !== undefined) checkPositive('diameter', o.diameter);
  if (o.scaling !== undefined) checkPositive('scaling', o.scaling, { max: 1, maxExclusive: true });
  if (o.tol !== undefined) checkPositive('tol', o.tol);
  if (o.truncate !== undefined && o.truncate !== false && !(typeof o.truncate === 'number' && o.truncate > 0 && Number.isFinite(o.truncate))) {
    throw new InputError(`truncate must be a positive number (τ, in units of ε) or false, got ${String(o.truncate)}`);
  }
  if (o.levelTol !== undefined && !(o.levelTol > 0)) throw new InputError(`levelTol must be positive (Infinity: no level checks), got ${o.levelTol}`);
  if (o.omega !== undefined && !(o.omega >= 1 && o.omega < 2)) throw new InputError(`omega must be in [1, 2), got ${o.omega}`);
  for (const [k, v] of [
    ['maxIterations', o.maxIterations],
    ['checkEvery', o.checkEvery],
    ['levelIterations', o.levelIterations],
    ['levelMaxIterations', o.levelMaxIterations],
  ] as const) {
    if (v !== undefined) checkInteger(k, v, k === 'levelIterations' ? 0 : 1);
  }
  if (o.acceleration !== undefined && o.acceleration !== 'anderson' && o.acceleration !== 'overrelaxation') {
    throw new InputError(`acceleration must be 'anderson' or 'overrelaxation', got '${String(o.acceleration)}'`);
  }
  if (o.checks !== undefined && o.checks !== 'sync' && o.checks !== 'pipelined') {
    throw new InputError(`checks must be 'sync' or 'pipelined', got '${String(o.checks)}'`);
  }
  if (o.checkSpacing !== undefined && o.checkSpacing !== 'fixed' && o.checkSpacing !== 'adaptive') {
    throw new InputError(`checkSpacing must be 'fixed' or 'adaptive', got '${String(o.checkSpacing)}'`);
  }
  if (o.finalUpdates !== undefined && o.finalUpdates !== 'alternating' && o.finalUpdates !== 'symmetric') {
    throw new InputError(`finalUpdates must be 'alternating' or 'symmetric', got '${String(o.finalUpdates)}'`);
  }
}
