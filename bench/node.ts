/**
 * `npm run bench`: the whole suite in Node (Dawn, the `webgpu` package) on the default adapter,
 * with the Python peers run in the same session. Writes bench/results/latest.json and latest.md.
 *
 * usage: node dist/bench/node.js [--quick] [--filter ID [--update]] [--no-peers] [--out DIR] [--adapter NAME]
 *
 * --update (with --filter): replace only the filtered benchmarks' rows in the existing latest.json
 * (same adapter and environment) instead of writing a report with only those rows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { GpuContext } from '../src/gpu/context.js';
import { runPythonPeer } from './peers/python.js';
import { writeReport } from './report.js';
import { adapterLine, mergeReports, runSuite, toMarkdown, type BenchReport } from './suite.js';

// SwiftShader and the Vulkan loader complain on every start when this is unset.
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      filter: { type: 'string' },
      'no-peers': { type: 'boolean', default: false },
      out: { type: 'string', default: `${ROOT}bench/results` },
      adapter: { type: 'string' },
      update: { type: 'boolean', default: false },
    },
  });
  const previous = join(values.out!, 'latest.json');
  if (values.update && !values.filter) throw new Error('--update needs --filter (it replaces the filtered benchmarks in the existing report)');
  if (values.update && !existsSync(previous)) throw new Error(`--update: no earlier report at ${previous}: run the whole suite first`);
  const ctx = await GpuContext.create(values.adapter ? { adapter: values.adapter } : {});
  const log = (m: string) => process.stderr.write(`${m}\n`);
  log(`adapter: ${adapterLine(ctx.adapter)}`);
  try {
    const fresh = await runSuite(
      { ctx, adapter: ctx.adapter, env: 'node', log, peer: (script, args) => runPythonPeer(`${ROOT}bench/peers`, script, args, log) },
      {
        quick: values.quick ?? false,
        noPeers: values['no-peers'] ?? false,
        env: 'node',
        runtime: `Node ${process.versions.node}, Dawn (webgpu package)`,
        ...(values.filter ? { filter: values.filter } : {}),
        onResult: (r) => log(`  ${r.name} [${r.size}]: ${r.value.toPrecision(4)} ${r.unit}` + r.peers.map((p) => `; ${p.name} ×${p.ratio.toPrecision(3)}`).join('')),
      },
    );
    const report = values.update ? mergeReports(JSON.parse(readFileSync(previous, 'utf8')) as BenchReport, fresh) : fresh;
    const files = writeReport(values.out!, report);
    process.stdout.write(toMarkdown(report));
    log(`wrote ${files.json} and ${files.md}`);
    return fresh.failures.length > 0 ? 1 : 0;
  } finally {
    ctx.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
