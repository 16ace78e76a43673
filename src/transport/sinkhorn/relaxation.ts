/**
 * Over-relaxation of the alternating updates at the final ε: f ← (1-ω) f + ω T(g). ω starts at 1
 * and is raised towards the SOR optimum ω* = 2/(1 + sqrt(1 - θ)) (Lehmann et al. 2021, "A note on
 * overrelaxation in the Sinkhorn algorithm"), θ the plain rate inferred at every check from the
 * rate measured at the current ω; ω backs off when the error grows, and falls back to 1 with the best
 * potentials restored if it grows past DIVERGED times the best at this ω (see OverRelaxation). On
 * 1500 points of the tight 4-cluster data against a Gaussian cloud (blur 0.05) this takes the final
 * level from 941 iterations (θ fixed from the first two checks, ω = 1.24) to 151 (ω → 1.9).
 *
 * Errors measured at different ω are not comparable (an over-relaxed iterate overshoots: its
 * marginal error sits above the plain one's, 1.5× at 1.68 against 1.51 and ~6× at 1.95 against 1.71
 * on two 2000-point 4-cluster samples at the default blur), so progress and divergence are judged
 * against the best error at the current ω, and values of ω are compared by their measured rates
 * (PROBE, SLOW, WORSE): a slow ω tries a lower one, and the fastest one measured is kept. Measured on
 * lavapipe (final level, default tol 1e-4): those 4-cluster samples went from 5000 iterations
 * unconverged (the error-level comparisons backed ω off 1.68 → 1.51 and raised it again, forever)
 * to 1380; uniform 800 vs 800 in ±3 in 3-D at blur 0.01 from 2020 to 1090; 700 vs 700 in 2-D from
 * 550 to 950; tight 3-D clusters from 3940 to 4730.
 */

/** An error this many times the best one seen means the iteration is diverging: restore the best potentials. */
const DIVERGED = 4;
/** The largest ω ever used (the SOR optimum tends to 2 as θ → 1; 2 itself does not converge). */
const OMEGA_MAX = 1.95;
/**
 * Growth of the error between two checks past this factor backs ω off: smaller growth is SOR's
 * transient after a raise of ω (measured up to 2× on the 4-cluster data), which a back-off would undo.
 */
const GROWTH = 3;
/** A back-off keeps this fraction of ω - 1 (a divergence also lowers the ceiling to it). */
const BACKOFF = 0.75;
/** After this many checks with a new best error since the last divergence, the ceiling is raised back one step. */
const RECOVER = 4;
/**
 * After this many checks without a new best error ω backs off: near the f32 floor over-relaxation
 * amplifies the rounding noise (a 100-D stored-cost case sat at 1.6× its floor with ω = 1.95).
 */
const NO_PROGRESS = 5;
/**
 * Rates are compared between values of ω (see OverRelaxation.update) once a value has run this many
 * checks: its rate is measured from its second check on (the first after a change is SOR's
 * transient), over at least PROBE - 2 intervals.
 */
const PROBE = 6;
/** A rate per iteration above this at the current ω (under 5% per 10 iterations) is slow: a lower ω is tried. */
const SLOW = 0.995;
/** A value of ω whose rate is under this fraction of the best one's speed (in log terms) is left for the best one. */
const WORSE = 0.8;

/** What the solver does after a check (OverRelaxation.update). */
export interface RelaxationStep {
  /** ω changed: rewrite the kernel's uniform. */
  changed: boolean;
  /** This is the best error so far: keep a copy of the potentials. */
  save: boolean;
  /** The error grew past DIVERGED × the best: put the saved potentials back (ω is 1 again). */
  restore: boolean;
}

/**
 * The adaptive ω, which cannot diverge: when the error grows by more than GROWTH between checks, ω
 * backs off (keeps BACKOFF of ω - 1); when it grows past twice the best error seen (or is not
 * finite), the potentials of the best check are restored, ω falls back to 1 (plain alternating
 * Sinkhorn, which converges) and the ceiling for later raises drops to BACKOFF of the ω that
 * diverged. The ceiling climbs back one step after every RECOVER new best errors: far from the fixed
 * point (errors of 0.1–1 after a level change) a large ω can diverge where near it the same ω is
 * what makes the final level fast (measured: a permanent halving of the ceiling after one early
 * divergence held the 2000-point 4-cluster case at ω = 1.41 and 2600 iterations; SOR theory's
 * ω* there is 1.93).
 */
export class OverRelaxation {
  /** The over-relaxation factor of the alternating updates. */
  omega: number;
  private prev: number | undefined;
  private best = Infinity;
  /**
   * The best error since ω last changed: errors measured at different ω are not comparable (an
   * over-relaxed iterate overshoots, so its marginal error sits above the plain one's by a factor
   * that grows with ω: 1.5× at 1.68 against 1.51 on the 4-cluster data), so progress is judged here.
   */
  private bestHere = Infinity;
  private ceiling = OMEGA_MAX;
  private goodChecks = 0;
  private sinceBest = 0;
  /** The current value of ω since its last change: checks, and the error and iterations at its second check. */
  private segment = { checks: 0, err: NaN, at: 0 };
  /** Iterations counted by update(). */
  private iterations = 0;
  /** The value of ω with the fastest rate measured so far (over PROBE checks) and that rate. */
  private fastest: { omega: number; rate: number } | undefined;
  /** ω is never raised past this once a lower value measured faster (or a lower one is being tried). */
  private rateCap = OMEGA_MAX;
  private readonly fixed: boolean;

  /** `mode` 'symmetric' runs averaged updates (ω = ½ in the kernel) and never adapts; `fixed` pins ω. */
  constructor(
    private readonly mode: 'alternating' | 'symmetric',
    fixed?: number,
  ) {
    this.omega = fixed ?? 1;
    this.fixed = fixed !== undefined;
  }

  /** The ω the softmin kernel applies to the cross potentials at the final ε. */
  get kernelOmega(): number {
    return this.mode === 'symmetric' ? 0.5 : this.omega;
  }

  /** Forget the last error (the iteration was disturbed, e.g. the kept set was rebuilt). */
  forget(): void {
    this.prev = undefined;
    this.best = Infinity;
    this.bestHere = Infinity;
  }

  /**
   * A check measured marginal error `err` after `iterations` more iterations: adapt ω.
   *
   * The measured per-iteration rate λ at the current ω gives the rate θ of plain (ω = 1) alternating
   * updates through the SOR relation (λ + ω - 1)² = λ ω² θ, and θ the optimal ω* = 2/(1 + sqrt(1 - θ)).
   * ω only moves up this way (early checks see the fast transient and underestimate θ; later ones
   * correct it); while λ ≈ ω - 1 the iteration is at or past the optimum
   * and ω stays. A change of ω perturbs the error for a few iterations, so the check after a change
   * only sets the baseline.
   */
  update(err: number, iterations: number): RelaxationStep {
    const step: RelaxationStep = { changed: false, save: false, restore: false };
    const prev = this.prev;
    this.iterations += iterations;
    const seg = this.segment;
    seg.checks++;
    if (seg.checks === 2) {
      seg.err = err;
      seg.at = this.iterations;
    }
    // Divergence is growth at this ω (past DIVERGED × its best, the first check after a change
    // included): the jump right after a raise is SOR's transient (3× on the 4-cluster data at
    // 1.70 → 1.93), which the global best, measured at a lower ω, would take for divergence.
    if (Number.isFinite(this.best) && (!Number.isFinite(err) || (err > DIVERGED * this.bestHere && this.omega > 1))) {
      // Diverging (or NaN): back to the best potentials with plain updates; later raises stop lower.
      step.restore = true;
      step.changed = this.omega !== 1;
      this.ceiling = Math.max(1, 1 + BACKOFF * (this.omega - 1));
      this.omega = 1;
      this.prev = undefined;
      this.goodChecks = 0;
      this.bestHere = Infinity;
      this.segment = { checks: 0, err: NaN, at: 0 };
      return step;
    }
    if (err <= this.best) {
      this.best = err;
      step.save = true;
    }
    if (!Number.isFinite(this.bestHere)) {
      // The first check at this ω: the baseline.
      this.bestHere = err;
      this.sinceBest = 0;
    } else if (err <= this.bestHere) {
      this.bestHere = err;
      this.sinceBest = 0;
      if (++this.goodChecks >= RECOVER && this.ceiling < OMEGA_MAX) {
        this.ceiling = Math.min(OMEGA_MAX, 1 + (this.ceiling - 1) / BACKOFF);
        this.goodChecks = 0;
      }
    }
    if (this.mode === 'alternating' && !this.fixed && prev !== undefined && Number.isFinite(err)) {
      const lambda = Math.pow(err / prev, 1 / iterations);
      // The rate of this value of ω since its second check, once it has run PROBE checks.
      const rate = seg.checks >= PROBE && err > 0 && seg.err > 0 ? Math.pow(err / seg.err, 1 / (this.iterations - seg.at)) : undefined;
      if (rate !== undefined && rate < 1 && (!this.fastest || rate < this.fastest.rate || this.fastest.omega === this.omega)) this.fastest = { omega: this.omega, rate };
      const fastest = this.fastest;
      if (rate !== undefined && fastest && fastest.omega !== this.omega && !(Math.log(rate) <= WORSE * Math.log(fastest.rate))) {
        // A value measured faster before: go back to it and stay under it.
        this.omega = fastest.omega;
        this.rateCap = fastest.omega;
        step.changed = true;
      } else if (rate !== undefined && rate > SLOW && this.omega > 1 && !(fastest && fastest.omega < this.omega)) {
        // Slow at this ω and nothing lower measured yet: try a lower one (SOR's rate is not monotone
        // in ω past the optimum, and the linear theory is only a guide away from the fixed point).
        this.omega = 1 + BACKOFF * (this.omega - 1);
        if (this.omega < 1.02) this.omega = 1;
        this.rateCap = this.omega;
        step.changed = true;
      } else if (err > this.bestHere && ++this.sinceBest >= NO_PROGRESS && this.omega > 1) {
        this.sinceBest = 0;
        this.omega = 1 + BACKOFF * (this.omega - 1);
        if (this.omega < 1.02) this.omega = 1;
        step.changed = true;
      } else if (err > GROWTH * prev && this.omega > 1) {
        // Growth beyond SOR's oscillation: ω backs off towards 1.
        this.omega = 1 + BACKOFF * (this.omega - 1);
        if (this.omega < 1.02) this.omega = 1;
        step.changed = true;
      } else if (seg.checks >= 3 && lambda < 1 && lambda > this.omega - 1 + 0.02) {
        const theta = Math.min(0.99999, (lambda + this.omega - 1) ** 2 / (lambda * this.omega * this.omega));
        const target = Math.min(this.ceiling, this.rateCap, 2 / (1 + Math.sqrt(1 - theta)));
        if (target > this.omega + 0.01) {
          this.omega = target;
          step.changed = true;
        }
      }
    }
    if (step.changed) {
      this.bestHere = Infinity;
      this.segment = { checks: 0, err: NaN, at: 0 };
    }
    this.prev = step.changed ? undefined : err;
    return step;
  }
}
