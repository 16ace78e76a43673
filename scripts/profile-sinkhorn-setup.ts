/**
 * The host phases of the GPU Sinkhorn's leaf-start set-up (issue #22) at N = M = n on the clouds of
 * sinkhorn-million (x ~ N(0, I), y ~ N((2, 0), ¼I), 2-D, blur 0.05), each timed on its own:
 * centring, the k-d tree order, the leaf centroids, the host part of the extension of the leaf
 * potentials to every point (extensionPlan: the centres kept for each tile; the sums run on the GPU,
 * src/kernels/sinkhorn_extend.ts) and the kept set of the final level (keptRanges). With `host` after
 * n, the extension's float64 sums on the host too (tiledSoftmin, what the leaf start ran before the
 * GPU kernel). The nested solve on the
 * leaves is GPU work and is not run: the leaf potentials are the exact ones of this problem,
 * f(x) = ½|x|² and g(y) = -|y|² after centring (T(x) = x/2), which give the same kept sets and
 * extension work as converged ones. The debiased solve (S_ε, the default for W2) plans two more
 * parts, as leafStart and KeptSet do (src/transport/sinkhorn/schedule.ts, truncated.ts): the
 * extensions X → X and Y → Y of the self potentials and the kept sets of the xx and yy blocks; the
 * self potentials stand in as the smooth fixed point of OT_ε(α, α) for a density ρ,
 * f(x) = -½ ε log(π ε ρ(x)) in 2-D, with the clouds' exact densities. Each part is timed, and the
 * totals of OT_ε (xy, yx) and of S_ε (all four). No GPU needed (it imports the leaf start's module,
 * whose GPU kernel brings a shader import: build it with Vite):
 *
 *   SCRIPT=scripts/profile-sinkhorn-setup.ts npx vite build --config vite.scripts.config.ts
 *   node dist/scripts/profile-sinkhorn-setup.js 1000000 [host]
 */
import { spatialOrder } from '../src/transport/truncation.js';
import { keptRanges, SideCache } from '../src/transport/kept_ranges.js';
import { extensionPlan, tiledSoftmin } from '../src/transport/extension.js';
import { bboxDiagonal, centre } from '../src/transport/sinkhorn/prepare.js';
import { epsilonSchedule, leafCloud } from '../src/transport/sinkhorn/schedule.js';
import { SINKHORN_DEFAULTS, TRUNCATE_TAU } from '../src/transport/sinkhorn/options.js';

/** Rows per sparse task (SPARSE_TILE_ROWS of src/kernels/sinkhorn_softmin_sparse.ts). */
const TILE_ROWS = 64;
/** KeptSet's margin (src/transport/sinkhorn/truncated.ts) at the start of a level. */
const MARGIN = 2;

const n = Number(process.argv[2] ?? 100_000);
const d = 2;
// Wall time per phase, and this process's CPU time beside it (user + system: on a shared machine the
// wall time also counts the other jobs' share of the cores).
const times: [string, number][] = [];
const cpuTimes: number[] = [];
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let t = performance.now();
let tc = cpuNow();
const lap = (name: string) => {
  const now = performance.now();
  const c = cpuNow();
  times.push([name, now - t]);
  cpuTimes.push(c - tc);
  console.log(`${((now - t) / 1000).toFixed(3).padStart(9)} s  ${((c - tc) / 1000).toFixed(3).padStart(7)} s CPU  ${name}`);
  t = now;
  tc = c;
};
const restart = () => {
  t = performance.now();
  tc = cpuNow();
};

// The clouds of bench/sinkhorn.bench.ts (same distributions, a generator of our own).
let state = 12345;
const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
const x = Float32Array.from({ length: 2 * n }, normal);
const y = Float32Array.from({ length: 2 * n }, (_, k) => normal() * 0.5 + (k % 2 === 0 ? 2 : 0));
restart();

const mean = (p: Float32Array) => {
  const m = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) m[c] = m[c]! + p[i * d + c]! / n;
  return m;
};
const mx = mean(x);
const my = mean(y);
const scale = bboxDiagonal(centre(x, mx, d), centre(y, my, d), d);
const cx = centre(x, mx, d, scale);
const cy = centre(y, my, d, scale);
lap('prepare: means, diameter, centring');
const ox = spatialOrder(cx, n, d);
const oy = spatialOrder(cy, n, d);
lap('prepare: k-d tree order (both clouds)');
const pts = new Float32Array(2 * n * d);
for (let k = 0; k < n; k++) {
  for (let c = 0; c < d; c++) {
    pts[k * d + c] = cx[ox[k]! * d + c]!;
    pts[(n + k) * d + c] = cy[oy[k]! * d + c]!;
  }
}
const logw = new Float32Array(2 * n).fill(Math.log(1 / n));
lap('prepare: sorted copy, log-weights');
const X = leafCloud(pts, logw, 0, n, d);
const Y = leafCloud(pts, logw, n, n, d);
lap('leaf start: leaf centroids');
const full = epsilonSchedule(1, 0.05 / scale, SINKHORN_DEFAULTS.scaling ?? 0.5);
const floor = 4 * Math.max(X.r2, Y.r2);
let kx = 0;
for (let k = 0; k < full.length; k++) if (full[k]! >= floor) kx = k;
const epsX = full[kx]!;
const f = (p: ArrayLike<number>, i: number, c: number) => c * (p[i * d]! ** 2 + p[i * d + 1]! ** 2);
const fLeaf = Float64Array.from({ length: X.count }, (_, i) => f(X.c, i, 0.5));
const gLeaf = Float64Array.from({ length: Y.count }, (_, i) => f(Y.c, i, -1));
console.log(`   (nested solve on ${X.count} leaves down to ε = ${epsX.toExponential(2)}: GPU, not run)`);
// The self potentials (debiased solve): -½ ε log(π ε ρ) with ρ the density of the cloud in the
// centred, scaled coordinates (x ~ N(0, I), y ~ N(0, ¼I) after centring).
const selfPot = (p: ArrayLike<number>, i: number, inv: number, e: number) => {
  const r2 = (p[i * d]! ** 2 + p[i * d + 1]! ** 2) * scale * scale;
  const logRho = -0.5 * inv * r2 + Math.log(inv / (2 * Math.PI)) + 2 * Math.log(scale);
  return -0.5 * e * (Math.log(Math.PI * e) + logRho);
};
const fSelfLeaf = Float64Array.from({ length: X.count }, (_, i) => selfPot(X.c, i, 1, epsX));
const gSelfLeaf = Float64Array.from({ length: Y.count }, (_, i) => selfPot(Y.c, i, 4, epsX));
restart();
const xs = pts.subarray(0, n * d);
const ys = pts.subarray(n * d);
const px = extensionPlan(xs, n, Y.c, Y.w, gLeaf, d, epsX);
const py = extensionPlan(ys, n, X.c, X.w, fLeaf, d, epsX);
const ranges = (px.ranges.length + py.ranges.length) / 2;
lap(`leaf start: extension xy, yx, kept centres per tile (${((px.terms + py.terms) / (2 * n)).toFixed(0)} per point, ${ranges} ranges: ${((8 * ranges) / 2 ** 20).toFixed(1)} MiB)`);
const pxx = extensionPlan(xs, n, X.c, X.w, fSelfLeaf, d, epsX);
const pyy = extensionPlan(ys, n, Y.c, Y.w, gSelfLeaf, d, epsX);
lap(`  debiased: extension xx, yy (${((pxx.terms + pyy.terms) / (2 * n)).toFixed(0)} per point, ${(pxx.ranges.length + pyy.ranges.length) / 2} ranges)`);
const pot = new Float32Array(2 * n);
if (process.argv[3] === 'host') {
  const fx = new Float64Array(n);
  const gy = new Float64Array(n);
  tiledSoftmin(xs, n, Y.c, Y.w, gLeaf, d, epsX, fx);
  tiledSoftmin(ys, n, X.c, X.w, fLeaf, d, epsX, gy);
  lap('  (not in the set-up: the same extension in float64 on the host, plan and sums)');
  times.pop();
  cpuTimes.pop();
  for (let i = 0; i < n; i++) (pot[i] = fx[i]!), (pot[n + i] = gy[i]!);
} else {
  // The first fine level's kept set from the exact potentials at the points (see above) in place of their extension.
  for (let i = 0; i < n; i++) (pot[i] = f(pts, i, 0.5)), (pot[n + i] = f(pts, n + i, -1));
}
const eps = full[Math.min(kx + 1, full.length - 1)]!;
// The cross potentials at [0, 2n), the self ones at [2n, 4n), in one array as the solver holds them.
const potAll = new Float32Array(4 * n);
potAll.set(pot);
for (let i = 0; i < n; i++) (potAll[2 * n + i] = selfPot(pts, i, 1, eps)), (potAll[3 * n + i] = selfPot(pts, n + i, 4, eps));
restart();
const threshold = (TRUNCATE_TAU + MARGIN) * eps;
// One cache of the sides' summaries for the blocks of one kept set, as KeptSet.build has.
const cache = new SideCache(pts, d);
const side = (at: number, potAt: number) => ({ at, n, pot: potAll, potAt });
const xy = keptRanges(pts, d, side(0, 0), side(n, n), TILE_ROWS, threshold, cache);
const yx = keptRanges(pts, d, side(n, n), side(0, 0), TILE_ROWS, threshold, cache);
lap(`kept set of the first fine level (ε = ${eps.toExponential(2)}, xy and yx: ${((100 * (xy.pairs + yx.pairs)) / (2 * n * n)).toFixed(2)}% of the pairs)`);
const xx = keptRanges(pts, d, side(0, 2 * n), side(0, 2 * n), TILE_ROWS, threshold, cache);
const yy = keptRanges(pts, d, side(n, 3 * n), side(n, 3 * n), TILE_ROWS, threshold, cache);
lap(`  debiased: kept set xx and yy (${((100 * (xx.pairs + yy.pairs)) / (2 * n * n)).toFixed(2)}% of the pairs)`);
const total = (v: number[], self: boolean) => v.filter((_, k) => self || !times[k]![0].startsWith('  debiased')).reduce((s, x) => s + x, 0) / 1000;
const wall = times.map(([, v]) => v);
for (const self of [false, true]) {
  const name = self ? 'debiased (S_ε)' : 'OT_ε';
  console.log(`${total(wall, self).toFixed(3).padStart(9)} s  ${total(cpuTimes, self).toFixed(3).padStart(7)} s CPU  host total at N = M = ${n}, ${name}`);
}
