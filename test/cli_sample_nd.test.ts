// `wasserflow train` on an 8-D CSV then `wasserflow sample --checkpoint` writes 8 columns; `sample
// --exact FILE.json` with a full-covariance mixture, and the file's validation messages.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as sample } from '../src/cli/commands/sample.js';
import { run as train } from '../src/cli/commands/train.js';
import { rngFillCpu } from '../src/rng/philox.js';

async function quiet<T>(f: () => Promise<T>): Promise<T> {
  const log = console.log, err = console.error, w = process.stderr.write;
  console.log = () => {};
  console.error = () => {};
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return await f();
  } finally {
    console.log = log;
    console.error = err;
    process.stderr.write = w;
  }
}

describe('sampling at d > 4 from the command line', () => {
  it('train --dataset X.csv (d = 8) then sample --checkpoint writes 8 columns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-nd-'));
    const d = 8, n = 301;
    const z = rngFillCpu(n * d, 1, 3, 'normal');
    const rows = Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => (0.3 * z[i * d + j]! + (j % 2 ? 0.5 : -0.5)).toFixed(5)).join(','));
    const csv = join(dir, 'my8d.csv');
    writeFileSync(csv, `${rows.join('\n')}\n`);
    const ck = join(dir, 'run');
    expect(await quiet(() => train(['--dataset', csv, '--out', ck, '--steps', '40', '--batch', '64', '--width', '16', '--depth', '2', '--seed', '1']))).toBe(0);
    const out = join(dir, 'q.csv');
    expect(await quiet(() => sample(['--checkpoint', join(ck, 'checkpoint.wfck'), '--n', '37', '--steps', '20', '--sampler', 'ode', '--out', out]))).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('x0,x1,x2,x3,x4,x5,x6,x7');
    expect(lines.length).toBe(38);
    for (const l of lines.slice(1)) {
      const v = l.split(',').map(Number);
      expect(v.length).toBe(8);
      expect(v.every(Number.isFinite)).toBe(true);
    }
  });

  it('--exact FILE.json: a 6-D mixture samples; bad files are refused naming the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-mix-'));
    const d = 6;
    const cov: number[][] = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 0.04 : 0.01)));
    const good = { weights: [0.25, 0.75], means: [Array(d).fill(-1), Array(d).fill(1)], covs: [cov, cov] };
    const file = (name: string, body: unknown) => {
      const p = join(dir, name);
      writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
      return p;
    };
    const out = join(dir, 'q.csv');
    expect(await quiet(() => sample(['--exact', file('mix.json', good), '--n', '400', '--steps', '200', '--out', out]))).toBe(0);
    const pts = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    expect(pts[0]!.length).toBe(6);
    // Weights 1/4 and 3/4: the share near +1 (first coordinate > 0) is 0.75 ± 4 standard errors (0.022).
    const plus = pts.filter((p) => p[0]! > 0).length / pts.length;
    expect(Math.abs(plus - 0.75)).toBeLessThan(0.09);
    const bad = async (body: unknown, re: RegExp) => expect(sample(['--exact', file('bad.json', body), '--out', out])).rejects.toThrow(re);
    await bad({ ...good, weights: [0.3, 0.6] }, /the weights sum to 0\.900000000000, not 1/);
    await bad({ ...good, weights: [-0.25, 1.25] }, /weights\[0\] must be a finite number >= 0/);
    await bad({ ...good, means: [Array(d).fill(0), Array(d - 1).fill(0)] }, /means\[1\] must have 6 entries/);
    await bad({ ...good, covs: [cov, cov.slice(1)] }, /covs\[1\] must be a 6×6 array/);
    const asym: number[][] = cov.map((r) => [...r]);
    asym[0]![1] = 0.02;
    await bad({ ...good, covs: [cov, asym] }, /covs\[1\] is not symmetric/);
    const indef = cov.map((r, i) => r.map((v, j) => (i === j ? 0.04 : 0.05)));
    await bad({ ...good, covs: [indef, cov] }, /covariance 0 is not positive definite/);
    await bad('{"weights": [1], ', /not valid JSON/);
    await bad({ weights: [1] }, /"means" must be an array/);
    await expect(sample(['--exact', join(dir, 'missing.json'), '--out', out])).rejects.toThrow(/--exact: cannot read .*missing\.json.*\(ENOENT\)/);
  });
});
