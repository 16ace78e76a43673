/**
 * One playground run (the page's Playground tab; `engine.playground(data, config)`): a score network trained on the GPU, evaluated at log-spaced steps. An
 * evaluation samples q0 with the reverse process started from the forward-noised data (so
 * q_T = p_T and the bound's offset I(T)·W2(p_T, q_T) is 0, as in the paper's experiment), measures
 * W2(p0, q0), estimates L_s(t) on noised data, and evaluates the bound:
 *   discrete DDPM (the paper's code): log W ≤ ½ log J + ½ log(2 Σ β_i I_i²), J = ½ Σ_k β_k E_k =
 *     (n/2) · (the training loss with the paper's weighting β_t / (1 − ᾱ_t), a mean over the n steps),
 *     as in src/bound/monitor.ts;
 *   continuous processes (Corollary 1): W ≤ sqrt(2 (∫ g² I² dt) · J_DSM), J_DSM = ½ ∫ g² E|s − ∇log p(x_t|x_0)|² dt
 *     = ½ (T − t_min) · E_t[(g²/σ²) |ε̂ − ε|²] = ½ (T − t_min) · (the training loss with weighting g²/σ²).
 * Everything is allocated once per run; each training chunk is one submit with one readback. The
 * first chunk is short (10 steps) and the evaluation's samplers and solvers are created at the first
 * evaluation, so the first loss point appears after the trainer's pipelines compile, not after all of them.
 */
import { throwIfAborted } from '../gpu/run.js';
import { InputError } from '../gpu/errors.js';
import { boundGrid, corollaryBound, discreteBound } from '../bound/bound.js';
import type { Dataset } from '../data/datasets.js';
import type { GpuContext } from '../gpu/context.js';
import type { TangentTime } from '../kernels/mlp_tangent.js';
import { LipschitzEstimator } from '../lipschitz/estimator.js';
import type { Activation, MlpSpec } from '../model/layout.js';
import { DdpmSigmoid, type ForwardProcess } from '../processes/process.js';
import { ForwardSampler } from '../samplers/forward.js';
import { ReverseSampler, type SamplerKind } from '../samplers/sampler.js';
import { Trainer, type LossPoint } from '../train/trainer.js';
import { SinkhornSolver } from '../transport/sinkhorn/index.js';
import { GpuSpan } from '../gpu/span.js';
import type { NetworkScore } from '../model/network.js';
import { CERTIFY_MAX_DIM, defaultRegion, noisedSamples, type NetworkSupOptions, type NetworkSupReport, type NetworkSupRow } from '../lipschitz/network_sup.js';

/** Yield to the host between chunks (the page passes the next animation frame); default: a resolved promise. */
const noYield = (): Promise<void> => Promise.resolve();

export type ModelSize = 'paper' | 'medium' | 'large';
export const MODEL_SIZES: Record<ModelSize, { label: string; hidden: number[]; activation: Activation; batch: number }> = {
  paper: { label: '3×64 softplus, batch 128 (paper)', hidden: [64, 64, 64], activation: 'softplus', batch: 128 },
  medium: { label: '3×128 softplus, batch 256', hidden: [128, 128, 128], activation: 'softplus', batch: 256 },
  large: { label: '4×256 SiLU, batch 512', hidden: [256, 256, 256, 256], activation: 'silu', batch: 512 },
};

export interface SessionConfig {
  process: ForwardProcess;
  model: ModelSize;
  sampler: SamplerKind;
  steps: number;
  /** Particles sampled (and data points compared) per evaluation (default 512). */
  evalPoints?: number;
  /** Reverse steps of the continuous samplers (default 200; DDPM uses its own schedule). */
  sampleSteps?: number;
  seed?: number;
}

export interface Evaluation {
  step: number;
  /** q0 samples (evalPoints × dim). */
  samples: Float32Array;
  trajectory?: { times: Float64Array; frames: Float32Array[] };
  /** L_s at lsTimes (max over noised data points: a lower estimate of the supremum). */
  lsTimes: Float64Array;
  ls: Float64Array;
  /** The objective J the bound used. */
  objective: number;
  /** W2(p0, q0): square root of the debiased Sinkhorn divergence (src/transport). */
  w2: number;
  sinkhorn: { iterations: number; eps: number; marginalError: number; converged: boolean };
  /** The bound's formula with `ls` (L_s at samples of p_t, a lower estimate): not a bound; `boundThreeWays` gives the three readings. */
  bound: number;
  /** Wall-clock time of each phase (ending in its readback). */
  ms: { sample: number; lipschitz: number; w2?: number };
  /** GPU time of each phase from timestamp queries (undefined without timestamp-query). */
  gpuMs: { sample?: number; lipschitz?: number; w2?: number };
}

export interface HistoryPoint {
  step: number;
  loss: number;
  w2?: number;
  bound: number;
}

/**
 * The supremum search and certificate as the engine runs them (`engine.lipschitzSupremum`, given to
 * the session by `engine.playground`): the session never reaches into src/lipschitz itself.
 */
export type SupremumRunner = (
  network: NetworkScore,
  opts: Omit<NetworkSupOptions, 'samples' | 'onTime'> & { times: readonly TangentTime[]; samples: readonly Float32Array[] },
) => Promise<NetworkSupReport>;

/** Options of `session.boundThreeWays` (the page's "bound three ways" panel). */
export interface ThreeWaysOptions {
  signal?: AbortSignal;
  /**
   * Also certify L_s (d ≤ 3; default false): a host branch-and-bound that holds the JS thread for up
   * to `secondsPerTime` per grid time and part, one time per call, with `yieldToHost` between times.
   * At d ≤ 2 it covers all of ℝ^d (two parts: the box [−1.5, 1.5]^d and the outside of the ball of
   * radius 1.5); at d = 3 the box only (one part; the box may grow once).
   */
  certify?: boolean;
  /** Budget of the certificate per time and part, in seconds (default 0.5). */
  secondsPerTime?: number;
  /** Cap on the certificate's boxes (cells) per time and part (default 20 000: repeatable digits under load). */
  boxesPerTime?: number;
  /**
   * The supremum search per grid time (defaults: the page's light search, 8 sample + 9 grid + 4 random
   * + 4 secant-midpoint starts, 15 ascent steps, the box may double once — about 1–2 s per time on a
   * software adapter; `wasserflow lipschitz --checkpoint` runs 256 starts, 30 steps, two doublings).
   */
  search?: { sampleStarts?: number; gridStarts?: number; randomStarts?: number; secantStarts?: number; steps?: number; grow?: number };
  /** Called between grid times (the page passes its next animation frame). */
  yieldToHost?: () => Promise<void>;
  /** Progress: grid times done of the total. */
  onTime?: (done: number, total: number) => void;
}

/** One of the bounds side by side: its L_s per grid time and the bound that L_s gives, or why there is none. */
export type BoundReading =
  | {
      available: true;
      /** L_s per grid time (the evaluation's lsTimes). */
      ls: Float64Array;
      /** log I at the last grid time (log I_n for DDPM, log I(T) for Corollary 1). */
      logI: number;
      /** log of the bound (natural log; finite where the bound itself overflows a double). */
      logBound: number;
      /** The bound on W2(p0, q0) (Infinity when it overflows a double: see logBound). */
      bound: number;
    }
  | { available: false; reason: string };

/**
 * W2(p0, q0) at one evaluation beside the bound evaluated with three readings of L_s, each through the
 * same formula (the evaluation's objective J, W2(p_T, q_T) = 0):
 *   paper     — the paper's estimator: max secant slope over pairs of the 10×10 grid linspace(0, 0.9, 10)²
 *               (a lower estimate of L_s from a small patch of the plane; d ≤ 2);
 *   lower     — the best lower estimate of the supremum (GPU multi-start search, samples of p_t, probes
 *               outside the box): what the bound would be if that value were the supremum — not a bound;
 *   certified — a certified upper bound on L_s (host float64 branch-and-bound): at d ≤ 2 over all of ℝ^d
 *               (the box [−1.5, 1.5]^d and the outside of the ball of radius 1.5), with the bound each grid
 *               time reached — closed to its gap target (`closed` counts those) or, where the budget ran
 *               out, larger but still sound; at d = 3 over the box only, and then not available when the
 *               best point found lies on or outside the box (no certificate covers the rest of ℝ³); or
 *               the reason there is none (not asked for, d > 3).
 * `samples` is the live curve's bound (L_s at samples of p_t only), for comparison.
 */
export interface ThreeBounds {
  step: number;
  w2: number;
  objective: number;
  /** 'discrete': the paper's DDPM form; 'corollary': Corollary 1 on the L_s grid. */
  form: 'discrete' | 'corollary';
  times: Float64Array;
  paper: BoundReading;
  lower: BoundReading;
  certified: BoundReading;
  samples: BoundReading;
  /** Largest half-width of the box searched over the grid times, and at how many times the argmax sits on its edge. */
  box: number;
  edges: number;
  /**
   * What the certificate covers (undefined when it did not run): 'R^d' (d ≤ 2: all of ℝ^d) or
   * 'box' (d = 3: [−box, box]^d only).
   */
  certifiedRegion: 'R^1' | 'R^2' | 'box' | undefined;
  /** Grid times whose certificate closed to its gap target (over ℝ^d: both parts). */
  closed: number;
  /** Per grid time: the certificate's upper bound over `certifiedRegion`, closed or not (NaN where there is none), and its relative gap. */
  certifiedUpper: Float64Array;
  relGap: Float64Array;
  /** Wall-clock milliseconds of the whole computation. */
  ms: number;
}

/** Steps at which to evaluate: 50·2^k below the total, and the total. */
export function evaluationSteps(total: number, chunk: number): number[] {
  const out: number[] = [];
  for (let s = chunk; s < total; s *= 2) out.push(s);
  out.push(total);
  return out;
}

export class PlaygroundSession {
  readonly losses: LossPoint[] = [];
  readonly history: HistoryPoint[] = [];
  step = 0;
  stepsPerSecond = 0;
  /** Point-pair evaluations per second of the last Sinkhorn solve (wall clock). */
  pairsPerSecond = 0;
  private trainMs = 0;
  /** GPU time (timestamp queries) of the last training chunk, per step, in ms. */
  gpuMsPerStep: number | undefined;
  private readonly span: GpuSpan;
  private lastEval: Evaluation | undefined;
  private readonly chunk = 50;
  /** The data on the host (read back once, for the noised samples of the supremum search). */
  private hostData: Float32Array | undefined;
  /** The first chunk: a loss point as soon as the trainer's pipelines are compiled. */
  private readonly firstChunk = 10;
  private evalParts: EvalParts | undefined;
  private destroyed = false;

  private constructor(
    private readonly ctx: GpuContext,
    readonly config: SessionConfig,
    readonly data: Dataset,
    readonly trainer: Trainer,
    private readonly spec: MlpSpec,
    private readonly supremum: SupremumRunner | undefined,
  ) {
    this.span = new GpuSpan(ctx);
  }

  /** The evaluation's samplers, Lipschitz estimator and Sinkhorn solver, created at the first evaluation. */
  private async parts(): Promise<EvalParts> {
    if (this.evalParts) return this.evalParts;
    const { ctx, data, config } = this;
    const p = config.process;
    const discrete = p instanceof DdpmSigmoid;
    const n = Math.min(config.evalPoints ?? 512, data.n);
    const owned: { destroy(): void }[] = [];
    try {
      const forward = await ForwardSampler.create(ctx, { process: p, dim: data.d, n });
      owned.push(forward);
      const steps = discrete ? undefined : (config.sampleSteps ?? 200);
      const total = discrete ? p.steps : steps!;
      const reverse = await ReverseSampler.create(ctx, {
        process: p,
        score: { kind: 'network', network: { spec: this.spec, params: this.trainer.mlp.params } },
        n,
        dim: data.d,
        sampler: config.sampler,
        ...(steps ? { steps } : {}),
        captureEvery: Math.max(1, Math.round(total / 20)),
      });
      owned.push(reverse);
      const lsGrid = lipschitzTimes(p);
      const lipschitz = await LipschitzEstimator.create(ctx, this.trainer.mlp.layout, { maxPoints: 256 * lsGrid.times.length, maxTimes: lsGrid.times.length });
      owned.push(lipschitz);
      const w2Solver = await SinkhornSolver.create(ctx, { d: data.d, sizes: [{ n, m: n }], debias: true });
      owned.push(w2Solver);
      if (this.destroyed) throw new Error('session: destroyed while preparing the evaluation');
      this.evalParts = { forward, reverse, lipschitz, lsGrid, w2Solver };
      return this.evalParts;
    } catch (e) {
      for (const o of owned) o.destroy();
      throw e;
    }
  }

  get dim(): number {
    return this.data.d;
  }

  /** Use `engine.playground()`. The session owns `data` (destroyed with it). */
  static async create(ctx: GpuContext, data: Dataset, config: SessionConfig, supremum?: SupremumRunner): Promise<PlaygroundSession> {
    const p = config.process;
    const m = MODEL_SIZES[config.model];
    const discrete = p instanceof DdpmSigmoid;
    const spec: MlpSpec = {
      dim: data.d,
      hidden: m.hidden,
      activation: m.activation,
      time: discrete ? { kind: 'step', steps: p.steps } : { kind: 'fourier', features: 8 },
      output: 'eps',
    };
    const trainer = await Trainer.create(ctx, data, {
      spec,
      process: p,
      weighting: 'paper',
      timeSampling: 'antithetic',
      batch: m.batch,
      lr: 1e-3,
      gradClip: 1,
      seed: config.seed ?? 1,
      stepsPerSubmit: 50,
      lossEvery: 50,
    });
    return new PlaygroundSession(ctx, config, data, trainer, spec, supremum);
  }

  /**
   * Train `config.steps` steps in chunks, yielding to the host (`yieldToHost`, e.g. the page's next
   * animation frame) between chunks; evaluate at log-spaced steps. Cancellable through `signal` (CancelledError).
   */
  async run(o: { signal?: AbortSignal; onLoss?: () => void; onEvaluation?: (e: Evaluation) => void | Promise<void>; yieldToHost?: () => Promise<void> }): Promise<void> {
    const nextFrame = o.yieldToHost ?? noYield;
    const evalAt = evaluationSteps(this.config.steps, this.chunk);
    while (this.trainer.step < this.config.steps) {
      throwIfAborted(o.signal, 'training');
      const step = this.trainer.step;
      const count = Math.min(step === 0 ? this.firstChunk : this.chunk - (step % this.chunk), this.config.steps - step);
      const t0 = performance.now();
      this.span.begin();
      const pts = await this.trainer.train(count, o.signal ? { signal: o.signal } : {});
      this.span.end();
      const dt = performance.now() - t0;
      const gpu = await this.span.read();
      this.gpuMsPerStep = gpu === undefined ? undefined : gpu / count;
      this.trainMs += dt;
      this.step = this.trainer.step;
      this.stepsPerSecond = (1000 * count) / dt;
      this.losses.push(...pts);
      o.onLoss?.();
      await nextFrame();
      if (evalAt.includes(this.step)) {
        const ev = await this.evaluate(o.signal);
        // The host may compute more at these weights before training goes on (the page's bounds three ways).
        await o.onEvaluation?.(ev);
        await nextFrame();
      }
    }
  }

  /** Sample q0, estimate L_s(t), measure W2(p0, q0) and evaluate the bound at the current weights. */
  async evaluate(signal?: AbortSignal): Promise<Evaluation> {
    const p = this.config.process;
    const { forward, reverse, lipschitz, lsGrid, w2Solver } = await this.parts();
    const seed = 1000 + this.history.length;
    const loss = this.losses[this.losses.length - 1]?.loss ?? NaN;

    let t = performance.now();
    // q_T = p_T: start the reverse process from the forward-noised data.
    this.span.begin();
    await forward.marginal(this.data.data, p.T, seed);
    await reverse.run({ seed, init: forward.state, ...(signal ? { signal } : {}) });
    const samples = await reverse.read();
    this.span.end();
    const sampleMs = performance.now() - t;
    const sampleGpuMs = await this.span.read();
    const trajectory = await reverse.readTrajectory();

    t = performance.now();
    this.span.begin();
    const curve = await lipschitz.curve(this.trainer.mlp.params, {
      times: lsGrid.times,
      source: { buffer: this.data.data, count: Math.min(this.data.n, 4096), noise: true },
      perTime: 256,
      seed,
      ...(signal ? { signal } : {}),
    });
    this.span.end();
    const lipschitzMs = performance.now() - t;
    const lipschitzGpuMs = await this.span.read();

    let bound: number;
    let objective: number;
    if (p instanceof DdpmSigmoid) {
      objective = (p.steps / 2) * loss;
      bound = discreteBound(p.betas, curve.ls, objective, 0).bound;
    } else {
      objective = 0.5 * (p.T - p.tMin) * loss;
      bound = corollaryBound(boundGrid(p, lsGrid.t, curve.ls), objective, 0).bound;
    }

    // W2(p0, q0): debiased Sinkhorn divergence between the first n data points (drawn iid) and the
    // n samples, both on the GPU.
    t = performance.now();
    this.span.begin();
    const n = reverse.n;
    // One solver per session (allocated in create): each evaluation only uploads and iterates.
    const [ot] = await w2Solver.solve(
      [{ x: { data: this.data.data, d: this.dim, n }, y: { data: reverse.state, d: this.dim, n } }],
      // blur 0.05 (ε = 0.0025, against a data diameter of ~1.5-3): small enough for the debiased
      // divergence to track W2 at this scale, large enough to converge in a few hundred iterations
      // on a software adapter; an L1 marginal error of 1e-3 is plenty for a plot.
      { blur: 0.05, tol: 1e-3, maxIterations: 1000, ...(signal ? { signal } : {}) },
    );
    if (!ot) throw new Error('session: the Sinkhorn solver returned no result');
    this.span.end();
    const w2Ms = performance.now() - t;
    const w2GpuMs = await this.span.read();
    // Each iteration updates the cross potentials (2·n·m point pairs) and the two self potentials
    // of the debiasing terms (n² + m²).
    this.pairsPerSecond = (ot.iterations * 4 * n * n) / (w2Ms / 1000);
    const w2 = ot.w2;

    const ev: Evaluation = {
      step: this.step, samples, trajectory, lsTimes: lsGrid.t, ls: curve.ls, objective, w2, bound,
      ms: { sample: sampleMs, lipschitz: lipschitzMs, w2: w2Ms },
      gpuMs: { sample: sampleGpuMs, lipschitz: lipschitzGpuMs, ...(w2GpuMs !== undefined ? { w2: w2GpuMs } : {}) },
      sinkhorn: { iterations: ot.iterations, eps: ot.eps, marginalError: ot.marginalError, converged: ot.converged },
    };
    this.history.push({ step: this.step, loss, w2, bound });
    this.lastEval = ev;
    return ev;
  }

  /** The last evaluation (undefined before the first). */
  get lastEvaluation(): Evaluation | undefined {
    return this.lastEval;
  }

  /**
   * The bound three ways at the weights of the last evaluation (call it from `run`'s onEvaluation, or
   * after the run): with the paper's estimator, with the best lower estimate of L_s and with the
   * certified L_s (see ThreeBounds). One grid time per `engine.lipschitzSupremum` call, with
   * `yieldToHost` between, so the page repaints and Stop works; cancellable through `signal`.
   */
  async boundThreeWays(opts: ThreeWaysOptions = {}): Promise<ThreeBounds> {
    const ev = this.lastEval;
    if (!ev) throw new InputError('bound three ways: no evaluation yet (train to the first evaluation)');
    if (this.trainer.step !== ev.step) throw new InputError(`bound three ways: the weights moved on since the evaluation at step ${ev.step} (now ${this.trainer.step}): call it from onEvaluation`);
    if (!this.supremum) throw new InputError('bound three ways: this session has no supremum search (create it with engine.playground)');
    const t0 = performance.now();
    const p = this.config.process;
    const d = this.dim;
    const { lsGrid } = await this.parts();
    const M = lsGrid.times.length;
    const certify = (opts.certify ?? false) && d <= CERTIFY_MAX_DIM;
    this.hostData ??= await this.ctx.readF32(this.data.data, 0, Math.min(this.data.n, 4096) * d);
    const params = await this.trainer.readParams('params');
    const network: NetworkScore = { spec: this.spec, params };
    // 256 samples of p_t per time (as the live curve): the samples-only value and starts of the search.
    const samples = noisedSamples(this.hostData, d, lsGrid.times, 256, 1000 + this.history.length, 98);
    const rows: NetworkSupRow[] = [];
    for (let m = 0; m < M; m++) {
      throwIfAborted(opts.signal, 'bound three ways');
      const rep = await this.supremum(network, {
        times: [lsGrid.times[m]!],
        samples: [Float32Array.from(samples[m]!)],
        // A lighter search than the CLI's (256 starts per time, 30 steps): still seeded with the samples,
        // a grid, random points and the secant midpoints between the samples; the host's probes outside the box run as there.
        sampleStarts: opts.search?.sampleStarts ?? 8,
        gridStarts: opts.search?.gridStarts ?? 9,
        randomStarts: opts.search?.randomStarts ?? 4,
        secantStarts: opts.search?.secantStarts ?? 4,
        steps: opts.search?.steps ?? 15,
        grow: opts.search?.grow ?? 1,
        certify,
        secondsPerTime: opts.secondsPerTime ?? 0.5,
        boxesPerTime: opts.boxesPerTime ?? 20_000,
        seed: 7 + m,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      rows.push(rep.rows[0]!);
      opts.onTime?.(m + 1, M);
      await (opts.yieldToHost ?? noYield)();
    }
    throwIfAborted(opts.signal, 'bound three ways');

    const reading = (ls: ArrayLike<number>): BoundReading => {
      const l = Float64Array.from(ls);
      if (p instanceof DdpmSigmoid) {
        const b = discreteBound(p.betas, l, ev.objective, 0);
        return { available: true, ls: l, logI: b.logI[b.logI.length - 1]!, logBound: b.logBound, bound: b.bound };
      }
      const c = corollaryBound(boundGrid(p, lsGrid.t, l), ev.objective, 0);
      return { available: true, ls: l, logI: c.logI[c.logI.length - 1]!, logBound: Number.isFinite(c.bound) ? Math.log(c.bound) : logCorollary(p, lsGrid.t, c.logI, ev.objective), bound: c.bound };
    };
    const edges = rows.filter((r) => r.edge).length;
    const box = Math.max(...rows.map((r) => r.box));
    let paper: BoundReading;
    if (rows.every((r) => r.paper !== undefined && Number.isFinite(r.paper))) paper = reading(rows.map((r) => r.paper!));
    else paper = { available: false, reason: `not available — the paper's estimator is defined on the 2-D grid linspace(0, 0.9, 10)² (and its 1-D analogue); this data is ${d}-D` };
    let certified: BoundReading;
    // d ≤ 2 (region 'plane', the default there): every row's bound covers ℝ^d; where a part did not
    // close in the budget, certifiedLoose is that bound — larger, still sound.
    const plane = certify && defaultRegion(d) === 'plane' && rows.every((r) => r.certifiedRegion === `R^${d}`);
    const upperOf = (r: NetworkSupRow) => r.certified ?? (plane ? r.certifiedLoose : undefined) ?? null;
    const nulls = rows.filter((r) => upperOf(r) === null);
    if (!certify || d > CERTIFY_MAX_DIM) certified = { available: false, reason: d > CERTIFY_MAX_DIM ? `not available — no certificate above d = ${CERTIFY_MAX_DIM} (this data is ${d}-D): the best lower estimate is all there is` : `not computed — not asked for (certify: true runs a host branch-and-bound ${d <= 2 ? `over ℝ${pow(d)}` : 'over a box'})` };
    else if (nulls.length > 0) certified = { available: false, reason: `not available at ${nulls.length} of ${M} grid times: ${nulls[0]!.certifiedReason ?? 'no certificate'}` };
    else if (plane) certified = reading(rows.map((r) => upperOf(r)!));
    else if (edges > 0) {
      const B = Number(box.toPrecision(4));
      certified = {
        available: false,
        reason: `does not cover ℝ${pow(d)}: at ${edges} of ${M} grid times the largest value found in the box [−${B}, ${B}]${pow(d)} the certificate covers sits on its edge, so the supremum may lie outside it`,
      };
    } else certified = reading(rows.map((r) => r.certified!));
    return {
      step: ev.step,
      w2: ev.w2,
      objective: ev.objective,
      form: p instanceof DdpmSigmoid ? 'discrete' : 'corollary',
      times: lsGrid.t,
      paper,
      lower: reading(rows.map((r) => r.ls)),
      certified,
      samples: reading(ev.ls),
      box,
      edges,
      certifiedRegion: !certify ? undefined : plane ? (`R^${d}` as 'R^1' | 'R^2') : 'box',
      closed: certify ? rows.filter((r) => r.converged).length : 0,
      certifiedUpper: Float64Array.from(rows, (r) => upperOf(r) ?? r.certifiedInBox ?? NaN),
      relGap: Float64Array.from(rows, (r) => r.relGap ?? NaN),
      ms: performance.now() - t0,
    };
  }

  /** One block of text: throughput and where the time goes. */
  statsText(): string {
    const lines = [
      `step ${this.step}/${this.config.steps}  ${this.stepsPerSecond.toFixed(1)} steps/s  (${this.trainer.dispatchesPerStep} dispatches per step, up to ${this.chunk} steps per submit)  ` +
        `loss ${this.losses[this.losses.length - 1]?.loss.toPrecision(4) ?? '—'}  training ${(this.trainMs / 1000).toFixed(1)} s`,
      this.span.enabled
        ? `GPU time (timestamp queries): ${this.gpuMsPerStep?.toFixed(2) ?? '—'} ms per training step`
        : 'GPU time: this adapter has no timestamp-query (wall-clock times only)',
    ];
    const e = this.lastEval;
    const reverse = this.evalParts?.reverse;
    if (e && reverse) {
      lines.push(
        `last evaluation at step ${e.step}: sample ${e.ms.sample.toFixed(0)} ms (${reverse.n} particles × ${reverse.steps} steps, ` +
          `${((reverse.n * reverse.steps) / e.ms.sample / 1e3).toFixed(2)}·10^6 particle-steps/s), ` +
          `L_s ${e.ms.lipschitz.toFixed(0)} ms, W2 ${e.ms.w2!.toFixed(0)} ms (Sinkhorn: ${e.sinkhorn.iterations} iterations, ε ${e.sinkhorn.eps.toPrecision(2)}, ` +
          `marginal error ${e.sinkhorn.marginalError.toExponential(1)}${e.sinkhorn.converged ? '' : ', not converged'}, ${(this.pairsPerSecond / 1e9).toFixed(3)}·10^9 pair-evaluations/s); ` +
          `W2 ${e.w2.toPrecision(3)}, bound with L_s at samples of p_t ${e.bound.toPrecision(3)}`,
        `  GPU time of those phases: ${[['sample', e.gpuMs.sample], ['L_s', e.gpuMs.lipschitz], ['W2', e.gpuMs.w2]].filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${(v as number).toFixed(1)} ms`).join(', ') || '—'}`,
      );
    }
    return lines.join('\n');
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const e = this.evalParts;
    e?.w2Solver.destroy();
    this.span.destroy();
    e?.lipschitz.destroy();
    e?.reverse.destroy();
    e?.forward.destroy();
    this.trainer.destroy();
    this.data.destroy();
  }
}

interface EvalParts {
  forward: ForwardSampler;
  reverse: ReverseSampler;
  lipschitz: LipschitzEstimator;
  lsGrid: { times: TangentTime[]; t: Float64Array };
  w2Solver: SinkhornSolver;
}

/** ℝ^d's exponent as a superscript (¹ ² ³, else ^d). */
const pow = (d: number): string => ['', '¹', '²', '³'][d] ?? `^${d}`;

/**
 * log of Corollary 1's bound sqrt(2 (∫ g² I² dt) J) (reverse SDE, W2(p_T, q_T) = 0) in the log domain,
 * for an I that overflows a double: the same trapezoidal rule as corollaryBound, by log-sum-exp.
 */
function logCorollary(p: ForwardProcess, t: Float64Array, logI: Float64Array, objective: number): number {
  const terms: number[] = [];
  for (let i = 0; i + 1 < t.length; i++) {
    const h = Math.log(0.5 * (t[i + 1]! - t[i]!));
    terms.push(h + Math.log(p.g2(t[i]!)) + 2 * logI[i]!, h + Math.log(p.g2(t[i + 1]!)) + 2 * logI[i + 1]!);
  }
  const mx = Math.max(...terms);
  const lse = mx + Math.log(terms.reduce((a, v) => a + Math.exp(v - mx), 0));
  return 0.5 * (Math.LN2 + lse + Math.log(objective));
}

/** Where L_s(t) is estimated: every DDPM step, or 16 times on [t_min, T] for continuous processes. */
function lipschitzTimes(p: ForwardProcess): { times: TangentTime[]; t: Float64Array } {
  if (p instanceof DdpmSigmoid) {
    const times = Array.from({ length: p.steps }, (_, k) => ({ alpha: Math.sqrt(p.alphaBars[k]!), sigma: Math.sqrt(1 - p.alphaBars[k]!), step: k }));
    return { times, t: Float64Array.from({ length: p.steps }, (_, k) => k + 1) };
  }
  const M = 16;
  const t = Float64Array.from({ length: M }, (_, i) => p.tMin + ((p.T - p.tMin) * i) / (M - 1));
  return { times: Array.from(t, (ti) => ({ alpha: p.alpha(ti), sigma: p.sigma(ti), tau: ti / p.T })), t };
}
