/**
 * Shared contract of every long operation in wasserflow (Sinkhorn, training, sampling, power
 * iteration, the bound): it is async, takes `RunOptions`, can be cancelled with an AbortSignal
 * (rejecting with CancelledError) and reports progress through `onProgress` at every readback.
 *
 * Engine code uses the helpers below so that cancellation and progress behave the same everywhere:
 *
 * ```ts
 * async function run(opts: RunOptions = {}) {
 *   throwIfAborted(opts.signal, 'sinkhorn');
 *   for (let it = 0; it < maxIter; it += K) {
 *     encodeKIterations(); ctx.submit(...);
 *     const err = await abortable(readError(), opts.signal, 'sinkhorn');   // one readback per K
 *     reportProgress(opts, { stage: 'sinkhorn', done: it + K, total: maxIter, metrics: { err } });
 *   }
 * }
 * ```
 */
import { CancelledError } from './errors.js';

/** One progress report of a long operation, sent at each readback (every K steps), never per step. */
export interface ProgressEvent {
  /** What is running, e.g. 'sinkhorn', 'train', 'sample', 'lipschitz', 'bound'. */
  stage: string;
  /** Units of work done so far (iterations, steps, epochs: the operation documents which). */
  done: number;
  /** Total units when known in advance (absent for run-until-converged loops). */
  total?: number;
  /** Scalars read back at this point, e.g. `{ loss }`, `{ marginalError }`, `{ w2 }`. */
  metrics?: Record<string, number>;
}

/** Options every long operation accepts. */
export interface RunOptions {
  /** Cancel the operation: it rejects with CancelledError at its next check (before the next submit or readback). */
  signal?: AbortSignal;
  /** Called with progress at each readback. Exceptions thrown here abort the operation and propagate. */
  onProgress?: (event: ProgressEvent) => void;
}

/** Throws CancelledError naming `what` when `signal` is aborted. Call before each submit. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'operation'): void {
  if (signal?.aborted) throw new CancelledError(what);
}

/**
 * Await `promise` (typically a readback) but reject with CancelledError as soon as `signal`
 * aborts. The GPU work already submitted still finishes; its result is dropped.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, what = 'operation'): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    // The promise may still reject later; keep that from becoming an unhandled rejection.
    promise.catch(() => undefined);
    return Promise.reject(new CancelledError(what));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError(what));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Send `event` to `opts.onProgress` if there is one. */
export function reportProgress(opts: RunOptions | undefined, event: ProgressEvent): void {
  opts?.onProgress?.(event);
}
