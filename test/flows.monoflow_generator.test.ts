// MonoFlow generator mode: the generator loss kernel (shaders/flow_gen_loss.wgsl) against its
// float64 twin, with padding columns (n < bs, sizes not multiples of the workgroup size).
import { describe, expect, it } from 'vitest';
import { FlowGenLoss, GenLossParams } from '../src/kernels/flow_gen_loss.js';
import { useGpu } from './gpu.js';
import { genLossRef } from './reference/flows.js';

describe('monoflow generator loss kernel', () => {
  const gpu = useGpu();

  it('writes dU = c(g − y) (0 on padding columns) and accumulates (c/2)||g − y||²', async () => {
    const ctx = gpu();
    const n = 67, bs = 72, dim = 3, out_off = 5, dout_off = 5 + dim * bs + 11, c = 0.37;
    const size = dout_off + dim * bs + 4;
    let s = 12345;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 4 - 2;
    const acts = Float32Array.from({ length: size }, rnd);
    const y = Float32Array.from({ length: n * dim }, rnd);
    const prev = Float32Array.from({ length: bs }, rnd);
    const k = await FlowGenLoss.create(ctx);
    const ub = ctx.uniform('test:gen-loss', GenLossParams.byteSize);
    const a = ctx.storage('test:acts', acts);
    const t = ctx.storage('test:target', y);
    const l = ctx.storage('test:loss', prev);
    try {
      const p = { n, bs, dim, out_off, dout_off, c };
      ctx.write(ub, GenLossParams.pack(p));
      const enc = ctx.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      k.dispatch(pass, k.bind({ ubuf: ub, acts: a, target: t, lossAcc: l }), bs);
      pass.end();
      ctx.submit(enc.finish());
      const ref = genLossRef(acts, y, p);
      // f32 subtraction and one multiply of O(1) values: a few ulps.
      expect(await ctx.readF32(a, 0, size)).toBeAllclose(ref.acts, { atol: 1e-6, rtol: 1e-6 });
      expect(await ctx.readF32(l, 0, bs)).toBeAllclose(Float64Array.from(ref.loss, (v, b) => v + prev[b]!), { atol: 1e-5, rtol: 1e-5 });
    } finally {
      for (const b of [ub, a, t, l]) ctx.destroyBuffer(b);
    }
  });
});
