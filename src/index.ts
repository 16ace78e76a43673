/**
 * wasserflow — public entry point. See README.md for examples.
 */
export { GpuContext, type AdapterReport, type ContextOptions } from './gpu/context.js';
export { GpuTimer } from './gpu/timing.js';
export {
  WasserflowError,
  NoAdapterError,
  DeviceLostError,
  GpuValidationError,
  ShaderCompileError,
  InputError,
  CancelledError,
} from './gpu/errors.js';
export { Reduce, ReducePlan, type ReduceOp } from './kernels/reduce.js';
export { RngFill, type Distribution } from './kernels/rng_fill.js';
export { philox4x32, rngFillCpu } from './rng/philox.js';
export * from './model/layout.js';
