/**
 * When one ε level of the Sinkhorn iteration stops, and what happens between its checks: the
 * convergence test against `tol` or the f32 rounding floor, over-relaxation's save / restore, and
 * Anderson acceleration's guards. Pure logic: the solver (solver.ts) reads the marginal errors, hands
 * them to a LevelControl and carries out the LevelStep it gets back on the GPU.
 */
import type { Layout } from './tables.js';
import { OverRelaxation } from './relaxation.js';

/** An error above this fraction of the previous check's has stalled (the f32 floor then applies). */
const STALL = 0.7;
/**
 * The rounding floor of the L1 marginal error, in units of 2^-24 · (√m + FLOOR_TERMS) for rows of m
 * columns: with two-part potentials (shaders/lib/softmin_finish.wgsl) the exponent of each pair is
 * formed without the potentials' rounding, so what is left is each row's f32 sum of m exps (rounded
 * ~√m times 2^-24 in relative terms) and the exp and the exponent's own last rounding (a few ulps).
 * Measured on lavapipe: the self problems (uniform points, 700–1000 per cloud, blur 0.01 in ±3, an
 * ε/diameter² of ~1e-6) settle at 1e-7–3e-7, under 2^-24 · (√m + 16) = 2.6e-6 at m = 800. With f32
 * potentials alone the floor was Σ a_i ulp(f_i)/ε, 1e-3–1e-2 at that ε, and sat where slow
 * convergence also sat: a stall there was declared converged when it was the iteration's speed.
 */
const FLOOR_UNITS = 4;
/** With a stored cost the floor is estimated at most every this many checks (it reads all potentials back). */
export const FLOOR_CHECK_EVERY = 3;
const FLOOR_TERMS = 16;
/**
 * A floor above this is never accepted as convergence: the run reports converged: false with the
 * floor it hit (seen: a stored cost at blur 0.003 on a cloud of diameter 53, ε/diameter² = 3e-9,
 * estimated a floor over 1 and called a marginal error of 1.12 converged).
 */
const FLOOR_MAX = 1e-2;
/** The floor with a stored cost, in rounding units of max|f| + max|g| (the estimate before per-point ulps). */
const STORED_COST_ULPS = 4;

/**
 * Anderson acceleration restarts from the best potentials when the error grows past this many times
 * the best one at the final ε; after ANDERSON_RESETS such restarts the level goes on with adaptive
 * over-relaxation instead.
 */
const ANDERSON_DIVERGED = 4;
const ANDERSON_RESETS = 3;
/** Anderson's history is cleared (a restart from the current potentials) after this many checks without a new best error. */
const ANDERSON_STALL = 5;
/**
 * Iterations per Anderson step (the map accelerated is ANDERSON_EVERY alternating updates): the
 * residual differences of single updates drown in the f32 rounding of the softmin near a slow
 * fixed point (its log-sum-exp is exact to ~1e-6, so each update moves a potential by noise of
 * ~1e-6·ε). In float64 numpy with that noise added (2-D uniform 900 vs 800 points in ±3, blur 0.01,
 * from the solver's final-level start) every update stalled at 1.05e-4 after 1500 iterations, every
 * 2nd, 3rd, 5th update reached 1e-4 after 1126, 1083, 1345. On lavapipe, over 12 clouds of 700–1000
 * points at blur 0.01 (and the same 900 vs 800): every 3rd left four at the 5000 cap (restarts after
 * growth gave way to over-relaxation), every 5th converged on all twelve (520–2350 iterations),
 * every 7th left three at the cap.
 */
export const ANDERSON_EVERY = 5;

/** With adaptive spacing, a check comes at most this many times `checkEvery` iterations after the last. */
export const SPACING_MAX = 8;
/** With adaptive spacing, the iterations between checks at most double from one check to the next. */
const SPACING_GROWTH = 2;
/**
 * With adaptive spacing, a check goes where the rate predicts the error passes tol once that is at
 * most this many times `checkEvery` ahead, and halfway there before: Anderson's rate improves as the
 * level goes on, so a check at the predicted crossing overshoots (400 vs 350 uniform points, blur
 * 0.1: aiming at the crossing stopped at 169 iterations, where checks every 10 stopped at 129;
 * halfway, at 129 with 5 checks instead of 12).
 */
const SPACING_NEAR = 3;

export interface MarginalErrors {
  cross: number;
  self: number;
}

/**
 * The f32 rounding floor of the marginal errors of the cross (and self) problems: FLOOR_UNITS ·
 * 2^-24 · (√m + FLOOR_TERMS) for the widest rows of the batch (see FLOOR_UNITS). A stored cost
 * (d > 64: |x|² + |y|² - 2<x, y> in f32) is itself rounded to the size of |x|² + |y|², about the size of
 * the largest potentials, and its X-rows and Y-rows matrices are rounded apart: there the floor is
 * STORED_COST_ULPS · 2^-24 · (max|f| + max|g|)/ε, from the potentials `pot` (read back).
 */
export function marginalFloor(pot: Float32Array | undefined, layouts: readonly Layout[], T: number, copies: { cross: number; self: number }, eps: number, debias: boolean): MarginalErrors {
  const rounding = FLOOR_UNITS * 2 ** -24 * (Math.sqrt(Math.max(...layouts.map((l) => Math.max(l.n, l.m)))) + FLOOR_TERMS);
  if (!pot) return { cross: rounding, self: debias ? rounding : 0 };
  const maxAbs = (base: number, at: number, n: number) => {
    let m = 0;
    for (let i = at; i < at + n; i++) m = Math.max(m, Math.abs(pot[base + i]!));
    return m;
  };
  const of = (base: number) => Math.max(rounding, ...layouts.map((l) => (STORED_COST_ULPS * 2 ** -24 * (maxAbs(base, l.xs, l.n) + maxAbs(base, l.ys, l.m))) / eps));
  return { cross: of(2 * copies.cross * T), self: debias ? of((2 * copies.self + 1) * T) : 0 };
}

/** What the solver does after a check that did not end the level. */
export interface LevelStep {
  /** The self problems have converged: stop updating them. */
  freezeSelf: boolean;
  /** Clear Anderson's history (a restart from the current or the restored potentials). */
  clearAnderson: boolean;
  /** Anderson gave up: go on with plain alternating updates and adaptive over-relaxation. */
  andersonOff: boolean;
  /** Put the saved potentials back (over-relaxation or Anderson diverged). */
  restore: boolean;
  /** Save the current potentials as the best so far. */
  save: boolean;
  /** ω changed: rewrite the level's uniform with `omega`. */
  rewrite: boolean;
}

/** How a level ended. */
export interface LevelOutcome {
  errors: MarginalErrors;
  converged: boolean;
  /** The f32 floor estimated once the error stalled (undefined when tol itself was reached). */
  floor: MarginalErrors | undefined;
  omega: number;
}

export interface LevelControlOptions {
  tol: number;
  debias: boolean;
  /** The self problems may be frozen once converged (final level, debiased, alternating updates). */
  freezeSelf: boolean;
  /** The floor is estimated at most every this many checks (1: whenever the error stalls). */
  floorEvery: number;
  /** Anderson steps run at this level. */
  anderson: boolean;
  /** Iterations between checks: at least `every`; with `adaptive`, as many as the measured rate predicts (see chunk). */
  spacing: { every: number; adaptive: boolean };
}

/**
 * The decisions of one level's iteration, check by check. `observe` takes each check's marginal
 * errors; then either `done(...)` ends the level or `next(...)` says what to do before the next
 * iterations.
 */
export class LevelControl {
  /** The f32 floor, once estimated (the error stalled above tol). */
  floor: MarginalErrors | undefined;
  /** Anderson steps still run (false once its guards gave up on it). */
  anderson: boolean;
  private checks = 0;
  private last = Infinity;
  private best = Infinity;
  private resets = 0;
  private sinceBest = 0;
  /** Whether potentials have been saved (a restore needs them). */
  private saved = false;
  /** The worst error and the iteration of the last two checks since the iteration was last disturbed (adaptive spacing's rate). */
  private history: { err: number; at: number }[] = [];
  private lastChunk = 0;

  constructor(
    private readonly o: LevelControlOptions,
    private relax: OverRelaxation,
  ) {
    this.anderson = o.anderson;
  }

  /** The over-relaxation factor of the x-row updates. */
  get omega(): number {
    return this.relax.kernelOmega;
  }

  /** The worst of the cross and (debiased) self errors. */
  private worst(e: MarginalErrors): number {
    return Math.max(e.cross, this.o.debias ? e.self : 0);
  }

  /**
   * Count a check with errors `e` after `at` iterations in all; true when the f32 floor should be
   * (re-)estimated now (the error stalled above tol): assign it to `floor` before asking `reached`.
   */
  observe(e: MarginalErrors, at: number): boolean {
    this.checks++;
    const worst = this.worst(e);
    this.history = [...this.history.slice(-1), { err: worst, at }];
    const stalled = worst > this.o.tol && worst > STALL * this.last && this.checks % this.o.floorEvery === 0;
    this.last = worst;
    return stalled;
  }

  /** The errors are at most tol, or at most the f32 floor (when estimated and at most FLOOR_MAX). */
  reached(e: MarginalErrors): boolean {
    const accept = (f: number | undefined) => Math.max(this.o.tol, f !== undefined && f <= FLOOR_MAX ? f : 0);
    return e.cross <= accept(this.floor?.cross) && (!this.o.debias || e.self <= accept(this.floor?.self));
  }

  /** The level ends here with errors `e`. */
  done(e: MarginalErrors, converged: boolean): LevelOutcome {
    const floor = converged && this.worst(e) <= this.o.tol ? undefined : this.floor;
    return { errors: e, converged, floor, omega: this.omega };
  }

  /** The kept set of the truncation changed: errors before and after are not comparable. */
  forget(): void {
    this.relax.forget();
    this.history = [];
  }

  /**
   * How many iterations to queue before the next check, `queued` iterations in all being queued so
   * far (a pipelined check's iterations are queued before the check before them is judged).
   * Fixed spacing: `every`. Adaptive: the rate per iteration measured between the last two checks
   * (Sinkhorn converges linearly, err ∝ ρ^n) predicts the iteration at which the error passes tol,
   * and the next check goes there, or halfway there while it is far (SPACING_NEAR): at least `every`
   * after the last queued, at most SPACING_GROWTH times the last spacing and SPACING_MAX × `every`. Without a rate (the level's first checks, ω or
   * Anderson just changed, a restore, the kept set rebuilt, the error not falling) it is `every`.
   * On a GPU a check's round trip costs more than many iterations of a small problem. The solver
   * spaces only the final level this way (annealing levels adapt ω check by check: spaced by the
   * rate they took 9% more iterations on 12 debiased W2s of 256–1024 points).
   */
  chunk(queued: number): number {
    const { every, adaptive } = this.o.spacing;
    const [a, b] = this.history;
    let c = every;
    // The error the level accepts: tol, or the f32 floor once estimated (when acceptable).
    const target = Math.max(this.o.tol, this.floor && this.floor.cross <= FLOOR_MAX ? this.floor.cross : 0);
    if (adaptive && a && b && b.at > a.at && b.err > target && b.err < a.err && a.err > 0) {
      const logRate = Math.log(b.err / a.err) / (b.at - a.at);
      const left = b.at + Math.ceil(Math.log(target / b.err) / logRate) - queued;
      // Halfway there while far: the rate is a lower bound more often than not (Anderson's speeds up).
      const ahead = left <= SPACING_NEAR * every ? left : Math.ceil(left / 2);
      c = Math.max(every, Math.min(ahead, SPACING_GROWTH * Math.max(every, this.lastChunk), SPACING_MAX * every));
    }
    // With Anderson, checks stay ANDERSON_EVERY iterations apart: a check is then four plain updates
    // past a mixing step. One that lands right after it reads the extrapolation's transient (on a
    // 256-point 4-cluster W2, a check every 13 iterations saw errors jump 10× between checks, which
    // set off Anderson's restarts: 572 iterations against 300 with a check every 10).
    if (this.anderson) c = Math.ceil(c / ANDERSON_EVERY) * ANDERSON_EVERY;
    this.lastChunk = c;
    return c;
  }

  /** What to do after a check with errors `e` that followed `iterations` iterations and did not end the level. */
  next(e: MarginalErrors, iterations: number): LevelStep {
    const step: LevelStep = { freezeSelf: false, clearAnderson: false, andersonOff: false, restore: false, save: false, rewrite: false };
    step.freezeSelf = this.o.freezeSelf && e.self <= this.o.tol / 10;
    const r = this.relax.update(e.cross, iterations);
    step.rewrite = r.changed;
    // Anderson's guard: growth past ANDERSON_DIVERGED × the best error restarts it from the best
    // potentials with an empty history; repeated, it gives way to adaptive over-relaxation.
    const restart = this.anderson && (!Number.isFinite(e.cross) || e.cross > ANDERSON_DIVERGED * this.best);
    this.sinceBest = e.cross < this.best ? 0 : this.sinceBest + 1;
    this.best = Math.min(this.best, e.cross);
    if (this.anderson && !restart && this.sinceBest >= ANDERSON_STALL) {
      // Stagnation (a full history of f32-noisy differences): start a fresh history from here.
      step.clearAnderson = true;
      this.sinceBest = 0;
    }
    if (restart) {
      step.clearAnderson = true;
      if (++this.resets >= ANDERSON_RESETS) {
        this.anderson = false;
        this.relax = new OverRelaxation('alternating');
        step.andersonOff = true;
        step.rewrite = true;
      }
    }
    if ((r.restore || restart) && this.saved) step.restore = true;
    // What changes the iteration makes the rate measured so far meaningless for the spacing.
    if (step.rewrite || step.restore || step.clearAnderson) this.history = [];
    else if (r.save) {
      step.save = true;
      this.saved = true;
    }
    return step;
  }
}
