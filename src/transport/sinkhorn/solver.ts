/**
 * The GPU Sinkhorn solver (see ./index.ts for the problem and the algorithm): `solve()` prepares the
 * inputs, chooses the start, anneals ε, iterates at the final ε to tolerance and assembles the
 * results; the pieces live beside it (options, prepare, schedule, relaxation, tables, truncated,
 * result).
 */
import { abortable, reportProgress, throwIfAborted } from '../../gpu/run.js';
import type { GpuContext } from '../../gpu/context.js';
import type { Pace, Pacer } from '../../gpu/pacing.js';
import { InputError } from '../../gpu/errors.js';
import { Reduce, type ReducePlan } from '../../kernels/reduce.js';
import { softminMainBindGroup, SoftminParams } from '../../kernels/sinkhorn_softmin.js';
import { MomentParams, SinkhornPlanMoments, type MomentTask } from '../../kernels/sinkhorn_plan_moments.js';
import { AndersonParams, SinkhornAnderson } from '../../kernels/sinkhorn_anderson.js';
import { sameDim, toCloud, type CloudLike } from '../input.js';
import { ANDERSON_MAX_POINTS, resolveSinkhorn, type ResolvedSinkhorn, type SinkhornOptions } from './options.js';
import { prepare } from './prepare.js';
import { OverRelaxation } from './relaxation.js';
import { assembleResults, type SinkhornResult } from './result.js';
import { chooseStart, type NestedSolve } from './schedule.js';
import { costMode, StoredCost, type CostMode, type StoredCostLimits } from './stored_cost.js';
import { layoutProblems, tableKey, type Layout, type UpdateKind } from './tables.js';
import { DenseSoftmin, denseTables } from './dense.js';
import { KeptSet, SparseTables } from './truncated.js';

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
const FLOOR_CHECK_EVERY = 3;
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
 * The f32 rounding floor of the marginal errors of the cross (and self) problems: FLOOR_UNITS ·
 * 2^-24 · (√m + FLOOR_TERMS) for the widest rows of the batch (see FLOOR_UNITS). A stored cost
 * (d > 64: |x|² + |y|² - 2<x, y> in f32) is itself rounded to the size of |x|² + |y|², about the size of
 * the largest potentials, and its X-rows and Y-rows matrices are rounded apart: there the floor is
 * STORED_COST_ULPS · 2^-24 · (max|f| + max|g|)/ε, from the potentials `pot` (read back).
 */
function marginalFloor(pot: Float32Array | undefined, layouts: readonly Layout[], T: number, copies: { cross: number; self: number }, eps: number, debias: boolean): { cross: number; self: number } {
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

export interface SinkhornShape {
  d: number;
  /** Sizes (n, m) of each problem of the batch. */
  sizes: readonly { n: number; m: number }[];
  debias: boolean;
  /**
   * Costs recomputed in every softmin ('streamed', d <= 64) or computed once by tiled dot products
   * and stored ('stored', O(n·m) memory); default: stored above d = 64 (see stored_cost.ts).
   */
  cost?: CostMode;
  /** Lower the stored cost's binding and total limits (tests of splitting and refusal). */
  storedLimits?: StoredCostLimits;
  /**
   * The dense softmin's kernel shape ('rows', 'tiled', 'tiled-wg128', 'tiled-wg64-s4': see
   * src/transport/sinkhorn/dense.ts); default $WASSERFLOW_SOFTMIN in Node, else the tuner's choice.
   */
  softmin?: string;
}

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
const ANDERSON_EVERY = 5;

/** The GPU state of Anderson acceleration (created at the first solve that uses it). */
interface AndersonState {
  kernel: SinkhornAnderson;
  hist: GPUBuffer;
  state: GPUBuffer;
  problems: GPUBuffer;
  /** Uniforms and bind groups for the cross potentials in copy 0 and in copy 1. */
  params: GPUBuffer[];
  binds: GPUBindGroup[];
}

/** The state of one solve's iteration. */
interface Run {
  o: ResolvedSinkhorn;
  schedule: readonly number[];
  kept: KeptSet | undefined;
  /** The encoder that collects work until the next readback. */
  enc: GPUCommandEncoder;
  /** Copies (0, 1) that hold the current cross and self potentials. */
  copies: { cross: number; self: number };
  /** The self problems have converged at the final ε and are no longer updated. */
  selfFrozen: boolean;
  /** Anderson steps follow every ANDERSON_EVERY-th x-row update (final level, SinkhornOptions.acceleration). */
  anderson: boolean;
  /** Alternating updates since the Anderson history was last cleared. */
  andersonPhase: number;
  iterations: number;
  pairEvaluations: number;
}

/**
 * A Sinkhorn solver for fixed sizes: it allocates its GPU buffers, task tables and pipelines once and
 * can solve many problems of the same shape (e.g. particles that move every step) with no further
 * allocation except the small uniforms of new ε levels. Call destroy() when done.
 */
export class SinkhornSolver {
  private readonly layouts: Layout[];
  readonly total: number;
  private readonly maxRows: number;
  private readonly pts: GPUBuffer;
  private readonly logw: GPUBuffer;
  private readonly pot: GPUBuffer;
  private readonly err: GPUBuffer;
  private readonly gather: GPUBuffer;
  /** The dense softmin: its task tables and kernel shape (undefined with a stored cost). */
  private dense: DenseSoftmin | undefined;
  /** The stored cost matrices and their softmin (high d; undefined: streamed). */
  private stored: StoredCost | undefined;
  private readonly levelParams: GPUBuffer[] = [];
  private readonly levelBinds: GPUBindGroup[] = [];
  private readonly reducePlans: ReducePlan[] = [];
  private moments: SinkhornPlanMoments | undefined;
  /** Paces the final level's error readbacks (src/gpu/pacing.ts); units: iterations. */
  private finalPacer: Pacer | undefined;
  /** Block-sparse softmin state (created at the first truncated solve). */
  private sparse: SparseTables | undefined;
  /** The potentials of the best check at the final ε (created at the first save). */
  private saved: GPUBuffer | undefined;
  private anderson: AndersonState | undefined;
  private destroyed = false;

  private constructor(
    private readonly ctx: GpuContext,
    readonly shape: SinkhornShape,
  ) {
    const { d, sizes, debias } = shape;
    const { layouts, total: T } = layoutProblems(sizes);
    this.layouts = layouts;
    this.total = T;
    this.maxRows = Math.max(...sizes.map((s) => Math.max(s.n, s.m)));
    this.pts = ctx.storage('sinkhorn:points', T * d * 4);
    this.logw = ctx.storage('sinkhorn:logw', T * 4);
    // Potentials indexed like the points: [copy c][kind k: 0 cross, 1 self][point], their high parts
    // (on a grid), then at 4T their low parts in the same order (shaders/lib/softmin_finish.wgsl).
    this.pot = ctx.storage('sinkhorn:potentials', 8 * T * 4);
    this.err = ctx.storage('sinkhorn:marginal-error', 2 * T * 4);
    this.gather = ctx.storage('sinkhorn:errors', sizes.length * (debias ? 2 : 1) * 16);
  }

  /** The dense softmin's kernel shape ('rows', 'tiled-wg64', ...; undefined with a stored cost). */
  get softminKernel(): string | undefined {
    return this.dense?.name;
  }

  /** Bytes of GPU memory this solver holds (O(N + M) when streamed; the stored cost adds its N×M matrices). */
  get gpuBytes(): number {
    const aa = this.anderson ? [this.anderson.hist, this.anderson.state, this.anderson.problems, ...this.anderson.params] : [];
    const own = [this.pts, this.logw, this.pot, this.err, ...(this.dense?.buffers ?? []), this.gather, ...this.levelParams, ...(this.sparse?.buffers ?? []), ...(this.saved ? [this.saved] : []), ...aa].reduce((s, b) => s + b.size, 0);
    return own + (this.stored?.gpuBytes ?? 0);
  }

  /** Allocate a solver for a batch of problems of the given sizes in dimension d. */
  static async create(ctx: GpuContext, shape: SinkhornShape): Promise<SinkhornSolver> {
    if (shape.sizes.length === 0) throw new InputError('sinkhorn: no problems given');
    for (const { n, m } of shape.sizes) {
      if (!(n >= 1 && m >= 1)) throw new InputError(`sinkhorn: empty cloud (sizes ${n} and ${m})`);
    }
    const stored = costMode(shape.d, shape.cost) === 'stored';
    const reduce = await Reduce.create(ctx);
    const solver = new SinkhornSolver(ctx, shape);
    try {
      if (!stored) solver.dense = await DenseSoftmin.choose(ctx, { d: shape.d, problems: shape.sizes.length, total: solver.total, tables: denseTables(solver.layouts, solver.total, shape.debias) }, { asked: shape.softmin });
      if (stored) solver.stored = await StoredCost.create(ctx, { layouts: solver.layouts, total: solver.total, d: shape.d, debias: shape.debias }, solver.pts, shape.storedLimits);
      const segments = shape.debias ? 2 : 1;
      for (const l of solver.layouts) {
        solver.reducePlans.push(await reduce.plan('sum', solver.err, l.span, { segments, inOffset: l.xs, inStride: solver.total }));
      }
    } catch (e) {
      solver.destroy();
      throw e;
    }
    return solver;
  }

  /**
   * Solve every problem of the batch. `problems[p]` gives X and Y (sizes as in the shape).
   * Float32Array inputs are validated and centred on the CPU; GPU buffers are read back once (for
   * the diameter and the coarse start), or, with `diameter` given and `multiscale: false`, copied on
   * the GPU and used as they are (no readback; a host cloud of a mixed pair is then uploaded as is).
   */
  async solve(problems: readonly { x: CloudLike; y: CloudLike }[], options: SinkhornOptions = {}): Promise<SinkhornResult[]> {
    const t0 = performance.now();
    const ctx = this.ctx;
    if (this.destroyed) throw new InputError('sinkhorn: this solver was destroyed');
    if (problems.length !== this.layouts.length) throw new InputError(`sinkhorn: ${problems.length} problems for a solver of ${this.layouts.length}`);
    const o = resolveSinkhorn(options);
    const { d, debias } = this.shape;
    if (options.debias !== undefined && options.debias !== debias) throw new InputError(`sinkhorn: this solver was created with debias = ${debias}`);
    const T = this.total;
    if (this.stored) {
      // High d: the plain dense path (grid cells and k-d trees do not resolve 100-D clouds).
      if (typeof o.truncate === 'number') throw new InputError(`sinkhorn: truncation of far pairs takes d <= 3 streamed costs, got d = ${d}`);
      o.multiscale = false;
    }

    // 1. Prepare: validate, centre, order, upload (and, stored, compute the cost matrices).
    const enc = ctx.device.createCommandEncoder({ label: 'sinkhorn:upload' });
    const prep = await prepare(ctx, this.layouts, T, d, problems, o, { pts: this.pts, logw: this.logw }, enc);
    if (this.stored) await this.stored.encodeCosts(prep, enc);
    const { diameter } = prep;
    // The solve runs in units of prep.scale (the data's diameter): blur and ε are scaled here, the
    // results back in assembleResults.
    const blur = o.blur !== undefined ? o.blur / prep.scale : o.blurFraction * diameter;

    // 2. Start: the ε schedule and the first potentials (coarse or leaf start, or zero).
    const start = await chooseStart(prep, this.layouts, T, d, blur, o, this.nestedSolve(), { ctx, pts: this.pts, pot: this.pot });
    if (start.init) ctx.write(this.pot, start.init);
    else if (!start.written) enc.clearBuffer(this.pot);
    const { schedule } = start;
    const L = schedule.length;
    const eps = schedule[L - 1]!;
    if (!(eps >= 1e-30)) throw new InputError(`sinkhorn: ε = ${eps * prep.scale ** 2} is below the f32 range relative to the data (blur ${blur * prep.scale} against a diameter of ${diameter * prep.scale})`);
    const kept = prep.tau !== undefined ? new KeptSet(prep.tau, prep.ptsHost!, { layouts: this.layouts, total: T, d, debias }, schedule, diameter) : undefined;
    const run: Run = { o, schedule, kept, enc, copies: { cross: 0, self: 0 }, selfFrozen: false, anderson: false, andersonPhase: 0, iterations: 0, pairEvaluations: 0 };
    // Anderson acceleration at the final ε (plain updates, ω = 1, mixed by the Anderson step).
    const anderson = o.acceleration === 'anderson' && o.finalUpdates === 'alternating' && o.omega === undefined && !kept && this.maxRows <= ANDERSON_MAX_POINTS;
    if (anderson) await this.ensureAnderson();
    const relax = anderson ? new OverRelaxation('alternating', 1) : new OverRelaxation(o.finalUpdates, o.omega);
    // Levels before the last start with plain alternating updates (ω = 1), or symmetric averaged ones (½).
    for (let k = 0; k < L - 1; k++) this.writeLevel(k, schedule[k]!, Number.isFinite(o.levelTol) && o.finalUpdates === 'alternating' ? 1 : 0.5);
    this.writeLevel(L - 1, eps, relax.kernelOmega);

    // 3. Anneal ε down to the last level, then 4. iterate at the final ε to tolerance.
    await this.anneal(run);
    const final = await this.iterateLevel(run, L - 1, relax, o.tol, o.maxIterations, anderson);

    // 5. Results from the potentials (float64 on the CPU).
    const pot = await ctx.readF32(this.pot);
    const moments = o.grad || o.linearCost ? await this.planMoments(eps, run.copies.cross, run.copies.self) : undefined;
    const results = assembleResults(prep.problems, this.layouts, T, d, pot, run.copies, moments, o, {
      scale: prep.scale,
      eps,
      blur,
      diameter,
      levels: L,
      iterations: run.iterations,
      marginalError: final.errors.cross,
      selfMarginalError: final.errors.self,
      converged: final.converged,
      marginalFloor: final.floor ? Math.max(final.floor.cross, final.floor.self) : undefined,
      omega: final.omega,
      pairEvaluations: run.pairEvaluations,
      truncation: kept
        ? { tau: kept.tau, keptFraction: kept.sparseLevels > 0 ? kept.keptFraction : 1, sparseLevels: kept.sparseLevels, rebuilds: kept.rebuilds, ...(start.leaves ? { leaves: start.leaves } : {}) }
        : undefined,
    });
    const ms = performance.now() - t0;
    for (const r of results) r.ms = ms;
    return results;
  }

  /** The leaf start's nested solve: a single small problem on a solver of its own. */
  private nestedSolve(): NestedSolve {
    return async (x, y, options) => {
      const nested = await SinkhornSolver.create(this.ctx, { d: this.shape.d, sizes: [{ n: x.n, m: y.n }], debias: this.shape.debias });
      try {
        const [r] = await nested.solve([{ x, y }], options);
        return r!;
      } finally {
        nested.destroy();
      }
    };
  }

  /**
   * ε-scaling. With a finite levelTol (the default) every level before the last iterates like the
   * final one (alternating updates, adaptive over-relaxation of its own) until its marginal error is
   * under levelTol or levelMaxIterations pass; with levelTol = Infinity, `levelIterations` symmetric
   * averaged updates per level (geomloss's fixed schedule).
   */
  private async anneal(run: Run): Promise<void> {
    const { o, schedule } = run;
    // At least one iteration is left to the final level, so the error reported is measured at its ε.
    const cap = o.maxIterations - 1;
    for (let k = 0; k < schedule.length - 1 && run.iterations < cap; k++) {
      if (Number.isFinite(o.levelTol)) {
        await this.iterateLevel(run, k, new OverRelaxation(o.finalUpdates), o.levelTol, Math.min(cap, run.iterations + o.levelMaxIterations));
      } else {
        await this.enterLevel(run, k);
        this.encodeIterations(run, k, Math.min(o.levelIterations, cap - run.iterations), 'symmetric');
      }
    }
  }

  /**
   * Iterate at ε level `level` until the marginal errors are at most `tol`, or at most the f32 floor
   * (`marginalFloor`) once they stall there, reading the error every `checkEvery` iterations, at
   * most up to `cap` iterations in all. The potentials of the best check are kept on the GPU and
   * restored if over-relaxation makes the error grow (OverRelaxation). The final level also checks
   * the kept set of the truncation and freezes the converged self problems.
   */
  private async iterateLevel(
    run: Run,
    level: number,
    relax: OverRelaxation,
    tol: number,
    cap: number,
    anderson = false,
  ): Promise<{ errors: { cross: number; self: number }; converged: boolean; floor: { cross: number; self: number } | undefined; omega: number }> {
    const { o, schedule, kept } = run;
    const debias = this.shape.debias;
    const final = level === schedule.length - 1;
    const eps = schedule[level]!;
    let saved: { cross: number; self: number } | undefined;
    let floor: { cross: number; self: number } | undefined;
    let last = Infinity;
    let checks = 0;
    let best = Infinity;
    let resets = 0;
    let sinceBest = 0;
    await this.enterLevel(run, level);
    // The final level's iterations cost the same from one solve to the next (a reused solver):
    // its pacer keeps what it learned; an annealing level's starts afresh.
    const pacer = final ? (this.finalPacer ??= this.ctx.pacer()) : this.ctx.pacer();
    run.anderson = anderson;
    run.andersonPhase = 0;
    if (anderson) run.enc.clearBuffer(this.anderson!.state);
    for (;;) {
      throwIfAborted(o.signal, 'sinkhorn');
      const c = Math.min(o.checkEvery, cap - run.iterations);
      if (c > 0) this.encodeIterations(run, level, c, o.finalUpdates);
      const errors = await this.readErrors(run, { pacer, units: c });
      checks++;
      const worst = Math.max(errors.cross, debias ? errors.self : 0);
      const metrics: Record<string, number> = { marginalError: errors.cross, eps, omega: relax.kernelOmega, level };
      if (debias) metrics.selfMarginalError = errors.self;
      reportProgress(o.run, { stage: 'sinkhorn', done: run.iterations, total: o.maxIterations, metrics });
      // The f32 floor once the error stalls above tol (a stored cost's reads the potentials back).
      if (worst > tol && worst > STALL * last && (!this.stored || checks % FLOOR_CHECK_EVERY === 0)) floor = marginalFloor(this.stored ? await this.readPotentials(run) : undefined, this.layouts, this.total, run.copies, eps, debias);
      last = worst;
      const accept = (f: number | undefined) => Math.max(tol, f !== undefined && f <= FLOOR_MAX ? f : 0);
      const reached = errors.cross <= accept(floor?.cross) && (!debias || errors.self <= accept(floor?.self));
      let keptOk = true;
      if (final && kept?.dueForCheck(reached)) {
        keptOk = kept.recheck(await this.readPotentials(run), level, run.copies, this.sparse!);
        if (!keptOk && run.iterations < cap) {
          relax.forget();
          continue;
        }
      }
      if (reached && keptOk) return { errors, converged: true, floor: worst > tol ? floor : undefined, omega: relax.kernelOmega };
      if (c === 0 || run.iterations >= cap) return { errors, converged: false, floor, omega: relax.kernelOmega };
      if (final && debias && o.finalUpdates === 'alternating' && errors.self <= tol / 10) run.selfFrozen = true;
      const step = relax.update(errors.cross, c);
      // Anderson's guard: growth past ANDERSON_DIVERGED × the best error restarts it from the best
      // potentials with an empty history; repeated, it gives way to adaptive over-relaxation.
      const restart = run.anderson && (!Number.isFinite(errors.cross) || errors.cross > ANDERSON_DIVERGED * best);
      sinceBest = errors.cross < best ? 0 : sinceBest + 1;
      best = Math.min(best, errors.cross);
      if (run.anderson && !restart && sinceBest >= ANDERSON_STALL) {
        // Stagnation (a full history of f32-noisy differences): start a fresh history from here.
        run.enc.clearBuffer(this.anderson!.state);
        run.andersonPhase = 0;
        sinceBest = 0;
      }
      if (restart) {
        run.enc.clearBuffer(this.anderson!.state);
        run.andersonPhase = 0;
        if (++resets >= ANDERSON_RESETS) {
          run.anderson = false;
          relax = new OverRelaxation('alternating');
          this.writeLevel(level, eps, relax.kernelOmega);
        }
      }
      if ((step.restore || restart) && saved) {
        run.enc.copyBufferToBuffer(this.saved!, 0, this.pot, 0, this.pot.size);
        run.copies = { ...saved };
      } else if (step.save) {
        this.saved ??= this.ctx.storage('sinkhorn:saved-potentials', this.pot.size);
        run.enc.copyBufferToBuffer(this.pot, 0, this.saved, 0, this.pot.size);
        saved = { ...run.copies };
      }
      if (step.changed) this.writeLevel(level, eps, relax.kernelOmega);
    }
  }

  /**
   * At the start of a level with truncation: build the kept set from the potentials so far and run
   * the level block-sparse when it pays (KeptSet.enterLevel).
   */
  private async enterLevel(run: Run, level: number): Promise<void> {
    const kept = run.kept;
    if (!kept || !kept.worthBuilding(level)) return;
    const pot = await this.readPotentials(run);
    this.sparse ??= await SparseTables.create(this.ctx, { layouts: this.layouts, total: this.total, d: this.shape.d, debias: this.shape.debias });
    kept.enterLevel(level, pot, run.copies, this.sparse);
  }

  /** Encode `count` iterations at `level` with the given update kind into the run's encoder. */
  private encodeIterations(run: Run, level: number, count: number, kind: 'symmetric' | 'alternating'): void {
    const pass = run.enc.beginComputePass({ label: `sinkhorn:level${level}` });
    const main = this.levelBind(level);
    const sparse = run.kept?.sparse ? this.sparse! : undefined;
    const sparseMain = sparse?.levelBind(level, this.levelParams[level]!, { pts: this.pts, logw: this.logw, pot: this.pot, err: this.err });
    const dispatch = (update: UpdateKind) => {
      const name = tableKey(update, run.copies.cross, run.copies.self);
      if (sparse) {
        run.pairEvaluations += sparse.dispatch(pass, sparseMain!, name);
      } else if (this.stored) {
        run.pairEvaluations += this.stored.dispatch(pass, main, name);
      } else {
        run.pairEvaluations += this.dense!.dispatch(pass, main, name);
      }
    };
    for (let k = 0; k < count; k++) {
      if (kind === 'symmetric') {
        dispatch('jacobi');
        run.copies.cross = 1 - run.copies.cross;
      } else {
        dispatch(run.selfFrozen ? 'xRows' : 'xRowsAndSelf');
        if (run.anderson && run.andersonPhase++ % ANDERSON_EVERY === 0) {
          const aa = this.anderson!;
          aa.kernel.dispatch(pass, aa.binds[run.copies.cross]!, this.layouts.length);
        }
        dispatch('yRows');
      }
      if (this.shape.debias && !(run.selfFrozen && kind === 'alternating')) run.copies.self = 1 - run.copies.self;
    }
    run.iterations += count;
    pass.end();
  }

  /** Allocate the Anderson history and compile its kernel (once per solver). */
  private async ensureAnderson(): Promise<void> {
    if (this.anderson) return;
    const ctx = this.ctx;
    const T = this.total;
    const kernel = await SinkhornAnderson.create(ctx);
    const hist = ctx.storage('sinkhorn:anderson-history', SinkhornAnderson.historyFloats(T) * 4);
    const state = ctx.storage('sinkhorn:anderson-state', Math.max(16, this.layouts.length * 4));
    const problems = ctx.storage('sinkhorn:anderson-problems', Uint32Array.from(this.layouts.flatMap((l) => [l.xs, l.n])));
    const params: GPUBuffer[] = [];
    const binds: GPUBindGroup[] = [];
    for (const copy of [0, 1]) {
      const u = ctx.uniform(`sinkhorn:anderson${copy}`, AndersonParams.byteSize);
      ctx.write(u, AndersonParams.pack({ total: T, lo_off: 4 * T, cross: 2 * copy * T }));
      params.push(u);
      binds.push(kernel.bind(ctx, `sinkhorn:anderson${copy}`, { params: u, problems, logw: this.logw, pot: this.pot, hist, state }));
    }
    this.anderson = { kernel, hist, state, problems, params, binds };
  }

  /** Submit the run's work and read the marginal errors (max over the batch); a new encoder follows. */
  private async readErrors(run: Run, pace?: Pace): Promise<{ cross: number; self: number }> {
    const debias = this.shape.debias;
    const segments = debias ? 2 : 1;
    this.reducePlans.forEach((plan, p) => {
      plan.encode(run.enc);
      run.enc.copyBufferToBuffer(plan.result, 0, this.gather, p * segments * 16, segments * 16);
    });
    const v = new Float32Array(await abortable(this.ctx.read(this.gather, 0, this.layouts.length * segments * 16, run.enc, pace), run.o.signal, 'sinkhorn'));
    run.enc = this.ctx.device.createCommandEncoder({ label: 'sinkhorn:iterate' });
    let cross = 0;
    let self = 0;
    for (let p = 0; p < this.layouts.length; p++) {
      cross = Math.max(cross, v[p * segments * 4]!);
      if (debias) self = Math.max(self, v[(p * segments + 1) * 4]!);
    }
    // NaN is never below tol: report it as infinite.
    return { cross: Number.isNaN(cross) ? Infinity : cross, self: Number.isNaN(self) ? Infinity : self };
  }

  /**
   * Submit the run's work and read all potentials back, each the f32 nearest its two parts' sum
   * ([copy][cross | self][point], 4·total values); a new encoder follows.
   */
  private async readPotentials(run: Run): Promise<Float32Array> {
    const raw = new Float32Array(await abortable(this.ctx.read(this.pot, 0, this.pot.size, run.enc), run.o.signal, 'sinkhorn'));
    run.enc = this.ctx.device.createCommandEncoder({ label: 'sinkhorn:level' });
    const n = 4 * this.total;
    const pot = new Float32Array(n);
    for (let k = 0; k < n; k++) pot[k] = raw[k]! + raw[n + k]!;
    return pot;
  }

  private levelBind(level: number): GPUBindGroup {
    while (this.levelParams.length <= level) {
      const k = this.levelParams.length;
      const u = this.ctx.uniform(`sinkhorn:level${k}`, SoftminParams.byteSize);
      this.levelParams.push(u);
      this.levelBinds.push(softminMainBindGroup(this.ctx, `sinkhorn:level${k}`, u, this.pts, this.logw, this.pot, this.err));
    }
    return this.levelBinds[level]!;
  }

  private writeLevel(level: number, eps: number, omegaCross: number): void {
    this.levelBind(level);
    this.ctx.write(this.levelParams[level]!, SoftminParams.pack({ eps, inv_eps: 1 / eps, omega_cross: omegaCross, omega_self: 0.5, lo_off: 4 * this.total }));
  }

  /** Row moments (barycentre, cost) of the ab plan and, when debiased, of the aa plan, for each X. */
  private async planMoments(eps: number, cp: number, sp: number): Promise<Float32Array> {
    const ctx = this.ctx;
    const d = this.shape.d;
    this.moments ??= await SinkhornPlanMoments.create(ctx, d);
    const T = this.total;
    const tasks: MomentTask[] = [];
    let off = 0;
    for (const l of this.layouts) {
      const { xs, ys } = l;
      tasks.push({ rowOff: xs, n: l.n, colOff: ys, m: l.m, colPot: 2 * cp * T + ys, rowPot: 2 * cp * T + xs, colLogw: ys, outOff: off });
      off += l.n * (d + 1);
      if (this.shape.debias) {
        const s = (2 * sp + 1) * T + xs;
        tasks.push({ rowOff: xs, n: l.n, colOff: xs, m: l.n, colPot: s, rowPot: s, colLogw: xs, outOff: off });
      }
      off += l.n * (d + 1);
    }
    const params = ctx.uniform('sinkhorn:moments', MomentParams.byteSize);
    const taskBuf = ctx.storage('sinkhorn:moment-tasks', SinkhornPlanMoments.pack(tasks));
    const out = ctx.storage('sinkhorn:moments', off * 4);
    try {
      ctx.write(params, MomentParams.pack({ eps, inv_eps: 1 / eps, lo_off: 4 * T }));
      const bind = this.moments.bindGroup(ctx, params, this.pts, this.logw, this.pot, taskBuf, out);
      const enc = ctx.device.createCommandEncoder({ label: 'sinkhorn:moments' });
      this.moments.encode(enc, bind, tasks.length, Math.max(...this.layouts.map((l) => l.n)));
      return new Float32Array(await ctx.read(out, 0, off * 4, enc));
    } finally {
      ctx.destroyBuffer(params);
      ctx.destroyBuffer(taskBuf);
      ctx.destroyBuffer(out);
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const p of this.reducePlans) p.destroy();
    for (const b of [this.pts, this.logw, this.pot, this.err, this.gather, ...this.levelParams]) this.ctx.destroyBuffer(b);
    this.dense?.destroy();
    this.sparse?.destroy();
    this.stored?.destroy();
    if (this.saved) this.ctx.destroyBuffer(this.saved);
    if (this.anderson) for (const b of [this.anderson.hist, this.anderson.state, this.anderson.problems, ...this.anderson.params]) this.ctx.destroyBuffer(b);
  }
}

/**
 * Entropic OT / debiased Sinkhorn divergence between two clouds (a one-shot SinkhornSolver).
 * For repeated calls with the same sizes, keep a SinkhornSolver instead.
 */
export async function sinkhorn(ctx: GpuContext, X: CloudLike, Y: CloudLike, options: SinkhornOptions = {}): Promise<SinkhornResult> {
  const x = toCloud('X', X);
  const y = toCloud('Y', Y);
  sameDim(x, y);
  const solver = await SinkhornSolver.create(ctx, { d: x.d, sizes: [{ n: x.n, m: y.n }], debias: options.debias ?? true });
  try {
    const [r] = await solver.solve([{ x: X, y: Y }], options);
    return r!;
  } finally {
    solver.destroy();
  }
}

/** Many independent problems (sizes may differ, same dimension) solved together in one schedule. */
export async function sinkhornBatch(ctx: GpuContext, problems: readonly { x: CloudLike; y: CloudLike }[], options: SinkhornOptions = {}): Promise<SinkhornResult[]> {
  if (problems.length === 0) throw new InputError('sinkhornBatch: no problems given');
  const shapes = problems.map((p, k) => {
    const x = toCloud(`X[${k}]`, p.x);
    const y = toCloud(`Y[${k}]`, p.y);
    sameDim(x, y, `X[${k}] and Y[${k}]`);
    return { n: x.n, m: y.n, d: x.d };
  });
  const d = shapes[0]!.d;
  shapes.forEach((s, k) => {
    if (s.d !== d) throw new InputError(`sinkhornBatch: problem ${k} has dimension ${s.d}, problem 0 has ${d}`);
  });
  const solver = await SinkhornSolver.create(ctx, { d, sizes: shapes, debias: options.debias ?? true });
  try {
    return await solver.solve(problems, options);
  } finally {
    solver.destroy();
  }
}
