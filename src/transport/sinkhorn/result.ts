/**
 * The results of a solve, from the final potentials (read back once, in float64 on the CPU): the
 * dual value OT_ε, the debiased divergence S_ε, the potentials of the uncentred problem in the
 * caller's order, and on request the gradient, the linear cost and the dense plan.
 */
import { InputError } from '../../gpu/errors.js';
import type { ResolvedSinkhorn } from './options.js';
import { centre, unsort, type Prepared } from './prepare.js';
import type { Layout } from './tables.js';

export interface SinkhornResult {
  /** sqrt(max(w2sq, 0)). */
  w2: number;
  /** The W2² estimate: S_ε when debiased (default), else OT_ε. */
  w2sq: number;
  /** OT_ε(α, β), the entropic transport value (dual objective at the final potentials). */
  ot: number;
  /** S_ε(α, β) (undefined when debias is false). */
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
  converged: boolean;
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
  ms: number;
}

/** The plan is returned up to this many entries. */
export const PLAN_LIMIT = 1e7;

/** What the iteration reached (shared by every problem of the batch). */
export interface RunSummary {
  eps: number;
  blur: number;
  diameter: number;
  levels: number;
  iterations: number;
  marginalError: number;
  selfMarginalError: number;
  converged: boolean;
  omega: number;
  pairEvaluations: number;
  truncation: SinkhornResult['truncation'];
}

/**
 * The results of every problem. `pot` holds all potentials as on the GPU ([copy][cross | self][point]),
 * the current cross ones in copy `cross`, the self ones in copy `self`; `moments` the plan moments
 * when the gradient or the linear cost was asked (SinkhornSolver.planMoments).
 */
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
  const { eps } = run;
  const cp = copies.cross;
  let momentOff = 0;
  return problems.map((q, p) => {
    const l = layouts[p]!;
    const { x, y } = q;
    const dm2 = q.shift.reduce((s, v) => s + v * v, 0);
    // Potentials back in the caller's order (the solver may hold the points sorted).
    const fc = unsort(pot.subarray(2 * cp * T + l.xs, 2 * cp * T + l.xs + l.n), q.orderX);
    const gc = unsort(pot.subarray(2 * cp * T + l.ys, 2 * cp * T + l.ys + l.m), q.orderY);
    let ot = dm2;
    for (let i = 0; i < l.n; i++) ot += x.weights[i]! * fc[i]!;
    for (let j = 0; j < l.m; j++) ot += y.weights[j]! * gc[j]!;
    let divergence: number | undefined;
    let fSelf: Float32Array | undefined;
    let gSelf: Float32Array | undefined;
    if (debias) {
      const base = (2 * copies.self + 1) * T;
      fSelf = unsort(pot.subarray(base + l.xs, base + l.xs + l.n), q.orderX);
      gSelf = unsort(pot.subarray(base + l.ys, base + l.ys + l.m), q.orderY);
      let s = ot;
      for (let i = 0; i < l.n; i++) s -= x.weights[i]! * fSelf[i]!;
      for (let j = 0; j < l.m; j++) s -= y.weights[j]! * gSelf[j]!;
      divergence = s;
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
    const w2sq = debias ? divergence! : ot;
    if (!Number.isFinite(w2sq)) {
      throw new InputError('sinkhorn: non-finite result (NaN/Inf in GPU-resident inputs, or blur too small for f32)');
    }
    return {
      w2: Math.sqrt(Math.max(0, w2sq)),
      w2sq,
      ot,
      divergence,
      linearCost,
      potentials: debias ? { f, g, fSelf: fSelf!, gSelf: gSelf! } : { f, g },
      grad,
      plan,
      eps,
      blur: run.blur,
      diameter: run.diameter,
      levels: run.levels,
      iterations: run.iterations,
      marginalError: run.marginalError,
      selfMarginalError: debias ? run.selfMarginalError : undefined,
      converged: run.converged,
      omega: run.omega,
      pairEvaluations: run.pairEvaluations,
      truncation: run.truncation,
      ms: 0,
    };
  });
}

/** <p_i - m, Δ> in float64. */
function dotCentred(p: Float32Array, i: number, m: Float64Array, delta: Float64Array, d: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) s += (p[i * d + c]! - m[c]!) * delta[c]!;
  return s;
}

/** π_ij = a_i b_j exp((f_i + g_j - C_ij)/ε), in float64 then rounded. */
function densePlan(x: Float32Array, y: Float32Array, a: Float64Array, b: Float64Array, f: Float32Array, g: Float32Array, eps: number, d: number): Float32Array {
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
