// The GPU runtime: adapter report, shader compile errors with line:col, pipeline cache, buffer
// pool bounds, typed errors on device loss (pending readbacks reject instead of hanging).
import { describe, expect, it } from 'vitest';
import { GpuContext } from '../src/gpu/context.js';
import { DeviceLostError, ShaderCompileError } from '../src/gpu/errors.js';
import { sinkhorn } from '../src/transport/sinkhorn/index.js';
import { composeShader } from '../src/gpu/shaders.js';
import { Reduce } from '../src/kernels/reduce.js';
import { useGpu } from './gpu.js';

describe('shader composition', () => {
  it('expands #include once and resolves #if/#else with defines', () => {
    const src = '#include "reduce_ops"\n#include "reduce_ops"\n#if FAST\nfast\n#else\nslow\n#endif\n';
    const out = composeShader(src, { defines: { FAST: true }, prelude: ['struct P { n: u32 }'] });
    expect(out.startsWith('struct P { n: u32 }')).toBe(true);
    expect(out.match(/fn red_combine/g)?.length).toBe(1);
    expect(out).toContain('fast');
    expect(out).not.toContain('slow');
    expect(composeShader(src)).toContain('slow');
  });

  it('ignores directives inside // comments', () => {
    const out = composeShader('// see #if FAST below\n#if FAST\nfast\n#endif\n', { defines: { FAST: true } });
    expect(out).toContain('fast');
  });

  it('names a missing include', () => {
    expect(() => composeShader('#include "nope"')).toThrow(/shaders\/lib\/nope\.wgsl/);
  });
});

describe('GpuContext', () => {
  const gpu = useGpu();

  it('reports the adapter and its limits', () => {
    const a = gpu().adapter;
    expect(a.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(typeof a.isSoftware).toBe('boolean');
    expect(Array.isArray(a.features)).toBe(true);
  });

  it('reports a WGSL compile error with line:col and the source line', async () => {
    const ctx = gpu();
    const layout = ctx.device.createPipelineLayout({ bindGroupLayouts: [] });
    const source = '@compute @workgroup_size(1)\nfn main() {\n  let x: f32 = 1u;\n}\n';
    ctx.device.pushErrorScope('validation');
    const err = await ctx.pipelines.get({ kernel: 'broken', source, layout }).catch((e: unknown) => e);
    await ctx.device.popErrorScope();
    expect(err).toBeInstanceOf(ShaderCompileError);
    expect((err as Error).message).toMatch(/broken\.wgsl:3:\d+/);
    expect((err as Error).message).toContain('let x: f32 = 1u;');
  });

  it('caches pipelines by kernel and override constants', async () => {
    const ctx = gpu();
    const r = await Reduce.create(ctx);
    const input = ctx.storage('x', new Float32Array(10));
    const before = ctx.pipelines.size;
    const a = await r.plan('sum', input, 10);
    const mid = ctx.pipelines.size;
    const b = await r.plan('sum', input, 10);
    expect(ctx.pipelines.size).toBe(mid);
    expect(mid - before).toBeLessThanOrEqual(2);
    a.destroy();
    b.destroy();
    ctx.destroyBuffer(input);
  });

  it('keeps the buffer pool under its byte cap', async () => {
    const ctx = gpu();
    const usage = GPUBufferUsage.STORAGE;
    const bufs = Array.from({ length: 8 }, () => ctx.pool.acquire(1 << 20, usage, 'p'));
    const cap = ctx.pool.maxBytes;
    for (const b of bufs) ctx.pool.release(b);
    expect(ctx.pool.idleBytes).toBeLessThanOrEqual(cap);
    const again = ctx.pool.acquire(1 << 20, usage, 'p');
    expect(bufs).toContain(again); // reused, not new
    ctx.pool.release(again);
  });
});

describe('device loss', () => {
  it('rejects pending readbacks with DeviceLostError within a second of device.destroy()', async () => {
    const ctx = await GpuContext.create();
    const r = await Reduce.create(ctx);
    const n = 1_000_000;
    const input = ctx.storage('x', n * 4);
    const plan = await r.plan('logsumexp', input, n);
    const pending = Array.from({ length: 4 }, () => plan.run());
    // Dawn's destroy() itself waits for the work already running on the queue; the clock starts
    // when it returns, the moment the application learns of the loss.
    ctx.device.destroy();
    const t0 = performance.now();
    const results = await Promise.allSettled(pending);
    const elapsed = performance.now() - t0;
    for (const res of results) {
      expect(res.status).toBe('rejected');
      expect((res as PromiseRejectedResult).reason).toBeInstanceOf(DeviceLostError);
    }
    expect(elapsed).toBeLessThan(1000);
    await expect(plan.run()).rejects.toBeInstanceOf(DeviceLostError);
    expect(() => ctx.storage('after', 16)).toThrow(DeviceLostError);
    ctx.destroy();
  });

  it('a pipelined Sinkhorn (a readback always in flight) rejects with DeviceLostError instead of hanging', async () => {
    const ctx = await GpuContext.create();
    const n = 300;
    const x = Float32Array.from({ length: 2 * n }, (_, k) => Math.sin(k * 1.3) * 2);
    const y = Float32Array.from({ length: 2 * n }, (_, k) => Math.cos(k * 0.7) + 1);
    let checks = 0;
    const run = sinkhorn(ctx, { data: x, d: 2 }, { data: y, d: 2 }, {
      blur: 0.01,
      checks: 'pipelined',
      onProgress: () => {
        if (++checks === 3) ctx.device.destroy();
      },
    });
    await expect(run).rejects.toBeInstanceOf(DeviceLostError);
    ctx.destroy();
  });
});
