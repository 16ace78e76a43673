// The suite runs on the default adapter (lavapipe where installed); this proves the other software
// adapter still works end to end: the built CLI's selfcheck (Philox normals bit for bit against the
// CPU twin, reductions against float64) on it, in a child process with its own VK_ICD_FILENAMES.
// The whole suite on the other adapter: `npm run test:swiftshader` / `npm run test:lavapipe`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { chooseAdapter, defaultIcd } from '../src/gpu/icd.js';

const run = promisify(execFile);
const current = chooseAdapter(undefined, {}).name;
const other = current === 'lavapipe' ? 'swiftshader' : 'lavapipe';

test.runIf(defaultIcd(other) !== undefined)(`the other software adapter (${other}) passes the CLI selfcheck`, async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, WASSERFLOW_ADAPTER: other, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
  delete env.VK_ICD_FILENAMES;
  const { stdout } = await run('node', ['bin/wasserflow.js', 'selfcheck', '--n', '10007', '--json'], { env, maxBuffer: 1 << 24 });
  const out = JSON.parse(stdout) as { ok: boolean; adapter: { choice?: { name: string }; isSoftware: boolean }; checks: { name: string; ok: boolean }[] };
  expect(out.adapter.choice?.name).toBe(other);
  expect(out.adapter.isSoftware).toBe(true);
  expect(out.checks.length).toBeGreaterThan(0);
  expect(out.checks.filter((c) => !c.ok)).toEqual([]);
  expect(out.ok).toBe(true);
});
