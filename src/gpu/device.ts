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

// Everything Node-only (the `webgpu` package, Vulkan ICD files via node:fs) lives in ./node.ts and
// is imported dynamically, only in Node. Browser builds replace that module with ./node.browser.ts
// (see vite.browser.config.ts), so bundlers never see node:fs or `webgpu`.
async function nodeGpu(adapterName: string | undefined): Promise<GPU> {
  const { createNodeGpu } = await import('./node.js');
  const gpu = await createNodeGpu(adapterName);
  keepAlive.push(gpu);
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
