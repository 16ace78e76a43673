/**
 * Node side of the Python peers: run `bench/peers/<script>` with Debian's /usr/bin/python3 (torch
 * 1.13, POT 0.8.2; override with WASSERFLOW_PYTHON) and parse the PeerTiming lines it prints.
 * Used by the Node runner directly and by the headless runner on behalf of the page.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PeerTiming } from '../harness.js';

export const PYTHON = process.env.WASSERFLOW_PYTHON ?? '/usr/bin/python3';

/** Run a peer script; rejects with its stderr if it fails or prints nothing usable. */
export async function runPythonPeer(peersDir: string, script: string, args: Record<string, unknown>, log: (m: string) => void = () => {}): Promise<PeerTiming[]> {
  if (!/^[\w-]+\.py$/.test(script)) throw new Error(`peer script name '${script}' is not a plain bench/peers/*.py name`);
  const path = join(peersDir, script);
  if (!existsSync(path)) throw new Error(`peer script ${path} does not exist`);
  if (!existsSync(PYTHON)) {
    log(`peer ${script}: ${PYTHON} missing (install python3-torch python3-pot: scripts/setup.sh); skipped`);
    return [];
  }
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const p = spawn(PYTHON, [path, JSON.stringify(args)], { cwd: peersDir, env: { ...process.env, OMP_NUM_THREADS: '2' } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  if (code !== 0) throw new Error(`peer ${script} ${JSON.stringify(args)} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const out: PeerTiming[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    const o = JSON.parse(line) as Partial<PeerTiming>;
    if (typeof o.name !== 'string' || typeof o.medianMs !== 'number' || typeof o.runs !== 'number') throw new Error(`peer ${script}: bad line ${line}`);
    out.push(o as PeerTiming);
  }
  // A peer whose Python module is missing exits 0 silently (peer_timing.torch_cpu, pot_sinkhorn):
  // no peer for this row, said in the log; a peer that ran and printed nothing is an error.
  if (out.length === 0 && stdout.trim() === '' && stderr.trim() === '') {
    log(`peer ${script}: its Python module is missing on ${PYTHON}; no peer for this row`);
    return out;
  }
  if (out.length === 0) throw new Error(`peer ${script} printed no timings`);
  return out;
}
