// The adapter choice in Node (src/gpu/icd.ts): option > WASSERFLOW_ADAPTER > VK_ICD_FILENAMES >
// automatic (hardware GPU, else lavapipe Mesa >= 25, else SwiftShader); and the Vulkan version gate
// that keeps Debian 12's own lavapipe (Mesa 22.3, Vulkan 1.3, refused by Dawn) out of the choice.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { chooseAdapter, defaultIcd, icdApiVersion, KNOWN_ICDS } from '../src/gpu/icd.js';

const present = (name: string) => KNOWN_ICDS[name]!.some((p) => existsSync(p));
const hardware = existsSync('/dev/nvidia0') || existsSync('/dev/dri');

describe('adapter choice', () => {
  test('an explicit adapter wins over the environment, which wins over VK_ICD_FILENAMES', () => {
    const env = { WASSERFLOW_ADAPTER: 'swiftshader', VK_ICD_FILENAMES: '/x/lvp_icd.json' };
    expect(chooseAdapter('lavapipe', env).name).toBe('lavapipe');
    expect(chooseAdapter('lavapipe', env).reason).toMatch(/asked for/);
    expect(chooseAdapter(undefined, env).name).toBe('swiftshader');
    expect(chooseAdapter(undefined, env).reason).toBe('WASSERFLOW_ADAPTER=swiftshader');
    expect(chooseAdapter(undefined, { VK_ICD_FILENAMES: '/x/lvp_icd.json' })).toEqual({
      name: 'lavapipe',
      icd: '/x/lvp_icd.json',
      reason: 'VK_ICD_FILENAMES=/x/lvp_icd.json set in the environment',
    });
    expect(chooseAdapter('/some/where/my_icd.json', {})).toMatchObject({ name: 'custom', icd: '/some/where/my_icd.json' });
    expect(chooseAdapter('system', {})).toMatchObject({ name: 'system', icd: undefined });
  });

  test.runIf(!hardware)('without a hardware GPU the fastest software adapter present is chosen, with its reason', () => {
    const c = chooseAdapter(undefined, {});
    if (defaultIcd('lavapipe')) {
      expect(c.name).toBe('lavapipe');
      expect(c.reason).toMatch(/no hardware GPU found; lavapipe/);
    } else {
      expect(c.name).toBe('swiftshader');
      expect(c.reason).toMatch(/no lavapipe/);
    }
    expect(c.icd).toBe(defaultIcd());
    expect(present(c.name)).toBe(c.icd !== undefined);
  });

  test('the Vulkan version of an ICD manifest is read, and lavapipe needs Vulkan >= 1.4 (Mesa 25)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-icd-'));
    const old = join(dir, 'old.json');
    writeFileSync(old, JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: 'libvulkan_lvp.so', api_version: '1.3.230' } }));
    expect(icdApiVersion(old)).toEqual([1, 3, 230]);
    expect(icdApiVersion(join(dir, 'missing.json'))).toBeUndefined();
    for (const p of KNOWN_ICDS.lavapipe!) {
      if (!existsSync(p)) continue;
      const [major = 0, minor = 0] = icdApiVersion(p) ?? [];
      expect(defaultIcd('lavapipe') !== undefined).toBe(major > 1 || (major === 1 && minor >= 4));
    }
  });
});
