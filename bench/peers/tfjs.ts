/**
 * tfjs-webgpu 4.22 as a peer on the same adapter: a tfjs WebGPU backend built on wasserflow's own
 * GPUDevice (so both run on exactly the same adapter, in Node and in the page, and no second device
 * is needed: SwiftShader gives one device per adapter). Loaded lazily: the page's bundle only pulls
 * tfjs in when the benchmarks run.
 */
import type { GpuContext } from '../../src/gpu/context.js';
import { measure, peerTiming, type MeasureOptions, type PeerTiming } from '../harness.js';

type Tf = typeof import('@tensorflow/tfjs-core');

// One tfjs engine per page/process: it can only sit on one device at a time.
const backends = new WeakMap<GPUDevice, Promise<{ tf: Tf; version: string }>>();

/** tfjs-core with a WebGPU backend on `ctx.device`, set as the active backend. */
export function tfjsOn(ctx: GpuContext): Promise<{ tf: Tf; version: string }> {
  let p = backends.get(ctx.device);
  if (!p) {
    p = (async () => {
      nodeNavigatorShim();
      const tf = await import('@tensorflow/tfjs-core');
      const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
      // tfjs registers its WebGPU kernels under the backend name 'webgpu': replace that backend's
      // factory (which would acquire its own adapter) with one on our device.
      if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
      tf.registerBackend('webgpu', () => new WebGPUBackend(ctx.device, ctx.device.adapterInfo));
      await tf.setBackend('webgpu');
      await tf.ready();
      return { tf, version: tf.version_core };
    })();
    backends.set(ctx.device, p);
  }
  return p.then(async (r) => {
    if (r.tf.getBackend() !== 'webgpu') await r.tf.setBackend('webgpu');
    return r;
  });
}

/**
 * tfjs-webgpu refuses to construct its backend unless `navigator.gpu` exists, which Node lacks. The
 * backend is handed our device, so `navigator.gpu` is only probed, never used to get an adapter.
 */
function nodeNavigatorShim(): void {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  const shim = { getPreferredCanvasFormat: () => 'rgba8unorm' };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: shim, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu: shim }, configurable: true });
}

/** tfjs-webgpu's matmul of the same shape on the same adapter (each run ends in a readback). */
export async function tfjsMatmul(ctx: GpuContext, m: number, n: number, k: number, opts: MeasureOptions = {}): Promise<PeerTiming> {
  const { tf, version } = await tfjsOn(ctx);
  const a = tf.randomNormal([m, k], 0, 1, 'float32', 1);
  const b = tf.randomNormal([k, n], 0, 1, 'float32', 2);
  try {
    const t = await measure(async () => {
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
    }, opts);
    return peerTiming(`tfjs-webgpu ${version} (same adapter)`, t);
  } finally {
    a.dispose();
    b.dispose();
  }
}
