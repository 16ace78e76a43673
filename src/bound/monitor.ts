/**
 * Live monitoring of the W2 bound during training (issue 6, item 3): every `every` training steps,
 *   - sample q_0 with the paper's sampler (DDPM ancestral from the forward-noised data, so q_T = p_T;
 *     one particle per data point),
 *   - measure W2(p_0, q_0) on thousands of points with the caller's W2Fn (the experiments': exact
 *     where it is faster, else a converged debiased Sinkhorn; src/experiments/w2.ts), and the
 *     paper's sliced W2 on 128 vs 128 points,
 *   - estimate J_DSM at the current weights (held-out minibatches), and J_SM with the exact score when
 *     the data is a known Gaussian mixture,
 *   - estimate L_s at every step of the schedule (max over samples of p_t, of q_t and a grid; exact
 *     symmetric-Jacobian eigenvalues for d ≤ 3, power iteration otherwise: lower estimates),
 *   - evaluate the paper's discrete bound log W ≤ ½ log J + ½ log(2 Σ β_i I_i²) with J_DSM and J_SM,
 * and append one record to a time series that the CLI and the page plot (`onRecord`).
 *
 * J normalisation: the bound's J is ½ ∫ g² E|s_θ − ∇log p|² dt, discretised as ½ Σ_k β_k E_k. The
 * trainer's loss with weighting 'paper' and ε output is (1/n) Σ_k β_k E_k (λ = β/(1 − ᾱ) times
 * |ε_θ − ε|² = (1 − ᾱ)|s_θ − s_cond|²), so J_DSM = (n/2)·loss.
 */
import { throwIfAborted, type RunOptions } from '../gpu/run.js';
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import type { TangentTime } from '../kernels/mlp_tangent.js';
import { NetworkAtTime } from '../lipschitz/certify.js';
import { paperEstimate } from '../lipschitz/paper.js';
import type { GaussianMixture } from '../lipschitz/exact.js';
import { LipschitzEstimator } from '../lipschitz/estimator.js';
import type { DdpmSigmoid } from '../processes/process.js';
import { ForwardSampler } from '../samplers/forward.js';
import { ReverseSampler } from '../samplers/sampler.js';
import type { MixtureDescription } from '../scores/mixture.js';
import { scoreMatchingErrors } from './score_error.js';
import type { Trainer } from '../train/trainer.js';
import { discreteBound } from './bound.js';
import type { PointCloud } from '../gpu/points.js';


/** W2 between two clouds (host or GPU, n × d) by a method: the transport module's `w2` fits (src/transport/w2.ts). */
export type W2Fn = (x: PointCloud<Float32Array | GPUBuffer>, y: PointCloud<Float32Array | GPUBuffer>, method: 'sinkhorn' | 'sliced') => Promise<number>;

/** One checkpoint of the series. */
export interface MonitorRecord {
  step: number;
  /** The trainer's DSM loss at the current weights (mean over held-out minibatches). */
  loss: number;
  /** J_DSM = (n/2)·loss (see the file comment). */
  jdsm: number;
  /** J_SM with the exact score (mixtures only). */
  jsm?: number;
  /** W2(p_0, q_0) by debiased Sinkhorn (samplePoints vs the data). */
  w2: number;
  /** The paper's sliced W2 on 128 vs 128 points. */
  w2Sliced: number;
  /** L_s at steps 1..n (max of the estimators over p_t samples, q_t samples and the grid). */
  ls: number[];
  /** log I_i (the paper's discrete form). */
  logI: number[];
  /** ½ log(2 Σ β_i I_i²): the bound line's intercept in (log J, log W). */
  intercept: number;
  /** exp(½ log J_DSM + intercept): the bound with J_DSM. */
  bound: number;
  /** The bound with J_SM (mixtures only). */
  boundSm?: number;
  /** The paper's own estimator per step (10×10 grid linspace(0, 0.9, 10)², d ≤ 2; float64) and its line's intercept. */
  lsPaper?: number[];
  interceptPaper?: number;
  /** Wall seconds since the start of the run. */
  seconds: number;
  /** Seconds spent in each part of this checkpoint. */
  timings: Record<'jdsm' | 'sample' | 'w2' | 'jsm' | 'ls', number>;
}

export interface MonitorOptions {
  process: DdpmSigmoid;
  /** The training data on the GPU (p_0), and its exact mixture when known. */
  data: { buffer: GPUBuffer; n: number; dim: number; mixture?: MixtureDescription; exact?: boolean };
  /** W2 implementation (transport module). */
  w2: W2Fn;
  /** Points of p_t per step for L_s and J_SM (default 1024). */
  lsPoints?: number;
  /** Grid side for L_s (paper: 10 → 10×10 on [-1.5, 1.5]^d for d ≤ 2; default 10). */
  gridSide?: number;
  /** Held-out minibatches for J_DSM (default 16). */
  evalBatches?: number;
  seed?: number;
  /** Progress lines (each stage of a checkpoint with its seconds). */
  log?: (line: string) => void;
}

/** Convert a description {weights, means, covs} to the Lipschitz module's mixture. */
export function toGaussianMixture(m: MixtureDescription): GaussianMixture {
  const d = m.means[0]?.length ?? 0;
  return { dim: d, weights: m.weights, means: m.means, covariances: m.covs.map((c) => c.flat()) };
}

function gridPoints(dim: number, side: number, half: number): Float32Array {
  if (dim === 1) return Float32Array.from({ length: side * side }, (_, i) => -half + (2 * half * i) / (side * side - 1));
  const pts: number[] = [];
  const total = Math.max(1, side ** Math.min(dim, 2));
  for (let i = 0; i < total; i++) {
    const a = i % side;
    const b = Math.floor(i / side) % side;
    const row = new Array<number>(dim).fill(0);
    row[0] = -half + (2 * half * a) / (side - 1);
    if (dim > 1) row[1] = -half + (2 * half * b) / (side - 1);
    pts.push(...row);
  }
  return Float32Array.from(pts);
}

/**
 * The monitor: owns the sampler, the Lipschitz estimator and a few buffers for the run; the trainer
 * and the data stay the caller's.
 */
export class BoundMonitor {
  readonly records: MonitorRecord[] = [];
  private readonly t0 = performance.now();
  private hostData: Float32Array | undefined;
  /** q_T = p_T: the data pushed to T by the exact forward kernel (one x_T per data point). */

  private constructor(
    private readonly ctx: GpuContext,
    private readonly trainer: Trainer,
    private readonly o: Required<MonitorOptions> & { samplePoints: number },
    private readonly sampler: ReverseSampler,
    private readonly estimator: LipschitzEstimator,
    private readonly grid: GPUBuffer,
    private readonly gridCount: number,
    private readonly forward: ForwardSampler,
  ) {}

  static async create(ctx: GpuContext, trainer: Trainer, opts: MonitorOptions): Promise<BoundMonitor> {
    const spec = trainer.config.spec;
    if (spec.time.kind !== 'step' || spec.output !== 'eps') throw new InputError('monitor: the paper setup needs a per-step embedding network predicting ε');
    if (trainer.config.weighting !== 'paper') throw new InputError(`monitor: J_DSM needs the 'paper' weighting, got '${trainer.config.weighting ?? 'none'}'`);
    if (opts.data.dim !== spec.dim) throw new InputError(`monitor: data dimension ${opts.data.dim} != network dimension ${spec.dim}`);
    const o: Required<MonitorOptions> & { samplePoints: number } = {
      samplePoints: opts.data.n,
      lsPoints: opts.lsPoints ?? 1024,
      gridSide: opts.gridSide ?? 10,
      evalBatches: opts.evalBatches ?? 16,
      seed: opts.seed ?? 0,
      log: opts.log ?? (() => undefined),
      process: opts.process,
      data: opts.data,
      w2: opts.w2,
    };
    const n = opts.process.steps;
    const sampler = await ReverseSampler.create(ctx, {
      process: opts.process,
      score: { kind: 'network', network: { spec, params: trainer.mlp.params } },
      n: o.samplePoints,
      sampler: 'ddpm',
      captureEvery: 1,
    });
    const perTime = Math.max(o.lsPoints, o.gridSide * o.gridSide);
    const estimator = await LipschitzEstimator.create(ctx, trainer.mlp.layout, { maxPoints: n * perTime, maxTimes: n + 1 });
    const g = gridPoints(spec.dim, o.gridSide, 1.5);
    const grid = ctx.storage('monitor:grid', g);
    const forward = await ForwardSampler.create(ctx, { process: opts.process, dim: spec.dim, n: opts.data.n, steps: 1 });
    return new BoundMonitor(ctx, trainer, o, sampler, estimator, grid, g.length / spec.dim, forward);
  }

  /** Rows (α, σ, step) of the schedule's steps k = 0..n−1 (step k acts at continuous time k + 1). */
  private stepTimes(order: 'ascending' | 'frames'): TangentTime[] {
    const p = this.o.process;
    const n = p.steps;
    return Array.from({ length: n }, (_, m) => {
      // Frames of the DDPM sampler: frame f holds x at time n − f, evaluated by step k = n − 1 − f.
      const k = order === 'ascending' ? m : n - 1 - m;
      return { alpha: Math.sqrt(p.alphaBars[k]!), sigma: Math.sqrt(1 - p.alphaBars[k]!), step: k };
    });
  }

  private async data(): Promise<Float32Array> {
    this.hostData ??= await this.ctx.readF32(this.o.data.buffer, 0, this.o.data.n * this.o.data.dim);
    return this.hostData;
  }

  /** Measure one checkpoint at the trainer's current weights. */
  async checkpoint(): Promise<MonitorRecord> {
    const o = this.o;
    const p = o.process;
    const n = p.steps;
    const d = o.data.dim;
    const step = this.trainer.step;
    const seed = o.seed * 1_000_003 + step;

    const timings = { jdsm: 0, sample: 0, w2: 0, jsm: 0, ls: 0 };
    let mark = performance.now();
    const lap = (k: keyof typeof timings) => {
      const now = performance.now();
      timings[k] += (now - mark) / 1000;
      o.log?.(`checkpoint at step ${step}: ${k} ${((now - mark) / 1000).toFixed(1)} s`);
      mark = now;
    };
    // J_DSM at the current weights on held-out minibatches (step seeds far beyond training).
    let loss = 0;
    for (let b = 0; b < o.evalBatches; b++) loss += (await this.trainer.evaluate(2_000_000_000 + b)).loss;
    loss /= o.evalBatches;
    const jdsm = (n / 2) * loss;
    lap('jdsm');

    // q_0 from the forward-noised batch (q_T = p_T), trajectory kept for samples of q_t.
    await this.forward.marginal(o.data.buffer, p.T, seed);
    await this.sampler.run({ seed, init: this.forward.state });
    await this.ctx.flush();
    lap('sample');
    const w2 = await o.w2({ data: this.sampler.state, n: o.samplePoints, d }, { data: o.data.buffer, n: o.data.n, d }, 'sinkhorn');
    const q0 = await this.ctx.readF32(this.sampler.state, 0, Math.min(128, o.samplePoints) * d);
    const p0 = (await this.data()).slice(0, Math.min(128, o.data.n) * d);
    const w2Sliced = await o.w2({ data: q0, n: q0.length / d, d }, { data: p0, n: p0.length / d, d }, 'sliced');
    lap('w2');

    // L_s per step: p_t samples (noised data), q_t samples (trajectory frames), the grid.
    const asc = this.stepTimes('ascending');
    const fromP = await this.estimator.curve(this.trainer.mlp.params, { times: asc, source: { buffer: o.data.buffer, count: o.data.n, noise: true }, perTime: o.lsPoints, seed });
    lap('ls');
    let jsm: number | undefined;
    if (o.data.mixture && o.data.exact !== false) {
      // J_SM = ½ Σ_k β_k E_{p_t}|∇log p_t − s_θ|² at t = k + 1 (exact mixture score, GPU Monte Carlo).
      const errs = await scoreMatchingErrors(this.ctx, {
        process: p,
        network: { spec: this.trainer.config.spec, params: this.trainer.mlp.params },
        data: { buffer: o.data.buffer, n: o.data.n },
        dim: d,
        times: Array.from({ length: n }, (_, k) => k + 1),
        mixture: o.data.mixture,
        seed,
      });
      lap('jsm');
      jsm = Array.from(errs.jsm!).reduce((acc: number, e: number, k: number) => acc + 0.5 * p.betas[k]! * e, 0);
    }
    const frames = this.sampler.capture!;
    const fromQ = await this.estimator.curve(this.trainer.mlp.params, { times: this.stepTimes('frames'), source: { buffer: frames, count: (n + 1) * o.samplePoints, noise: false, stride: o.samplePoints }, perTime: Math.min(o.lsPoints, o.samplePoints), seed });
    const fromGrid = await this.estimator.curve(this.trainer.mlp.params, { times: asc, source: { buffer: this.grid, count: this.gridCount, noise: false }, perTime: this.gridCount, seed });
    const ls = asc.map((_, k) => Math.max(fromP.ls[k]!, fromQ.ls[n - 1 - k]!, fromGrid.ls[k]!));
    lap('ls');

    const db = discreteBound(p.betas, ls, jdsm, 0);
    const rec: MonitorRecord = {
      step,
      loss,
      jdsm,
      w2,
      w2Sliced,
      ls,
      logI: Array.from(db.logI),
      intercept: db.intercept,
      bound: db.bound,
      seconds: (performance.now() - this.t0) / 1000,
      timings,
    };
    if (jsm !== undefined) {
      rec.jsm = jsm;
      rec.boundSm = discreteBound(p.betas, ls, jsm, 0).bound;
    }
    if (d <= 2) {
      // The paper's estimator on the same weights (host float64, 100 points per step: cheap).
      const layout = this.trainer.mlp.layout;
      const params = await this.ctx.readF32(this.trainer.mlp.params, 0, layout.size);
      rec.lsPaper = asc.map((t) => paperEstimate(new NetworkAtTime(layout, params, t)).value);
      rec.interceptPaper = discreteBound(p.betas, rec.lsPaper, jdsm, 0).intercept;
    }
    this.records.push(rec);
    return rec;
  }

  /**
   * Train `steps` more steps, measuring a checkpoint every `every` steps (and at the start when the
   * series is empty). `onRecord` receives each record as soon as it is measured.
   */
  async run(steps: number, every: number, opts: RunOptions & { onRecord?: (r: MonitorRecord) => void } = {}): Promise<MonitorRecord[]> {
    if (!(Number.isInteger(every) && every >= 1)) throw new InputError(`monitor: every must be a positive integer, got ${every}`);
    if (!(Number.isInteger(steps) && steps >= 0)) throw new InputError(`monitor: steps must be a non-negative integer, got ${steps}`);
    if (this.records.length === 0) opts.onRecord?.(await this.checkpoint());
    for (let done = 0; done < steps; done += every) {
      throwIfAborted(opts.signal, 'monitor');
      await this.trainer.train(Math.min(every, steps - done), opts.signal ? { signal: opts.signal } : {});
      opts.onRecord?.(await this.checkpoint());
    }
    return this.records;
  }

  destroy(): void {
    this.sampler.destroy();
    this.estimator.destroy();
    this.forward.destroy();
    this.ctx.destroyBuffer(this.grid);
  }
}
