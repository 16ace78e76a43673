/**
 * Every kernel that is tuned per adapter (src/gpu/tuning.ts), tuned at once: what `wasserflow info`
 * runs so that its report lists the choices (each kernel also tunes itself at its first use), and
 * the kernel shapes forced by the environment instead of tuned.
 */
import type { GpuContext } from '../gpu/context.js';
import { tuneMatmul } from '../kernels/bench_matmul.js';
import { softminVariantName } from '../kernels/sinkhorn_softmin_tiled.js';
import { softminCandidates, softminOverride, SOFTMIN_ENV } from '../transport/sinkhorn/dense.js';
import { SinkhornSolver } from '../transport/sinkhorn/solver.js';

/**
 * The dense Sinkhorn softmin's shape for the reference problem (d = 2, N = M = 10^4, debiased: key
 * `sinkhorn_softmin:d2-n16384-p1`), where there is a choice (hardware adapters; on software ones the
 * streamed kernel runs without a search) and none is forced.
 */
export async function tuneSoftmin(ctx: GpuContext): Promise<void> {
  if (softminCandidates(ctx).length < 2 || softminOverride()) return;
  const solver = await SinkhornSolver.create(ctx, { d: 2, sizes: [{ n: 10_000, m: 10_000 }], debias: true });
  solver.destroy();
}

export async function tuneKernels(ctx: GpuContext): Promise<void> {
  await tuneMatmul(ctx);
  await tuneSoftmin(ctx);
}

/** Kernel shapes forced by environment variables (Node), by tuning key prefix: e.g. { sinkhorn_softmin: 'tiled-wg64 (WASSERFLOW_SOFTMIN)' }. */
export function kernelOverrides(): Record<string, string> {
  const softmin = softminOverride();
  return softmin ? { sinkhorn_softmin: `${softminVariantName(softmin)} (${SOFTMIN_ENV})` } : {};
}
