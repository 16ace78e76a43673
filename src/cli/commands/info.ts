import { GpuContext } from '../../gpu/context.js';
import { parse } from '../args.js';

export const summary = 'print the WebGPU adapter, its features and limits';
const usage = 'wasserflow info [--json] [--adapter lavapipe|swiftshader|nvidia|system|ICD.json]';

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' }, adapter: { type: 'string' } }, usage);
  const ctx = await GpuContext.create(values.adapter ? { adapter: values.adapter } : {});
  try {
    const a = ctx.adapter;
    if (values.json) {
      console.log(JSON.stringify(a, null, 2));
      return 0;
    }
    console.log(`adapter      ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || '(no info)'}`);
    if (a.choice) console.log(`chosen       ${a.choice.name}: ${a.choice.reason}${a.choice.icd ? ` (${a.choice.icd})` : ''}`);
    console.log(`software     ${a.isSoftware ? 'yes (CPU implementation: expect ~50x slower kernels than a GPU)' : 'no'}`);
    console.log(`fallback     ${a.isFallbackAdapter ? 'yes' : 'no'}`);
    console.log(`features     ${a.features.join(', ') || '(none)'}`);
    for (const [k, v] of Object.entries(a.limits)) console.log(`${k.padEnd(36)} ${v}`);
    return 0;
  } finally {
    ctx.destroy();
  }
}
