/**
 * Acquiring a GPUDevice in the browser (`navigator.gpu`) or in Node (the `webgpu` package, Dawn).
 * In Node the adapter is SwiftShader by default (Debian's chromium ships its Vulkan ICD); set
 * `adapter: 'lavapipe'` / `WASSERFLOW_ADAPTER=lavapipe`, or `VK_ICD_FILENAMES` yourself, to choose
 * another Vulkan driver, or `adapter: 'system'` to let the Vulkan loader pick.
 */
import { NoAdapterError } from './errors.js';

export interface AcquireOptions {
  /** Node only: 'swiftshader' (default), 'lavapipe', 'system', or a path to a Vulkan ICD JSON. */
  adapter?: string;
  powerPreference?: GPUPowerPreference;
  /** Ask for timestamp-query when the adapter has it (default true). */
  timing?: boolean;
}

export interface Acquired {
  gpu: GPU;
  adapter: GPUAdapter;
  device: GPUDevice;
}

export const isNode: boolean = typeof process !== 'undefined' && !!process.versions?.node;

// Dawn in Node: keep the GPU and adapter objects alive for the whole process, or the process can
// segfault or hang when they are garbage-collected (DESIGN.md).
const keepAlive: unknown[] = [];

async function nodeGpu(adapterName: string | undefined): Promise<GPU> {
  const name = adapterName ?? process.env.WASSERFLOW_ADAPTER ?? 'swiftshader';
  if (name !== 'system') {
    const { defaultIcd } = await import('./icd.js');
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
  const moduleName = 'webgpu';
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = (await import(/* @vite-ignore */ moduleName)) as typeof mod;
  } catch (e) {
    throw new NoAdapterError(`the 'webgpu' package (Dawn for Node) could not be loaded: ${(e as Error).message}`);
  }
  // GPUBufferUsage, GPUMapMode, ... as globals, like in a browser.
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  const gpu = mod.create([]);
  keepAlive.push(gpu, mod);
  return gpu;
}

/** Find a GPU, an adapter and the requested device features/limits. */
export async function acquireAdapter(options: AcquireOptions = {}): Promise<{ gpu: GPU; adapter: GPUAdapter }> {
  const browserGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  const gpu = browserGpu ?? (isNode ? await nodeGpu(options.adapter) : undefined);
  if (!gpu) {
    throw new NoAdapterError('WebGPU is not available here (no navigator.gpu): use a browser with WebGPU enabled');
  }
  const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : {});
  if (!adapter) throw new NoAdapterError('requestAdapter() returned no adapter');
  keepAlive.push(adapter);
  return { gpu, adapter };
}

/** The limits wasserflow raises above the defaults, capped by the adapter. */
export function wantedLimits(adapter: GPUAdapter): Record<string, number> {
  const l = adapter.limits;
  return {
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: Math.min(256, l.maxComputeInvocationsPerWorkgroup),
    maxComputeWorkgroupSizeX: Math.min(256, l.maxComputeWorkgroupSizeX),
    maxStorageBuffersPerShaderStage: Math.min(10, l.maxStorageBuffersPerShaderStage),
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
  };
}

export async function acquireDevice(options: AcquireOptions = {}): Promise<Acquired> {
  const { gpu, adapter } = await acquireAdapter(options);
  const features: GPUFeatureName[] = [];
  if (options.timing !== false && adapter.features.has('timestamp-query')) features.push('timestamp-query');
  if (adapter.features.has('subgroups')) features.push('subgroups' as GPUFeatureName);
  const device = await adapter.requestDevice({
    label: 'wasserflow',
    requiredFeatures: features,
    requiredLimits: wantedLimits(adapter),
  });
  keepAlive.push(device);
  return { gpu, adapter, device };
}
