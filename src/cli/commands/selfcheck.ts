import { createEngine } from '../../api/engine.js';
import { num, parse, type Options } from '../args.js';

export const summary = 'run real kernels (RNG, reductions) on the GPU and check them against CPU references';
export const usage = 'wasserflow selfcheck [--n N] [--seed S] [--json]';

/** The command's options (every one is listed in `usage`: test/cli_help.test.ts). */
export const options = { n: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } satisfies Options;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, options, usage);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const n = num(values.n, 'n', 1_000_003, { min: 1, max: 50_000_000, int: true });
  const seed = num(values.seed, 'seed', 1, { min: 0, int: true });
  const engine = await createEngine();
  try {
    const checks = await engine.selfcheck({ n, seed });
    const ok = checks.every((c) => c.ok);
    if (values.json) console.log(JSON.stringify({ ok, adapter: engine.adapter, checks }, null, 2));
    else {
      for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}  (${c.detail}; ${c.ms.toFixed(0)} ms)`);
      console.log(ok ? 'selfcheck passed' : 'selfcheck FAILED');
    }
    return ok ? 0 : 1;
  } finally {
    engine.destroy();
  }
}
