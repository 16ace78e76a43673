/** Owner of shaders/mixture_sample.wgsl: samples of a Gaussian mixture at any dimension, on the GPU. */
import source from '../../shaders/mixture_sample.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, UniformBlock, read, rw, uniform } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';
import { splitSeed } from '../rng/philox.js';

export const MixtureSampleParams = new ParamsLayout('MixtureSampleParams', { n: 'u32', dim: 'u32', ncomp: 'u32', stride: 'u32', seed_lo: 'u32', seed_hi: 'u32' });
const WG = 64;

export const MixtureSampleBindings = new Bindings('mixture_sample', {
  sp: uniform(MixtureSampleParams),
  /** Per component: cumulative weight, μ (d), lower Cholesky factor L (d×d row-major). */
  comps: read('array<f32>'),
  /** n × d row-major. */
  out: rw('array<f32>'),
});

/** Floats per component of the packed layout. */
export const mixtureSampleStride = (d: number) => 1 + d + d * d;

/** Draw n points into a new storage buffer (n × d floats, row-major) from packed components. */
export async function drawMixture(ctx: GpuContext, packed: Float32Array, d: number, n: number, seed: number | bigint): Promise<GPUBuffer> {
  const stride = mixtureSampleStride(d);
  if (packed.length === 0 || packed.length % stride !== 0) throw new InputError(`mixture sample: ${packed.length} floats is not a whole number of ${d}-dimensional components`);
  const limit = ctx.device.limits.maxStorageBufferBindingSize;
  if (packed.length * 4 > limit) throw new InputError(`mixture sample: ${packed.length / stride} components at d = ${d} need ${packed.length * 4} bytes (1 + d + d² floats each), over this device's storage binding limit (${limit} bytes)`);
  if (n * d * 4 > limit) throw new InputError(`mixture sample: n = ${n} points × d = ${d} need ${n * d * 4} bytes, over this device's storage binding limit (${limit} bytes)`);
  const pipeline = await ctx.pipelines.get({ kernel: 'mixture_sample', source, layout: MixtureSampleBindings.pipelineLayout(ctx.device), prelude: [MixtureSampleBindings.wgsl], constants: { WG } });
  const cbuf = ctx.storage('mixture_sample:components', packed);
  const sp = new UniformBlock(ctx, 'mixture_sample:params', MixtureSampleParams);
  const out = ctx.storage('dataset:mixture', n * d * 4);
  const [lo, hi] = splitSeed(seed);
  sp.set({ n, dim: d, ncomp: packed.length / stride, stride, seed_lo: lo, seed_hi: hi });
  try {
    const bind = MixtureSampleBindings.bind(ctx.device, { sp: sp.buffer, comps: cbuf, out });
    await ctx.runPass('mixture_sample', (pass) => {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(...workgroups(n, WG));
    });
    return out;
  } catch (e) {
    ctx.destroyBuffer(out);
    throw e;
  } finally {
    ctx.destroyBuffer(cbuf);
    sp.destroy();
  }
}
