/**
 * Owner of shaders/sym_jacobian_eig.wgsl: per point, the exact Jacobian J = ∇_x s(x, t) (D ≤ 3
 * columns by JVP) and the closed-form top eigenvalue of ½(J + Jᵀ).
 */
import source from '../../shaders/sym_jacobian_eig.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import type { MlpLayout } from '../model/layout.js';
import { MlpPointKernel } from './mlp_tangent.js';

export class SymJacobianEig {
  static create(ctx: GpuContext, layout: MlpLayout): Promise<MlpPointKernel> {
    if (layout.spec.dim > 3) throw new InputError(`exact symmetric-Jacobian eigenvalues need dimension <= 3, got ${layout.spec.dim} (use power iteration)`);
    return MlpPointKernel.create(ctx, layout, 'sym_jacobian_eig', source);
  }
}
