// The layering of src/ (written once, in .dependency-cruiser.cjs): no import points up a layer and
// no modules import each other in a loop, checked by dependency-cruiser over src/ and bench/.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const config = createRequire(import.meta.url)('../.dependency-cruiser.cjs') as { LAYERS: string[][]; FRONT_ENDS: string[]; FRONT_ENDS_MAY_IMPORT: string[]; forbidden: { name: string }[] };
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

  it('lets the front ends (CLI, page) import only the engine, the figures and the benchmark suite', () => {
    expect(config.FRONT_ENDS).toEqual(['src/cli', 'src/app']);
    // Widening this list is a design decision: say why in the rule's comment in .dependency-cruiser.cjs.
    expect(config.FRONT_ENDS_MAY_IMPORT).toEqual(['src/api', 'src/plot', 'bench']);
    expect(config.forbidden.map((r) => r.name)).toContain('front-ends-through-the-engine');
  });

  it('the front-end rule fires on a CLI module that imports past the engine (and not on one that goes through it)', async () => {
    // A throwaway tree with the project's config: src/cli/bad.ts imports src/train directly,
    // src/cli/good.ts imports src/api (which imports src/train: allowed below the front ends).
    const dir = mkdtempSync(join(tmpdir(), 'wf-layers-'));
    try {
      cpSync('.dependency-cruiser.cjs', join(dir, '.dependency-cruiser.cjs'));
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true } }));
      for (const d of ['src/cli', 'src/train', 'src/api']) mkdirSync(join(dir, d), { recursive: true });
      writeFileSync(join(dir, 'src/train/trainer.ts'), 'export const t = 1;\n');
      writeFileSync(join(dir, 'src/api/engine.ts'), "import { t } from '../train/trainer.js';\nexport const e = t;\n");
      writeFileSync(join(dir, 'src/cli/good.ts'), "import { e } from '../api/engine.js';\nexport const g = e;\n");
      writeFileSync(join(dir, 'src/cli/bad.ts'), "import { t } from '../train/trainer.js';\nexport const b = t;\n");
      const depcruise = resolve('node_modules/.bin/depcruise');
      const out = await run(depcruise, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: dir, encoding: 'utf8' }).then(
        (r) => r.stdout,
        (e: { stdout?: string }) => e.stdout ?? '',
      );
      expect(out).toMatch(/front-ends-through-the-engine: src\/cli\/bad\.ts → src\/train\/trainer\.ts/);
      expect(out).not.toMatch(/src\/cli\/good\.ts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no import points up the layers and there is no cycle (dependency-cruiser)', async () => {
    const { stdout } = await run('node_modules/.bin/depcruise', ['src', 'bench', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { encoding: 'utf8' }).catch((e: { stdout?: string; stderr?: string }) => {
      throw new Error(`dependency-cruiser found violations:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    });
    expect(stdout).toContain('no dependency violations found');
  });
});
