/** Shared by the Node and headless runners: their options and writing the report files. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mergeReports, toMarkdown, type BenchReport } from './suite.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The runners' common options: --quick, --filter ID, --update (with --filter: replace only those
 * benchmarks' rows in the existing report), --no-peers, --out DIR, --name (file stem), --adapter.
 */
export function runnerArgs(defaultName: string) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      filter: { type: 'string' },
      update: { type: 'boolean', default: false },
      'no-peers': { type: 'boolean', default: false },
      out: { type: 'string', default: `${ROOT}bench/results` },
      name: { type: 'string', default: defaultName },
      adapter: { type: 'string' },
    },
  });
  const out = values.out!;
  const name = values.name!;
  if (values.update && !values.filter) throw new Error('--update needs --filter (it replaces the filtered benchmarks in the existing report)');
  if (values.update && !existsSync(join(out, `${name}.json`))) throw new Error(`--update: no earlier report at ${join(out, `${name}.json`)}: run the whole suite first`);
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
