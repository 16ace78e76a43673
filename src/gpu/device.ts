/**
 * Acquiring a GPUDevice in the browser (`navigator.gpu`) or in Node (the `webgpu` package, Dawn).
 * In Node the adapter is chosen by icd.ts's chooseAdapter(): a hardware GPU when there is one, else
 * the fastest software adapter present (lavapipe, then SwiftShader); `adapter: 'swiftshader'` /
 * `WASSERFLOW_ADAPTER=swiftshader`, or `VK_ICD_FILENAMES`, choose another Vulkan driver, and
 * `adapter: 'system'` lets the Vulkan loader pick. In a browser the browser chooses (Chromium
 * without a GPU uses the SwiftShader it ships).
 */
import { NoAdapterError } from './errors.js';
import type { TuningStore } from './tuning.js';
import type { AdapterChoice } from './icd.js';

export interface AcquireOptions {
  /** Node only: 'lavapipe', 'swiftshader', 'nvidia', 'system', or a path to a Vulkan ICD JSON (default: automatic). */
  adapter?: string;
  powerPreference?: GPUPowerPreference;
  /** Ask for timestamp-query when the adapter has it (default true). */
  timing?: boolean;
}

export interface Acquired {
  gpu: GPU;
  adapter: GPUAdapter;
  device: GPUDevice;
  choice: AdapterChoice;
}

/** What a browser's choice looks like: the browser picks, wasserflow does not. */
const BROWSER_CHOICE: AdapterChoice = {
  name: 'browser',
  icd: undefined,
  reason: "navigator.gpu: the browser picks the adapter (Chromium without a GPU uses the SwiftShader it ships)",
};

export const isNode: boolean = typeof process !== 'undefined' && !!process.versions?.node;

/** An environment variable in Node (kernel overrides such as WASSERFLOW_SOFTMIN); undefined in a browser. */
export function nodeEnv(name: string): string | undefined {
  return isNode ? process.env[name] : undefined;
}

// Dawn in Node: keep the GPU and adapter objects alive for the whole process, or the process can
// segfault or hang when they are garbage-collected (DESIGN.md).
const keepAlive: unknown[] = [];

// Everything Node-only (the `webgpu` package, Vulkan ICD files via node:fs) lives in ./node.ts and
// is imported dynamically, only in Node. Browser builds replace that module with ./node.browser.ts
// (see vite.browser.config.ts), so bundlers never see node:fs or `webgpu`.
async function nodeGpu(adapterName: string | undefined): Promise<{ gpu: GPU; choice: AdapterChoice }> {
  const { createNodeGpu } = await import('./node.js');
  const made = await createNodeGpu(adapterName);
  keepAlive.push(made.gpu);
  return made;
}

/** Node: the on-disk tuning store of an adapter (node.ts; browser builds: none). */
export async function nodeTuningStoreFor(key: string): Promise<TuningStore | undefined> {
  const { nodeTuningStore } = await import('./node.js');
  return nodeTuningStore(key);
}

/** Find a GPU, an adapter and the requested device features/limits. */
export async function acquireAdapter(options: AcquireOptions = {}): Promise<{ gpu: GPU; adapter: GPUAdapter; choice: AdapterChoice }> {
  const browserGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  const made = browserGpu ? { gpu: browserGpu, choice: BROWSER_CHOICE } : isNode ? await nodeGpu(options.adapter) : undefined;
  const gpu = made?.gpu;
  if (!made || !gpu) {
    throw new NoAdapterError('WebGPU is not available here (no navigator.gpu): use a browser with WebGPU enabled');
  }
  const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : {});
  if (!adapter) throw new NoAdapterError('requestAdapter() returned no adapter');
  keepAlive.push(adapter);
  return { gpu, adapter, choice: made.choice };
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
  const { gpu, adapter, choice } = await acquireAdapter(options);
  const features: GPUFeatureName[] = [];
  if (options.timing !== false && adapter.features.has('timestamp-query')) features.push('timestamp-query');
  if (adapter.features.has('subgroups')) features.push('subgroups' as GPUFeatureName);
  const device = await adapter.requestDevice({
    label: 'wasserflow',
    requiredFeatures: features,
    requiredLimits: wantedLimits(adapter),
  });
  keepAlive.push(device);
  return { gpu, adapter, device, choice };
}
