import { createEngine, type TangentTime } from '../../api/engine.js';
import {
  certifiedUpperBound, DATASETS, datasetMixture, embedIndex, InputError, makeProcess, MixtureMarginal, mixtureScoreSupremum, mlpLayout, parseMixtureJson, CERTIFY_MAX_DIM, defaultRegion, noisedSamples, rngFillCpu, toGaussianMixture,
  type DatasetName, type MixtureDescription, type ParsedCheckpoint, type ProcessSpec, type SupremumPhase,
} from '../../api/library.js';
import { num, parse, processFromFlags, progress, type Options } from '../args.js';
import { yieldToSignals } from '../interrupt.js';
import { readCheckpointWeights, readText } from '../files.js';

/** Largest d for which `--exact` runs the float64 supremum search (about 6 s per time at d = 16). */
export const EXACT_SUP_MAX_DIM = 16;

export const summary = 'one-sided Lipschitz constant L_s(t) of a trained score (lower estimate, certified upper bound) or of an exact mixture score (its supremum)';
export const usage = `wasserflow lipschitz (--checkpoint FILE [--ema] | --exact DATASET|FILE.json) [--data DATASET|FILE.json] [--process KIND] [--ddpm-steps N]
       [--times M] [--points N] [--method exact|power] [--pairwise] [--iters K] [--seed S] [--json]
       [--box B] [--grow G] [--tol TOL] [--cert-seconds S] [--cert-boxes N] [--region plane|box] [--no-certify]

  L_s(t) = sup_x λ_max(½(J + Jᵀ)) = sup (s(x) − s(y))·(x − y)/|x − y|² at each time of the process's grid:
  DDPM (the default without a checkpoint; --ddpm-steps N, default 10) at every step; a continuous process
  (--process vp|cosine|ve|subvp|heat) at --times M equispaced times (default 50). --ddpm-steps is refused
  with a continuous process and --times with DDPM; a checkpoint's own process is used unless --process is given.
  The flags from --ema to --no-certify are read with --checkpoint only: --exact refuses them.
  --exact DATASET  a Gaussian-mixture data set, or a JSON file {weights, means, covs} in any d: 'exact' is
                   the supremum of the exact score's constant over
                   all x (float64 search seeded on the boundaries between components, then ascent; its
                   argmax is 'exactArgmax'); 'exactAtSamples' is the max over samples of p_t only, far below
                   it where the components are separated (the valleys between clusters hold the supremum).
                   Infinity means the supremum is unbounded (components with different covariances).
                   Above d = ${EXACT_SUP_MAX_DIM} the supremum search is not run (its cost grows like d^4 per ascent
                   step) and 'exact' is not printed: only 'exactAtSamples', which is a lower estimate.
  --checkpoint     the network, three readings per time:
                   'ls'         the best LOWER estimate of the supremum over ℝ^d (float64 at every point): a GPU
                                multi-start projected ascent over the box [−B, B]^d, any d ('lsSearch' at
                                'lsSearchArgmax'; starts: N samples of p_t, a grid (d ≤ 3), random points and the
                                midpoints of the sample pairs with the largest secant slopes), the certificate's own
                                search (d ≤ 3), and the samples + a 10×10 grid ('lsSamples': those points only;
                                'lsGpu': the same on the GPU in f32); 'lsArgmax' is where it is;
                   'certified'  d ≤ 2 (--region plane, the default there): a certified UPPER bound on the
                                supremum over ALL of ℝ^d ('certifiedRegion' "R^d"): the box [−B, B]^d and the
                                outside of the ball of radius B (branch-and-bound over cells (θ, 1/|x|) that reach
                                infinity; 'certOutside', 'certInner'), printed only when both parts close to --tol;
                                otherwise null with 'certifiedReason', and the sound but open bound in
                                'certifiedLoose'. The box then grows for the search only.
                                d = 3, or --region box: a certified UPPER bound on the supremum over the box [−box, box]^d
                                (branch-and-bound with interval and mean-value bounds on ½(J + Jᵀ), float64, seeded
                                with every value found: never below ls), with 'relGap' and 'converged' (false: the
                                --cert-seconds budget ran out; still an upper bound). It covers the box only, never
                                ℝ^d: the box starts at B and grows (up to --grow times) while the argmax sits on its
                                edge ('edge' = true when it still does) or a value outside it ('lsOutside': spheres
                                of radius 2B … 1024B) exceeds its bound — then to hold that point; null (with
                                'certifiedInBox') when such a value still exceeds the last box's bound.
                                d > 3: null, with 'certifiedReason' (no certificate exists there);
                   'certifiedGlobal'  an upper bound over all of ℝ^d from layer spectral norms (loose);
                   'paper'      the paper's estimator (max secant quotient on linspace(0, 0.9, 10)², d ≤ 2).
  --box B          half-width of the first box (default 1.5); --grow G how often it may double (default 2);
  --tol TOL        relative gap target (default 0.05); --cert-seconds S budget per time and box (default 20);
  --cert-boxes N   cap on the certificate's boxes per time and box (default 2000000): a cap that binds before
                   the seconds makes the digits repeatable under any load (the seconds budget depends on it).
                   With --region plane the budgets apply to each part (the box, the outside) apart.
  --region R       plane (default at d ≤ 2): certify all of ℝ^d; box (the only choice at d = 3): the box only.
  Limits: --times <= 10000, --points <= 262144, --iters <= 10000.`;

/** Size limits (issue 20: every size-driven loop gets one, with a clear error). */
export const MAX_TIMES = 10_000;
export const MAX_POINTS = 1 << 18;
export const MAX_ITERS = 10_000;

/** Flags read only with --checkpoint (the network's estimates and its certificate). */
const CHECKPOINT_ONLY = ['ema', 'method', 'pairwise', 'iters', 'box', 'grow', 'tol', 'cert-seconds', 'cert-boxes', 'region', 'no-certify'] as const;

/** JSON with non-finite numbers written as the strings "Infinity", "-Infinity", "NaN" (never a silent null). */
export function jsonWithNonFinite(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}

/** The command's options (every one is listed in `usage`: test/cli_help.test.ts). */
export const options = {
  checkpoint: { type: 'string' },
  ema: { type: 'boolean' },
  exact: { type: 'string' },
  data: { type: 'string' },
  process: { type: 'string' },
  'ddpm-steps': { type: 'string' },
  times: { type: 'string' },
  points: { type: 'string' },
  method: { type: 'string' },
  pairwise: { type: 'boolean' },
  iters: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  box: { type: 'string' },
  grow: { type: 'string' },
  tol: { type: 'string' },
  'cert-seconds': { type: 'string' },
  'cert-boxes': { type: 'string' },
  'no-certify': { type: 'boolean' },
  region: { type: 'string' },
  help: { type: 'boolean' },
} satisfies Options;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, options, usage);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (Boolean(values.checkpoint) === Boolean(values.exact)) throw new InputError(`give exactly one of --checkpoint FILE or --exact DATASET\nusage: ${usage}`);
  const points = num(values.points, 'points', 1024, { min: 2, max: MAX_POINTS, int: true });
  const seed = num(values.seed, 'seed', 0, { min: 0, int: true });
  const iters = num(values.iters, 'iters', 30, { min: 1, max: MAX_ITERS, int: true });
  const box = num(values.box, 'box', 1.5, { min: 1e-6, max: 1e6 });
  const grow = num(values.grow, 'grow', 2, { min: 0, max: 10, int: true });
  const tol = num(values.tol, 'tol', 0.05, { min: 1e-9, max: 10 });
  const certSeconds = num(values['cert-seconds'], 'cert-seconds', 20, { min: 0.01, max: 3600 });
  const certBoxes = num(values['cert-boxes'], 'cert-boxes', 2_000_000, { min: 1, max: 1e8, int: true });
  if (values.region !== undefined && values.region !== 'plane' && values.region !== 'box') throw new InputError(`--region must be plane or box, got '${values.region}'`);
  const regionArg = values.region as 'plane' | 'box' | undefined;
  if (values.method !== undefined && values.method !== 'exact' && values.method !== 'power') throw new InputError(`--method must be exact or power, got '${values.method}'`);
  const timesArg = values.times === undefined ? undefined : num(values.times, 'times', 50, { min: 1, max: MAX_TIMES, int: true });
  // Every value is checked above in every mode; a flag that the chosen mode would not read is refused here.
  if (values.exact) {
    const unread = CHECKPOINT_ONLY.filter((f) => values[f] !== undefined).map((f) => `--${f}`);
    if (unread.length > 0) throw new InputError(`${unread.join(', ')} ${unread.length > 1 ? 'apply' : 'applies'} to --checkpoint only: --exact evaluates the exact score`);
  }
  // The data (samples of p_0) and, where it is a Gaussian mixture, its exact score: a named data set
  // or a mixture file {weights, means, covs} (validated by parseMixtureJson).
  const dataArg = values.data ?? values.exact ?? 'clusters4';
  const isJson = (a: string) => a.toLowerCase().endsWith('.json');
  let fileMixture: MixtureDescription | undefined;
  if (isJson(dataArg)) fileMixture = parseMixtureJson(readText(dataArg, values.data ? '--data' : '--exact'), dataArg);
  else if (!DATASETS.includes(dataArg as DatasetName)) throw new InputError(`unknown dataset '${dataArg}' (${DATASETS.join(', ')}, or a mixture FILE.json)`);
  if (values.exact && !isJson(values.exact) && !datasetMixture(values.exact as DatasetName)) {
    throw new InputError(`--exact: '${values.exact}' is not a Gaussian mixture, it has no exact score (use one of ${DATASETS.filter((n) => datasetMixture(n)).join(', ')}, or a mixture FILE.json)`);
  }
  if (values.exact && values.data && values.data !== values.exact) throw new InputError('--exact names the data: give --data only with --checkpoint');
  const dataName = dataArg;
  let processSpec: ProcessSpec | undefined;
  let ckpt: ParsedCheckpoint | undefined;
  let ckParams: Float32Array | undefined;
  if (values.checkpoint) {
    ({ ck: ckpt, params: ckParams } = readCheckpointWeights(values.checkpoint, values.ema ?? false));
    processSpec = (ckpt.header as { processSpec?: ProcessSpec }).processSpec;
  }
  processSpec = processFromFlags(values, 'ddpm', processSpec);
  const process = makeProcess(processSpec);
  const discrete = process.kind === 'ddpm';
  if (discrete && timesArg !== undefined) throw new InputError(`--times applies to continuous processes: DDPM is evaluated at each of its ${Math.round(process.T)} steps (set them with --ddpm-steps)`);
  const M = discrete ? Math.round(process.T) : (timesArg ?? 50);
  if (M > MAX_TIMES) throw new InputError(`the process has ${M} steps; lipschitz handles at most ${MAX_TIMES} times`);
  const tMin = (process as { tMin?: number }).tMin ?? 1e-3;
  const times = Array.from({ length: M }, (_, i) => (discrete ? i + 1 : tMin + ((process.T - tMin) * (i + 1)) / M));

  const engine = await createEngine();
  try {
    const data = await engine.dataset(fileMixture ?? (dataName as DatasetName), { n: points, seed, ...(fileMixture ? { name: dataName } : {}) });
    const host = data.data;
    const d = data.d;
    let searchInfo: Record<string, unknown> | undefined;
    const rows: Record<string, number | number[] | boolean | string | null>[] = times.map((t) => ({ t, alpha: process.alpha(t), sigma: process.sigma(t) }));
    let note = '';
    if (ckpt) {
      const spec = ckpt.header.spec;
      if (spec.dim !== d) throw new InputError(`the network has dimension ${spec.dim}, the data set ${dataName} has ${d}`);
      const params = ckParams!;
      const network = { spec, params };
      const layout = mlpLayout(spec);
      const steps = spec.time.kind === 'step' ? spec.time.steps : 0;
      const tt: TangentTime[] = times.map((t) => ({ alpha: process.alpha(t), sigma: process.sigma(t), step: steps > 0 ? embedIndex(t, process.T, steps) : 0, tau: t / process.T }));
      // A 10×10 grid on [−1.5, 1.5]² in the first two coordinates (100 points on [−1.5, 1.5] in 1-D).
      const gridHost = Float32Array.from({ length: 100 * d }, (_, i) => {
        const q = Math.floor(i / d);
        const c = i % d;
        if (d === 1) return -1.5 + (3 * q) / 99;
        return c === 0 ? -1.5 + (3 * Math.floor(q / 10)) / 9 : c === 1 ? -1.5 + (3 * (q % 10)) / 9 : 0;
      });
      const method = (values.method ?? (d <= 3 ? 'exact' : 'power')) as 'exact' | 'power';
      const fromP = await engine.lipschitz(network, { times: tt, points: host, noise: true, perTime: points, method, pairwise: values.pairwise ?? false, iters, seed });
      const fromG = await engine.lipschitz(network, { times: tt, points: gridHost, noise: false, perTime: 100, method, pairwise: values.pairwise ?? false, iters, seed });
      const global = certifiedUpperBound(layout, params, tt);
      const gpuLs = rows.map((r, i) => {
        const v = Math.max(fromP.ls[i]!, fromG.ls[i]!);
        if (!Number.isFinite(v)) throw new InputError(`the network's L_s estimate at t = ${r.t} is not finite (${v}): its outputs overflow f32 there`);
        return v;
      });
      const certify = !values['no-certify'];
      // The same kind of points in float64 on the host (samples of p_t and the 10×10 grid): f32
      // values on the GPU can exceed the float64 ones by rounding (ε/σ amplifies it at small t).
      const nSamples = Math.min(points, 4096);
      const samplePts = noisedSamples(host, d, tt, nSamples, seed, 98, gridHost);
      // The search (GPU, any d) for the lower estimate; at d ≤ 3 the certificate seeded with it.
      const region = regionArg ?? defaultRegion(d);
      // The certificate runs on the host for up to --cert-seconds per time and part: a progress line on stderr.
      const bar = progress('certificate', times.length * (region === 'plane' && d <= 2 ? 2 : 1));
      let parts = 0;
      const onPhase = certify && d <= CERTIFY_MAX_DIM ? (e: SupremumPhase) => e.phase === 'certificate' && bar(++parts) : undefined;
      const report = await engine.lipschitzSupremum(network, { times: tt, samples: samplePts.map((s) => Float32Array.from(s)), box, grow, tol, secondsPerTime: certSeconds, boxesPerTime: certBoxes, certify, seed, region, ...(onPhase ? { onPhase } : {}) });
      rows.forEach((r, i) => {
        const rep = report.rows[i]!;
        r.ls = rep.ls;
        r.lsArgmax = rep.lsArgmax;
        if (rep.lsSamples !== undefined) r.lsSamples = rep.lsSamples;
        r.lsSearch = rep.lsSearch;
        r.lsSearchArgmax = rep.lsSearchArgmax;
        r.certified = rep.certified;
        if (rep.certifiedRegion !== undefined) r.certifiedRegion = rep.certifiedRegion;
        if (rep.certifiedLoose !== undefined) r.certifiedLoose = rep.certifiedLoose;
        if (rep.certifiedReason) r.certifiedReason = rep.certifiedReason;
        if (rep.certifiedInBox !== undefined) r.certifiedInBox = rep.certifiedInBox;
        if (rep.lsOutside !== undefined) {
          r.lsOutside = rep.lsOutside;
          r.lsOutsideArgmax = rep.lsOutsideArgmax!;
        }
        r.box = rep.box;
        r.edge = rep.edge;
        if (rep.relGap !== undefined) r.relGap = rep.relGap;
        if (rep.converged !== undefined) r.converged = rep.converged ? 1 : 0;
        if (rep.certSeconds !== undefined) r.certSeconds = rep.certSeconds;
        if (rep.certOutside !== undefined) {
          // Flat columns for the table; the JSON also gets the open cells with the largest bounds.
          r.certOutside = rep.certOutside.upper;
          r.certOutsideCells = rep.certOutside.cells;
          r.certOutsideSeconds = rep.certOutside.seconds;
        }
        if (rep.certInner !== undefined) r.certInner = rep.certInner.upper;
        if (rep.paper !== undefined) r.paper = rep.paper;
        r.lsGpu = gpuLs[i]!;
        r.certifiedGlobal = global[i]!;
        if (fromP.pairwise && fromG.pairwise) r.pairwise = Math.max(fromP.pairwise[i]!, fromG.pairwise[i]!);
      });
      searchInfo = { starts: report.starts, seconds: report.searchSeconds, startsPerSecond: report.startsPerSecond, startKinds: report.startKinds };
      const edges = report.rows.filter((r) => r.edge).length;
      note = `ls = best lower estimate of the supremum over ℝ^${d} (float64 at every point): GPU multi-start projected ascent (lsSearch, lsSearchArgmax; ${report.startKinds.samples} sample + ${report.startKinds.grid} grid + ${report.startKinds.random} random + ${report.startKinds.secant} secant-midpoint starts per time, ${Math.round(report.startsPerSecond)} starts/s)${certify && d <= CERTIFY_MAX_DIM ? ", the certificate's own search" : ''} and ${nSamples} samples of p_t + a 10×10 grid (lsSamples = those points only); `;
      const plane = report.rows.some((r) => r.certifiedRegion === `R^${d}`);
      if (plane) {
        const open = report.rows.filter((r) => r.certified === null).length;
        note += `lsOutside = best value on spheres of radius 2B … 1024B outside the first box (also a lower estimate; the certificate's cells reaching infinity add theirs to ls); certified = upper bound over ALL of ℝ^${d} (certifiedRegion "R^${d}"): the box [−${box}, ${box}]^${d} (certInner) and the outside of the ball of radius ${box} (certOutside: branch-and-bound over cells in (angle, 1/|x|) that reach infinity), float64, printed only when both close to the target gap ${tol} within ${certSeconds} s or ${certBoxes} boxes per part; `;
        if (open > 0) note += `${open} of ${M} times did not close: certified = null there, certifiedLoose = the sound but open bound over ℝ^${d} (certifiedReason); `;
        note += `box/edge describe the search's box only; `;
      } else if (certify && d <= CERTIFY_MAX_DIM) note += `lsOutside = best value on spheres of radius 2B … 1024B outside the first box (also a lower estimate); certified = upper bound over the box [−box, box]^${d} only, never over ℝ^${d} (branch-and-bound, float64, target gap ${tol}; the box starts at ${box} and grows, up to ${grow} times, while the argmax sits on its edge or a value outside it exceeds its bound — then to hold that point); `;
      else if (d > CERTIFY_MAX_DIM) note += `certified = null: no certificate above d = ${CERTIFY_MAX_DIM} (certifiedReason); `;
      else note += 'certified = null (--no-certify); ';
      const nulls = report.rows.filter((r) => r.certified === null && r.certifiedInBox !== undefined).length;
      if (nulls > 0) note += `${nulls} of ${M} times have certified = null: a value outside the largest box tried exceeds its bound (certifiedInBox); `;
      if (edges > 0 && !plane) note += `${edges} of ${M} times have their argmax on the edge of the final box (edge = true): the supremum over ℝ^${d} may exceed certified there, which covers only the box; `;
      note += `certifiedGlobal = upper bound over ℝ^${d} (spectral norms, loose); paper = the paper's estimator; `;
      note += `lsGpu: ${method === 'power' ? `power iteration (${iters} steps)` : 'exact symmetric-Jacobian eigenvalues'} at samples and a grid; ${fromP.note}`;
    }
    const mixture = data.mixture;
    if (mixture && data.exact) {
      // The exact score's constant (float64 on the CPU: an oracle): its supremum over all x, and,
      // for comparison, the max over samples of p_t alone (what every sample-based estimate sees).
      const z = rngFillCpu(Math.min(points, 2000) * d, seed, 99, 'normal');
      const gm = toGaussianMixture(mixture);
      const search = d <= EXACT_SUP_MAX_DIM;
      for (const r of rows) {
        await yieldToSignals(); // the search is synchronous (seconds per time at d = 16): Ctrl-C is seen between times
        const alpha = r.alpha as number;
        const sigma = r.sigma as number;
        if (search) {
          const sup = mixtureScoreSupremum(gm, alpha, sigma);
          r.exact = sup.value;
          r.exactArgmax = sup.argmax;
        }
        const mm = new MixtureMarginal(gm, alpha, sigma);
        const pts: number[] = [];
        for (let i = 0; i < z.length / d; i++) for (let c = 0; c < d; c++) pts.push(alpha * host[(i % data.n) * d + c]! + sigma * z[i * d + c]!);
        r.exactAtSamples = mm.maxSymmetricEigenvalue(pts);
      }
      note += `${note ? ' ' : ''}`;
      note += search
        ? `exact = sup over x of the exact score's λ_max (float64 search, argmax in exactArgmax); `
        : `exact: not computed — the supremum search runs up to d = ${EXACT_SUP_MAX_DIM} (cost ~d^4 per ascent step), this mixture has d = ${d}; `;
      note += `exactAtSamples = max over ${z.length / d} samples of p_t only (a lower estimate of the supremum).`;
    }
    if (values.json) {
      console.log(jsonWithNonFinite({ process: process.label, data: dataName, points, note, ...(ckpt && !values['no-certify'] && data.d <= CERTIFY_MAX_DIM ? { certifiedBox: [-box, box] } : {}), ...(searchInfo ? { search: searchInfo } : {}), rows }));
      return 0;
    }
    console.log(`# ${process.label}, ${dataName}, ${points} samples of p_t per time${ckpt ? ' (+ 10×10 grid for the network)' : ''}`);
    console.log(`# ${note}`);
    // Long text stays in the note (certifiedReason is there in words).
    const cols = Object.keys(rows[0]!).filter((c) => c !== 'certifiedReason');
    const reason = rows.find((r) => typeof r.certifiedReason === 'string')?.certifiedReason;
    if (reason) console.log(`# certified: ${String(reason)}`);
    const cell = (v: number | number[] | boolean | string | null | undefined) => (Array.isArray(v) ? `(${v.map((x) => Number(x.toPrecision(4))).join(', ')})` : typeof v === 'number' ? Number(v.toPrecision(6)).toString() : v === null || v === undefined ? '—' : String(v));
    // Each column as wide as its widest cell or header, two spaces apart.
    const cells = rows.map((r) => cols.map((c) => cell(r[c])));
    const widths = cols.map((c, k) => Math.max(c.length, ...cells.map((line) => line[k]!.length)));
    const line = (xs: string[]) => xs.map((x, k) => x.padStart(widths[k]!)).join('  ');
    console.log(line(cols));
    for (const xs of cells) console.log(line(xs));
    return 0;
  } finally {
    engine.destroy();
  }
}
