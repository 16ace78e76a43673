/** Typed errors raised by wasserflow. Every error names the problem and, where it helps, the fix. */

/** Base class: `instanceof WasserflowError` catches everything the engine throws on purpose. */
export class WasserflowError extends Error {
  override readonly name: string = 'WasserflowError';
}

/** No WebGPU in this environment, or no adapter matched the request. */
export class NoAdapterError extends WasserflowError {
  override readonly name = 'NoAdapterError';
}

/** The GPUDevice was lost (destroyed, driver reset, out of memory). Pending work rejects with it. */
export class DeviceLostError extends WasserflowError {
  override readonly name = 'DeviceLostError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(`GPU device lost (${reason})${message ? `: ${message}` : ''}`);
  }
}

/** A WebGPU validation or out-of-memory error caught by an error scope or `uncapturederror`. */
export class GpuValidationError extends WasserflowError {
  override readonly name = 'GpuValidationError';
}

/** A WGSL shader failed to compile; `message` has every error with line:col and the source line. */
export class ShaderCompileError extends WasserflowError {
  override readonly name = 'ShaderCompileError';
  constructor(
    readonly kernel: string,
    readonly messages: readonly { line: number; col: number; text: string; type: string }[],
    source: string,
  ) {
    const lines = source.split('\n');
    const detail = messages
      .map((m) => {
        const src = lines[m.line - 1] ?? '';
        const caret = ' '.repeat(Math.max(0, m.col - 1)) + '^';
        return `  ${kernel}.wgsl:${m.line}:${m.col} ${m.type}: ${m.text}\n    ${src}\n    ${caret}`;
      })
      .join('\n');
    super(`shader '${kernel}' failed to compile:\n${detail}`);
  }
}

/** Bad input at the API boundary: shapes, NaN/Inf, sizes over limits, hyper-parameter ranges. */
export class InputError extends WasserflowError {
  override readonly name = 'InputError';
}

/** A long operation was cancelled through its AbortSignal. */
export class CancelledError extends WasserflowError {
  override readonly name = 'CancelledError';
  constructor(what = 'operation') {
    super(`${what} cancelled`);
  }
}
