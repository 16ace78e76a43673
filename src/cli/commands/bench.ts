import { join } from 'node:path';
import { BENCH_USAGE, benchNode } from '../../../bench/run_node.js';

export const summary = 'run the benchmark suite (ceilings, Sinkhorn, training, sampler, Lipschitz, flows) with peers in the same run';
const usage = `wasserflow bench ${BENCH_USAGE}

  Every figure is a median after warm-up with the first (compile) run apart, the adapter named, the
  share of the adapter's measured ceiling and the PyTorch / POT / numpy peers (Debian's /usr/bin/python3,
  or WASSERFLOW_PYTHON) and tfjs-webgpu measured in the same run. Writes <out>/<name>.json and .md
  (default ./bench/results/latest.*). --quick: small sizes (about a minute);
  --filter ID --update: re-run one benchmark and replace only its rows in the existing report.`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    return 0;
  }
  // Reports go under the current folder (not inside an installed package) unless --out says otherwise.
  const hasOut = argv.some((a) => a === '--out' || a.startsWith('--out='));
  return benchNode(hasOut ? argv : [...argv, '--out', join(process.cwd(), 'bench', 'results')]);
}
