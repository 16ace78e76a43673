// Validation at the API boundary: every InputError the validators raise, with its exact message,
// plus the accepted forms (flat/nested points, weights normalised) and the run helpers
// (cancellation with CancelledError, progress events).
import { describe, expect, it } from 'vitest';
import { abortable, reportProgress, throwIfAborted, type ProgressEvent } from '../src/gpu/run.js';
import {
  checkBindingSize,
  checkFinite,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkPointsFit,
  checkSeed,
  checkSignal,
  toPoints,
  toWeights,
} from '../src/gpu/validate.js';
import { CancelledError, InputError } from '../src/gpu/errors.js';

/** The InputError `fn` throws (fails the test if it throws anything else or nothing). */
function inputError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected an InputError, nothing was thrown');
}

describe('hyper-parameter ranges', () => {
  it('accepts values in range and returns them', () => {
    expect(checkNumber('blur', 0.05, { min: 0, minExclusive: true })).toBe(0.05);
    expect(checkInteger('steps', 10, 1, 100)).toBe(10);
    expect(checkOneOf('schedule', 'cosine', ['linear', 'cosine'])).toBe('cosine');
    expect(checkSeed('seed', 7)).toBe(7);
    expect(checkSeed('seed', 2n ** 63n)).toBe(2n ** 63n);
  });

  it('names the parameter, the interval and the value', () => {
    expect(inputError(() => checkNumber('blur', -1, { min: 0, minExclusive: true }))).toBe('blur must be a finite number in (0, Infinity), got -1');
    expect(inputError(() => checkNumber('blur', 0, { min: 0, minExclusive: true }))).toBe('blur must be a finite number in (0, Infinity), got 0');
    expect(inputError(() => checkNumber('lr', NaN, { min: 0, max: 1 }))).toBe('lr must be a finite number in [0, 1], got NaN');
    expect(inputError(() => checkNumber('lr', Infinity))).toBe('lr must be a finite number, got Infinity');
    expect(inputError(() => checkNumber('lr', '0.1'))).toBe("lr must be a finite number, got '0.1'");
    expect(inputError(() => checkNumber('t', 1, { min: 0, max: 1, maxExclusive: true }))).toBe('t must be a finite number in [0, 1), got 1');
    expect(inputError(() => checkNumber('x', 5, { max: 2 }))).toBe('x must be a finite number in (-Infinity, 2], got 5');
    expect(inputError(() => checkInteger('steps', 2.5, 1, 100))).toBe('steps must be an integer in [1, 100], got 2.5');
    expect(inputError(() => checkInteger('steps', 0, 1, 100))).toBe('steps must be an integer in [1, 100], got 0');
    expect(inputError(() => checkOneOf('schedule', 'cos', ['linear', 'cosine']))).toBe("schedule must be one of 'linear', 'cosine', got 'cos'");
    expect(inputError(() => checkOneOf('schedule', undefined, ['linear']))).toBe("schedule must be one of 'linear', got undefined");
    expect(inputError(() => checkSeed('seed', -1))).toBe('seed must be an integer in [0, 9007199254740991], got -1');
    expect(inputError(() => checkSeed('seed', 1.5))).toBe('seed must be an integer in [0, 9007199254740991], got 1.5');
    expect(inputError(() => checkSeed('seed', 2n ** 64n))).toBe('seed must be in [0, 2^64) as a bigint, got 18446744073709551616n');
    expect(inputError(() => checkSignal('signal', true))).toBe('signal must be an AbortSignal (from an AbortController), got true');
    expect(checkSignal('signal', new AbortController().signal)).toBeInstanceOf(AbortSignal);
  });
});

describe('points', () => {
  it('accepts a PointCloud { data, n?, d } and checks n against the data', () => {
    const a = toPoints('x', { data: [1, 2, 3, 4, 5, 6], d: 3 });
    expect([a.n, a.d]).toEqual([2, 3]);
    expect(toPoints('x', { data: new Float32Array(6), n: 3, d: 2 }).n).toBe(3);
    expect(inputError(() => toPoints('x', { data: new Float32Array(6), n: 2, d: 2 }))).toBe('x: n = 2 but data holds 3 points of dimension 2');
    expect(inputError(() => toPoints('x', { data: new Float32Array(6), d: 4 }))).toBe('x has 6 numbers, not a multiple of dim = 4');
  });

  it('accepts flat arrays with dim and nested arrays, converting to f32', () => {
    const a = toPoints('x', [1, 2, 3, 4, 5, 6], 2);
    expect([a.n, a.d]).toEqual([3, 2]);
    expect(a.data).toBeInstanceOf(Float32Array);
    const b = toPoints('x', [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect([b.n, b.d]).toEqual([2, 3]);
    expect(Array.from(b.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const f = new Float32Array([1, 2]);
    expect(toPoints('x', f, 1).data).toBe(f); // no copy of an f32 input
  });

  it('reports shape errors', () => {
    expect(inputError(() => toPoints('x', [], 2))).toBe('x is empty: at least one point is needed');
    expect(inputError(() => toPoints('x', [[]]))).toBe('x[0] has no coordinates: points need at least one');
    expect(inputError(() => toPoints('x', new Float32Array(4)))).toBe(
      'x is a flat array of 4 numbers: give dim (numbers per point), or pass one array per point',
    );
    expect(inputError(() => toPoints('x', new Float32Array(5), 2))).toBe('x has 5 numbers, not a multiple of dim = 2');
    expect(inputError(() => toPoints('x', [1, 2], 0))).toBe('x: dim must be an integer in [1, 65536], got 0');
    expect(inputError(() => toPoints('y', [[1, 2], [3]]))).toBe(
      'y[1] has 1 coordinates, but y[0] has 2: all points need the same dimension',
    );
    expect(inputError(() => toPoints('y', [[1, 2], null]))).toBe(
      'y[1] has null coordinates, but y[0] has 2: all points need the same dimension',
    );
    expect(inputError(() => toPoints('y', [[1, 'a']]))).toBe("y[0][1] must be a number, got 'a'");
    expect(inputError(() => toPoints('y', [['a']]))).toBe("y[0][0] must be a number, got 'a'");
    expect(inputError(() => toPoints('y', ['ab']))).toBe("y[0] must be an array of coordinates, got 'ab'");
    expect(inputError(() => toPoints('y', [[1, 2]], 3))).toBe('y rows have 2 coordinates but dim = 3');
    expect(inputError(() => toPoints('y', 'points'))).toBe("y must be a Float32Array, a number[] with dim, or an array of points, got 'points'");
    expect(inputError(() => toPoints('y', [[1, 2, 3]], undefined, 2))).toBe('y has dimension 3, expected 2 to match the other input');
  });

  it('names the first NaN/Inf by point and coordinate', () => {
    const x = new Float32Array(10);
    x[7] = NaN;
    x[9] = Infinity;
    expect(inputError(() => toPoints('x', x, 2))).toBe('x[3][1] (flat index 7) is NaN: inputs must be finite (the first non-finite value is reported)');
    expect(inputError(() => toPoints('x', [[0], [-Infinity]]))).toBe('x[1] is -Infinity: inputs must be finite (the first non-finite value is reported)');
    expect(inputError(() => toPoints('x', [0, 0, 1e39, 0], 2))).toBe('x[1][0] (flat index 2) is 1e+39, which overflows float32 (|x| > 3.4e38); the GPU works in float32');
    expect(inputError(() => checkFinite('v', [1, NaN]))).toBe('v[1] is NaN: inputs must be finite (the first non-finite value is reported)');
  });
});

describe('weights', () => {
  it('normalises to a probability vector', () => {
    expect(Array.from(toWeights('a', [1, 3], 2))).toEqual([0.25, 0.75]);
  });

  it('reports bad weights', () => {
    expect(inputError(() => toWeights('a', [1, 2, 3], 2))).toBe('a has 3 weights but there are 2 points');
    expect(inputError(() => toWeights('a', [1, -1], 2))).toBe('a[1] is -1: weights must be non-negative');
    expect(inputError(() => toWeights('a', [NaN, 1], 2))).toBe('a[0] is NaN: weights must be finite');
    expect(inputError(() => toWeights('a', [0, 0], 2))).toBe('a sum to 0: at least one weight must be positive');
    expect(inputError(() => toWeights('a', 'w', 2))).toBe("a must be a Float32Array or number[], got 'w'");
  });
});

describe('device limits', () => {
  // SwiftShader's limits: 1 GiB binding, 1 GiB buffer (DESIGN.md); a typical default of 128 MiB.
  const swiftshader = { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 30 };
  const small = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };

  it('accepts what fits', () => {
    expect(() => checkBindingSize('x', 2 ** 30, swiftshader)).not.toThrow();
  });

  it('refuses sizes beyond one storage binding, naming the limit', () => {
    expect(inputError(() => checkBindingSize('x', 2 ** 30 + 4, swiftshader))).toBe(
      "x needs 1073741828 bytes (1 GiB) in one storage buffer, over this device's maxStorageBufferBindingSize of 1073741824 bytes (1 GiB) (at most 268435456 elements of 4 bytes): use fewer points or split the input",
    );
    expect(inputError(() => checkBindingSize('x', 200 * 2 ** 20, small))).toBe(
      "x needs 209715200 bytes (200 MiB) in one storage buffer, over this device's maxStorageBufferBindingSize of 134217728 bytes (128 MiB) (at most 33554432 elements of 4 bytes): use fewer points or split the input",
    );
    expect(inputError(() => checkBindingSize('x', 300 * 2 ** 20, { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 256 * 2 ** 20 }))).toBe(
      "x needs 314572800 bytes (300 MiB) in one storage buffer, over this device's maxBufferSize of 268435456 bytes (256 MiB) (at most 67108864 elements of 4 bytes): use fewer points or split the input",
    );
    // Points: the message says how many points and dimensions were asked for.
    const pts = { data: new Float32Array(12), n: 4, d: 3 };
    expect(inputError(() => checkPointsFit('x', pts, { maxStorageBufferBindingSize: 32, maxBufferSize: 64 }))).toBe(
      "x (4 points × 3 dims) needs 48 bytes in one storage buffer, over this device's maxStorageBufferBindingSize of 32 bytes (at most 8 elements of 4 bytes): use fewer points or split the input",
    );
  });
});

describe('run helpers', () => {
  it('throwIfAborted and abortable reject with CancelledError naming the operation', async () => {
    const ac = new AbortController();
    expect(() => throwIfAborted(ac.signal, 'sinkhorn')).not.toThrow();
    const never = new Promise<number>(() => undefined);
    const p = abortable(never, ac.signal, 'sinkhorn');
    ac.abort();
    await expect(p).rejects.toThrow(CancelledError);
    await expect(abortable(Promise.resolve(1), ac.signal, 'train')).rejects.toThrow('train cancelled');
    expect(() => throwIfAborted(ac.signal, 'sinkhorn')).toThrow('sinkhorn cancelled');
    expect(await abortable(Promise.resolve(2), new AbortController().signal)).toBe(2);
    await expect(abortable(Promise.reject(new Error('boom')), new AbortController().signal)).rejects.toThrow('boom');
  });

  it('reportProgress forwards events', () => {
    const seen: ProgressEvent[] = [];
    reportProgress({ onProgress: (e) => seen.push(e) }, { stage: 'x', done: 1, total: 2 });
    reportProgress(undefined, { stage: 'x', done: 2 });
    expect(seen).toEqual([{ stage: 'x', done: 1, total: 2 }]);
  });
});
