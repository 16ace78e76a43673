/**
 * GPU test fixture. `useGpu()` gives each test file one GpuContext and wraps every test in
 * validation and out-of-memory error scopes; after each test it asserts that no WebGPU error was
 * raised, the device is alive, and every buffer the test created was destroyed.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { GpuContext } from '../src/gpu/context.js';

export function useGpu(): () => GpuContext {
  let ctx: GpuContext | undefined;
  let baseline = 0;
  beforeAll(async () => {
    ctx = await GpuContext.create();
  });
  beforeEach(() => {
    const c = ctx!;
    c.device.pushErrorScope('validation');
    c.device.pushErrorScope('out-of-memory');
    baseline = c.liveBuffers;
  });
  afterEach(async () => {
    const c = ctx!;
    if (c.isLost) return;
    const oom = await c.device.popErrorScope();
    const val = await c.device.popErrorScope();
    expect(oom?.message ?? null, 'out-of-memory error during test').toBeNull();
    expect(val?.message ?? null, 'validation error during test').toBeNull();
    c.pool.clear();
    expect(c.liveBuffers, 'buffers left alive by the test').toBe(baseline);
  });
  afterAll(() => {
    ctx?.destroy();
  });
  return () => {
    if (!ctx) throw new Error('useGpu(): context not ready (use it inside a test)');
    return ctx;
  };
}
