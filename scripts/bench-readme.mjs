#!/usr/bin/env node
// `npm run bench:readme`: copy the latest benchmark tables (bench/results/latest.md from
// `npm run bench`, latest-chromium.md from `npm run bench:headless` and gpu-h200.md from
// scripts/gpu-check.sh on a real GPU, when present) into
// docs/benchmarks.md (linked from the README) between the `<!-- bench:begin -->` and
// `<!-- bench:end -->` markers. Each table's own first line names its date and adapter.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = `${root}docs/benchmarks.md`;
const begin = '<!-- bench:begin -->';
const end = '<!-- bench:end -->';
const parts = [];
for (const [file, title] of [
  ['bench/results/latest.md', 'In Node (`npm run bench`)'],
  ['bench/results/latest-chromium.md', 'In the page, headless Chromium (`npm run bench:headless`)'],
  ['bench/results/gpu-h200.md', 'On a real GPU: NVIDIA H200 (`bash scripts/gpu-check.sh`; whole report in `bench/results/gpu-h200-report.md`)'],
]) {
  if (existsSync(`${root}${file}`)) parts.push(`#### ${title}\n\n${readFileSync(`${root}${file}`, 'utf8').trim()}\n\n(from [\`${file}\`](../${file}))`);
}
if (parts.length === 0) {
  console.error('bench-readme: no bench/results/latest*.md: run npm run bench first');
  process.exit(1);
}
const text = readFileSync(readme, 'utf8');
const i = text.indexOf(begin);
const j = text.indexOf(end);
if (i < 0 || j < i) {
  console.error(`bench-readme: docs/benchmarks.md has no ${begin} … ${end} section`);
  process.exit(1);
}
writeFileSync(readme, `${text.slice(0, i + begin.length)}\n${parts.join('\n\n')}\n${text.slice(j)}`);
console.log(`docs/benchmarks.md: benchmark section updated from ${parts.length} table(s)`);
