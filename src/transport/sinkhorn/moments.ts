/**
 * Row moments of the final plans (shaders/sinkhorn_plan_moments.wgsl): for each X point, the
 * barycentre of its row of the ab plan and its transport cost, and, when debiased, the same of the
 * aa plan. They give the gradient of S_ε with respect to X and the linear cost <π, C> (result.ts).
 */
import type { GpuContext } from '../../gpu/context.js';
import { MomentParams, SinkhornPlanMoments, type MomentTask } from '../../kernels/sinkhorn_plan_moments.js';
import type { Layout } from './tables.js';

/**
 * Run `kernel` over every problem of `batch` at ε with the potentials in copies `copies` of `pot`
 * and read the moments back: per problem, n·(d + 1) floats for the ab plan, then as many for the aa
 * plan (left unwritten without debiasing).
 */
export async function planMoments(
  ctx: GpuContext,
  kernel: SinkhornPlanMoments,
  batch: { layouts: readonly Layout[]; total: number; d: number; debias: boolean },
  bufs: { pts: GPUBuffer; logw: GPUBuffer; pot: GPUBuffer },
  eps: number,
  copies: { cross: number; self: number },
): Promise<Float32Array> {
  const { layouts, total: T, d, debias } = batch;
  const tasks: MomentTask[] = [];
  let off = 0;
  for (const l of layouts) {
    const { xs, ys } = l;
    tasks.push({ rowOff: xs, n: l.n, colOff: ys, m: l.m, colPot: 2 * copies.cross * T + ys, rowPot: 2 * copies.cross * T + xs, colLogw: ys, outOff: off });
    off += l.n * (d + 1);
    if (debias) {
      const s = (2 * copies.self + 1) * T + xs;
      tasks.push({ rowOff: xs, n: l.n, colOff: xs, m: l.n, colPot: s, rowPot: s, colLogw: xs, outOff: off });
    }
    off += l.n * (d + 1);
  }
  const params = ctx.uniform('sinkhorn:moments', MomentParams.byteSize);
  const taskBuf = ctx.storage('sinkhorn:moment-tasks', SinkhornPlanMoments.pack(tasks));
  const out = ctx.storage('sinkhorn:moments', off * 4);
  try {
    ctx.write(params, MomentParams.pack({ eps, inv_eps: 1 / eps, lo_off: 4 * T }));
    const bind = kernel.bindGroup(ctx, params, bufs.pts, bufs.logw, bufs.pot, taskBuf, out);
    const enc = ctx.device.createCommandEncoder({ label: 'sinkhorn:moments' });
    kernel.encode(enc, bind, tasks.length, Math.max(...layouts.map((l) => l.n)));
    return new Float32Array(await ctx.read(out, 0, off * 4, enc));
  } finally {
    ctx.destroyBuffer(params);
    ctx.destroyBuffer(taskBuf);
    ctx.destroyBuffer(out);
  }
}
