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
import { softminMainBindGroup, SoftminParams } from '../../kernels/sinkhorn_softmin.js';
import { SinkhornPlanMoments } from '../../kernels/sinkhorn_plan_moments.js';
import { planMoments } from './moments.js';
import { sameDim, toCloud, type CloudLike } from '../input.js';
import { ANDERSON_MAX_POINTS, resolveSinkhorn, type ResolvedSinkhorn, type SinkhornOptions } from './options.js';
import { prepare } from './prepare.js';
import { OverRelaxation } from './relaxation.js';
import { assembleResults, type SinkhornResult } from './result.js';
import { chooseStart, type NestedSolve } from './schedule.js';
import { costMode, StoredCost, type CostMode, type StoredCostLimits } from './stored_cost.js';
import { layoutProblems, tableKey, type Layout, type UpdateKind } from './tables.js';
import { DenseSoftmin, denseTables } from './dense.js';
import { AndersonMixing } from './anderson.js';
import { MarginalErrorReadback, type PendingErrors } from './marginal_errors.js';
import { ANDERSON_EVERY, FLOOR_CHECK_EVERY, LevelControl, marginalFloor, type LevelOutcome, type LevelStep, type MarginalErrors } from './level.js';
import { KeptSet, SparseTables } from './truncated.js';

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

/** Which of the two copies (0, 1) hold the current cross and self potentials. */
interface Copies {
  cross: number;
  self: number;
}

/** One level's iteration: what iterateLevel hands to its check loop. */
interface LevelLoop {
  level: number;
  eps: number;
  control: LevelControl;
  pacer: Pacer;
  /** Iterations in all (over every level) at which this level stops. */
  cap: number;
}

/** A pipelined check in flight: its error readback and the state its snapshot holds. */
interface QueuedCheck {
  errors: PendingErrors;
  /** Iterations since the check before (the pacer's units). */
  units: number;
  /** The snapshot buffer (0, 1) holding its potentials. */
  slot: number;
  copies: Copies;
  iterations: number;
}

/** The state of one solve's iteration. */
interface Run {
  o: ResolvedSinkhorn;
  schedule: readonly number[];
  kept: KeptSet | undefined;
  /** The encoder that collects work until the next readback. */
  enc: GPUCommandEncoder;
  /** Copies (0, 1) that hold the current cross and self potentials. */
  copies: Copies;
  /** The self problems have converged at the final ε and are no longer updated. */
  selfFrozen: boolean;
  /** Anderson steps follow every ANDERSON_EVERY-th x-row update (final level, SinkhornOptions.acceleration). */
  anderson: boolean;
  /** Alternating updates since the Anderson history was last cleared. */
  andersonPhase: number;
  iterations: number;
  pairEvaluations: number;
  /** Readbacks of the marginal errors so far. */
  checks: number;
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
  /** The convergence checks' reductions and readback (set by create). */
  private errors!: MarginalErrorReadback;
  /** The dense softmin: its task tables and kernel shape (undefined with a stored cost). */
  private dense: DenseSoftmin | undefined;
  /** The stored cost matrices and their softmin (high d; undefined: streamed). */
  private stored: StoredCost | undefined;
  private readonly levelParams: GPUBuffer[] = [];
  private readonly levelBinds: GPUBindGroup[] = [];
  private moments: SinkhornPlanMoments | undefined;
  /** Paces the final level's error readbacks (src/gpu/pacing.ts); units: iterations. */
  private finalPacer: Pacer | undefined;
  /** Block-sparse softmin state (created at the first truncated solve). */
  private sparse: SparseTables | undefined;
  /** The potentials of a level's best check and their copies (the buffer is created at the first save). */
  private saved: { buffer: GPUBuffer; copies: Copies } | undefined;
  /** The potentials at the last two pipelined checks (created at the first pipelined level). */
  private snapshots: GPUBuffer[] | undefined;
  /** Anderson acceleration's GPU state (created at the first solve that uses it). */
  private anderson: AndersonMixing | undefined;
  private destroyed = false;

  private constructor(
    private readonly ctx: GpuContext,
    readonly shape: SinkhornShape,
  ) {
    const { d, sizes } = shape;
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
  }

  /** The dense softmin's kernel shape ('rows', 'tiled-wg64', ...; undefined with a stored cost). */
  get softminKernel(): string | undefined {
    return this.dense?.name;
  }

  /** Bytes of GPU memory this solver holds (O(N + M) when streamed; the stored cost adds its N×M matrices). */
  get gpuBytes(): number {
    const own = [this.pts, this.logw, this.pot, this.err, ...(this.dense?.buffers ?? []), ...(this.errors?.buffers ?? []), ...this.levelParams, ...(this.sparse?.buffers ?? []), ...(this.saved ? [this.saved.buffer] : []), ...(this.snapshots ?? []), ...(this.anderson?.buffers ?? [])].reduce((s, b) => s + b.size, 0);
    return own + (this.stored?.gpuBytes ?? 0);
  }

  /** Allocate a solver for a batch of problems of the given sizes in dimension d. */
  static async create(ctx: GpuContext, shape: SinkhornShape): Promise<SinkhornSolver> {
    if (shape.sizes.length === 0) throw new InputError('sinkhorn: no problems given');
    for (const { n, m } of shape.sizes) {
      if (!(n >= 1 && m >= 1)) throw new InputError(`sinkhorn: empty cloud (sizes ${n} and ${m})`);
    }
    const stored = costMode(shape.d, shape.cost) === 'stored';
    const solver = new SinkhornSolver(ctx, shape);
    try {
      if (!stored) solver.dense = await DenseSoftmin.choose(ctx, { d: shape.d, problems: shape.sizes.length, total: solver.total, tables: denseTables(solver.layouts, solver.total, shape.debias) }, { asked: shape.softmin });
      if (stored) solver.stored = await StoredCost.create(ctx, { layouts: solver.layouts, total: solver.total, d: shape.d, debias: shape.debias }, solver.pts, shape.storedLimits);
      solver.errors = await MarginalErrorReadback.create(ctx, solver.err, solver.layouts, solver.total, shape.debias);
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
    const t1 = performance.now();
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
    const t2 = performance.now();
    const kept = prep.tau !== undefined ? new KeptSet(prep.tau, prep.ptsHost!, { layouts: this.layouts, total: T, d, debias }, schedule, diameter) : undefined;
    const run: Run = { o, schedule, kept, enc, copies: { cross: 0, self: 0 }, selfFrozen: false, anderson: false, andersonPhase: 0, iterations: 0, pairEvaluations: 0, checks: 0 };
    // Anderson acceleration at the final ε (plain updates, ω = 1, mixed by the Anderson step).
    const anderson = o.acceleration === 'anderson' && o.finalUpdates === 'alternating' && o.omega === undefined && !kept && this.maxRows <= ANDERSON_MAX_POINTS;
    if (anderson) this.anderson ??= await AndersonMixing.create(this.ctx, this.layouts, this.total, this.logw, this.pot);
    const relax = anderson ? new OverRelaxation('alternating', 1) : new OverRelaxation(o.finalUpdates, o.omega);
    // Levels before the last start with plain alternating updates (ω = 1), or symmetric averaged ones (½).
    for (let k = 0; k < L - 1; k++) this.writeLevel(k, schedule[k]!, Number.isFinite(o.levelTol) && o.finalUpdates === 'alternating' ? 1 : 0.5);
    this.writeLevel(L - 1, eps, relax.kernelOmega);

    // 3. Anneal ε down to the last level, then 4. iterate at the final ε to tolerance.
    await this.anneal(run);
    const final = await this.iterateLevel(run, L - 1, relax, o.tol, o.maxIterations, anderson);

    // 5. Results from the potentials (float64 on the CPU).
    const t3 = performance.now();
    const pot = await ctx.readF32(this.pot);
    let moments: Float32Array | undefined;
    if (o.grad || o.linearCost) {
      this.moments ??= await SinkhornPlanMoments.create(ctx, d);
      moments = await planMoments(ctx, this.moments, { layouts: this.layouts, total: T, d, debias }, { pts: this.pts, logw: this.logw, pot: this.pot }, eps, run.copies);
    }
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
      checks: run.checks,
      truncation: kept
        ? { tau: kept.tau, keptFraction: kept.sparseLevels > 0 ? kept.keptFraction : 1, sparseLevels: kept.sparseLevels, rebuilds: kept.rebuilds, ...(start.leaves ? { leaves: start.leaves } : {}) }
        : undefined,
    });
    const t4 = performance.now();
    for (const r of results) {
      r.ms = t4 - t0;
      r.phaseMs = { prepare: t1 - t0, start: t2 - t1, iterate: t3 - t2, results: t4 - t3 };
    }
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
   * once they stall there (level.ts), reading the error every `checkEvery` iterations, at most up to
   * `cap` iterations in all. The potentials of the best check are kept on the GPU and restored if
   * over-relaxation or Anderson makes the error grow. The final level also checks the kept set of
   * the truncation and freezes the converged self problems. Checks are 'sync' or 'pipelined'
   * (SinkhornOptions.checks).
   */
  private async iterateLevel(run: Run, level: number, relax: OverRelaxation, tol: number, cap: number, anderson = false): Promise<LevelOutcome> {
    const { o, schedule, kept } = run;
    const debias = this.shape.debias;
    const final = level === schedule.length - 1;
    const eps = schedule[level]!;
    // Checks spaced by the measured rate at the final ε only (level.ts: annealing levels adapt ω check by check).
    const adaptive = final && (o.checkSpacing ?? (this.ctx.adapter.isSoftware ? 'fixed' : 'adaptive')) === 'adaptive';
    const spacing = { every: o.checkEvery, adaptive };
    const control = new LevelControl({ tol, debias, anderson, freezeSelf: final && debias && o.finalUpdates === 'alternating', floorEvery: this.stored ? FLOOR_CHECK_EVERY : 1, spacing }, relax);
    await this.enterLevel(run, level);
    // The final level's iterations cost the same from one solve to the next (a reused solver):
    // its pacer keeps what it learned; an annealing level's starts afresh.
    const pacer = final ? (this.finalPacer ??= this.ctx.pacer()) : this.ctx.pacer();
    run.anderson = anderson;
    run.andersonPhase = 0;
    if (anderson) this.anderson!.clear(run.enc);
    const level$ = { level, eps, control, pacer, cap };
    const pipelined = (o.checks ?? (this.ctx.adapter.isSoftware ? 'sync' : 'pipelined')) === 'pipelined' && !(final && kept);
    return pipelined ? this.checkPipelined(run, level$) : this.checkSync(run, level$);
  }

  /** Count a check: report progress and estimate the f32 floor when the error stalled; true when the level's target is reached. */
  private async judge(run: Run, { level, eps, control }: LevelLoop, errors: MarginalErrors, done: number): Promise<boolean> {
    const metrics: Record<string, number> = { marginalError: errors.cross, eps, omega: control.omega, level };
    if (this.shape.debias) metrics.selfMarginalError = errors.self;
    reportProgress(run.o.run, { stage: 'sinkhorn', done, total: run.o.maxIterations, metrics });
    // The f32 floor once the error stalls above tol (a stored cost's reads the potentials back: with
    // pipelined checks those of a check later, whose largest values are the same to a few ulps).
    if (control.observe(errors, done)) control.floor = marginalFloor(this.stored ? await this.readPotentials(run) : undefined, this.layouts, this.total, run.copies, eps, this.shape.debias);
    return control.reached(errors);
  }

  /**
   * Carry out a check's step; `from` is where the checked potentials are (this.pot or a snapshot)
   * and in which copies. True when the saved potentials were put back.
   */
  private apply(run: Run, { level, eps, control }: LevelLoop, step: LevelStep, from: { buffer: GPUBuffer; copies: Copies }): boolean {
    if (step.freezeSelf) run.selfFrozen = true;
    if (step.clearAnderson) {
      this.anderson!.clear(run.enc);
      run.andersonPhase = 0;
    }
    if (step.andersonOff) run.anderson = false;
    let restored = false;
    if (step.restore) {
      run.enc.copyBufferToBuffer(this.saved!.buffer, 0, this.pot, 0, this.pot.size);
      run.copies = { ...this.saved!.copies };
      restored = true;
    } else if (step.save) {
      const buffer = this.saved?.buffer ?? this.ctx.storage('sinkhorn:saved-potentials', this.pot.size);
      run.enc.copyBufferToBuffer(from.buffer, 0, buffer, 0, this.pot.size);
      this.saved = { buffer, copies: { ...from.copies } };
    }
    if (step.rewrite) this.writeLevel(level, eps, control.omega);
    return restored;
  }

  /** Checks that wait: encode the next iterations (LevelControl.chunk), read their error, decide, repeat. */
  private async checkSync(run: Run, loop: LevelLoop): Promise<LevelOutcome> {
    const { o, kept } = run;
    const { level, control, pacer, cap } = loop;
    const final = level === run.schedule.length - 1;
    for (;;) {
      throwIfAborted(o.signal, 'sinkhorn');
      const c = Math.min(control.chunk(run.iterations), cap - run.iterations);
      if (c > 0) this.encodeIterations(run, level, c, o.finalUpdates);
      const errors = await this.readErrors(run, { pacer, units: c });
      const reached = await this.judge(run, loop, errors, run.iterations);
      if (final && kept?.dueForCheck(reached)) {
        const keptOk = kept.recheck(await this.readPotentials(run), level, run.copies, this.sparse!);
        if (!keptOk && run.iterations < cap) {
          control.forget();
          continue;
        }
        if (!keptOk) return control.done(errors, false);
      }
      if (reached) return control.done(errors, true);
      if (c === 0 || run.iterations >= cap) return control.done(errors, false);
      this.apply(run, loop, control.next(errors, c), { buffer: this.pot, copies: run.copies });
    }
  }

  /**
   * Checks a step behind the queue: the next iterations (LevelControl.chunk) are submitted before a check's
   * error is awaited, each check with a snapshot of its potentials (two in turn). A check that ends
   * the final level puts its snapshot back, so the solve ends with exactly the potentials it checked;
   * the iterations after it are work done but not counted in `iterations`. An annealing level keeps
   * them (they only bring its potentials nearer its fixed point). Decisions (ω, Anderson's
   * restarts, saving) take effect a check later than with 'sync'; after the saved potentials are put
   * back, the check already queued belongs to the discarded iterates and is not judged.
   */
  private async checkPipelined(run: Run, loop: LevelLoop): Promise<LevelOutcome> {
    const { o } = run;
    const { level, control, pacer, cap } = loop;
    const snaps = (this.snapshots ??= [0, 1].map((k) => this.ctx.storage(`sinkhorn:check-snapshot${k}`, this.pot.size)));
    let slot = 0;
    let pending: QueuedCheck | undefined;
    let stale = false;
    try {
      for (;;) {
        throwIfAborted(o.signal, 'sinkhorn');
        const c = Math.min(control.chunk(run.iterations), cap - run.iterations);
        let next: QueuedCheck | undefined;
        if (c > 0 || !pending) {
          if (c > 0) this.encodeIterations(run, level, c, o.finalUpdates);
          run.enc.copyBufferToBuffer(this.pot, 0, snaps[slot]!, 0, this.pot.size);
          next = { errors: this.startErrors(run), units: c, slot, copies: { ...run.copies }, iterations: run.iterations };
          slot = 1 - slot;
        }
        if (!pending) {
          // The first check: queue the next iterations before waiting for it.
          pending = next!;
          next = undefined;
          if (c > 0) continue;
        }
        const check = pending;
        pending = next;
        const errors = await abortable(check.errors.wait({ pacer, units: check.units }), o.signal, 'sinkhorn');
        if (stale) {
          stale = false;
          continue;
        }
        const reached = await this.judge(run, loop, errors, check.iterations);
        if (reached || check.iterations >= cap || check.units === 0) {
          if (next && level < run.schedule.length - 1) {
            // An annealing level: the iterations queued after its last check stay (and count), a
            // start nearer this ε's fixed point for the next level; their error is not needed (its
            // readback completes and returns its staging buffer on its own).
            void next.errors.wait().catch(() => undefined);
            pending = undefined;
          } else if (next) {
            // The iterations queued after this check are dropped: its snapshot goes back.
            await next.errors.wait();
            pending = undefined;
            run.enc.copyBufferToBuffer(snaps[check.slot]!, 0, this.pot, 0, this.pot.size);
            this.ctx.submit(run.enc.finish());
            run.enc = this.ctx.device.createCommandEncoder({ label: 'sinkhorn:iterate' });
            run.copies = { ...check.copies };
            run.iterations = check.iterations;
          }
          return control.done(errors, reached);
        }
        stale = this.apply(run, loop, control.next(errors, check.units), { buffer: snaps[check.slot]!, copies: check.copies });
      }
    } finally {
      // A cancelled or failed level leaves no readback behind (their staging buffers go back to the pool).
      if (pending) await pending.errors.wait().catch(() => undefined);
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
        if (run.anderson && run.andersonPhase++ % ANDERSON_EVERY === 0) this.anderson!.dispatch(pass, run.copies.cross);
        dispatch('yRows');
      }
      if (this.shape.debias && !(run.selfFrozen && kind === 'alternating')) run.copies.self = 1 - run.copies.self;
    }
    run.iterations += count;
    pass.end();
  }

  /** Submit the run's work and read the marginal errors; a new encoder follows. */
  private async readErrors(run: Run, pace?: Pace): Promise<MarginalErrors> {
    run.checks++;
    const errors = await abortable(this.errors.read(run.enc, pace), run.o.signal, 'sinkhorn');
    run.enc = this.ctx.device.createCommandEncoder({ label: 'sinkhorn:iterate' });
    return errors;
  }

  /** Submit the run's work and start reading its marginal errors back (a pipelined check); a new encoder follows. */
  private startErrors(run: Run): PendingErrors {
    run.checks++;
    const read = this.errors.start(run.enc);
    run.enc = this.ctx.device.createCommandEncoder({ label: 'sinkhorn:iterate' });
    return read;
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

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.errors?.destroy();
    for (const b of [this.pts, this.logw, this.pot, this.err, ...this.levelParams]) this.ctx.destroyBuffer(b);
    this.dense?.destroy();
    this.sparse?.destroy();
    this.stored?.destroy();
    if (this.saved) this.ctx.destroyBuffer(this.saved.buffer);
    for (const b of this.snapshots ?? []) this.ctx.destroyBuffer(b);
    this.anderson?.destroy();
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
