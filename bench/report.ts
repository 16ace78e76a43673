/** Shared by the Node and headless runners: their options and writing the report files. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { InputError } from '../src/gpu/errors.js';
import { checkFilter, mergeReports, toMarkdown, type BenchReport } from './suite.js';

/** The package root (with a trailing slash): the nearest folder above this module with a package.json, wherever the bundler put it. */
export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return `${d}/`;
    if (dirname(d) === d) return `${process.cwd()}/`;
  }
}

/** The runners' options (BENCH_USAGE lists every one: test/cli_help.test.ts). */
export const RUNNER_OPTIONS = {
  quick: { type: 'boolean', default: false },
  filter: { type: 'string' },
  update: { type: 'boolean', default: false },
  'no-peers': { type: 'boolean', default: false },
  out: { type: 'string' },
  name: { type: 'string' },
  adapter: { type: 'string' },
} as const;

/**
 * The runners' common options: --quick, --filter ID, --update (with --filter: replace only those
 * benchmarks' rows in the existing report), --no-peers, --out DIR, --name (file stem; default the
 * runner's, with -quick or -partial appended for quick or filtered runs), --adapter.
 */
export function runnerArgs(defaultName: string, argv: string[] = process.argv.slice(2)) {
  const { values } = parseArgs({ args: argv, options: { ...RUNNER_OPTIONS, out: { type: 'string', default: `${ROOT}bench/results` } } });
  const out = values.out!;
  // Only a whole full-size run (or an --update of it) replaces the report the README quotes by default;
  // quick and filtered runs go to <name>-quick / <name>-partial unless --name says otherwise.
  const name = values.name ?? (values.update ? defaultName : values.quick ? `${defaultName}-quick` : values.filter ? `${defaultName}-partial` : defaultName);
  // Checked before any work: a filter that selects nothing, --update with nothing to update.
  if (values.filter !== undefined) checkFilter(values.filter);
  if (values.update && !values.filter) throw new InputError('--update needs --filter (it replaces the filtered benchmarks in the existing report)');
  if (values.update && !existsSync(join(out, `${name}.json`))) throw new InputError(`--update: no earlier report at ${join(out, `${name}.json`)}: run the whole suite first`);
  return {
    quick: values.quick ?? false,
    noPeers: values['no-peers'] ?? false,
    update: values.update ?? false,
    out,
    name,
    ...(values.filter ? { filter: values.filter } : {}),
    ...(values.adapter ? { adapter: values.adapter } : {}),
  };
}

/** Write `<dir>/<name>.json` and `.md`; with `update`, merge `report` into the earlier one first. */
export function writeReport(dir: string, report: BenchReport, name = 'latest', update = false): { json: string; md: string; report: BenchReport } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const md = join(dir, `${name}.md`);
  const out = update ? mergeReports(JSON.parse(readFileSync(json, 'utf8')) as BenchReport, report) : report;
  writeFileSync(json, JSON.stringify(out, null, 2) + '\n');
  writeFileSync(md, toMarkdown(out));
  return { json, md, report: out };
}
