// `wasserflow bench` end to end in Node, on the ceilings only (--filter ceiling), so it stays a few
// seconds: the report files, their names, and the guards checked before any work (--filter, --update).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchReport } from '../bench/suite.js';
import { run } from '../src/cli/commands/bench.js';

describe('wasserflow bench', () => {
  it('runs the ceilings and writes a partial report that does not replace latest.*', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-bench-'));
    const write = process.stdout.write.bind(process.stdout);
    let printed = '';
    process.stdout.write = ((s: string) => ((printed += s), true)) as typeof process.stdout.write;
    try {
      expect(await run(['--quick', '--filter', 'ceiling', '--no-peers', '--out', dir])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(existsSync(join(dir, 'latest.json'))).toBe(false);
    const report = JSON.parse(readFileSync(join(dir, 'latest-quick.json'), 'utf8')) as BenchReport;
    expect(report.quick).toBe(true);
    expect(report.env).toBe('node');
    expect(report.results.map((r) => r.id).sort()).toEqual(['ceiling.exp', 'ceiling.fma', 'ceiling.matmul']);
    expect(report.ceilings.matmul).toBeGreaterThan(0);
    expect(report.failures).toEqual([]);
    expect(printed).toContain('| f32 matmul');
    expect(readFileSync(join(dir, 'latest-quick.md'), 'utf8')).toBe(printed);
  }, 120_000);

  it('refuses a --filter that matches no benchmark, naming the ids, before any work', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'wf-bench-')), 'out');
    await expect(run(['--filter', 'nonexistent', '--no-peers', '--out', dir])).rejects.toThrow(/--filter 'nonexistent' matches no benchmark; the benchmark ids are: ceiling, .*sinkhorn, .*train/);
    // An opt-in benchmark is matched by its whole id only.
    await expect(run(['--filter', 'million', '--no-peers', '--out', dir])).rejects.toThrow(/sinkhorn-million \(opt-in: by its whole id\)/);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses --update without --filter or without an earlier report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-bench-'));
    await expect(run(['--update', '--out', dir])).rejects.toThrow(/--update needs --filter/);
    await expect(run(['--filter', 'train', '--update', '--out', dir])).rejects.toThrow(/no earlier report at .*latest\.json/);
  });
});
