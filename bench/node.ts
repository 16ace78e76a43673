/**
 * `npm run bench`: the whole suite in Node (Dawn, the `webgpu` package) on the default adapter,
 * with the Python peers run in the same session. Writes bench/results/latest.json and latest.md.
 *
 * usage: node dist/bench/node.js [--quick] [--filter ID] [--no-peers] [--out DIR] [--adapter NAME]
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { GpuContext } from '../src/gpu/context.js';
import { runPythonPeer } from './peers/python.js';
import { writeReport } from './report.js';
import { adapterLine, runSuite, toMarkdown } from './suite.js';

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
    },
  });
  const ctx = await GpuContext.create(values.adapter ? { adapter: values.adapter } : {});
  const log = (m: string) => process.stderr.write(`${m}\n`);
  log(`adapter: ${adapterLine(ctx.adapter)}`);
  try {
    const report = await runSuite(
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
    const files = writeReport(values.out!, report);
    process.stdout.write(toMarkdown(report));
    log(`wrote ${files.json} and ${files.md}`);
    return report.failures.length > 0 ? 1 : 0;
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
