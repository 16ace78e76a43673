/**
 * The results of a solve, from the final potentials (read back once, in float64 on the CPU): the
 * dual value OT_ε, the debiased divergence S_ε, the potentials of the uncentred problem in the
 * caller's order, and on request the gradient, the linear cost and the dense plan.
 */
import type { HostPoints } from '../input.js';
import { InputError } from '../../gpu/errors.js';
import type { ResolvedSinkhorn } from './options.js';
import { centre, unsort, type Prepared } from './prepare.js';
import type { Layout } from './tables.js';

export interface SinkhornResult {
  /** sqrt(w2sq); NaN when the solve did not converge. */
  w2: number;
  /**
   * The W2² estimate: S_ε when debiased (default), else OT_ε; NaN when the solve did not converge
   * (`converged: false`; the last iterate's value is in `unconverged`). Values in
   * [-W2SQ_ZERO_TOL · diameter², 0) (f32 rounding of identical or nearly identical clouds) are 0.
   */
  w2sq: number;
  /** When not converged: the value the last iterate gives (not a W2²: its marginals are off by `marginalError`). */
  unconverged: { w2sq: number } | undefined;
  /** OT_ε(α, β), the entropic transport value (dual objective at the final potentials, whether converged or not). */
  ot: number;
  /** S_ε(α, β) (undefined when debias is false; NaN when the solve did not converge). */
  divergence: number | undefined;
  /** <π, C> of the entropic plan (when grad or linearCost was asked). */
  linearCost: number | undefined;
  /** Dual potentials of OT_ε(α, β) (f on X, g on Y) and, when debiased, of OT_ε(α, α) and OT_ε(β, β). */
  potentials: { f: Float32Array; g: Float32Array; fSelf?: Float32Array; gSelf?: Float32Array };
  /** Gradient of w2sq with respect to X (n×d row-major), when asked. */
  grad: Float32Array | undefined;
  /** The plan π (n×m row-major, entries sum to 1), when asked and small. */
  plan: Float32Array | undefined;
  eps: number;
  blur: number;
  diameter: number;
  levels: number;
  /** Softmin iterations (each updates every potential once). */
  iterations: number;
  /** Final L1 marginal error of the cross problem (and of the self problems). */
  marginalError: number;
  selfMarginalError: number | undefined;
  /**
   * Converged: the marginal errors are at most `tol`, or (with `marginalFloor` set) they stalled at
   * most at the f32 rounding floor (level.ts, marginalFloor; never above 1e-2), which no further
   * iteration can go under.
   */
  converged: boolean;
  /** The f32 floor of the marginal error the run stopped on when it is above `tol` (undefined otherwise). */
  marginalFloor: number | undefined;
  /** Over-relaxation ω of the final updates when the run stopped (1 while Anderson acceleration ran; ½ for symmetric updates). */
  omega: number;
  /**
   * Softmin pair evaluations (cost and exp) of this solve, all problems of the batch together: n·m
   * per dense softmin, the kept pairs per block-sparse one (the exact max-pass redo of rows whose
   * fast sum left the f32 range and the nested leaf solve are not counted).
   */
  pairEvaluations: number;
  /**
   * Truncation of far pairs, when used: τ, the kept fraction of the pairs at the final ε (all four
   * problems of a debiased solve together), the levels that ran block-sparse and the rebuilds of
   * the kept set at the final ε after a check with the current potentials failed.
   */
  truncation:
    | {
        tau: number;
        keptFraction: number;
        sparseLevels: number;
        rebuilds: number;
        /** The nested solve on the k-d tree leaves that replaced the coarse levels (points per cloud, its iterations, the ε it reached). */
        leaves?: { points: number; iterations: number; eps: number };
      }
    | undefined;
  /** Readbacks of the marginal errors (convergence checks) over every level, a pipelined run's dropped last one included. */
  checks: number;
  /** Wall time of the whole solve (ms), all problems of the batch together. */
  ms: number;
  /**
   * Where `ms` went: validating, centring and uploading the inputs (prepare), the coarse or leaf
   * start on the host with its nested solve (start), the GPU iterations with their checks (iterate),
   * and reading the potentials back and summing the results in float64 (results).
   */
  phaseMs: { prepare: number; start: number; iterate: number; results: number };
}

/** The plan is returned up to this many entries. */
export const PLAN_LIMIT = 1e7;

/**
 * A debiased W2² in [-W2SQ_ZERO_TOL · diameter², 0) is reported as 0: identical clouds give S_ε = 0
 * exactly, and the f32 potentials (each rounded to 2^-24 of its size, at most ~diameter²) leave
 * about 1e-7 · diameter² of noise in the sums <a, f - f_aa> + <b, g - g_bb>.
 */
export const W2SQ_ZERO_TOL = 1e-6;

/** What the iteration reached (shared by every problem of the batch), in units of `scale` (lengths) and scale² (ε). */
export interface RunSummary {
  /** The unit of length of the solve (the points on the GPU were (p - mean)/scale). */
  scale: number;
  eps: number;
  blur: number;
  diameter: number;
  levels: number;
  iterations: number;
  marginalError: number;
  selfMarginalError: number;
  /**
   * Converged: the marginal errors are at most `tol`, or (with `marginalFloor` set) they stalled at
   * most at the f32 rounding floor (level.ts, marginalFloor; never above 1e-2), which no further
   * iteration can go under.
   */
  converged: boolean;
  /** The f32 floor of the marginal error the run stopped on when it is above `tol` (undefined otherwise). */
  marginalFloor: number | undefined;
  omega: number;
  pairEvaluations: number;
  truncation: SinkhornResult['truncation'];
  checks: number;
}

/**
 * The results of every problem. `pot` holds all potentials as on the GPU ([copy][cross | self][point]
 * high parts, then the low parts at 4·total), the current cross ones in copy `cross`, the self ones in copy `self`; `moments` the plan moments
 * when the gradient or the linear cost was asked (moments.ts, planMoments).
 */
/** Largest finite float32. */
const F32_MAX = 3.4028234663852886e38;

export function assembleResults(
  problems: readonly Prepared[],
  layouts: readonly Layout[],
  total: number,
  d: number,
  pot: Float32Array,
  copies: { cross: number; self: number },
  moments: Float32Array | undefined,
  o: ResolvedSinkhorn,
  run: RunSummary,
): SinkhornResult[] {
  const T = total;
  const debias = o.debias;
  const s2 = run.scale * run.scale;
  // Potentials, ε and moments back in units of the data (lengths × scale, squared lengths × scale²).
  const eps = run.eps * s2;
  // Each potential is its f32 high part plus its low part (4T further on): summed in float64.
  const full = new Float64Array(4 * T);
  for (let k = 0; k < 4 * T; k++) full[k] = (pot[k]! + (pot[4 * T + k] ?? 0)) * s2;
  // Largest potential in units of the data: past float32's range the potentials returned (f32) overflow.
  let potMax = 0;
  for (const v of full) potMax = Math.max(potMax, Math.abs(v));
  if (moments && run.scale !== 1) moments = moments.map((v, k) => v * (k % (d + 1) === d ? s2 : run.scale));
  const cp = copies.cross;
  let momentOff = 0;
  return problems.map((q, p) => {
    const l = layouts[p]!;
    const { x, y } = q;
    const dm2 = q.shift.reduce((s, v) => s + v * v, 0);
    // Potentials back in the caller's order (the solver may hold the points sorted); the dual sums in float64.
    const at = (base: number, n: number) => full.subarray(base, base + n);
    const fs = at(2 * cp * T + l.xs, l.n);
    const gs = at(2 * cp * T + l.ys, l.m);
    const fc = unsort(fs, q.orderX);
    const gc = unsort(gs, q.orderY);
    const ot = dm2 + dotSorted(x.weights, fs, q.orderX) + dotSorted(y.weights, gs, q.orderY);
    let divergence: number | undefined;
    let fSelf: Float32Array | undefined;
    let gSelf: Float32Array | undefined;
    if (debias) {
      const base = (2 * copies.self + 1) * T;
      const fa = at(base + l.xs, l.n);
      const gb = at(base + l.ys, l.m);
      fSelf = unsort(fa, q.orderX);
      gSelf = unsort(gb, q.orderY);
      divergence = ot - dotSorted(x.weights, fa, q.orderX) - dotSorted(y.weights, gb, q.orderY);
    }
    // Potentials of the uncentred problem: f_i = f̃_i + 2<x̃_i, Δ> + |Δ|²/2, g_j = g̃_j - 2<ỹ_j, Δ> + |Δ|²/2.
    const f = new Float32Array(l.n);
    const g = new Float32Array(l.m);
    for (let i = 0; i < l.n; i++) f[i] = fc[i]! + (q.hx ? 2 * dotCentred(q.hx, i, q.mx, q.shift, d) : 0) + dm2 / 2;
    for (let j = 0; j < l.m; j++) g[j] = gc[j]! - (q.hy ? 2 * dotCentred(q.hy, j, q.my, q.shift, d) : 0) + dm2 / 2;
    let grad: Float32Array | undefined;
    let linearCost: number | undefined;
    if (moments) {
      const ab = unsort(moments.subarray(momentOff, momentOff + l.n * (d + 1)), q.orderX, d + 1);
      const aa = unsort(moments.subarray(momentOff + l.n * (d + 1), momentOff + 2 * l.n * (d + 1)), q.orderX, d + 1);
      momentOff += 2 * l.n * (d + 1);
      linearCost = dm2;
      for (let i = 0; i < l.n; i++) linearCost += x.weights[i]! * ab[i * (d + 1) + d]!;
      // Centred cost <π̃, C̃> = <π, C> - |Δ|²; the cross term vanishes since both clouds are centred.
      if (o.grad) {
        grad = new Float32Array(l.n * d);
        const xs = q.hx ? centre(q.hx, q.mx, d) : undefined;
        for (let i = 0; i < l.n; i++) {
          for (let c = 0; c < d; c++) {
            const baryAb = ab[i * (d + 1) + c]!;
            const other = debias ? aa[i * (d + 1) + c]! : xs ? xs[i * d + c]! : NaN;
            grad[i * d + c] = 2 * x.weights[i]! * (other - baryAb + q.shift[c]!);
          }
        }
        if (!debias && !xs) throw new InputError('sinkhorn: the gradient of a GPU-resident cloud needs debias or the host points');
      }
    }
    let plan: Float32Array | undefined;
    if (o.plan) {
      if (l.n * l.m > PLAN_LIMIT) throw new InputError(`sinkhorn: the plan has ${l.n}×${l.m} entries, over the limit of ${PLAN_LIMIT}`);
      if (!q.hx || !q.hy) throw new InputError('sinkhorn: the plan needs the points on the host (give Float32Arrays or a diameter-free call)');
      plan = densePlan(q.hx, q.hy, x.weights, y.weights, f, g, eps, d);
    }
    let w2sq = debias ? divergence! : ot;
    if (!Number.isFinite(w2sq) && run.converged && potMax > F32_MAX) {
      throw new InputError(
        `sinkhorn: squared distances of this data (diameter ${(run.diameter * run.scale).toExponential(2)}, potentials up to ${potMax.toExponential(2)}) overflow float32 (3.4e38), ` +
          "the GPU's number format: rescale the data (W2 is scale covariant: W2(sX, sY) = s·W2(X, Y)) or use method 'exact' (float64)",
      );
    }
    if (!Number.isFinite(w2sq) && run.converged) {
      throw new InputError('sinkhorn: non-finite result (NaN/Inf in GPU-resident inputs, or blur too small for f32)');
    }
    const diameter = run.diameter * run.scale;
    if (w2sq < 0 && w2sq >= -W2SQ_ZERO_TOL * diameter * diameter) w2sq = 0;
    return {
      w2: run.converged ? Math.sqrt(Math.max(0, w2sq)) : NaN,
      w2sq: run.converged ? w2sq : NaN,
      unconverged: run.converged ? undefined : { w2sq },
      ot,
      divergence: run.converged ? divergence : divergence === undefined ? undefined : NaN,
      linearCost,
      potentials: debias ? { f, g, fSelf: fSelf!, gSelf: gSelf! } : { f, g },
      grad,
      plan,
      eps,
      blur: run.blur * run.scale,
      diameter,
      levels: run.levels,
      iterations: run.iterations,
      marginalError: run.marginalError,
      selfMarginalError: debias ? run.selfMarginalError : undefined,
      converged: run.converged,
      marginalFloor: run.marginalFloor === undefined ? undefined : run.marginalFloor,
      omega: run.omega,
      pairEvaluations: run.pairEvaluations,
      truncation: run.truncation,
      checks: run.checks,
      ms: 0,
      phaseMs: { prepare: 0, start: 0, iterate: 0, results: 0 },
    };
  });
}

/** Σ_i w_i v_i with v in the solver's order (v[k] belongs to point order[k]), in float64. */
function dotSorted(w: Float64Array, v: Float64Array, order: Uint32Array | undefined): number {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += w[order ? order[k]! : k]! * v[k]!;
  return s;
}

/** <p_i - m, Δ> in float64. */
function dotCentred(p: HostPoints, i: number, m: Float64Array, delta: Float64Array, d: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) s += (p[i * d + c]! - m[c]!) * delta[c]!;
  return s;
}

/** π_ij = a_i b_j exp((f_i + g_j - C_ij)/ε), in float64 then rounded. */
function densePlan(x: HostPoints, y: HostPoints, a: Float64Array, b: Float64Array, f: Float32Array, g: Float32Array, eps: number, d: number): Float32Array {
  const n = a.length;
  const m = b.length;
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let c = 0;
      for (let k = 0; k < d; k++) c += (x[i * d + k]! - y[j * d + k]!) ** 2;
      out[i * m + j] = a[i]! * b[j]! * Math.exp((f[i]! + g[j]! - c) / eps);
    }
  }
  return out;
}
