/**
 * Browser stand-in for node.ts (swapped in by vite.browser.config.ts and the page build): a
 * browser has `navigator.gpu` or no WebGPU at all, never Dawn.
 */
import { NoAdapterError } from './errors.js';
import type { AdapterChoice } from './icd.js';
import type { TuningStore } from './tuning.js';

export function createNodeGpu(_adapterName: string | undefined): Promise<{ gpu: GPU; choice: AdapterChoice }> {
  return Promise.reject(new NoAdapterError('WebGPU is not available here (no navigator.gpu): use a browser with WebGPU enabled'));
}

/** A browser keeps tuning choices in memory only. */
export function nodeTuningStore(_key: string): Promise<TuningStore | undefined> {
  return Promise.resolve(undefined);
}
