// The layering of src/ (written once, in .dependency-cruiser.cjs): no import points up a layer and
// no modules import each other in a loop, checked by dependency-cruiser over src/ and bench/.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const config = createRequire(import.meta.url)('../.dependency-cruiser.cjs') as { LAYERS: string[][]; ENGINE_INTERNALS: string[]; forbidden: { name: string }[] };
const { LAYERS } = config;

describe('layers', () => {
  it('place every folder and top-level file of src/ in exactly one layer', () => {
    const placed = LAYERS.flat().map((p) => p.replace(/\\\\/g, '\\'));
    for (const entry of readdirSync('src', { withFileTypes: true })) {
      const path = `src/${entry.name}`;
      if (entry.isFile() && /\.d\.ts$/.test(entry.name)) continue;
      const hits = placed.filter((p) => new RegExp(`^${p}(/|$)`).test(path));
      expect(hits, `${path} is in ${hits.length} layers of .dependency-cruiser.cjs`).toHaveLength(1);
    }
  });

  it('keeps the front ends (CLI, page) off the kernels: they go through the engine', () => {
    expect(config.ENGINE_INTERNALS).toContain('src/kernels');
    expect(config.forbidden.map((r) => r.name)).toContain('front-ends-through-the-engine');
  });

  it('no import points up the layers and there is no cycle (dependency-cruiser)', async () => {
    const { stdout } = await run('node_modules/.bin/depcruise', ['src', 'bench', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { encoding: 'utf8' }).catch((e: { stdout?: string; stderr?: string }) => {
      throw new Error(`dependency-cruiser found violations:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    });
    expect(stdout).toContain('no dependency violations found');
  });
});
