/**
 * Point clouds at the transport API boundary: accepted shapes, validation with InputError, weights.
 */
import { InputError } from '../gpu/errors.js';
import { checkFinite, normaliseWeights } from '../gpu/validate.js';
import type { PointCloud, WeightedPointCloud } from '../gpu/points.js';

/** Largest number of points in one cloud (rows are indexed with u32 and dispatched 256 per workgroup). */
export const MAX_POINTS = 1 << 24;
/** Largest dimension (the CPU methods take any d up to this; the GPU Sinkhorn kernel has its own limit). */
export const MAX_DIM = 4096;

/** A cloud as a WeightedPointCloud (src/gpu/points.ts) or as an array of points (`[[x0, y0], [x1, y1], ...]`). */
export type CloudLike = WeightedPointCloud | readonly (readonly number[])[];

/** Points on the host: f32, or float64 (kept as given by the CPU methods, centred before rounding by the GPU Sinkhorn). */
export type HostPoints = Float32Array | Float64Array;

/** A validated cloud: the one PointCloud (points on the host or the GPU, `n` resolved) with its normalised weights. */
export interface Cloud extends Omit<PointCloud, 'data'> {
  readonly data: HostPoints | GPUBuffer;
  /** Normalised weights (float64), summing to 1. */
  weights: Float64Array;
  uniform: boolean;
  /** Some weight is exactly zero (only when toCloud was called with `zeroWeights: true`). */
  hasZero: boolean;
}

/** The cloud's points when they are on the host (n·d values), else undefined. */
export function hostPoints(c: Pick<Cloud, 'data'>): HostPoints | undefined {
  return c.data instanceof Float32Array || c.data instanceof Float64Array ? c.data : undefined;
}

/** Host points as f32 (the GPU's format): the array itself when it is one. */
export function asF32(p: HostPoints): Float32Array {
  return p instanceof Float32Array ? p : Float32Array.from(p);
}

function isGpuBuffer(x: unknown): x is GPUBuffer {
  return typeof x === 'object' && x !== null && !ArrayBuffer.isView(x) && typeof (x as GPUBuffer).mapAsync === 'function';
}

/**
 * Normalise and validate a cloud; `name` ('X', 'Y', ...) is used in error messages. Weights must be
 * positive unless `zeroWeights` (then non-negative, not all zero: the exact and sliced methods take
 * zero-weight points, the GPU Sinkhorn works in log-weights and does not).
 */
export function toCloud(name: string, c: CloudLike, opts: { zeroWeights?: boolean } = {}): Cloud {
  let host: HostPoints | undefined;
  let gpu: GPUBuffer | undefined;
  let n: number;
  let d: number;
  let weightsIn: ArrayLike<number> | undefined;
  if (Array.isArray(c)) {
    const rows = c as readonly (readonly number[])[];
    n = rows.length;
    if (n === 0) throw new InputError(`${name}: the point cloud is empty`);
    d = rows[0]!.length;
    // JavaScript numbers are float64: kept so (see HostPoints).
    host = new Float64Array(n * d);
    rows.forEach((r, i) => {
      if (r.length !== d) throw new InputError(`${name}: point ${i} has ${r.length} coordinates, point 0 has ${d}`);
      host!.set(r, i * d);
    });
  } else {
    const pc = c as WeightedPointCloud;
    d = pc.d;
    if (!Number.isInteger(d) || d < 1 || d > MAX_DIM) throw new InputError(`${name}: dimension d must be an integer in [1, ${MAX_DIM}], got ${d}`);
    weightsIn = pc.weights;
    if (isGpuBuffer(pc.data)) {
      gpu = pc.data;
      if (pc.n === undefined) throw new InputError(`${name}: n (number of points) is required for a GPU buffer`);
      n = pc.n;
      if (gpu.size < n * d * 4) throw new InputError(`${name}: GPU buffer has ${gpu.size} bytes, ${n}×${d} points need ${n * d * 4}`);
    } else if (pc.data instanceof Float32Array || pc.data instanceof Float64Array) {
      host = pc.data;
      if (host.length % d !== 0) throw new InputError(`${name}: ${host.length} values is not a multiple of d = ${d}`);
      n = pc.n ?? host.length / d;
      if (n * d > host.length) throw new InputError(`${name}: n = ${n} points of dimension ${d} need ${n * d} values, got ${host.length}`);
      host = host.subarray(0, n * d);
    } else {
      throw new InputError(`${name}: data must be a Float32Array, a Float64Array or a GPUBuffer`);
    }
  }
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${name}: the point cloud is empty`);
  if (n > MAX_POINTS) throw new InputError(`${name}: ${n} points is over the limit of ${MAX_POINTS}`);
  if (d > MAX_DIM) throw new InputError(`${name}: dimension ${d} is over the limit of ${MAX_DIM}`);
  if (host) checkFinite(name, host, d);
  let weights: Float64Array;
  let uniform = true;
  let hasZero = false;
  if (weightsIn) {
    weights = normaliseWeights(`${name} weights`, weightsIn, n);
    for (let i = 0; i < n; i++) {
      if (weights[i]! > 0) continue;
      if (!opts.zeroWeights) throw new InputError(`${name} weights: weight ${i} is 0; this method needs positive weights (drop the point, or use method 'exact' or 'sliced')`);
      hasZero = true;
    }
    uniform = weights.every((w) => w === weights[0]);
  } else weights = new Float64Array(n).fill(1 / n);
  return { data: (host ?? gpu)!, n, d, weights, uniform, hasZero };
}

/** Both clouds must share a dimension. */
export function sameDim(x: Cloud, y: Cloud, what = 'X and Y'): void {
  if (x.d !== y.d) throw new InputError(`${what} have different dimensions (${x.d} and ${y.d})`);
}

