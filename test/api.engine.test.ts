// The public facade: createEngine() on its own or on an app's shared GPUDevice, real kernels
// through it (Philox RNG bit for bit against the CPU twin, reductions against float64), every
// validation message at its boundary, cancellation and progress, and the lifecycle: 1000
// create/run/destroy cycles leave no buffer alive and no memory growth beyond a stated bound.
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/api/engine.js';
import type { ProgressEvent } from '../src/gpu/run.js';
import { GpuContext } from '../src/gpu/context.js';
import { CancelledError, InputError } from '../src/gpu/errors.js';
import { rngFillCpu } from '../src/rng/philox.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

async function inputError(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InputError);
  return (e as Error).message;
}

describe('engine on a shared device', () => {
  // The app's own device, as an embedding app would have it.
  let app: GpuContext;
  let engine: Engine;
  beforeAll(async () => {
    app = await GpuContext.create();
    engine = await createEngine({ device: app.device });
  });
  afterAll(() => {
    engine?.destroy();
    app?.destroy();
  });

  it('reports the adapter', () => {
    expect(engine.adapter.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(engine.device).toBe(app.device);
  });

  it('draws Philox numbers equal to the CPU twin bit for bit', async () => {
    const n = 1001; // not a multiple of 4 or of the workgroup size
    for (const dist of ['uniform', 'normal'] as const) {
      const gpu = await engine.random(n, { seed: 42, dist, stream: 3 });
      const cpu = rngFillCpu(n, 42, 3, dist);
      expect(Array.from(new Uint32Array(gpu.buffer))).toEqual(Array.from(new Uint32Array(cpu.buffer)));
    }
    expect(engine.liveBuffers).toBeLessThanOrEqual(1); // only the pooled staging buffer
  });

  it('reduces against float64 references, with segments (the other ops: test/reduce.test.ts)', async () => {
    const n = 3 * 2731;
    const x = Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 3 + 0.1);
    const segs = [0, 1, 2].map((s) => x.slice(s * 2731, (s + 1) * 2731));
    const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
    const mean = (a: number[]) => sum(a) / a.length;
    const vari = (a: number[]) => sum(a.map((v) => (v - mean(a)) ** 2)) / a.length;
    // f32 inputs and f32 tree accumulation over ~2^12 terms: relative error ~1e-6; sums of
    // terms of both signs need an absolute tolerance on the scale of Σ|x|·2^-24·log2(n).
    expect(await engine.reduce('sum', x, { segments: 3 })).toBeAllclose(segs.map(sum), { rtol: 1e-5, atol: 1e-3 });
    expect(await engine.reduce('meanvar', new Float32Array(x))).toBeAllclose([mean(x), vari(x)], { rtol: 1e-4, atol: 1e-5 });
  });

  it('rejects bad input with messages naming the problem', async () => {
    expect(await inputError(engine.random(0, { seed: 1 }))).toBe('random: n must be an integer in [1, 9007199254740991], got 0');
    expect(await inputError(engine.random(4, { seed: -2 }))).toBe('random: seed must be an integer in [0, 9007199254740991], got -2');
    // The seed is required (RandomOptions.seed has no default): the message says so.
    const required = 'random: seed is required (there is no default): an integer in [0, 9007199254740991], or a bigint below 2^64';
    expect(await inputError(engine.random(4, undefined as never))).toBe(required);
    expect(await inputError((engine.random as (n: number) => Promise<Float32Array>)(10))).toBe(required);
    expect(await inputError(engine.random(4, {} as never))).toBe(required);
    expect(await inputError(engine.random(4, { seed: 1, dist: 'gauss' as never }))).toBe("random: dist must be one of 'uniform', 'normal', got 'gauss'");
    expect(await inputError(engine.random(4, { seed: 1, stream: 2 ** 32 }))).toBe('random: stream must be an integer in [0, 4294967295], got 4294967296');
    expect(await inputError(engine.random(4, { seed: 1, signal: {} as never }))).toBe('random: signal must be an AbortSignal (from an AbortController), got Object');
    const limit = engine.device.limits.maxStorageBufferBindingSize;
    const n = limit / 4 + 1;
    expect(await inputError(engine.random(n, { seed: 1 }))).toMatch(
      new RegExp(`^random: ${n} numbers needs ${n * 4} bytes .* over this device's (maxStorageBufferBindingSize|maxBufferSize) of \\d+ bytes .*\\(at most \\d+ elements of 4 bytes\\): use fewer points or split the input$`),
    );
    expect(await inputError(engine.reduce('median' as never, [1]))).toBe("reduce: op must be one of 'sum', 'max', 'logsumexp', 'meanvar', got 'median'");
    expect(await inputError(engine.reduce('sum', []))).toBe('reduce: data is empty: at least one point is needed');
    expect(await inputError(engine.reduce('sum', [1, NaN, 2]))).toBe('reduce: data[1] is NaN: inputs must be finite (the first non-finite value is reported)');
    expect(await inputError(engine.reduce('sum', [1, 2, 3], { segments: 2 }))).toBe('reduce: data has 3 values, not a multiple of segments = 2');
    expect(await inputError(engine.reduce('sum', [1], { segments: 0 }))).toMatch(/^reduce: segments must be an integer in \[1, \d+\], got 0$/);
    expect(await inputError(createEngine({ device: 5 as never }))).toBe('createEngine: device must be a GPUDevice, got 5');
    expect(await inputError(createEngine({ device: app.device, poolBytes: -1 }))).toBe('createEngine: poolBytes must be an integer in [0, 9007199254740991], got -1');
  });

  it('cancels with CancelledError and reports progress', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(engine.random(8, { seed: 1, signal: ac.signal })).rejects.toThrow(CancelledError);
    await expect(engine.reduce('sum', [1, 2], { signal: ac.signal })).rejects.toThrow('reduce cancelled');
    // Abort while the readback is in flight: rejects promptly, and the buffers are still released.
    const live = new AbortController();
    const p = engine.random(1 << 20, { seed: 1, signal: live.signal });
    live.abort();
    await expect(p).rejects.toThrow('random cancelled');
    await app.flush();
    const events: ProgressEvent[] = [];
    await engine.reduce('sum', [1, 2, 3], { onProgress: (e) => events.push(e) });
    expect(events).toEqual([{ stage: 'reduce', done: 1, total: 1 }]);
  });

  it('destroy() releases every buffer and leaves the shared device usable', async () => {
    const e = await createEngine({ device: app.device });
    await e.random(100, { seed: 1 });
    expect(e.liveBuffers).toBeGreaterThan(0); // the pooled readback buffer
    e.destroy();
    e.destroy(); // idempotent
    expect(e.liveBuffers).toBe(0);
    expect(e.isDestroyed).toBe(true);
    expect(await inputError(e.random(4, { seed: 1 }))).toBe('this engine was destroyed: create a new one with createEngine()');
    // The app's device still works.
    const buf = app.storage('app', new Float32Array([1, 2, 3]));
    expect(Array.from(await app.readF32(buf))).toEqual([1, 2, 3]);
    app.destroyBuffer(buf);
  });

  it('1000 create/run/destroy cycles leave no buffer alive and bounded memory', async () => {
    const data = new Float32Array(1000).map((_, i) => i);
    const appBuffers = app.liveBuffers;
    const cycle = async (i: number) => {
      const e = await createEngine({ device: app.device });
      const [s] = await e.reduce('sum', data);
      if (s !== 499500) throw new Error(`cycle ${i}: sum ${s}`);
      e.destroy();
      if (e.liveBuffers !== 0) throw new Error(`cycle ${i}: ${e.liveBuffers} buffers alive after destroy()`);
    };
    // Warm-up: the first cycles compile pipelines and grow Dawn's caches and the JIT. Dawn frees
    // the native side of bind groups, pipelines and layouts when V8 collects their wrappers, so
    // collect every 100 cycles (as a long-running app's GC eventually would) and let finalisers run.
    const settle = async () => {
      gc();
      await new Promise((r) => setTimeout(r, 50));
      gc();
    };
    for (let i = 0; i < 100; i++) await cycle(i);
    await settle();
    const heap0 = process.memoryUsage().heapUsed;
    const rss: number[] = [process.memoryUsage().rss];
    for (let i = 100; i < 1000; i++) {
      await cycle(i);
      if (i % 100 === 99) {
        await settle();
        rss.push(process.memoryUsage().rss);
      }
    }
    await app.flush();
    await settle();
    const heapGrowth = process.memoryUsage().heapUsed - heap0;
    const rssGrowth = rss.at(-1)! - rss[0]!;
    // Least-squares slope of RSS over the 9 samples after the first 100 post-warm-up cycles (MB per
    // 100 cycles): a trend, not the difference of two noisy samples (single samples scatter ±15 MB).
    const xs = rss.slice(1).map((_, k) => k);
    const ys = rss.slice(1).map((r) => r / 1e6);
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    const slope = xs.reduce((a, x, k) => a + (x - mx) * (ys[k]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    console.log(`900 cycles after warm-up: heap ${(heapGrowth / 1e6).toFixed(2)} MB; RSS every 100 cycles (MB): ${rss.map((r) => (r / 1e6).toFixed(0)).join(' ')}; trend ${slope.toFixed(2)} MB/100 cycles`);
    // Bounds. JS heap: a leaked engine holds a context, a pipeline cache and kernel objects
    // (several KB), so 900 leaks would add megabytes; 2 MB allows GC noise only (measured
    // -0.3 to +0.1 MB). RSS also counts the allocator's high-water mark and Dawn's caches, and
    // varies with machine load: measured +5 to +30 MB over 900 cycles, almost all in the first
    // 100-200, then flat within ±10 MB. Small per-cycle leaks (a few-KB buffer) are invisible in
    // RSS; liveBuffers and the heap bound catch those exactly. The RSS trend bound catches native
    // leaks of more than ~60 KB per cycle (6 MB per 100 cycles; the trend's noise from ±15 MB sample
    // scatter is about ±2 MB/100 cycles, measured trends -1 to +1.4), such as a compiled pipeline
    // (SwiftShader's JIT code) or a device kept alive per cycle.
    expect(heapGrowth).toBeLessThan(2e6);
    expect(slope).toBeLessThan(6);
    expect(rssGrowth).toBeLessThan(96e6);
    expect(app.liveBuffers).toBe(appBuffers); // the engines never touched the app's buffers
  });
});

describe('engine owning its device', () => {
  it('create/run/destroy: the device is destroyed with the engine', async () => {
    // One device per cycle costs ~0.7 s on SwiftShader (adapter + device + Vulkan instance) and
    // Dawn keeps ~1 MB per device, so 1000 such cycles are not a realistic embedding; 2 show
    // that nothing stays alive and that the device goes with the engine.
    for (let i = 0; i < 2; i++) {
      const e = await createEngine();
      expect(Array.from(await e.reduce('max', [3, 9, 1]))).toEqual([9]);
      const lost = e.ctx.lost;
      e.destroy();
      expect(e.liveBuffers).toBe(0);
      const err = await Promise.race([lost, new Promise((r) => setTimeout(() => r('timeout'), 5000))]);
      expect(String((err as Error).message ?? err)).toMatch(/destroyed/);
    }
  });
});
