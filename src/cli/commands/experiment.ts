import { createEngine } from '../../api/engine.js';
import { EXPERIMENT_DEFAULTS, EXPERIMENTS, replotExperiment, runExperiment, type ExperimentName } from '../../api/experiments.js';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError, InputError, parseClasses } from '../../api/library.js';
import { num, parse, type Options } from '../args.js';
import { interruptSignal } from '../interrupt.js';
import { prepareOutputDir } from '../files.js';

export const summary = "reproduce the paper's experiments (loglog, lipschitz-control, ls-vs-t, t-sweep, 1d) and a real-data run (fashion): JSON + SVG + SUMMARY.md";
export const usage = `wasserflow experiment <loglog|lipschitz-control|ls-vs-t|t-sweep|1d|fashion> [--out DIR] [--full | --quick] [--data NAME[,NAME]]
       [--classes C,C] [--seed N] [--blur B] [--cert-seconds S] [--adapter NAME]
       wasserflow experiment --replot DIR

  loglog             log W2 vs log J_DSM during training with the bound line (Fig. 2): clusters4, cluster2d, moons
                     (--data NAME[,NAME] to choose; --quick = clusters4 only)
  lipschitz-control  the same on clusters4: plain, spectral normalisation, weight clipping 0.1 (Fig. 3)
  ls-vs-t            L_s(t) of the network for T = 100 next to the exact score's value
  t-sweep            I(T)·W2(p_T, N(0,I)) and W2(p0, q0) for T = 10, 50, 100, 150, 200
  1d                 loglog on the 1-D data sets (cluster1d, clusters2-1d)
  fashion            a score MLP on Fashion-MNIST (Debian's dataset-fashion-mnist): EM and PF-ODE samples, PNG/SVG
                     grid, W2 to test images next to the floor, L_s(t), the bound's terms. Default (= --quick): 49-D,
                     minutes on a CPU adapter; --full: 784-D, 2×1024 units, 10^4 samples — for a real GPU.
                     --classes 0,7 keeps those labels
  --out DIR          output directory (default experiments/<name>)
  --full             the paper's sizes (long); default sizes run in minutes on SwiftShader
  --blur B           Sinkhorn blur (ε = B², default 0.05)
  --cert-seconds S   budget of the L_s certificate at the final weights, per step and part (at d ≤ 2 it covers all
                     of ℝ^d in two parts: the box [−1.5, 1.5]^d and the outside of the ball of radius 1.5); defaults:
                     loglog, lipschitz-control, 1d 4 (--full 30); ls-vs-t 2 (30); t-sweep 0 = none (20)
  --replot DIR       re-draw the figures (SVG, PNG, .figure.json) of a finished run from its JSON, no GPU`;

/** The command's options (every one is listed in `usage`: test/cli_help.test.ts). */
export const options = {
  out: { type: 'string' },
  full: { type: 'boolean' },
  quick: { type: 'boolean' },
  seed: { type: 'string' },
  blur: { type: 'string' },
  'cert-seconds': { type: 'string' },
  data: { type: 'string' },
  classes: { type: 'string' },
  adapter: { type: 'string' },
  replot: { type: 'string' },
  help: { type: 'boolean' },
} satisfies Options;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, options, usage);
  const name = positionals[0];
  if (values.replot) {
    const files = await replotExperiment(values.replot);
    if (files.length === 0) throw new InputError(`--replot ${values.replot}: no loglog.json, lipschitz-control.json, ls-vs-t.json, t-sweep.json or flow trace there`);
    console.log(files.join('\n'));
    return 0;
  }
  if (values.help || !name) {
    console.log(usage);
    return name || values.help ? 0 : 2;
  }
  if (!EXPERIMENTS.includes(name as ExperimentName)) throw new InputError(`unknown experiment '${name}' (${EXPERIMENTS.join(', ')})\nusage: ${usage}`);
  const seed = num(values.seed, 'seed', EXPERIMENT_DEFAULTS.seed, { int: true, min: 0 });
  const blur = num(values.blur, 'blur', EXPERIMENT_DEFAULTS.blur, { min: 1e-4, max: 10 });
  const certSeconds = values['cert-seconds'] !== undefined ? num(values['cert-seconds'], 'cert-seconds', 0, { min: 0, max: 3600 }) : undefined;
  const out = values.out ?? `experiments/${name}`;
  prepareOutputDir(out); // before any work (a recursive mkdir of e.g. /proc/x never returns)
  const engine = await createEngine(values.adapter ? { adapter: values.adapter } : {});
  const t0 = performance.now();
  const started = Date.now();
  let last = '';
  const log = (line: string) => {
    last = line;
    console.error(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${line}`);
  };
  const full = values.full ?? false;
  // Ctrl-C stops at the next check (cooperative: src/cli/interrupt.ts); the files written so far stay.
  const signal = interruptSignal();
  try {
    const a = engine.adapter;
    log(`experiment ${name} on ${a.description || a.vendor}${a.isSoftware ? ' (software)' : ''}, ${full ? 'full' : 'quick'} sizes → ${out}`);
    const data = name === 'loglog' ? (values.data ? values.data.split(',') : values.quick ? ['clusters4'] : undefined) : undefined;
    await runExperiment(engine, name as ExperimentName, {
      out, full, seed, blur, log, signal,
      ...(data ? { data } : {}),
      ...(certSeconds !== undefined ? { certSeconds } : {}),
      ...(name === 'fashion' && values.classes !== undefined ? { classes: parseClasses(values.classes) } : {}),
    });
    // A Ctrl-C that came after the last check still counts: the run was asked to stop.
    if (signal.aborted) throw new CancelledError(name);
    log(`done: ${out}/SUMMARY.md`);
    return 0;
  } catch (e) {
    if (!(e instanceof CancelledError) && !signal.aborted) throw e;
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    const kept = writtenSince(out, started);
    console.error(
      `wasserflow experiment: cancelled ${name} after ${seconds} s${last ? ` (last step: ${last.length > 100 ? `${last.slice(0, 100)}…` : last})` : ''}; ` +
        (kept.length > 0 ? `kept in ${out}: ${kept.join(', ')} (an incomplete run)` : `nothing written to ${out}`),
    );
    return 130;
  } finally {
    engine.destroy();
  }
}

/** Files under `dir` (not recursing) written since `since` (ms since the epoch), by name. */
function writtenSince(dir: string, since: number): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => {
        const st = statSync(join(dir, f));
        return st.isFile() && st.mtimeMs >= since - 1000;
      })
      .sort();
  } catch {
    return [];
  }
}
