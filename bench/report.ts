/** Writing the report files (Node): bench/results/latest.json and latest.md. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toMarkdown, type BenchReport } from './suite.js';

export function writeReport(dir: string, report: BenchReport, name = 'latest'): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const md = join(dir, `${name}.md`);
  writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(md, toMarkdown(report));
  return { json, md };
}
