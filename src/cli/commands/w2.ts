import { readFileSync, writeFileSync } from 'node:fs';
import { chooseW2Method, createEngine, hostW2, SINKHORN_DEFAULTS, SLICED_DEFAULTS, W2_METHODS, type W2Method, type W2Options } from '../../api/engine.js';
import { InputError, parseCsv } from '../../api/library.js';
import { num, parse } from '../args.js';

/** A progress report of the solve (the engine's W2Options.onProgress argument). */
type ProgressEvent = Parameters<NonNullable<W2Options['onProgress']>>[0];

/** Sliced W2 projects both clouds once per direction on the CPU: a bound on its loop (and its L × d direction table). */
const MAX_DIRECTIONS = 100_000;

export const summary = 'W2 distance between two (weighted) point clouds in CSV files (auto: exact or GPU Sinkhorn; 1-D exact, sliced)';
export const options = {
  method: { type: 'string' },
  'x-weights': { type: 'string' },
  'y-weights': { type: 'string' },
  plan: { type: 'string' },
  blur: { type: 'string' },
  scaling: { type: 'string' },
  'no-debias': { type: 'boolean' },
  tol: { type: 'string' },
  'max-iter': { type: 'string' },
  checks: { type: 'string' },
  'check-spacing': { type: 'string' },
  directions: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  adapter: { type: 'string' },
  help: { type: 'boolean' },
} as const;

export const usage =
  'wasserflow w2 X.csv Y.csv [--method auto|exact|sinkhorn|exact1d|sliced] [--x-weights FILE] [--y-weights FILE] [--plan FILE.csv] [--blur B] [--scaling S] [--no-debias] [--tol T] [--max-iter N] [--checks sync|pipelined] [--check-spacing fixed|adaptive] [--directions L] [--seed S] [--adapter NAME] [--json]\n' +
  'Exit status: 0 with the W2 printed; 3 when Sinkhorn stops unconverged (at --max-iter): no W2 is printed, stderr gives the marginal error reached (JSON: w2 null, converged false); 1 on bad input.';

/**
 * Weights for the `count` points of `points`: one number per line (blank lines ignored), non-negative,
 * not all zero; normalised later. Each refusal names the file and the problem.
 */
export function readWeights(file: string, count: number, points: string): Float64Array {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as Error).message})`);
  }
  const out: number[] = [];
  text.split(/\r?\n/).forEach((raw, k) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const v = Number(line);
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(line) || !Number.isFinite(v)) throw new InputError(`${file}:${k + 1}: weight '${line}' is not a finite number`);
    if (v < 0) throw new InputError(`${file}:${k + 1}: weight ${line} is negative`);
    out.push(v);
  });
  if (out.length !== count) throw new InputError(`${file}: ${out.length} weights for the ${count} points of ${points}`);
  if (!out.some((v) => v > 0)) throw new InputError(`${file}: all weights are zero`);
  return Float64Array.from(out);
}

function readCsv(file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as Error).message})`);
  }
  // As read (float64): the CPU methods use the values as they are and the Sinkhorn centres them
  // before rounding to f32 (f32 on read made W2 of clouds around 1e7 30% wrong).
  return parseCsv(text, file, { float64: true });
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, options, usage);
  if (values.help) {
    console.log(`usage: ${usage}`);
    return 0;
  }
  if (positionals.length !== 2) throw new InputError(`expected two CSV files, got ${positionals.length}\nusage: ${usage}`);
  const method = (values.method ?? 'auto') as W2Method;
  if (!W2_METHODS.includes(method)) throw new InputError(`--method must be one of ${W2_METHODS.join(', ')}, got '${values.method}'`);
  const [fx, fy] = positionals as [string, string];
  const X = readCsv(fx);
  const Y = readCsv(fy);
  if (X.d !== Y.d) throw new InputError(`${fx} has ${X.d} columns, ${fy} has ${Y.d}: the clouds must have the same dimension`);
  const wx = values['x-weights'] !== undefined ? readWeights(values['x-weights'], X.n, fx) : undefined;
  const wy = values['y-weights'] !== undefined ? readWeights(values['y-weights'], Y.n, fy) : undefined;
  if (values.plan !== undefined && method !== 'exact' && method !== 'auto') throw new InputError(`--plan needs --method exact (or auto), got ${method}`);
  const opts: W2Options = { method, debias: !values['no-debias'] };
  if (values.plan !== undefined) opts.plan = true;
  if (values.blur !== undefined) opts.blur = num(values.blur, 'blur', 0, { min: 1e-12 });
  if (values.scaling !== undefined) opts.scaling = num(values.scaling, 'scaling', SINKHORN_DEFAULTS.scaling, { min: 1e-3, max: 0.999 });
  if (values.tol !== undefined) opts.tol = num(values.tol, 'tol', SINKHORN_DEFAULTS.tol, { min: 1e-12 });
  if (values['max-iter'] !== undefined) opts.maxIterations = num(values['max-iter'], 'max-iter', SINKHORN_DEFAULTS.maxIterations, { min: 1, int: true });
  if (values.checks !== undefined) {
    if (values.checks !== 'sync' && values.checks !== 'pipelined') throw new InputError(`--checks must be sync or pipelined, got '${values.checks}'`);
    opts.checks = values.checks;
  }
  const spacing = values['check-spacing'];
  if (spacing !== undefined) {
    if (spacing !== 'fixed' && spacing !== 'adaptive') throw new InputError(`--check-spacing must be fixed or adaptive, got '${spacing}'`);
    opts.checkSpacing = spacing;
  }
  if (values.directions !== undefined) opts.directions = num(values.directions, 'directions', SLICED_DEFAULTS.directions, { min: 1, max: MAX_DIRECTIONS, int: true });
  if (values.seed !== undefined) opts.seed = num(values.seed, 'seed', SLICED_DEFAULTS.seed, { min: 0, int: true });
  const cx = { data: X.data, d: X.d, ...(wx ? { weights: wx } : {}) };
  const cy = { data: Y.data, d: Y.d, ...(wy ? { weights: wy } : {}) };
  // Only Sinkhorn needs the GPU: the CPU methods run without starting a device. For auto, the rules
  // that hold on every adapter decide first; the adapter is asked only when they say Sinkhorn.
  let runs = method === 'auto' ? chooseW2Method({ n: X.n, d: X.d }, { n: Y.n, d: Y.d }).method : method;
  const engine = runs === 'sinkhorn' ? await createEngine(values.adapter ? { adapter: values.adapter } : {}) : null;
  if (engine && method === 'auto') runs = chooseW2Method({ n: X.n, d: X.d }, { n: Y.n, d: Y.d }, engine.adapter).method;
  try {
    ignoredFlags(values, method, runs);
    const report = values.json ? undefined : runs === 'sinkhorn' ? sinkhornProgress(opts.tol ?? SINKHORN_DEFAULTS.tol) : runs === 'exact' ? exactProgress() : undefined;
    if (report) opts.onProgress = report.event;
    let r;
    try {
      r = engine ? await engine.w2(cx, cy, opts) : await hostW2(cx, cy, opts);
    } finally {
      report?.end();
    }
    if (values.plan !== undefined) {
      if (!r.plan) throw new InputError(`--plan: method ${r.method} ran (${r.reason}), which has no exact plan; use --method exact`);
      const p = r.plan;
      const lines = ['i,j,mass'];
      for (let k = 0; k < p.mass.length; k++) lines.push(`${p.rows[k]},${p.cols[k]},${p.mass[k]}`);
      writeFileSync(values.plan, lines.join('\n') + '\n');
    }
    const s = r.sinkhorn;
    const out: Record<string, unknown> = {
      w2: r.w2,
      w2sq: r.w2sq,
      method: r.method,
      reason: r.reason,
      ...(r.solver ? { solver: r.solver } : {}),
      iterations: r.iterations,
      marginalError: r.marginalError,
      ms: r.ms,
      n: X.n,
      m: Y.n,
      d: X.d,
      weighted: wx !== undefined || wy !== undefined,
    };
    if (values.plan !== undefined) out.plan = values.plan;
    if (s) Object.assign(out, { debias: opts.debias, ot: s.ot, divergence: s.divergence ?? null, blur: s.blur, eps: s.eps, converged: s.converged, marginalFloor: s.marginalFloor ?? null, checks: s.checks, phaseMs: s.phaseMs });
    if (s && !s.converged) {
      // A run that did not converge prints no W2 (its value is not one): the marginal error reached instead.
      Object.assign(out, { ot: null, divergence: null });
      if (values.json) console.log(JSON.stringify(out));
      const floor = s.marginalFloor !== undefined && s.marginalFloor > (opts.tol ?? SINKHORN_DEFAULTS.tol) ? `; float32 cannot go below ${s.marginalFloor.toExponential(2)} at this blur relative to the diameter` : '';
      console.error(
        `wasserflow w2: Sinkhorn did not converge: marginal error ${s.marginalError.toExponential(2)} after ${s.iterations} iterations ` +
          `(tol ${opts.tol ?? SINKHORN_DEFAULTS.tol}, blur ${s.blur.toPrecision(3)}${floor}); no W2 printed. Raise --max-iter or --blur, or use --method exact.`,
      );
      return 3;
    }
    if (values.json) console.log(JSON.stringify(out));
    else {
      console.log(`W2  = ${r.w2.toPrecision(7)}   (W2² = ${r.w2sq.toPrecision(7)}, method ${r.method}${s ? `, ${opts.debias ? 'debiased S_ε' : 'OT_ε'}, blur ${s.blur.toPrecision(3)}` : ''})`);
      if (s) console.log(`${r.iterations} iterations, marginal error ${r.marginalError.toExponential(2)}${s.converged ? '' : ' (not converged)'}, ${r.ms.toFixed(0)} ms`);
      else console.log(`${r.solver ? `${r.solver}, ${r.iterations} pivots, ` : ''}${r.ms.toFixed(0)} ms${method === 'auto' ? ` (auto: ${r.reason})` : ''}`);
    }
    return 0;
  } finally {
    engine?.destroy();
  }
}

/** Flags of one method given while another runs (method auto, or asked): said on stderr, not silently dropped. */
function ignoredFlags(values: Record<string, unknown>, method: W2Method, runs: W2Method): void {
  const of: [W2Method, string[]][] = [
    ['sinkhorn', ['blur', 'scaling', 'no-debias', 'tol', 'max-iter', 'checks', 'check-spacing']],
    ['sliced', ['directions', 'seed']],
  ];
  for (const [m, flags] of of) {
    const given = flags.filter((f) => values[f] !== undefined && values[f] !== false);
    if (runs === m || given.length === 0) continue;
    const why = method === 'auto' ? `method auto chose ${runs} for this size (--method ${m} to use them)` : `method ${runs} ran`;
    console.error(`wasserflow w2: note: ${given.map((f) => `--${f}`).join(', ')} ${given.length > 1 ? 'apply' : 'applies'} only to method ${m}; ${why}: ignored`);
  }
}

/**
 * Sinkhorn's progress on stderr: the iteration, the ε level and the marginal error against tol (a
 * percentage of --max-iter said nothing: most solves stop long before it). On a terminal one line
 * rewritten at each check; otherwise a line per ε level and at most one every 2 s within a level.
 */
function sinkhornProgress(tol: number): { event: (e: ProgressEvent) => void; end: () => void } {
  const tty = process.stderr.isTTY;
  let level: number | undefined;
  let last = 0;
  let wrote = false;
  return {
    event: (e) => {
      const m = e.metrics ?? {};
      // (The metrics' ε is in the solve's units of the diameter, not the data's: not printed.)
      const line = `sinkhorn: iteration ${e.done}, ε level ${m.level ?? '?'}, marginal error ${m.marginalError?.toExponential(2) ?? '?'} (tol ${tol})`;
      const now = performance.now();
      if (tty) {
        process.stderr.write(`\r${line}\x1b[K`);
        wrote = true;
      } else if (m.level !== level || now - last > 2000) {
        process.stderr.write(`${line}\n`);
        level = m.level;
        last = now;
      }
    },
    end: () => {
      if (wrote) process.stderr.write('\n');
    },
  };
}

/** The exact solver's progress on stderr: simplex pivots so far, every 2 s once it has run 2 s (small problems print nothing). */
function exactProgress(): { event: (e: ProgressEvent) => void; end: () => void } {
  const t0 = performance.now();
  let last = t0;
  return {
    event: (e) => {
      const now = performance.now();
      if (now - t0 < 2000 || now - last < 2000) return;
      last = now;
      process.stderr.write(`exact: ${e.done} simplex pivots, ${((now - t0) / 1000).toFixed(0)} s\n`);
    },
    end: () => undefined,
  };
}
