/**
 * `npm run bench`: the whole suite in Node (bench/run_node.ts), the same as `wasserflow bench`.
 * Writes bench/results/latest.json and latest.md.
 *
 * usage: node dist/bench/node.js [--quick] [--filter ID [--update]] [--no-peers] [--out DIR] [--name latest] [--adapter NAME]
 *
 * --update (with --filter): replace only the filtered benchmarks' rows in the existing latest.json
 * (same adapter and environment) instead of writing a report with only those rows.
 */
import { benchNode } from './run_node.js';

benchNode(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
