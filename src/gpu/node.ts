/**
 * Node-only: a WebGPU implementation from the `webgpu` package (Dawn) on a chosen Vulkan driver.
 * Imported dynamically by device.ts, only in Node; browser builds swap this module for
 * node.browser.ts, so nothing here (node:fs, `webgpu`) reaches a browser bundle.
 */
import { defaultIcd } from './icd.js';
import { NoAdapterError } from './errors.js';

// Dawn in Node: keep the module and GPU objects alive for the whole process (DESIGN.md).
const keepAlive: unknown[] = [];

export async function createNodeGpu(adapterName: string | undefined): Promise<GPU> {
  const name = adapterName ?? process.env.WASSERFLOW_ADAPTER ?? 'swiftshader';
  if (name !== 'system') {
    const icd = name.endsWith('.json') ? name : defaultIcd(name);
    if (!icd && !process.env.VK_ICD_FILENAMES) {
      throw new NoAdapterError(
        `no Vulkan driver for adapter '${name}': install Debian's chromium (SwiftShader) and libvulkan1 ` +
          `(scripts/setup.sh does both), or set VK_ICD_FILENAMES, or use adapter 'system'`,
      );
    }
    // The Vulkan loader reads this when Dawn creates its instance, i.e. at create() below.
    if (icd && (adapterName || !process.env.VK_ICD_FILENAMES)) process.env.VK_ICD_FILENAMES = icd;
  }
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
  return gpu;
}
