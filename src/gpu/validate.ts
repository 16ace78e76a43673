/**
 * The one validator module: the engine's entry points (src/api/engine.ts) and the library's own
 * entries below it (network specs, processes, samplers, transport options, flows, the bound) check
 * their inputs with these. Every function throws InputError with a message that names the argument,
 * says what was expected and what was given (and for arrays, where the first bad value is), so an
 * app can show it to a user as is. It sits in src/gpu (beside InputError) so that every layer
 * above can use it; code validates before allocating anything on the GPU.
 */
import { InputError } from './errors.js';
import type { PointCloud } from './points.js';

/** Flat numeric data accepted at the boundary. */
export type NumericArray = Float32Array | Float64Array | Int32Array | Uint32Array | readonly number[];

/**
 * Points as given by a caller: a PointCloud `{ data, n?, d }` (data a Float32Array or number[]), a
 * flat array with `dim` numbers per point, or one array per point.
 */
export type PointsInput = NumericArray | readonly (readonly number[])[] | { readonly data: NumericArray; readonly n?: number; readonly d: number };

/**
 * A validated point cloud (the public PointCloud on the CPU).
 * @deprecated Use `PointCloud` (src/gpu/points.ts): the same `{ data, n, d }`.
 */
export type Points = PointCloud;

/** The device limits validation needs (a GPUDevice's `limits` or a GpuContext's `adapter.limits`). */
export interface BufferLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
}

/** Inclusive/exclusive bounds and integrality for a scalar hyper-parameter. */
export interface Range {
  min?: number;
  max?: number;
  /** Exclude `min` itself (e.g. a positive step size: `{ min: 0, minExclusive: true }`). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  integer?: boolean;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'bigint') return `${v}n`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return String(v);
}

function interval(r: Range): string {
  const lo = r.min === undefined ? '(-Infinity' : `${r.minExclusive ? '(' : '['}${r.min}`;
  const hi = r.max === undefined ? 'Infinity)' : `${r.max}${r.maxExclusive ? ')' : ']'}`;
  return `${lo}, ${hi}`;
}

/** A finite number (an integer if `range.integer`) within `range`. Returns it. */
export function checkNumber(name: string, value: unknown, range: Range = {}): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!range.integer || Number.isInteger(value)) &&
    (range.min === undefined || (range.minExclusive ? value > range.min : value >= range.min)) &&
    (range.max === undefined || (range.maxExclusive ? value < range.max : value <= range.max));
  if (ok) return value;
  // The message is built only on failure: hot host loops (a process's α(t) per grid time) call this.
  const kind = range.integer ? 'an integer' : 'a finite number';
  const where = range.min !== undefined || range.max !== undefined ? ` in ${interval(range)}` : '';
  throw new InputError(`${name} must be ${kind}${where}, got ${describe(value)}`);
}

/** A finite number > 0, optionally at most (or, with `maxExclusive`, below) `max`. Returns it. */
export function checkPositive(name: string, value: unknown, range: { max?: number; maxExclusive?: boolean } = {}): number {
  return checkNumber(name, value, { min: 0, minExclusive: true, ...range });
}

/** An integer in [min, max]. */
export function checkInteger(name: string, value: unknown, min = -Number.MAX_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  return checkNumber(name, value, { min, max, integer: true });
}

/** One of the allowed string values. */
export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InputError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

/** An RNG seed: an integer in [0, 2^53) or a bigint in [0, 2^64). */
export function checkSeed(name: string, value: unknown): number | bigint {
  // A seed that is required has no default: say so rather than "must be an integer, got undefined".
  if (value === undefined) throw new InputError(`${name} is required (there is no default): an integer in [0, ${Number.MAX_SAFE_INTEGER}], or a bigint below 2^64`);
  if (typeof value === 'bigint') {
    if (value < 0n || value >= 1n << 64n) throw new InputError(`${name} must be in [0, 2^64) as a bigint, got ${value}n`);
    return value;
  }
  return checkNumber(name, value, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true });
}

function isNumericArray(x: unknown): x is NumericArray {
  return (
    x instanceof Float32Array ||
    x instanceof Float64Array ||
    x instanceof Int32Array ||
    x instanceof Uint32Array ||
    (Array.isArray(x) && (x.length === 0 || typeof x[0] === 'number'))
  );
}

/**
 * Throws unless every value of `data` is finite, naming the first NaN or ±Infinity by index (and
 * by point and coordinate when `dim` is given). Also catches finite float64 values that overflow
 * float32 when `original` (the caller's data before conversion) is given.
 */
export function checkFinite(name: string, data: ArrayLike<number>, dim?: number, original?: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isFinite(v)) continue;
    const at = dim && dim > 1 ? `${name}[${Math.floor(i / dim)}][${i % dim}] (flat index ${i})` : `${name}[${i}]`;
    const o = original?.[i];
    if (o !== undefined && Number.isFinite(o)) {
      throw new InputError(`${at} is ${o}, which overflows float32 (|x| > 3.4e38); the GPU works in float32`);
    }
    throw new InputError(`${at} is ${v}: inputs must be finite (the first non-finite value is reported)`);
  }
}

/**
 * Validate and convert points to f32. A flat array needs `dim`; nested arrays give `dim` by their
 * row length (and must all have it). Checks: non-empty, rectangular, length a multiple of dim,
 * every coordinate finite in float32, and `dim` equal to `expectDim` when given.
 */
export function toPoints(name: string, input: unknown, dim?: number, expectDim?: number): PointCloud {
  if (isCloudObject(input)) {
    checkInteger(`${name}: d`, input.d, 1, 65536);
    if (dim !== undefined && dim !== input.d) throw new InputError(`${name} has d = ${input.d} but dim = ${dim}`);
    const pts = toPoints(name, input.data, input.d, expectDim);
    if (input.n !== undefined && input.n !== pts.n) throw new InputError(`${name}: n = ${input.n} but data holds ${pts.n} points of dimension ${input.d}`);
    return pts;
  }
  if (dim !== undefined) checkInteger(`${name}: dim`, dim, 1, 65536);
  let data: Float32Array;
  let original: ArrayLike<number>;
  let d: number;
  if (isNumericArray(input)) {
    if (input.length === 0) throw new InputError(`${name} is empty: at least one point is needed`);
    if (dim === undefined) {
      throw new InputError(`${name} is a flat array of ${input.length} numbers: give dim (numbers per point), or pass one array per point`);
    }
    if (input.length % dim !== 0) {
      throw new InputError(`${name} has ${input.length} numbers, not a multiple of dim = ${dim}`);
    }
    d = dim;
    data = input instanceof Float32Array ? input : Float32Array.from(input);
    original = input;
  } else if (Array.isArray(input)) {
    if (input.length === 0) throw new InputError(`${name} is empty: at least one point is needed`);
    const rows = input as unknown[];
    const first = rows[0];
    if (!Array.isArray(first) && !ArrayBuffer.isView(first)) {
      throw new InputError(`${name}[0] must be an array of coordinates, got ${describe(first)}`);
    }
    d = (first as ArrayLike<number>).length;
    if (d === 0) throw new InputError(`${name}[0] has no coordinates: points need at least one`);
    if (dim !== undefined && dim !== d) throw new InputError(`${name} rows have ${d} coordinates but dim = ${dim}`);
    data = new Float32Array(rows.length * d);
    const flat = new Float64Array(rows.length * d);
    rows.forEach((row, i) => {
      const r = row as ArrayLike<number> | undefined;
      if (!r || typeof r !== 'object' || r.length !== d) {
        throw new InputError(`${name}[${i}] has ${r && typeof r === 'object' ? r.length : describe(r)} coordinates, but ${name}[0] has ${d}: all points need the same dimension`);
      }
      for (let j = 0; j < d; j++) {
        const v = r[j];
        if (typeof v !== 'number') throw new InputError(`${name}[${i}][${j}] must be a number, got ${describe(v)}`);
        flat[i * d + j] = v;
      }
    });
    data.set(flat);
    original = flat;
  } else {
    throw new InputError(`${name} must be a Float32Array, a number[] with dim, or an array of points, got ${describe(input)}`);
  }
  if (expectDim !== undefined && d !== expectDim) {
    throw new InputError(`${name} has dimension ${d}, expected ${expectDim} to match the other input`);
  }
  checkFinite(name, data, d, original === data ? undefined : original);
  return { data, n: data.length / d, d };
}

function isCloudObject(x: unknown): x is { data: unknown; n?: number; d: number } {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x) && 'data' in x && 'd' in x;
}

/**
 * Validate weights (one per point): length `n`, finite, non-negative, a positive finite total.
 * Returns them normalised to sum 1 in float64 (uniform when `input` is undefined); the CPU solvers
 * use these, `toWeights` gives the f32 copy the GPU works with.
 */
export function normaliseWeights(name: string, input: unknown, n: number): Float64Array {
  const out = new Float64Array(n);
  if (input === undefined) return out.fill(1 / n);
  const w = input as ArrayLike<number>;
  if (!isNumericArray(input) && !(typeof input === 'object' && input !== null && typeof w.length === 'number')) {
    throw new InputError(`${name} must be a Float32Array or number[], got ${describe(input)}`);
  }
  if (w.length !== n) throw new InputError(`${name} has ${w.length} weights but there are ${n} points`);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = w[i]!;
    if (!Number.isFinite(v)) throw new InputError(`${name}[${i}] is ${v}: weights must be finite`);
    if (v < 0) throw new InputError(`${name}[${i}] is ${v}: weights must be non-negative`);
    total += v;
  }
  if (!(total > 0)) throw new InputError(`${name} sum to 0: at least one weight must be positive`);
  if (!Number.isFinite(total)) throw new InputError(`${name} sum to ${total}: rescale them`);
  for (let i = 0; i < n; i++) out[i] = w[i]! / total;
  return out;
}

/** `normaliseWeights` as the f32 probability vector the GPU works with. */
export function toWeights(name: string, input: unknown, n: number): Float32Array {
  if (input === undefined) throw new InputError(`${name} must be a Float32Array or number[], got undefined`);
  return Float32Array.from(normaliseWeights(name, input, n));
}

function bytes(n: number): string {
  const unit = (u: number, name: string) => `${n} bytes (${+(n / u).toFixed(2)} ${name})`;
  if (n >= 2 ** 30) return unit(2 ** 30, 'GiB');
  if (n >= 2 ** 20) return unit(2 ** 20, 'MiB');
  return `${n} bytes`;
}

/**
 * Refuse a buffer that one storage binding cannot hold: `byteSize` must fit both
 * maxStorageBufferBindingSize and maxBufferSize of the device. The message names the limit, the
 * sizes, and the largest element count that fits (`elementBytes` per element, 4 for f32).
 */
export function checkBindingSize(what: string, byteSize: number, limits: BufferLimits, elementBytes = 4): void {
  const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (byteSize <= limit) return;
  const name = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  const fits = Math.floor(limit / elementBytes);
  throw new InputError(
    `${what} needs ${bytes(byteSize)} in one storage buffer, over this device's ${name} of ${bytes(limit)} ` +
      `(at most ${fits} elements of ${elementBytes} bytes): use fewer points or split the input`,
  );
}

/** Points whose buffer must fit one storage binding: validates and checks the size. */
export function checkPointsFit(name: string, points: PointCloud, limits: BufferLimits): void {
  checkBindingSize(`${name} (${points.n} points × ${points.d} dims)`, points.data.byteLength, limits);
}

/** The AbortSignal option, if given, must be an AbortSignal (catches `{ signal: true }` mistakes). */
export function checkSignal(name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (typeof AbortSignal === 'undefined' || !(value instanceof AbortSignal)) {
    throw new InputError(`${name} must be an AbortSignal (from an AbortController), got ${describe(value)}`);
  }
  return value;
}
