/**
 * Owner of shaders/power_iter_step.wgsl: per point, `shiftIters` power steps on ½(J + Jᵀ) to find
 * the spectral radius ρ, then `iters` steps on ½(J + Jᵀ) + 1.05ρ I, and the Rayleigh quotient —
 * a lower estimate of λ_max(½(J + Jᵀ)) at that point. J = ∇_x s(x, t) via JVP/VJP.
 */
import source from '../../shaders/power_iter_step.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import type { MlpLayout } from '../model/layout.js';
import { MlpPointKernel } from './mlp_tangent.js';

export class PowerIterStep {
  static create(ctx: GpuContext, layout: MlpLayout): Promise<MlpPointKernel> {
    return MlpPointKernel.create(ctx, layout, 'power_iter_step', source);
  }
}
