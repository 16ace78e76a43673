/**
 * The network's L_s(t) = sup_x λ_max(½(J + Jᵀ)) per time, as `wasserflow lipschitz --checkpoint` and
 * `engine.lipschitzSupremum` report it: the GPU multi-start search (search.ts) for the lower
 * estimate at any d, and at d ≤ 3 the host branch-and-bound (certify.ts) for a certified upper
 * bound, seeded with everything the searches found so that the certificate is never below a value
 * any of them reached.
 *
 * Starts of the GPU search, per time: the given samples (of p_t, q_t: what a samples-only estimate
 * sees), a grid of the box (d ≤ 3), uniform random points of the box, and the midpoints of the
 * pairs of samples with the largest secant slopes ⟨s(x) − s(y), x − y⟩/|x − y|² (a pair straddling a
 * valley between clusters has a large slope, and its midpoint sits in the valley, where no sample
 * goes). Every value kept is re-evaluated in float64 at its point (exact eigenvalues for d ≤ 3, a
 * float64 power iteration above), so f32 rounding never lifts a printed value.
 *
 * The box (region 'box', the default at d = 3): the search and the certificate cover [−B, B]^d. When the best point found sits on the
 * box's edge (the supremum over ℝ^d may lie outside), or a sample outside the box beats the
 * certificate, the box grows (×2, or to hold that sample) up to `grow` times and both run again.
 * If the argmax is still on the edge after that, the row says so (`edge`): `certified` then bounds
 * the supremum over the box only, not over ℝ^d. Above d = 3 there is no certificate: `certified` is
 * null with the reason (the branch-and-bound's box count grows like 2^d per halving of the side).
 *
 * Region 'plane' (the default at d ≤ 2) certifies all of ℝ^d instead: the first box [−B, B]^d
 * and the outside of its inscribed ball, |x| ≥ B, by branch-and-bound over compactified cells that
 * reach infinity (certify_outside.ts). The box then grows for the search only. `certified` is
 * printed only when both parts close to the target; otherwise it is null and the sound but open
 * bound is `certifiedLoose`.
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { throwIfAborted } from '../gpu/run.js';
import type { TangentTime } from '../kernels/mlp_tangent.js';
import type { MlpLayout } from '../model/layout.js';
import { rngFillCpu } from '../rng/philox.js';
import { certifyBox, NetworkAtTime } from './certify.js';
import { certifyOutside, OUTSIDE_MAX_DIM } from './certify_outside.js';
import { LipschitzEstimator } from './estimator.js';
import { paperEstimate } from './paper.js';
import { hostLambdaLower, LsSearch, searchCapacity } from './search.js';

/** Largest d with a certificate (the host branch-and-bound). */
export const CERTIFY_MAX_DIM = 3;

/** The certificate's region when none is asked for: 'plane' (all of ℝ^d) at d ≤ 2, 'box' above (no outside certificate there). */
export function defaultRegion(d: number): 'plane' | 'box' {
  return d <= OUTSIDE_MAX_DIM ? 'plane' : 'box';
}

export interface NetworkSupOptions {
  /** Points per time (n × d floats each): samples of p_t (and q_t). Their max is `lsSamples`; they seed the search. */
  samples?: readonly ArrayLike<number>[];
  /** Half-width B of the first box [−B, B]^d (default 1.5). */
  box?: number;
  /** How many times the box may grow when the argmax sits on its edge (default 2; 0: never). */
  grow?: number;
  /** Certify at d ≤ 3 (default true). */
  certify?: boolean;
  /**
   * What the certificate covers: 'plane' (d ≤ 2) — all of ℝ^d: the first box [−B, B]^d
   * (certify.ts) and the outside of the ball of radius B (certify_outside.ts, cells reaching
   * infinity) — the default at d ≤ 2; 'box' (the default and the only choice at d = 3) — the box
   * alone, grown as below: it bounds the supremum over the box, not over ℝ^d.
   */
  region?: 'plane' | 'box';
  /** Relative gap target of the certificate (default 0.05) and its seconds per time and box (default 20). */
  tol?: number;
  secondsPerTime?: number;
  /**
   * Cap on the certificate's boxes per time and box (default 2·10^6). With a cap that binds before the
   * seconds do, a run is repeatable: the same weights give the same digits under any machine load.
   */
  boxesPerTime?: number;
  /**
   * Starts per time of each kind (defaults: samples up to 128, grid 64 at d ≤ 3, random 32, secant
   * midpoints 32: 256 starts, about 3 s per time for the paper model on a loaded CPU adapter).
   * After the box grows, the samples (inside the old box, searched already) are left out.
   */
  sampleStarts?: number;
  gridStarts?: number;
  randomStarts?: number;
  secantStarts?: number;
  /** Ascent steps of the GPU search (default 30). */
  steps?: number;
  /** The paper's estimator (d ≤ 2; default true there). */
  paper?: boolean;
  seed?: number;
  /** Cancel: rejects with CancelledError at the next check (between the search's rounds and the certificate's parts). */
  signal?: AbortSignal;
  onTime?: (done: number, total: number) => void;
  /**
   * Progress, for the minutes this can take on a CPU adapter: as each round of the GPU search starts
   * and as each part of the certificate ends (the certificate runs on the host, synchronously, for up
   * to `secondsPerTime` per time and part; the event loop runs between parts).
   */
  onPhase?: (e: SupremumPhase) => void;
}

/**
 * One step of `networkSupremum`: a round of the GPU search starting (`times` times with `starts`
 * starts each over the box [−box, box]^d; round 0 from samples, grid, random points and secant
 * midpoints, later rounds for the times whose box grew), or one part of the certificate done at
 * time `time` ('box': the box [−box, box]^d; 'outside': the outside of the ball of radius `box`).
 */
export type SupremumPhase =
  | { phase: 'search'; round: number; times: number; starts: number; box: number; d: number }
  | { phase: 'certificate'; part: 'box' | 'outside'; time: number; times: number; box: number; d: number; upper: number; converged: boolean; seconds: number };

/** Let the event loop run between synchronous parts (a Ctrl-C or an abort is seen there). */
const yieldToLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export interface NetworkSupRow {
  /** Best lower estimate of the supremum over ℝ^d: max of every value found (search, certificate's own search, samples). */
  ls: number;
  lsArgmax: number[];
  /** The samples alone (float64 at d ≤ 3; the GPU power iteration's f32 value above), when samples were given. */
  lsSamples?: number;
  /** The GPU search's best, re-evaluated in float64 at its argmax. */
  lsSearch: number;
  lsSearchArgmax: number[];
  /**
   * Upper bound on the supremum over `certifiedRegion`, or null (then `certifiedReason`). Region
   * 'plane' (d ≤ 2): over all of ℝ^d, and only when the gap target was met (else null, with
   * the open bound in `certifiedLoose`). Region 'box': over the box [−box, box]^d only, never ℝ^d —
   * null when a value found outside every box tried exceeds it; null above d = 3.
   */
  certified: number | null;
  /** What `certified` (or `certifiedLoose`) covers: 'R^d' (region 'plane') or 'box [-B, B]^d'. */
  certifiedRegion?: string;
  /**
   * Region 'plane' when the gap target was not met within the budget: the bound reached over ℝ^d —
   * sound, but not closed — while `certified` is null (`certifiedReason` says so).
   */
  certifiedLoose?: number;
  /** Region 'plane': the two parts, the box [−halfWidth, halfWidth]^d and the outside of the ball of radius `radius`. */
  certInner?: { halfWidth: number; upper: number; converged: boolean; boxes: number; seconds: number };
  certOutside?: { radius: number; upper: number; lower: number; converged: boolean; cells: number; seconds: number; worst?: { upper: number; theta: [number, number]; rho: [number, number] }[] };
  /** The box's bound when `certified` is null because a value outside the box exceeds it. */
  certifiedInBox?: number;
  /** d ≤ 3: the best value on spheres of radius 2B … 2^10·B outside the first box (a lower estimate), and where. */
  lsOutside?: number;
  lsOutsideArgmax?: number[];
  certifiedReason?: string;
  /** Half-width of the box the search (and certificate) finally covered. */
  box: number;
  /** True when the argmax sits on that box's edge: the supremum over ℝ^d may exceed `certified`. */
  edge: boolean;
  /** How many times the box grew. */
  grown: number;
  /** Certificate: (certified − best in the box)/|best|, whether the target was met, boxes, seconds. */
  relGap?: number;
  converged?: boolean;
  boxes?: number;
  certSeconds?: number;
  paper?: number;
}

export interface NetworkSupReport {
  rows: NetworkSupRow[];
  /** GPU search starts run and their seconds (all rounds). */
  starts: number;
  searchSeconds: number;
  startsPerSecond: number;
  /** What each start kind contributed per time (first round). */
  startKinds: { samples: number; grid: number; random: number; secant: number };
}

/**
 * Samples of p_t on the host (float64) from data rows: α_t·x + σ_t·z, z standard normal (Philox CPU
 * twin, `stream`), `count` per time (row i uses data row i mod n), with `extra` points (e.g. a grid)
 * first in every set.
 */
export function noisedSamples(data: ArrayLike<number>, d: number, times: readonly { alpha: number; sigma: number }[], count: number, seed: number, stream = 98, extra: ArrayLike<number> = []): Float64Array[] {
  const n = Math.floor(data.length / d);
  if (n === 0) throw new InputError('noisedSamples: no data rows');
  const zs = rngFillCpu(count * d, seed, stream, 'normal');
  return times.map((t) => {
    const out = new Float64Array(extra.length + zs.length);
    for (let i = 0; i < extra.length; i++) out[i] = extra[i]!;
    for (let q = 0; q < zs.length; q++) out[extra.length + q] = t.alpha * data[(Math.floor(q / d) % n) * d + (q % d)]! + t.sigma * zs[q]!;
    return out;
  });
}

/**
 * Points on spheres outside the box (d ≤ 3): radii 2B, 4B, …, 2^10·B, 180 directions in 2-D, 2 in
 * 1-D, 642 (a Fibonacci sphere) in 3-D. A network's λ_max often keeps rising away from the data
 * (softplus units turn linear or off along a ray, so J tends to a limit at infinity that no finite
 * box holds): these values are lower estimates too, and one above the box's certificate makes the
 * box grow to hold it.
 */
export function outsideProbe(d: number, B: number): number[] {
  const dirs: number[][] = [];
  if (d === 1) dirs.push([1], [-1]);
  else if (d === 2) for (let a = 0; a < 180; a++) dirs.push([Math.cos((a * Math.PI) / 90), Math.sin((a * Math.PI) / 90)]);
  else if (d === 3) {
    const n = 642;
    for (let i = 0; i < n; i++) {
      const z = 1 - (2 * (i + 0.5)) / n;
      const r = Math.sqrt(1 - z * z);
      const phi = i * Math.PI * (3 - Math.sqrt(5));
      dirs.push([r * Math.cos(phi), r * Math.sin(phi), z]);
    }
  } else return [];
  const out: number[] = [];
  for (let k = 1; k <= 10; k++) for (const u of dirs) for (const c of u) out.push(B * 2 ** k * c);
  return out;
}

/** Is x on the edge of [−B, B]^d (within 1e-3·B)? */
export function onBoxEdge(x: readonly number[], B: number): boolean {
  return x.some((v) => Math.abs(v) >= B * (1 - 1e-3));
}

/** Midpoints of the `count` pairs of `pts` (n × d) with the largest secant slopes of the network's score. */
export function secantMidpoints(net: NetworkAtTime, pts: ArrayLike<number>, count: number): number[] {
  const d = net.d;
  const n = Math.floor(pts.length / d);
  if (n < 2 || count <= 0) return [];
  const xs = Array.from({ length: n }, (_, p) => Array.from({ length: d }, (_, c) => pts[p * d + c]!));
  const ss = xs.map((x) => net.score(x));
  // Keep the `count` largest quotients (a small sorted list: count ≪ n²).
  const top: { q: number; j: number; k: number }[] = [];
  for (let j = 0; j < n; j++)
    for (let k = j + 1; k < n; k++) {
      let num = 0;
      let den = 0;
      for (let i = 0; i < d; i++) {
        const dx = xs[j]![i]! - xs[k]![i]!;
        num += (ss[j]![i]! - ss[k]![i]!) * dx;
        den += dx * dx;
      }
      if (!(den > 0)) continue;
      const q = num / den;
      if (top.length < count || q > top[top.length - 1]!.q) {
        let at = top.length;
        while (at > 0 && top[at - 1]!.q < q) at--;
        top.splice(at, 0, { q, j, k });
        if (top.length > count) top.pop();
      }
    }
  return top.flatMap(({ j, k }) => xs[j]!.map((v, i) => 0.5 * (v + xs[k]![i]!)));
}

/** The supremum search (and certificate at d ≤ 3) at every time; `params` on the host and, optionally, on the GPU. */
export async function networkSupremum(ctx: GpuContext, layout: MlpLayout, params: Float32Array, times: readonly TangentTime[], opts: NetworkSupOptions = {}): Promise<NetworkSupReport> {
  const d = layout.spec.dim;
  const M = times.length;
  if (M === 0) throw new InputError('L_s supremum: no times given');
  let B = opts.box ?? 1.5;
  if (!(Number.isFinite(B) && B > 0 && B <= 1e6)) throw new InputError(`L_s supremum: box half-width must be in (0, 1e6], got ${B}`);
  const grow = opts.grow ?? 2;
  if (!(Number.isInteger(grow) && grow >= 0 && grow <= 10)) throw new InputError(`L_s supremum: grow must be an integer in [0, 10], got ${grow}`);
  const secs = opts.secondsPerTime ?? 20;
  if (!(secs > 0 && secs <= 3600)) throw new InputError(`L_s supremum: seconds per time must be in (0, 3600], got ${secs}`);
  const maxBoxes = opts.boxesPerTime ?? 2_000_000;
  if (!(Number.isInteger(maxBoxes) && maxBoxes >= 1 && maxBoxes <= 1e8)) throw new InputError(`L_s supremum: boxes per time must be an integer in [1, 1e8], got ${maxBoxes}`);
  const tol = opts.tol ?? 0.05;
  if (!(tol > 0 && tol <= 10)) throw new InputError(`L_s supremum: tol must be in (0, 10], got ${tol}`);
  if (opts.samples && opts.samples.length !== M) throw new InputError(`L_s supremum: ${opts.samples.length} sample sets for ${M} times`);
  const count = (name: string, v: number | undefined, dflt: number) => {
    const x = v ?? dflt;
    if (!(Number.isInteger(x) && x >= 0 && x <= 1 << 16)) throw new InputError(`L_s supremum: ${name} must be an integer in [0, 65536], got ${x}`);
    return x;
  };
  const nSample = count('sampleStarts', opts.sampleStarts, 128);
  const nGrid = d <= 3 ? count('gridStarts', opts.gridStarts, 64) : 0;
  const nRandom = count('randomStarts', opts.randomStarts, 32);
  const nSecant = count('secantStarts', opts.secantStarts, 32);
  const steps = count('steps', opts.steps, 30);
  const certify = (opts.certify ?? true) && d <= CERTIFY_MAX_DIM;
  // ℝ^d wherever the outside certificate exists (d ≤ 2): a box-only value bounds nothing outside the box.
  const region = opts.region ?? defaultRegion(d);
  if (region !== 'plane' && region !== 'box') throw new InputError(`L_s supremum: region must be 'plane' or 'box', got '${String(region)}'`);
  if (region === 'plane' && d > OUTSIDE_MAX_DIM) throw new InputError(`L_s supremum: region 'plane' (a certificate over ℝ^d) exists up to d = ${OUTSIDE_MAX_DIM}; this network has d = ${d} (use region 'box')`);
  const plane = certify && region === 'plane';
  const B0 = B;
  const inner: ({ halfWidth: number; upper: number; converged: boolean; boxes: number; seconds: number; lower: number; argmax: number[] } | undefined)[] = times.map(() => undefined);
  const paper = opts.paper ?? d <= 2;
  const seed = opts.seed ?? 0;
  const nets = times.map((t) => new NetworkAtTime(layout, params, t));

  // Samples: the samples-only estimate and the sample starts (an even stride through each set).
  const sampleSets = times.map((_, m) => {
    const s = opts.samples?.[m];
    if (!s) return new Float64Array(0);
    if (s.length % d !== 0) throw new InputError(`L_s supremum: samples of time ${m} have ${s.length} floats, not a multiple of d = ${d}`);
    for (let i = 0; i < s.length; i++) if (!Number.isFinite(s[i]!)) throw new InputError(`L_s supremum: sample value ${i} of time ${m} is not finite (${s[i]})`);
    return Float64Array.from(s);
  });
  const stridePick = (s: Float64Array, k: number) => {
    const n = s.length / d;
    if (n <= k) return Array.from(s);
    const out: number[] = [];
    for (let q = 0; q < k; q++) {
      const p = Math.floor((q * n) / k);
      for (let c = 0; c < d; c++) out.push(s[p * d + c]!);
    }
    return out;
  };
  let samplesOnly: (number | undefined)[] = sampleSets.map(() => undefined);
  let sampleBest: { v: number; x: number[] }[] = sampleSets.map(() => ({ v: -Infinity, x: [] }));
  if (d <= 3) {
    sampleBest = sampleSets.map((s, m) => {
      let best = { v: -Infinity, x: [] as number[] };
      for (let p = 0; p < s.length; p += d) {
        const x = Array.from(s.subarray(p, p + d));
        const v = nets[m]!.lambdaAt(x);
        if (v > best.v) best = { v, x };
      }
      return best;
    });
    samplesOnly = sampleBest.map((b, m) => (sampleSets[m]!.length > 0 ? b.v : undefined));
  } else if (opts.samples) {
    // Above d = 3 a float64 eigenvalue at every sample is too dear: the GPU power iteration's value
    // (f32, a lower estimate up to rounding) over the same samples.
    const n = Math.min(...sampleSets.map((s) => s.length / d));
    if (n > 0) {
      const flat = new Float32Array(M * n * d);
      sampleSets.forEach((s, m) => flat.set(s.subarray(0, n * d), m * n * d));
      const est = await LipschitzEstimator.create(ctx, layout, { maxPoints: Math.min(M * n, Math.max(n, 1 << 14)), maxTimes: M });
      const src = ctx.storage('lipschitz:sup:samples', flat);
      const pbuf = ctx.storage('lipschitz:sup:params64', params);
      try {
        const c = await est.curve(pbuf, { times, source: { buffer: src, count: M * n, noise: false, stride: n }, perTime: n, method: 'power', seed });
        samplesOnly = Array.from(c.ls);
      } finally {
        est.destroy();
        ctx.destroyBuffer(src);
        ctx.destroyBuffer(pbuf);
      }
    }
  }

  const gridPoints = (box: number): number[] => {
    if (nGrid === 0) return [];
    const side = Math.max(2, Math.floor(nGrid ** (1 / d) + 1e-9));
    const out: number[] = [];
    for (let q = 0; q < side ** d; q++) {
      let r = q;
      for (let c = 0; c < d; c++) {
        out.push(-box + (2 * box * ((r % side) + 0.5)) / side);
        r = Math.floor(r / side);
      }
    }
    return out;
  };
  const randomPoints = (box: number, m: number, round: number): number[] => Array.from(rngFillCpu(nRandom * d, seed, 1000 + 16 * m + round, 'uniform'), (u) => box * (2 * u - 1));
  // Secant candidates: an even stride through the samples and the grid, sized to the network's cost.
  const secantCandidates = Math.max(16, Math.min(256, Math.floor(5e8 / Math.max(1, 2 * layout.size))));

  const rows: NetworkSupRow[] = times.map(() => ({ ls: -Infinity, lsArgmax: [], lsSearch: -Infinity, lsSearchArgmax: [], certified: null, box: B, edge: false, grown: 0 }));
  const boxOf = times.map(() => B);
  let totalStarts = 0;
  let searchSeconds = 0;
  let kinds = { samples: 0, grid: 0, random: 0, secant: 0 };
  const extra: number[][] = times.map(() => []); // points carried into the next round (the previous argmax)
  // Outside the first box (d ≤ 3): spheres of radius 2B … 2^10·B, float64.
  const probe = times.map((_, m) => {
    const pts = certify || d <= CERTIFY_MAX_DIM ? outsideProbe(d, B) : [];
    let best = { v: -Infinity, x: [] as number[] };
    for (let p = 0; p < pts.length; p += d) {
      const x = pts.slice(p, p + d);
      const v = nets[m]!.lambdaAt(x);
      if (v > best.v) best = { v, x };
    }
    if (best.x.length > 0) {
      rows[m]!.lsOutside = best.v;
      rows[m]!.lsOutsideArgmax = best.x;
    }
    return best;
  });
  const pbuf = ctx.storage('lipschitz:sup:params', params);
  try {
    let pending = times.map((_, m) => m);
    for (let round = 0; pending.length > 0; round++) {
      // Group the pending times by box (they grow independently) and run the GPU search per group.
      const groups = new Map<number, number[]>();
      for (const m of pending) groups.set(boxOf[m]!, [...(groups.get(boxOf[m]!) ?? []), m]);
      for (const [box, ms] of groups) {
        opts.onPhase?.({ phase: 'search', round, times: ms.length, starts: round === 0 ? nSample + nGrid + nRandom + nSecant : nGrid + nRandom + nSecant + 1, box, d });
        await yieldToLoop();
        const startsPer = ms.map((m) => {
          const s = round === 0 ? stridePick(sampleSets[m]!, nSample) : [];
          const g = gridPoints(box);
          const r = randomPoints(box, m, round);
          const cand = stridePick(Float64Array.from([...stridePick(sampleSets[m]!, secantCandidates), ...g]), secantCandidates);
          const sec = secantMidpoints(nets[m]!, cand, nSecant);
          if (round === 0 && m === ms[0]) kinds = { samples: s.length / d, grid: g.length / d, random: r.length / d, secant: sec.length / d };
          return [...s, ...g, ...r, ...sec, ...extra[m]!];
        });
        const perTime = Math.max(...startsPer.map((s) => s.length / d));
        if (perTime === 0) continue;
        const flat = new Float32Array(ms.length * perTime * d);
        startsPer.forEach((s, q) => {
          // Pad short sets by repeating their points (every row is a real start).
          for (let i = 0; i < perTime; i++) for (let c = 0; c < d; c++) flat[(q * perTime + i) * d + c] = s[((i % (s.length / d)) * d + c)]!;
        });
        const cap = Math.min(searchCapacity(ctx, layout), 1 << 16);
        if (perTime > cap) throw new InputError(`L_s supremum: ${perTime} starts per time exceed this adapter's ${cap} at d = ${d}: give fewer samples`);
        const search = await LsSearch.create(ctx, layout, { capacity: Math.min(cap, perTime * ms.length), maxTimes: ms.length });
        const src = ctx.storage('lipschitz:sup:starts', flat);
        try {
          const res = await search.run(pbuf, { times: ms.map((m) => times[m]!), source: { buffer: src, count: ms.length * perTime, noise: false }, perTime, box, steps, seed, ...(opts.signal ? { signal: opts.signal } : {}) });
          totalStarts += res.starts;
          searchSeconds += res.seconds;
          ms.forEach((m, q) => {
            const x = res.rows[q]!.argmax;
            const v = hostLambdaLower(layout, params, times[m]!, x);
            const row = rows[m]!;
            if (v > row.lsSearch) {
              row.lsSearch = v;
              row.lsSearchArgmax = x;
            }
            extra[m] = [...x];
          });
        } finally {
          search.destroy();
          ctx.destroyBuffer(src);
        }
      }
      // Certificate (d ≤ 3) per pending time, seeded with every value found; then decide on growth.
      const next: number[] = [];
      for (const m of pending) {
        const row = rows[m]!;
        const box = boxOf[m]!;
        row.box = box;
        // In the box: the search, the certificate's own search, the best sample when it lies inside.
        let inBox = { v: row.lsSearch, x: row.lsSearchArgmax };
        const sb = sampleBest[m]!;
        if (sb.v > inBox.v && sb.x.every((v) => Math.abs(v) <= box)) inBox = sb;
        if (certify && !(plane && round > 0)) {
          const seeds = [...row.lsSearchArgmax, ...(sb.x.every((v) => Math.abs(v) <= box) ? sb.x : [])];
          const c = certifyBox(nets[m]!, { lo: new Array<number>(d).fill(-box), hi: new Array<number>(d).fill(box), tol, timeBudgetMs: secs * 1000, maxBoxes, seeds });
          if (c.lower > inBox.v) inBox = { v: c.lower, x: c.argmax };
          row.certified = c.upper;
          row.relGap = c.relGap;
          row.converged = c.converged;
          row.boxes = (row.boxes ?? 0) + c.boxes;
          row.certSeconds = (row.certSeconds ?? 0) + c.seconds;
          if (plane) inner[m] = { halfWidth: box, upper: c.upper, converged: c.converged, boxes: c.boxes, seconds: c.seconds, lower: c.lower, argmax: c.argmax };
          opts.onPhase?.({ phase: 'certificate', part: 'box', time: m, times: M, box, d, upper: c.upper, converged: c.converged, seconds: c.seconds });
          await yieldToLoop();
        }
        // Anywhere: also the samples outside the box and the spheres outside it.
        let best = inBox;
        if (sb.v > best.v) best = sb;
        if (probe[m]!.v > best.v) best = probe[m]!;
        row.ls = best.v;
        row.lsArgmax = best.x;
        row.edge = inBox.x.length === d && onBoxEdge(inBox.x, box);
        // A value found outside the box above its certificate (a sample, a sphere point): the box must hold it.
        // (Region 'plane' certifies the outside apart: growth then only widens the search.)
        const outside = certify && !plane && row.certified !== null && best.v > row.certified;
        if ((row.edge || outside) && row.grown < grow) {
          const need = outside ? 1.05 * Math.max(...best.x.map(Math.abs)) : 0;
          boxOf[m] = Math.max(2 * box, need);
          row.grown++;
          next.push(m);
        }
        throwIfAborted(opts.signal, 'L_s supremum');
      }
      pending = next;
    }
    if (plane) {
      // Region 'plane': the outside of the ball of radius B0 (inscribed in the first box), pruned
      // against every value found; its cell centres and points at infinity are lower estimates too.
      for (let m = 0; m < M; m++) {
        const row = rows[m]!;
        const inn = inner[m]!;
        if (inn.lower > row.ls) {
          row.ls = inn.lower;
          row.lsArgmax = inn.argmax;
        }
        const out = certifyOutside(nets[m]!, { radius: B0, tol, timeBudgetMs: secs * 1000, maxCells: maxBoxes, best: { value: row.ls, x: row.lsArgmax } });
        opts.onPhase?.({ phase: 'certificate', part: 'outside', time: m, times: M, box: B0, d, upper: out.upper, converged: out.converged, seconds: out.seconds });
        await yieldToLoop();
        if (out.lower > row.ls) {
          row.ls = out.lower;
          row.lsArgmax = out.argmax;
        }
        const upper = Math.max(inn.upper, out.upper, row.ls);
        const closed = inn.converged && out.converged;
        row.certifiedRegion = `R^${d}`;
        row.certInner = { halfWidth: inn.halfWidth, upper: inn.upper, converged: inn.converged, boxes: inn.boxes, seconds: inn.seconds };
        row.certOutside = { radius: B0, upper: out.upper, lower: out.lower, converged: out.converged, cells: out.cells, seconds: out.seconds, ...(out.worst ? { worst: out.worst } : {}) };
        row.relGap = (upper - row.ls) / Math.max(Math.abs(row.ls), 1e-300);
        row.converged = closed;
        row.boxes = inn.boxes + out.cells;
        row.certSeconds = inn.seconds + out.seconds;
        if (closed) row.certified = upper;
        else {
          row.certified = null;
          row.certifiedLoose = upper;
          const parts = [inn.converged ? '' : `the box [−${B0}, ${B0}]^${d} (bound ${inn.upper.toPrecision(6)})`, out.converged ? '' : `the outside of the ball of radius ${B0} (bound ${out.upper.toPrecision(6)})`].filter(Boolean).join(' and ');
          row.certifiedReason = `the certificate over ℝ^${d} did not close within the budget (${secs} s or ${maxBoxes} boxes per part) on ${parts}: gap ${(100 * row.relGap).toPrecision(3)}% above the target ${100 * tol}%; certifiedLoose = ${upper.toPrecision(6)} is a sound upper bound over ℝ^${d}, not closed (raise --cert-seconds)`;
        }
        throwIfAborted(opts.signal, 'L_s supremum');
      }
    }
    return {
      rows: rows.map((row, m) => {
        if (sampleSets[m]!.length > 0 && samplesOnly[m] !== undefined) row.lsSamples = samplesOnly[m]!;
        if (!certify) {
          row.certified = null;
          row.certifiedReason =
            d > CERTIFY_MAX_DIM
              ? `no certificate above d = ${CERTIFY_MAX_DIM}: the branch-and-bound needs ~2^d boxes per halving of the box side (d = ${d}); ls is a lower estimate only`
              : 'certificate not asked for';
        } else if (plane) {
          // Set above: certified over ℝ^d, or null with certifiedLoose and the reason.
        } else if (row.certified !== null && row.ls > row.certified) {
          // A sample outside every box tried beats the certificate: it bounds nothing it could be compared with.
          row.certifiedReason = `a value found at (${row.lsArgmax.map((v) => v.toPrecision(4)).join(', ')}), outside the largest box tried [−${row.box}, ${row.box}]^${d}, exceeds that box's bound ${row.certified.toPrecision(6)}: the supremum over ℝ^${d} is above every certificate computed (raise --grow)`;
          row.certifiedInBox = row.certified;
          row.certified = null;
        }
        if (certify && !plane && row.certified !== null) row.certifiedRegion = `box [-${row.box}, ${row.box}]^${d}`;
        if (paper) row.paper = paperEstimate(nets[m]!).value;
        opts.onTime?.(m + 1, M);
        return row;
      }),
      starts: totalStarts,
      searchSeconds,
      startsPerSecond: searchSeconds > 0 ? totalStarts / searchSeconds : 0,
      startKinds: kinds,
    };
  } finally {
    ctx.destroyBuffer(pbuf);
  }
}
