/**
 * Node-only: a WebGPU implementation from the `webgpu` package (Dawn) on a chosen Vulkan driver.
 * Imported dynamically by device.ts, only in Node; browser builds swap this module for
 * node.browser.ts, so nothing here (node:fs, `webgpu`) reaches a browser bundle.
 */
import { chooseAdapter, type AdapterChoice } from './icd.js';
import { NoAdapterError } from './errors.js';
import type { TuningStore } from './tuning.js';

// Dawn in Node: keep the module and GPU objects alive for the whole process (DESIGN.md).
const keepAlive: unknown[] = [];

/** The adapter chosen by the last createNodeGpu() call of this process (for `wasserflow info`). */
export let lastChoice: AdapterChoice | undefined;

export async function createNodeGpu(adapterName: string | undefined): Promise<{ gpu: GPU; choice: AdapterChoice }> {
  const choice = chooseAdapter(adapterName);
  if (choice.name !== 'system') {
    if (!choice.icd) {
      throw new NoAdapterError(
        `no Vulkan driver for adapter '${choice.name}' (${choice.reason}): install Debian's chromium (SwiftShader), ` +
          `libvulkan1 and lavapipe (scripts/setup.sh does all three), or set VK_ICD_FILENAMES, or use adapter 'system'`,
      );
    }
    // The Vulkan loader reads this when Dawn creates its instance, i.e. at create() below.
    process.env.VK_ICD_FILENAMES = choice.icd;
  }
  lastChoice = choice;
  // A variable keeps bundlers from trying to resolve the optional peer dependency.
  const moduleName = 'webgpu';
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = (await import(/* @vite-ignore */ moduleName)) as typeof mod;
  } catch (e) {
    throw new NoAdapterError(
      `WebGPU in Node needs the 'webgpu' package (Dawn), which could not be loaded: install it with ` +
        `'npm install webgpu' (${(e as Error).message})`,
    );
  }
  // GPUBufferUsage, GPUMapMode, ... as globals, like in a browser.
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  const gpu = mod.create([]);
  keepAlive.push(gpu, mod);
  return { gpu, choice };
}

/**
 * The on-disk tuning store of an adapter (src/gpu/tuning.ts): `tuning-<key>.json` in
 * $WASSERFLOW_TUNING_CACHE, else $XDG_CACHE_HOME/wasserflow, else ~/.cache/wasserflow;
 * undefined (memory only) with WASSERFLOW_TUNING_CACHE=off or when no home folder is known.
 */
export async function nodeTuningStore(key: string): Promise<TuningStore | undefined> {
  const env = process.env;
  if (env.WASSERFLOW_TUNING_CACHE === 'off') return undefined;
  const { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { homedir } = await import('node:os');
  let home = '';
  try {
    home = homedir();
  } catch {
    home = '';
  }
  const dir = env.WASSERFLOW_TUNING_CACHE || (env.XDG_CACHE_HOME ? join(env.XDG_CACHE_HOME, 'wasserflow') : home ? join(home, '.cache', 'wasserflow') : '');
  if (!dir) return undefined;
  const file = join(dir, `tuning-${key}.json`);
  return {
    location: file,
    read: () => (existsSync(file) ? readFileSync(file, 'utf8') : undefined),
    write: (text: string) => {
      mkdirSync(dir, { recursive: true });
      // Write then rename, so a concurrent reader never sees half a file.
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, file);
    },
  };
}
