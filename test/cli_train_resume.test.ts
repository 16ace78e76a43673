// `wasserflow train` survives a kill: it checks --out before any work, checkpoints periodically
// (atomically), and `--resume` continues from the last checkpoint to the same bytes (weights,
// optimizer state, loss curve) as a run that never stopped. Runs bin/wasserflow.js (needs
// `npm run build`).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve('bin/wasserflow.js');
const exec = promisify(execFile);
// A small network and fast loss reads: a few hundred steps per second on SwiftShader.
const NET = ['--dataset', 'moons', '--width', '16', '--depth', '2', '--loss-every', '10', '--seed', '3'];

async function wf(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec('node', [BIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

const same = (a: string, b: string, f: string) => expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), `${f} differs`).toBe(true);

describe('train: checkpoints and --resume', () => {
  let tmp: string;
  beforeAll(() => {
    if (!existsSync(join('dist', 'cli', 'main.js')) && !existsSync(BIN)) throw new Error('run `npm run build` first');
    tmp = mkdtempSync(join(tmpdir(), 'wf-resume-'));
  });

  it('a run stopped at a checkpoint and resumed (also to a longer total) is bit-identical to one that never stopped', async () => {
    const ref = join(tmp, 'ref');
    const cut = join(tmp, 'cut');
    expect((await wf(['train', ...NET, '--steps', '60', '--checkpoint-every', '20', '--out', ref])).code).toBe(0);
    expect((await wf(['train', ...NET, '--steps', '20', '--out', cut])).code).toBe(0);
    // The options come from cut/run.json; a flag given again must agree.
    const bad = await wf(['train', '--out', cut, '--resume', '--lr', '0.5', '--steps', '60']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--lr '0.5' differs from the run being resumed/);
    const r = await wf(['train', '--out', cut, '--resume', '--steps', '60', '--checkpoint-every', '20']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/resuming .* at step 20 of 60/);
    for (const f of ['checkpoint.wfck', 'loss.csv']) same(ref, cut, f);
    expect(readFileSync(join(ref, 'loss.csv'), 'utf8').trim().split('\n')).toHaveLength(7);
    // No temporary file is left behind.
    expect(readdirSync(cut).sort()).toEqual(['checkpoint.wfck', 'loss.csv', 'run.json', 'train.json']);
  });

  it('a run killed (SIGKILL) after its first checkpoint resumes to the same bytes', async () => {
    const ref = join(tmp, 'ref-kill');
    const killed = join(tmp, 'killed');
    const args = [...NET, '--steps', '400', '--checkpoint-every', '10'];
    const child = spawn('node', [BIN, 'train', ...args, '--out', killed], { stdio: 'ignore' });
    const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    let stopped = false;
    for (let i = 0; i < 600 && !stopped; i++) {
      await new Promise((r) => setTimeout(r, 20));
      if (existsSync(join(killed, 'checkpoint.wfck'))) stopped = child.kill('SIGKILL');
    }
    const code = await exit;
    expect(stopped).toBe(true);
    // Killed, or (on a very fast machine) finished before the kill: both must resume to the same bytes.
    const partial = code === null;
    if (partial) {
      const again = await wf(['train', ...args, '--out', killed]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/holds an unfinished run .* --resume .* --overwrite/);
    }
    const r = await wf(['train', '--out', killed, '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect((await wf(['train', ...args, '--out', ref])).code).toBe(0);
    for (const f of ['checkpoint.wfck', 'loss.csv']) same(ref, killed, f);
  });

  it('checks --out before any work and refuses --resume without a checkpoint', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    for (const [out, msg] of [
      [file, /exists and is not a directory/],
      [join(file, 'sub'), /is not a directory/],
      ['/proc/wasserflow-x', /cannot create directory.*no such file/],
    ] as const) {
      const r = await wf(['train', ...NET, '--steps', '10', '--out', out]);
      expect(r.code, out).toBe(1);
      expect(r.stderr, out).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const r = await wf(['train', '--out', join(tmp, 'empty'), '--resume']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no checkpoint to resume/);
  });
});
