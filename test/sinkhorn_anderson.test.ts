// Anderson acceleration of Sinkhorn (shaders/sinkhorn_anderson.wgsl) against a float64 reference of
// the same steps, and the solver converging with it where over-relaxation stalls.
import { describe, expect, it } from 'vitest';
import { rngFillCpu } from '../src/rng/philox.js';
import { ANDERSON_MEMORY, AndersonParams, SinkhornAnderson } from '../src/kernels/sinkhorn_anderson.js';
import { exactAssignment } from '../src/transport/exact.js';
import { sinkhorn } from '../src/transport/sinkhorn/index.js';
import { useGpu } from './gpu.js';

/** The kernel's steps in float64: prev f_k, G(f_{k-1}), r_{k-1} and the ring of ΔR, ΔG; `step` mixes f' in place. */
function andersonReference(n: number, a: Float64Array) {
  let count = 0;
  let prev = new Float64Array(n);
  let gPrev = new Float64Array(n);
  let rPrev = new Float64Array(n);
  const dR: Float64Array[] = [];
  const dG: Float64Array[] = [];
  return (fp: Float64Array): Float64Array => {
    if (count++ === 0) {
      prev = fp.slice();
      return fp.slice();
    }
    const r = fp.map((v, i) => v - prev[i]!);
    const mean = r.reduce((s, v, i) => s + a[i]! * v, 0) / a.reduce((s, v) => s + v, 0);
    for (let i = 0; i < n; i++) r[i] = r[i]! - mean;
    if (count >= 3) {
      const slot = (count - 3) % ANDERSON_MEMORY;
      dR[slot] = r.map((v, i) => v - rPrev[i]!);
      dG[slot] = fp.map((v, i) => v - gPrev[i]!);
    }
    rPrev = r;
    gPrev = fp.slice();
    const h = dR.length;
    // Normal equations with the kernel's Tikhonov term (1e-7 of the mean diagonal), by Gaussian elimination.
    const A = Array.from({ length: h }, (_, p) => Array.from({ length: h + 1 }, (_, q) => (q < h ? dR[p]!.reduce((s, v, i) => s + v * dR[q]![i]!, 0) : dR[p]!.reduce((s, v, i) => s + v * r[i]!, 0))));
    const tr = A.reduce((s, row, p) => s + row[p]!, 0);
    for (let p = 0; p < h; p++) A[p]![p]! += (1e-7 * tr) / h;
    for (let p = 0; p < h; p++) {
      for (let q = p + 1; q < h; q++) {
        const f = A[q]![p]! / A[p]![p]!;
        for (let k = p; k <= h; k++) A[q]![k]! -= f * A[p]![k]!;
      }
    }
    const gam = new Float64Array(h);
    for (let p = h - 1; p >= 0; p--) {
      let s = A[p]![h]!;
      for (let k = p + 1; k < h; k++) s -= A[p]![k]! * gam[k]!;
      gam[p] = s / A[p]![p]!;
    }
    const out = fp.map((v, i) => v - dG.reduce((s, col, k) => s + gam[k]! * col[i]!, 0));
    prev = out.slice();
    return out;
  };
}

describe('sinkhorn anderson', () => {
  const gpu = useGpu();

  it('mixes like the float64 reference on a linear fixed-point map (two problems, sizes not multiples of 4 or 64)', async () => {
    const ctx = gpu();
    const sizes = [{ xs: 0, n: 37 }, { xs: 40, n: 101 }];
    const T = 144;
    const kernel = await SinkhornAnderson.create(ctx);
    const logwHost = new Float32Array(T);
    for (const { xs, n } of sizes) for (let i = 0; i < n; i++) logwHost[xs + i] = Math.log(1 / n);
    const params = ctx.uniform('test:anderson', AndersonParams.byteSize);
    const problems = ctx.storage('test:problems', Uint32Array.from(sizes.flatMap((s) => [s.xs, s.n])));
    const logw = ctx.storage('test:logw', logwHost);
    const pot = ctx.storage('test:pot', 8 * T * 4);
    const hist = ctx.storage('test:hist', SinkhornAnderson.historyFloats(T) * 4);
    const state = ctx.storage('test:state', 16);
    try {
      // Cross potentials in copy 1 (offset 2T), low parts at 4T.
      ctx.write(params, AndersonParams.pack({ total: T, lo_off: 4 * T, cross: 2 * T }));
      const bind = kernel.bind(ctx, 'test:anderson', { params, problems, logw, pot, hist, state });
      // A contraction with a slow mode per problem: f ← M f + c, M = diag(0.999, 0.9, 0.5, ...) rotated by a fixed mixing.
      const maps = sizes.map(({ n }, p) => {
        const lam = Float64Array.from({ length: n }, (_, i) => (i === 0 ? 0.999 : i === 1 ? 0.9 : 0.5 * Math.cos(i + p)));
        const c = Float64Array.from(rngFillCpu(n, 91 + p, 0, 'normal'), (v) => 1e-3 * v);
        return (f: Float64Array) => f.map((v, i) => lam[i]! * (v + 0.1 * f[(i + 1) % n]!) + c[i]!);
      });
      const refs = sizes.map(({ n }) => andersonReference(n, new Float64Array(n).fill(1 / n)));
      let f: Float64Array[] = sizes.map(({ n }, p) => Float64Array.from(rngFillCpu(n, 81 + p, 0, 'normal'), (v) => 0.5 + 1e-2 * v));
      for (let k = 0; k < 12; k++) {
        const fp = f.map((v, p) => maps[p]!(v));
        // Upload f' as two parts: hi on the 2^-20 grid, the rest in lo.
        const host = new Float32Array(8 * T);
        sizes.forEach(({ xs, n }, p) => {
          for (let i = 0; i < n; i++) {
            const hi = Math.round(fp[p]![i]! * 2 ** 20) / 2 ** 20;
            host[2 * T + xs + i] = hi;
            host[4 * T + 2 * T + xs + i] = fp[p]![i]! - hi;
          }
        });
        ctx.write(pot, host);
        const enc = ctx.device.createCommandEncoder();
        const pass = enc.beginComputePass();
        kernel.dispatch(pass, bind, sizes.length);
        pass.end();
        const out = new Float32Array(await ctx.read(pot, 0, pot.size, enc));
        f = sizes.map(({ xs, n }, p) => {
          const want = refs[p]!(fp[p]!);
          const got = Float64Array.from({ length: n }, (_, i) => out[2 * T + xs + i]! + out[4 * T + 2 * T + xs + i]!);
          // f32 rests and f32 normal equations: the mixed step is exact to ~1e-5 of its size (≤ 1e-2 here).
          expect(got, `step ${k} problem ${p}`).toBeAllclose(want, { atol: 2e-7, rtol: 0 });
          return want;
        });
      }
    } finally {
      for (const b of [params, problems, logw, pot, hist, state]) ctx.destroyBuffer(b);
    }
  }, 60_000);
});
