/**
 * Per-training-step uniforms. Each step of a chunk gets one StepParams slot (selected by dynamic
 * offset), filled on the CPU in float64 before the chunk is submitted, so a chunk of K steps is one
 * write and one submit, and no step allocates.
 */
import { ParamsLayout } from '../gpu/params.js';

export const StepParams = new ParamsLayout('StepParams', {
  /** Global step number: the RNG counter of the minibatch draw. */
  step: 'u32',
  /** +1 minimises the DSM loss, -1 maximises it (the paper's bad-model start). */
  sign: 'f32',
  /** lr / (1 - β1^t). */
  lr_bc1: 'f32',
  /** 1 / √(1 - β2^t). */
  inv_sqrt_bc2: 'f32',
  /** lr · weight decay (AdamW's decoupled shrink). */
  lr_wd: 'f32',
});
export type StepFields = Parameters<typeof StepParams.pack>[0];

/** Adam's per-step scalars for 1-based step t, in float64. */
export function adamStepScalars(t: number, lr: number, beta1: number, beta2: number, weightDecay: number): { lr_bc1: number; inv_sqrt_bc2: number; lr_wd: number } {
  return { lr_bc1: lr / (1 - beta1 ** t), inv_sqrt_bc2: 1 / Math.sqrt(1 - beta2 ** t), lr_wd: lr * weightDecay };
}
