/**
 * Every kernel that is tuned per adapter (src/gpu/tuning.ts), tuned at once: what `wasserflow info`
 * runs so that its report lists the choices (each kernel also tunes itself at its first use).
 */
import type { GpuContext } from '../gpu/context.js';
import { tuneMatmul } from '../kernels/bench_matmul.js';

export async function tuneKernels(ctx: GpuContext): Promise<void> {
  await tuneMatmul(ctx);
}
