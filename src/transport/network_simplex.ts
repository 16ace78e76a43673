/**
 * Exact discrete optimal transport on the CPU in float64: the problem POT's `emd2(a, b, M)` solves,
 * by the primal network simplex on the bipartite transportation network.
 *
 * Primal (the Kantorovich problem between Σ_i a_i δ_{x_i} and Σ_j b_j δ_{y_j}):
 *
 *     OT(a, b; C) = min_{P ≥ 0}  Σ_ij P_ij C_ij   subject to  Σ_j P_ij = a_i,  Σ_i P_ij = b_j,
 *
 * with a ∈ Δ_n, b ∈ Δ_m (weights summing to 1) and, for W2², C_ij = |x_i − y_j|².
 *
 * Dual:
 *
 *     OT(a, b; C) = max_{f, g}  Σ_i a_i f_i + Σ_j b_j g_j   subject to  f_i + g_j ≤ C_ij  for all i, j.
 *
 * At the optimum both values agree, and complementary slackness holds: P_ij > 0 only where
 * f_i + g_j = C_ij. The optimal plan returned is a vertex of the transportation polytope (a spanning
 * tree of the bipartite graph), so it has at most n + m − 1 non-zero entries.
 *
 * Algorithm (Ahuja, Magnanti & Orlin, "Network Flows", ch. 11): a basic feasible solution is a
 * spanning tree of n + m − 1 arcs i → j; the potentials make every tree arc tight
 * (f_i + g_j = C_ij); an arc with negative reduced cost r_ij = C_ij − f_i − g_j enters, closing a
 * cycle around which flow is pushed until a tree arc empties and leaves. The tree is kept strongly
 * feasible (every zero-flow tree arc points towards the root, and the leaving arc is the last
 * blocking arc of the cycle in its orientation from the apex), which rules out cycling under
 * degeneracy (§11.5). Entering arcs are priced by block search (the best arc of each block of about
 * √(nm) arcs, continuing where the last search stopped). The start is the north-west-corner tree
 * along an order of the points (for point clouds: sorted along their principal direction, so the
 * start is the 1-D optimal coupling of a projection), built with real arcs only: no artificial
 * arcs or big-M costs, so the potentials stay on the scale of the costs. Potentials are recomputed
 * from the tree every n + m pivots and before the final optimality scan, so rounding cannot drift.
 *
 * Memory: O(n + m) for point clouds in dimension ≤ POINTS_MAX_DIM (distances recomputed while pricing),
 * otherwise the n×m cost matrix in float64 (8nm bytes).
 */
import { CancelledError, InputError } from '../gpu/errors.js';
import { reportProgress, type RunOptions } from '../gpu/run.js';
import { checkFinite, normaliseWeights } from '../gpu/validate.js';
import { costFunction, maxCost, principalOrders, restrictModel, rowScanner, sqEuclideanCost, type CostModel } from './ot_cost.js';

/** Largest n·m for the exact solver (a cost matrix, where one is stored, is 8·n·m bytes: 512 MiB at this limit). */
export const EXACT_MAX_PAIRS = 1 << 26;

/** Up to this dimension exactOT recomputes |x − y|² while pricing instead of storing the matrix. */
export const POINTS_MAX_DIM = 8;

/** A sparse transport plan: P[rows[k], cols[k]] = mass[k], every other entry 0. */
export interface SparsePlan {
  rows: Int32Array;
  cols: Int32Array;
  mass: Float64Array;
}

/** The solution of the exact OT problem (see the module comment for the primal and dual). */
export interface ExactOtResult {
  /** The optimal cost Σ_ij P_ij C_ij (W2² for the squared Euclidean cost). */
  cost: number;
  /** The dual objective Σ a_i f_i + Σ b_j g_j at the returned potentials (equals `cost` up to rounding). */
  dual: number;
  /**
   * Dual potentials (length n and m), feasible (f_i + g_j ≤ C_ij up to rounding) and tight on the
   * plan's support, shifted by a constant (f + t, g − t) so that Σ a_i f_i = Σ b_j g_j = cost / 2.
   * A point of zero weight gets the c-transform of the other side (f_i = min_j C_ij − g_j).
   */
  f: Float64Array;
  g: Float64Array;
  /** The optimal plan (when `plan: true` was asked), at most n + m − 1 entries, in no particular order. */
  plan?: SparsePlan;
  /** Simplex pivots taken from the starting tree. */
  pivots: number;
}

export interface NetworkSimplexOptions {
  /** Return the sparse optimal plan (default false). */
  plan?: boolean;
  /** Order of the rows and columns for the north-west-corner start (default: 0..n−1, 0..m−1). */
  rowOrder?: ArrayLike<number>;
  colOrder?: ArrayLike<number>;
  /**
   * Checked every 1024 pivots. The synchronous functions (networkSimplex, exactOT) hold the thread,
   * so only an abort made before the call or from inside an onProgress callback is seen;
   * exactOTAsync gives the event loop a turn every ~50 ms, so a timer or a click can abort it.
   */
  signal?: AbortSignal;
}

/** A solve that yields its pivot count every 1024 pivots (see drive and driveAsync). */
type Solving<T> = Generator<number, T, void>;

/** Run a solve to the end on this thread, checking `signal` every 1024 pivots. */
function drive<T>(solving: Solving<T>, signal?: AbortSignal): T {
  for (;;) {
    const r = solving.next();
    if (r.done) return r.value;
    if (signal?.aborted) throw new CancelledError('exact OT');
  }
}

/** How long a slice of an asynchronous solve runs before the event loop gets a turn. */
const SLICE_MS = 50;

/**
 * Run a solve in slices of ~SLICE_MS, giving the event loop a turn between them (a macrotask: a
 * timer, an abort from a click or a signal handler runs there), checking `signal` every 1024 pivots
 * and reporting progress (stage 'exact', done: pivots so far; no total) after each slice.
 */
async function driveAsync<T>(solving: Solving<T>, opts: RunOptions): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const r = solving.next();
    if (r.done) return r.value;
    if (opts.signal?.aborted) throw new CancelledError('exact OT');
    if (performance.now() - sliceStart < SLICE_MS) continue;
    reportProgress(opts, { stage: 'exact', done: r.value, metrics: { pivots: r.value } });
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (opts.signal?.aborted) throw new CancelledError('exact OT');
    sliceStart = performance.now();
  }
}


/**
 * Exact OT between weights `a` (n) and `b` (m) for the cost matrix `C` (n×m row-major, float64):
 * the problem of POT's `emd2(a, b, C)`. Weights are normalised (non-negative, not all zero).
 */
export function networkSimplex(C: ArrayLike<number>, n: number, m: number, a?: ArrayLike<number>, b?: ArrayLike<number>, opts: NetworkSimplexOptions = {}): ExactOtResult {
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 1 || m < 1) throw new InputError(`exact OT: sizes must be positive integers, got ${n} and ${m}`);
  if (C.length !== n * m) throw new InputError(`exact OT: the cost matrix has ${C.length} entries, ${n}×${m} needs ${n * m}`);
  if (n * m > EXACT_MAX_PAIRS) throw new InputError(`exact OT: ${n}×${m} pairs is over the limit of ${EXACT_MAX_PAIRS}; use sinkhorn`);
  for (let k = 0; k < C.length; k++) if (!Number.isFinite(C[k]!)) throw new InputError(`exact OT: cost entry (${Math.floor(k / m)}, ${k % m}) is ${C[k]}`);
  return drive(solveWeighted({ kind: 'matrix', C: C instanceof Float64Array ? C : Float64Array.from(C) }, n, m, a, b, opts), opts.signal);
}

/** Normalise the weights, drop zero-weight points, solve, and expand and centre the potentials. */
function* solveWeighted(model: CostModel, n: number, m: number, a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined, opts: NetworkSimplexOptions): Solving<ExactOtResult> {
  const wa = normaliseWeights('a', a, n);
  const wb = normaliseWeights('b', b, m);
  // Points of zero weight carry no flow: solve without them (they would make the start degenerate
  // in a direction the strongly-feasible rule does not allow) and give them c-transform potentials.
  const rows = positiveIndex(wa);
  const cols = positiveIndex(wb);
  const inner = rows.length === n && cols.length === m ? model : restrictModel(model, m, rows, cols);
  const rowOrder = restrictOrder(opts.rowOrder, wa, n, rows);
  const colOrder = restrictOrder(opts.colOrder, wb, m, cols);
  const sol = yield* solve(inner, rows.length, cols.length, gather(wa, rows), gather(wb, cols), rowOrder, colOrder);
  const cost = costFunction(model, m);
  const f = new Float64Array(n).fill(NaN);
  const g = new Float64Array(m).fill(NaN);
  rows.forEach((r, p) => (f[r] = sol.f[p]!));
  cols.forEach((c, q) => (g[c] = sol.g[q]!));
  for (let i = 0; i < n; i++) {
    if (!Number.isNaN(f[i]!)) continue;
    let best = Infinity;
    for (const j of cols) best = Math.min(best, cost(i, j) - g[j]!);
    f[i] = best;
  }
  for (let j = 0; j < m; j++) {
    if (!Number.isNaN(g[j]!)) continue;
    let best = Infinity;
    for (const i of rows) best = Math.min(best, cost(i, j) - f[i]!);
    g[j] = best;
  }
  // Centre the potentials: (f + t, g − t) keeps feasibility and tightness; pick Σ a f = Σ b g.
  let sf = 0;
  let sg = 0;
  for (let i = 0; i < n; i++) sf += wa[i]! * f[i]!;
  for (let j = 0; j < m; j++) sg += wb[j]! * g[j]!;
  const t = (sg - sf) / 2;
  for (let i = 0; i < n; i++) f[i] = f[i]! + t;
  for (let j = 0; j < m; j++) g[j] = g[j]! - t;
  let dual = 0;
  for (let i = 0; i < n; i++) dual += wa[i]! * f[i]!;
  for (let j = 0; j < m; j++) dual += wb[j]! * g[j]!;
  const out: ExactOtResult = { cost: sol.cost, dual, f, g, pivots: sol.pivots };
  if (opts.plan) {
    const k = sol.planRows.length;
    const pr = new Int32Array(k);
    const pc = new Int32Array(k);
    for (let e = 0; e < k; e++) {
      pr[e] = rows[sol.planRows[e]!]!;
      pc[e] = cols[sol.planCols[e]!]!;
    }
    out.plan = { rows: pr, cols: pc, mass: sol.planMass };
  }
  return out;
}

function positiveIndex(w: Float64Array): Int32Array {
  const idx: number[] = [];
  for (let i = 0; i < w.length; i++) if (w[i]! > 0) idx.push(i);
  return Int32Array.from(idx);
}

function gather(w: Float64Array, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length);
  for (let k = 0; k < idx.length; k++) out[k] = w[idx[k]!]!;
  return out;
}

/** The given order restricted to the kept (positive-weight) indices, renumbered 0..kept−1. */
function restrictOrder(order: ArrayLike<number> | undefined, w: Float64Array, n: number, kept: Int32Array): Int32Array {
  if (order === undefined) {
    const o = new Int32Array(kept.length);
    for (let k = 0; k < o.length; k++) o[k] = k;
    return o;
  }
  if (order.length !== n) throw new InputError(`exact OT: an order of ${order.length} indices for ${n} points`);
  const renum = new Int32Array(n).fill(-1);
  kept.forEach((r, k) => (renum[r] = k));
  const seen = new Uint8Array(n);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const r = order[k]!;
    if (!Number.isInteger(r) || r < 0 || r >= n || seen[r]) throw new InputError('exact OT: the start order is not a permutation');
    seen[r] = 1;
    if (w[r]! > 0) out.push(renum[r]!);
  }
  return Int32Array.from(out);
}

interface CoreSolution {
  cost: number;
  f: Float64Array;
  g: Float64Array;
  pivots: number;
  planRows: Int32Array;
  planCols: Int32Array;
  planMass: Float64Array;
}

/**
 * The network simplex on positive weights. Nodes 0..n−1 are the rows (supplies), n..n+m−1 the
 * columns (demands); every arc goes row → column, so a tree arc's orientation follows from the
 * type of its child node and the tree stores, per non-root node, its parent and the flow on the arc
 * to it. Non-tree arcs carry no flow (the network is uncapacitated).
 */
function* solve(model: CostModel, n: number, m: number, a: Float64Array, b: Float64Array, rowOrder: Int32Array, colOrder: Int32Array): Solving<CoreSolution> {
  const N = n + m;
  const nm = n * m;
  const cost = costFunction(model, m);
  const parent = new Int32Array(N).fill(-1);
  const flow = new Float64Array(N);
  const depth = new Int32Array(N);
  const firstChild = new Int32Array(N).fill(-1);
  const nextSib = new Int32Array(N).fill(-1);
  const prevSib = new Int32Array(N).fill(-1);
  const f = new Float64Array(n);
  const g = new Float64Array(m);
  const stack = new Int32Array(N);

  const attach = (w: number, p: number) => {
    parent[w] = p;
    prevSib[w] = -1;
    const h = firstChild[p]!;
    nextSib[w] = h;
    if (h >= 0) prevSib[h] = w;
    firstChild[p] = w;
  };
  const detach = (w: number) => {
    const p = parent[w]!;
    const ps = prevSib[w]!;
    const ns = nextSib[w]!;
    if (ps >= 0) nextSib[ps] = ns;
    else firstChild[p] = ns;
    if (ns >= 0) prevSib[ns] = ps;
  };
  /** Potentials and depths of the subtree of `top` from its parent, exactly (no accumulated shifts). */
  const recompute = (top: number) => {
    let sp = 0;
    stack[sp++] = top;
    while (sp > 0) {
      const w = stack[--sp]!;
      const p = parent[w]!;
      if (p < 0) {
        depth[w] = 0;
        if (w < n) f[w] = 0;
        else g[w - n] = 0;
      } else {
        depth[w] = depth[p]! + 1;
        if (w < n) f[w] = cost(w, p - n) - g[p - n]!;
        else g[w - n] = cost(p, w - n) - f[p]!;
      }
      for (let c = firstChild[w]!; c >= 0; c = nextSib[c]!) stack[sp++] = c;
    }
  };

  // North-west-corner start along (rowOrder, colOrder): a staircase of n + m − 1 arcs. When a row and
  // a column run out together, the next row enters with a zero-flow arc pointing to the root (up),
  // as strong feasibility requires. The last row (column) takes whatever is left, so rounding in
  // Σa vs Σb never disconnects the tree.
  {
    let p = 0;
    let q = 0;
    let i = rowOrder[0]!;
    let j = colOrder[0]!;
    let ra = a[i]!;
    let rb = b[j]!;
    let child = n + j;
    attach(child, i);
    for (;;) {
      const t = p === n - 1 ? rb : q === m - 1 ? ra : Math.min(ra, rb);
      flow[child] = Math.max(0, t);
      ra -= t;
      rb -= t;
      if (p === n - 1 && q === m - 1) break;
      if (p < n - 1 && (q === m - 1 || ra <= 0)) {
        i = rowOrder[++p]!;
        ra = a[i]!;
        child = i;
        attach(i, n + j);
      } else {
        j = colOrder[++q]!;
        rb = b[j]!;
        child = n + j;
        attach(child, i);
      }
    }
  }
  const root = rowOrder[0]!;
  recompute(root);

  const maxC = maxCost(model);
  // Reduced costs are C − f − g with |f|, |g| ≲ max|C|: rounding leaves ~1e-16·max|C| on tight
  // arcs. An arc enters only below −tol, and the plan's cost is then within tol of the optimum
  // (cost(P) − OT = −Σ P*_ij r_ij ≤ tol·ΣP* = tol).
  const tol = 1e-14 * maxC;
  const block = Math.min(nm, Math.max(10, Math.ceil(Math.sqrt(nm))));
  let pos = 0;

  /** Block search: the most negative reduced cost in the first block that has one, or −1. */
  let best = -1;
  let bestR = 0;
  const consider = (i: number, j: number, r: number) => {
    // Tree arcs are tight (|r| ~ rounding < tol); the check only guards against drift.
    if (parent[i] !== n + j && parent[n + j] !== i) {
      bestR = r;
      best = i * m + j;
    }
  };
  const scanRow = rowScanner(model, m, f, g, (i, j, r) => {
    if (r < bestR) consider(i, j, r);
    return bestR;
  });
  const price = (): number => {
    let i = Math.floor(pos / m);
    let j = pos - i * m;
    best = -1;
    bestR = -tol;
    let inBlock = 0;
    for (let left = nm; left > 0; ) {
      const len = Math.min(m - j, block - inBlock, left);
      scanRow(i, j, j + len, bestR);
      j += len;
      inBlock += len;
      left -= len;
      if (j === m) {
        j = 0;
        if (++i === n) i = 0;
      }
      if (inBlock === block) {
        inBlock = 0;
        if (best >= 0) break;
      }
    }
    pos = i * m + j;
    return best;
  };

  let pivots = 0;
  let sinceRecompute = 0;
  for (;;) {
    let e = price();
    if (e < 0) {
      // Optimal up to drift: recompute the potentials exactly and scan once more.
      recompute(root);
      sinceRecompute = 0;
      e = price();
      if (e < 0) break;
    }
    if ((pivots & 1023) === 0) yield pivots;
    pivots++;
    const ei = Math.floor(e / m);
    const ej = e - ei * m;
    const u = ei;
    const v = n + ej;
    const rIn = cost(ei, ej) - f[ei]! - g[ej]!;
    // Apex of the cycle.
    let x = u;
    let y = v;
    while (x !== y) {
      const dx = depth[x]!;
      const dy = depth[y]!;
      if (dx >= dy) x = parent[x]!;
      if (dy >= dx) y = parent[y]!;
    }
    const join = x;
    // Flow goes join → … → u → v → … → join. Decreasing arcs: on u's side the row nodes (arc
    // child → parent traversed downwards), on v's side the column nodes. The leaving arc is the
    // last blocking one in that orientation: nearest u on u's side (strict <, walking up from u),
    // nearest the apex on v's side (<=, walking up from v, which also wins ties with u's side).
    let delta = Infinity;
    let leave = -1;
    let leaveOnU = true;
    for (let w = u; w !== join; w = parent[w]!) {
      if (w < n && flow[w]! < delta) {
        delta = flow[w]!;
        leave = w;
      }
    }
    for (let w = v; w !== join; w = parent[w]!) {
      if (w >= n && flow[w]! <= delta) {
        delta = flow[w]!;
        leave = w;
        leaveOnU = false;
      }
    }
    if (delta > 0) {
      for (let w = u; w !== join; w = parent[w]!) flow[w] = w < n ? flow[w]! - delta : flow[w]! + delta;
      for (let w = v; w !== join; w = parent[w]!) flow[w] = w < n ? flow[w]! + delta : flow[w]! - delta;
    }
    // Cut the leaving arc and hang the detached subtree from the entering arc: reverse the path
    // from the entering endpoint q up to `leave`, moving each arc's flow to its new child.
    const q = leaveOnU ? u : v;
    let newParent = leaveOnU ? v : u;
    let carried = delta;
    for (let w = q; ; ) {
      const oldParent = parent[w]!;
      const oldFlow = flow[w]!;
      detach(w);
      attach(w, newParent);
      flow[w] = carried;
      if (w === leave) break;
      carried = oldFlow;
      newParent = w;
      w = oldParent;
    }
    // The moved subtree is tight inside; shift it so the entering arc is tight too.
    const shift = q < n ? rIn : -rIn;
    let sp = 0;
    stack[sp++] = q;
    while (sp > 0) {
      const w = stack[--sp]!;
      depth[w] = depth[parent[w]!]! + 1;
      if (w < n) f[w] = f[w]! + shift;
      else g[w - n] = g[w - n]! - shift;
      for (let c = firstChild[w]!; c >= 0; c = nextSib[c]!) stack[sp++] = c;
    }
    if (++sinceRecompute >= N) {
      recompute(root);
      sinceRecompute = 0;
    }
  }

  // The plan: the tree arcs with positive flow.
  const pr: number[] = [];
  const pc: number[] = [];
  const pm: number[] = [];
  let total = 0;
  for (let w = 0; w < N; w++) {
    const p = parent[w]!;
    if (p < 0 || !(flow[w]! > 0)) continue;
    const i = w < n ? w : p;
    const j = w < n ? p - n : w - n;
    pr.push(i);
    pc.push(j);
    pm.push(flow[w]!);
    total += flow[w]! * cost(i, j);
  }
  return { cost: total, f, g, pivots, planRows: Int32Array.from(pr), planCols: Int32Array.from(pc), planMass: Float64Array.from(pm) };
}

export interface ExactOTOptions extends RunOptions {
  /** Weights (non-negative, normalised here; uniform when omitted). */
  a?: ArrayLike<number>;
  b?: ArrayLike<number>;
  /** Return the sparse optimal plan (default false). */
  plan?: boolean;
}

/**
 * Exact W2² between weighted point clouds X (n×d) and Y (m×d), any sizes and dimension: the network
 * simplex on C_ij = |x_i − y_j|² started from the principal-direction coupling. Synchronous: it
 * holds the thread until done (exactOTAsync gives the event loop turns, progress and cancellation).
 */
export function exactOT(x: ArrayLike<number>, y: ArrayLike<number>, d: number, opts: ExactOTOptions = {}): ExactOtResult {
  return drive(solvePoints(x, y, d, opts), opts.signal);
}

/**
 * exactOT without holding the thread: the pivots run in slices of ~50 ms with the event loop's turns
 * between them, so `signal` can be aborted by a timer or a click (CancelledError), and `onProgress`
 * hears { stage: 'exact', done: pivots } after each slice. Same result, bit for bit.
 */
export async function exactOTAsync(x: ArrayLike<number>, y: ArrayLike<number>, d: number, opts: ExactOTOptions = {}): Promise<ExactOtResult> {
  return driveAsync(solvePoints(x, y, d, opts), opts);
}

/** The set-up of exactOT: validation, the cost model and the principal-direction start. */
function solvePoints(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  d: number,
  opts: ExactOTOptions,
): Solving<ExactOtResult> {
  const n = x.length / d;
  const m = y.length / d;
  if (!Number.isInteger(d) || d < 1) throw new InputError(`exact OT: dimension must be a positive integer, got ${d}`);
  if (!Number.isInteger(n) || !Number.isInteger(m)) throw new InputError(`exact OT: ${x.length} and ${y.length} values are not whole points of dimension ${d}`);
  if (n < 1 || m < 1) throw new InputError('exact OT: empty cloud');
  if (n * m > EXACT_MAX_PAIRS) throw new InputError(`exact OT: ${n}×${m} pairs is over the limit of ${EXACT_MAX_PAIRS} (the cost matrix alone needs ${((8 * n * m) / 2 ** 30).toFixed(1)} GiB); use sinkhorn`);
  const X = Float64Array.from(x);
  const Y = Float64Array.from(y);
  checkFinite('exact OT: X', X, d);
  checkFinite('exact OT: Y', Y, d);
  // Low d: distances recomputed in the pricing loop (memory O(n + m), no n×m matrix to fill);
  // higher d: one float64 matrix, since each entry would cost d operations at every look.
  const model: CostModel = d <= POINTS_MAX_DIM ? { kind: 'points', X, Y, d } : { kind: 'matrix', C: sqEuclideanCost(X, Y, d) };
  const { rows, cols } = principalOrders(X, Y, d);
  const o: NetworkSimplexOptions = { plan: opts.plan ?? false, rowOrder: rows, colOrder: cols };
  if (opts.signal) o.signal = opts.signal;
  return solveWeighted(model, n, m, opts.a, opts.b, o);
}
