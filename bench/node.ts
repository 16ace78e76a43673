/**
 * `npm run bench`: the whole suite in Node (Dawn, the `webgpu` package) on the default adapter,
 * with the Python peers run in the same session. Writes bench/results/latest.json and latest.md.
 *
 * usage: node dist/bench/node.js [--quick] [--filter ID [--update]] [--no-peers] [--out DIR] [--name latest] [--adapter NAME]
 *
 * --update (with --filter): replace only the filtered benchmarks' rows in the existing latest.json
 * (same adapter and environment) instead of writing a report with only those rows.
 */
import { GpuContext } from '../src/gpu/context.js';
import { runPythonPeer } from './peers/python.js';
import { ROOT, runnerArgs, writeReport } from './report.js';
import { adapterLine, runSuite, toMarkdown } from './suite.js';

// SwiftShader and the Vulkan loader complain on every start when this is unset.
process.env.XDG_RUNTIME_DIR ??= '/tmp';

async function main(): Promise<number> {
  const args = runnerArgs('latest');
  const ctx = await GpuContext.create(args.adapter ? { adapter: args.adapter } : {});
  const log = (m: string) => process.stderr.write(`${m}\n`);
  log(`adapter: ${adapterLine(ctx.adapter)}`);
  try {
    const fresh = await runSuite(
      { ctx, adapter: ctx.adapter, env: 'node', log, peer: (script, peerArgs) => runPythonPeer(`${ROOT}bench/peers`, script, peerArgs, log) },
      {
        quick: args.quick,
        noPeers: args.noPeers,
        env: 'node',
        runtime: `Node ${process.versions.node}, Dawn (webgpu package)`,
        ...(args.filter ? { filter: args.filter } : {}),
        onResult: (r) => log(`  ${r.name} [${r.size}]: ${r.value.toPrecision(4)} ${r.unit}` + r.peers.map((p) => `; ${p.name} ×${p.ratio.toPrecision(3)}`).join('')),
      },
    );
    const files = writeReport(args.out, fresh, args.name, args.update);
    process.stdout.write(toMarkdown(files.report));
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
