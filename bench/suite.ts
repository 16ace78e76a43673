/**
 * The benchmark suite: every `bench/*.bench.ts` (found at build time, so a new file needs no
 * registration), run in order (ceilings first), shares of the ceiling filled in, and the report as
 * JSON and as a markdown table. Used by the Node runner (bench/node.ts), the page's benchmark tab
 * and the headless runner (bench/headless.ts), so all three produce the same report.
 */
import type { AdapterReport } from '../src/gpu/context.js';
import { InputError } from '../src/gpu/errors.js';
import { CEILING_LABELS, CEILING_UNITS, type BenchContext, type BenchModule, type BenchOptions, type BenchResult, type CeilingKind } from './harness.js';

const modules = import.meta.glob('./*.bench.ts', { eager: true }) as Record<string, Partial<BenchModule>>;

/** Every benchmark module, in run order. Throws if a file does not follow the shape. */
export function benchmarks(): BenchModule[] {
  const out: BenchModule[] = [];
  for (const [path, m] of Object.entries(modules)) {
    if (!m.meta || typeof m.run !== 'function') throw new Error(`${path}: a benchmark must export 'meta' and 'run' (bench/README.md)`);
    out.push(m as BenchModule);
  }
  return out.sort((a, b) => (a.meta.order ?? 100) - (b.meta.order ?? 100) || a.meta.id.localeCompare(b.meta.id));
}

/**
 * The benchmarks a run with `filter` selects: the ceilings always (every share is measured against
 * them), the others whose id contains `filter` (an opt-in one only when `filter` is its whole id).
 */
export function selectBenchmarks(filter?: string): BenchModule[] {
  return benchmarks().filter((m) => {
    const isCeiling = (m.meta.order ?? 100) <= 0;
    if (filter && !isCeiling && !m.meta.id.includes(filter)) return false;
    return !(m.meta.optIn && filter !== m.meta.id);
  });
}

/**
 * Refuse a filter that names no benchmark (the ceilings alone would run and a partial report be
 * written), listing the ids there are. A filter that names the ceilings ('ceiling') is one.
 */
export function checkFilter(filter: string): void {
  const all = benchmarks();
  if (all.some((m) => m.meta.id.includes(filter) && (!m.meta.optIn || m.meta.id === filter))) return;
  const ids = all.map((m) => `${m.meta.id}${m.meta.optIn ? ' (opt-in: by its whole id)' : ''}`);
  throw new InputError(`--filter '${filter}' matches no benchmark; the benchmark ids are: ${ids.join(', ')}`);
}

export interface BenchReport {
  /** ISO date-time of the run. */
  date: string;
  /** 'node' (Dawn) or 'chromium' (the page, headless or not). */
  env: string;
  /** Runtime version: Node's or the browser's user agent. */
  runtime: string;
  adapter: AdapterReport;
  quick: boolean;
  /** Measured ceilings in base units per second (flop/s, exp/s). */
  ceilings: Partial<Record<CeilingKind, number>>;
  results: BenchResult[];
  /** Benchmarks that threw: id and message (the runners exit non-zero when any). */
  failures: { id: string; error: string }[];
  /** Benchmark ids whose rows were re-run later into this report (`--filter … --update`), with the date. */
  reruns?: { ids: string[]; date: string }[];
}

export interface SuiteOptions extends BenchOptions {
  /** Only benchmarks whose id contains this (the ceilings always run). */
  filter?: string;
  env: string;
  runtime: string;
  onResult?: (r: BenchResult) => void;
  /** Called before each benchmark: its position among those that will run (for a count and an ETA). */
  onBench?: (b: { id: string; title: string; index: number; total: number }) => void;
}

/** Run the suite. A benchmark that throws is recorded in `failures` and the rest still run. */
export async function runSuite(b: BenchContext, opts: SuiteOptions): Promise<BenchReport> {
  const report: BenchReport = {
    date: new Date().toISOString(),
    env: opts.env,
    runtime: opts.runtime,
    adapter: b.adapter,
    quick: opts.quick,
    ceilings: {},
    results: [],
    failures: [],
  };
  const selected = selectBenchmarks(opts.filter);
  for (const [index, m] of selected.entries()) {
    if (b.signal?.aborted) break;
    opts.onBench?.({ id: m.meta.id, title: m.meta.title, index, total: selected.length });
    b.log(`bench ${m.meta.id}: ${m.meta.title}`);
    try {
      const rs = await m.run(b, opts);
      for (const r of rs) {
        if (r.ceilingOf) report.ceilings[r.ceilingOf.kind] = Math.max(report.ceilings[r.ceilingOf.kind] ?? 0, r.ceilingOf.perSecond);
        report.results.push(r);
      }
      for (const r of rs) {
        fillShare(r, report.ceilings);
        opts.onResult?.(r);
      }
    } catch (e) {
      const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      // A run cancelled through its signal stopped; it did not fail (the page shows it as stopped too).
      b.log(b.signal?.aborted ? `bench ${m.meta.id} stopped: cancelled before it finished` : `bench ${m.meta.id} FAILED: ${error}`);
      report.failures.push({ id: m.meta.id, error });
    }
  }
  for (const r of report.results) fillShare(r, report.ceilings);
  return report;
}

/** The benchmark id a result row belongs to (result ids are `<bench id>.<case>`). */
function benchOf(resultId: string): string {
  return resultId.split('.')[0]!;
}

/**
 * Merge a filtered run into an earlier full report of the same adapter and environment: the rows of
 * the benchmarks that ran again are replaced (kept in the suite's order), the others and the earlier
 * ceilings are kept, and the re-run is recorded in `reruns` so the table says which rows are newer.
 * Throws when the two reports are not comparable.
 */
export function mergeReports(base: BenchReport, fresh: BenchReport): BenchReport {
  const same = (a: BenchReport['adapter'], b: BenchReport['adapter']) =>
    a.vendor === b.vendor && a.architecture === b.architecture && a.description === b.description;
  if (base.env !== fresh.env || !same(base.adapter, fresh.adapter) || base.quick !== fresh.quick) {
    throw new Error(`cannot merge: the earlier report ran in ${base.env} on ${adapterLine(base.adapter)}${base.quick ? ' (quick)' : ''}, this one in ${fresh.env} on ${adapterLine(fresh.adapter)}${fresh.quick ? ' (quick)' : ''}`);
  }
  const ran = new Set(fresh.results.map((r) => benchOf(r.id)).concat(fresh.failures.map((f) => f.id)));
  ran.delete('ceiling');
  const order = benchmarks().map((m) => m.meta.id);
  const rank = (id: string) => {
    const k = order.indexOf(benchOf(id));
    return k < 0 ? order.length : k;
  };
  const results = base.results
    .filter((r) => !ran.has(benchOf(r.id)))
    .concat(fresh.results.filter((r) => ran.has(benchOf(r.id))))
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r.id) - rank(b.r.id) || a.i - b.i)
    .map(({ r }) => r);
  return {
    ...base,
    results,
    failures: base.failures.filter((f) => !ran.has(f.id)).concat(fresh.failures),
    reruns: [...(base.reruns ?? []).map((u) => ({ ...u, ids: u.ids.filter((id) => !ran.has(id)) })).filter((u) => u.ids.length > 0), { ids: [...ran], date: fresh.date }],
  };
}

/** Share of the ceiling: the adapter-wide one, or the row's own-shape one when that is higher. */
function fillShare(r: BenchResult, ceilings: BenchReport['ceilings']): void {
  const c = r.ceilingOf ?? r.ceiling;
  const wide = c ? ceilings[c.kind] : undefined;
  const top = Math.max(wide ?? 0, r.ceiling?.atShape?.perSecond ?? 0);
  if (c && top > 0) r.share = c.perSecond / top;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

function ms(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** One line naming the adapter, as printed beside every table. */
export function adapterLine(a: AdapterReport): string {
  const name = [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') || '(unnamed adapter)';
  return `${name}${a.isSoftware ? ' (software: runs on the CPU)' : ''}`;
}

/** The report as a markdown table (peers side by side with the ratio ours/peer). */
export function toMarkdown(r: BenchReport): string {
  const lines: string[] = [];
  lines.push(`Benchmarks of ${r.date.slice(0, 10)} (${r.date.slice(11, 16)} UTC) in ${r.env} (${r.runtime}) on ${adapterLine(r.adapter)}${r.quick ? ', quick sizes' : ''}.`);
  const ceil = (Object.entries(r.ceilings) as [CeilingKind, number][]).map(([k, v]) => `${CEILING_LABELS[k]} ${fmt(v / 1e9)} G${CEILING_UNITS[k]}/s`);
  if (ceil.length) lines.push(`Adapter ceilings measured in this run: ${ceil.join(', ')}.`);
  for (const u of r.reruns ?? []) lines.push(`Rows of ${u.ids.join(', ')} re-run on ${u.date.slice(0, 10)} (${u.date.slice(11, 16)} UTC) with \`--filter … --update\` (shares against their own run's ceilings).`);
  lines.push('Throughput is the median over the timed runs after warm-up; "first" is the first run (with compilation); ratio = ours / peer (> 1: faster).');
  lines.push('');
  lines.push('| benchmark | size | ours | unit | median ms | first ms | runs | share of ceiling | peers (same run) |');
  lines.push('|---|---|---:|---|---:|---:|---:|---:|---|');
  for (const x of r.results) {
    const share = x.share === undefined ? '—' : `${(100 * x.share).toFixed(x.share < 0.1 ? 1 : 0)}% ${CEILING_LABELS[(x.ceilingOf ?? x.ceiling)!.kind]}`;
    const peers = x.peers.length ? x.peers.map((p) => `${p.name}: ${fmt(p.value)} (×${fmt(p.ratio)})`).join('; ') : '—';
    lines.push(`| ${x.name} | ${x.size} | ${fmt(x.value)} | ${x.unit} | ${ms(x.timing.medianMs)} | ${ms(x.timing.firstMs)} | ${x.timing.runs} | ${share} | ${peers} |`);
  }
  for (const f of r.failures) lines.push(`| ${f.id} | FAILED | — | — | — | — | — | — | ${f.error.replace(/\|/g, '/').replace(/\n/g, ' ')} |`);
  return lines.join('\n') + '\n';
}
