/**
 * The suite in Node (Dawn, the `webgpu` package) on the default or chosen adapter, with the Python
 * peers run in the same session; writes <out>/<name>.json and .md and prints the table. Shared by
 * `npm run bench` (bench/node.ts) and `wasserflow bench`. Returns the exit code: 1 if a benchmark
 * failed.
 */
import { GpuContext } from '../src/gpu/context.js';
import { runPythonPeer } from './peers/python.js';
import { ROOT, runnerArgs, writeReport } from './report.js';
import { adapterLine, runSuite, toMarkdown } from './suite.js';

export const BENCH_USAGE = '[--quick] [--filter ID [--update]] [--no-peers] [--out DIR] [--name latest] [--adapter NAME]';

export async function benchNode(argv: string[], log: (m: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<number> {
  // SwiftShader and the Vulkan loader complain on every start when this is unset.
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const args = runnerArgs('latest', argv);
  const ctx = await GpuContext.create(args.adapter ? { adapter: args.adapter } : {});
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
