/**
 * Browser stand-in for node.ts (swapped in by vite.browser.config.ts and the page build): a
 * browser has `navigator.gpu` or no WebGPU at all, never Dawn.
 */
import { NoAdapterError } from './errors.js';
import type { AdapterChoice } from './icd.js';

export function createNodeGpu(_adapterName: string | undefined): Promise<{ gpu: GPU; choice: AdapterChoice }> {
  return Promise.reject(new NoAdapterError('WebGPU is not available here (no navigator.gpu): use a browser with WebGPU enabled'));
}
