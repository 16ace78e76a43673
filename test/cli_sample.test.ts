// `wasserflow sample` end to end in Node: exact-score sampling of a dataset mixture to CSV, the
// trajectory file, and InputErrors for bad flags. (Own file: the command creates its own device.)
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/commands/sample.js';
import { InputError } from '../src/gpu/errors.js';

describe('wasserflow sample', () => {
  it('writes n exact-score samples of clusters4 near the four centres, and the trajectory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-sample-'));
    const out = join(dir, 'q0.csv');
    const log = console.log;
    console.log = () => {};
    try {
      expect(await run(['--exact', 'clusters4', '--n', '500', '--steps', '400', '--seed', '3', '--capture', '200', '--out', out])).toBe(0);
    } finally {
      console.log = log;
    }
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('x0,x1');
    expect(lines.length).toBe(501);
    // EM with 400 steps on clusters of std 0.0125: samples land within a few std of (±0.5, ±0.5).
    let near = 0;
    for (const l of lines.slice(1)) {
      const [x, y] = l.split(',').map(Number) as [number, number];
      if (Math.abs(Math.abs(x) - 0.5) < 0.08 && Math.abs(Math.abs(y) - 0.5) < 0.08) near++;
    }
    expect(near).toBeGreaterThan(490);
    const traj = readFileSync(join(dir, 'q0.trajectory.csv'), 'utf8').trim().split('\n');
    expect(traj[0]).toBe('frame,t,x0,x1');
    expect(traj.length).toBe(1 + 3 * 500);
  });

  it('refuses bad flags with InputErrors', async () => {
    await expect(run(['--exact', 'clusters4'])).rejects.toThrow(/--out/);
    await expect(run(['--exact', 'moons', '--out', '/tmp/x.csv'])).rejects.toThrow(/not a Gaussian mixture/);
    await expect(run(['--exact', 'clusters4', '--sampler', 'rk4', '--out', '/tmp/x.csv'])).rejects.toThrow(InputError);
    await expect(run(['--out', '/tmp/x.csv'])).rejects.toThrow(/exactly one/);
  });
});
