import { createEngine } from '../../api/engine.js';
import { parse, type Options } from '../args.js';

export const summary = 'print the WebGPU adapter, its features and limits';
export const usage = 'wasserflow info [--json] [--adapter lavapipe|swiftshader|nvidia|system|ICD.json]';

/** The command's options (every one is listed in `usage`: test/cli_help.test.ts). */
export const options = { json: { type: 'boolean' }, adapter: { type: 'string' }, help: { type: 'boolean' } } satisfies Options;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, options, usage);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const engine = await createEngine(values.adapter ? { adapter: values.adapter } : {});
  try {
    const a = engine.adapter;
    // The per-adapter kernel choices (measured now if this adapter has no cached ones yet).
    const tuning = await engine.tune();
    if (values.json) {
      console.log(JSON.stringify({ ...a, tuning }, null, 2));
      return 0;
    }
    console.log(`adapter      ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || '(no info)'}`);
    if (a.choice) console.log(`chosen       ${a.choice.name}: ${a.choice.reason}${a.choice.icd ? ` (${a.choice.icd})` : ''}`);
    console.log(`software     ${a.isSoftware ? 'yes (CPU implementation: expect ~50x slower kernels than a GPU)' : 'no'}`);
    console.log(`fallback     ${a.isFallbackAdapter ? 'yes' : 'no'}`);
    console.log(`features     ${a.features.join(', ') || '(none)'}`);
    for (const [k, v] of Object.entries(a.limits)) console.log(`${k.padEnd(36)} ${v}`);
    for (const [k, r] of Object.entries(tuning.kernels)) {
      const best = r.ms[r.choice] ?? NaN;
      const worst = Math.max(...Object.values(r.ms));
      console.log(`tuned        ${k}: ${r.choice} (${Object.keys(r.ms).length} shapes timed by ${r.timer}, ${(worst / best).toFixed(1)}× faster than the slowest)`);
    }
    for (const [k, v] of Object.entries(tuning.overrides)) console.log(`forced       ${k}: ${v}`);
    console.log(`tuning cache ${tuning.cache ?? '(memory only)'}`);
    return 0;
  } finally {
    engine.destroy();
  }
}
