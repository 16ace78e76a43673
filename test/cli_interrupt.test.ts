// Ctrl-C (SIGINT) ends every command with exit status 130 and one line on stderr,
// "wasserflow <command>: cancelled …" (what was cancelled, what was kept), never a stack trace or
// an error class name. Spawns bin/wasserflow.js (needs `npm run build`).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve('bin/wasserflow.js');

/** Run the CLI, send SIGINT once `ready(stderr)` holds (or after `afterMs`), and collect the exit. */
function interrupted(args: string[], when: { ready?: (stderr: string) => boolean; afterMs?: number }): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('node', [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' } });
    let stderr = '';
    let sent = false;
    const send = () => {
      if (!sent) {
        sent = true;
        child.kill('SIGINT');
      }
    };
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (when.ready?.(stderr)) send();
    });
    if (when.afterMs !== undefined) setTimeout(send, when.afterMs);
    const poll = setInterval(() => when.ready?.(stderr) && send(), 200); // ready may watch files too
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      clearInterval(poll);
      done({ code, signal, stderr });
    });
  });
}

/** The lines on stderr that are ours (Dawn prints two warnings on lavapipe). */
const ours = (stderr: string) => stderr.split('\n').filter((l) => l && !l.startsWith('Warning:'));

describe('SIGINT: exit 130 with one "cancelled" line', () => {
  let tmp: string;
  beforeAll(() => {
    if (!existsSync(BIN) || !existsSync(join('dist', 'lib', 'cli.js'))) throw new Error('run `npm run build` first');
    tmp = mkdtempSync(join(tmpdir(), 'wf-sigint-'));
  });

  it('lipschitz (no clean stop of its own): cancelled, nothing written', async () => {
    // 10^4 times of the exact supremum search: minutes; the loop yields between times.
    const r = await interrupted(['lipschitz', '--exact', 'clusters4', '--process', 'vp', '--times', '10000'], { afterMs: 3000 });
    expect(r.code, r.stderr).toBe(130);
    expect(ours(r.stderr)).toEqual(['wasserflow lipschitz: cancelled before it finished; nothing was written']);
  }, 60_000);

  it('train: cancelled at a step, keeping the last checkpoint for --resume', async () => {
    const out = join(tmp, 'train');
    const r = await interrupted(['train', '--dataset', 'moons', '--width', '16', '--depth', '2', '--steps', '1000000', '--loss-every', '50', '--checkpoint-every', '100', '--out', out], {
      ready: () => existsSync(join(out, 'checkpoint.wfck')),
      afterMs: 20_000,
    });
    expect(r.code, r.stderr).toBe(130);
    const last = ours(r.stderr).filter((l) => !l.startsWith('train '));
    expect(last).toHaveLength(1);
    expect(last[0]).toMatch(/^wasserflow train: cancelled at step \d+; kept the checkpoint of step \d+ in .*checkpoint\.wfck: continue with --resume$/);
  }, 60_000);

  it('experiment: cancelled, naming the experiment and its last step, without an error class', async () => {
    const out = join(tmp, 'loglog');
    const r = await interrupted(['experiment', 'loglog', '--quick', '--out', out], { ready: (s) => /clusters4 step 0:/.test(s) });
    expect(r.code, r.stderr).toBe(130);
    const line = ours(r.stderr).at(-1)!;
    expect(line).toMatch(/^wasserflow experiment: cancelled loglog after [\d.]+ s \(last step: .*\); nothing written to /);
    expect(r.stderr).not.toMatch(/CancelledError|internal error|\n\s+at /);
  }, 90_000);

  it('w2 --method exact: the simplex gives the event loop turns, so Ctrl-C ends it at once', async () => {
    // 8000 × 8000 uniform points: ~10 s of pivots; interrupted 1.5 s in (the synchronous solver
    // used to run to the end and exit 0 with the result after a Ctrl-C).
    const cloud = (seed: number, name: string) => {
      let s = seed;
      const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
      const file = join(tmp, name);
      writeFileSync(file, Array.from({ length: 8000 }, () => `${4 * u()},${4 * u()}`).join('\n') + '\n');
      return file;
    };
    const t0 = performance.now();
    const r = await interrupted(['w2', cloud(1, 'x.csv'), cloud(2, 'y.csv'), '--method', 'exact'], { afterMs: 1500 });
    expect(r.code, r.stderr).toBe(130);
    expect(ours(r.stderr).filter((l) => !l.startsWith('exact:'))).toEqual(['wasserflow w2: cancelled before it finished; nothing was written']);
    expect(performance.now() - t0).toBeLessThan(5000);
  }, 60_000);
});
