/**
 * The inputs of a solve: validated, centred (W2² and OT_ε split exactly into |m_X - m_Y|² plus the
 * centred problem, which keeps the f32 potentials small for clouds far apart), ordered by a k-d tree
 * when far pairs are truncated, and uploaded with their log-weights.
 */
import type { GpuContext } from '../../gpu/context.js';
import { InputError } from '../../gpu/errors.js';
import { asF32, hostPoints, sameDim, toCloud, type Cloud, type CloudLike, type HostPoints } from '../input.js';
import { spatialOrder } from '../truncation.js';
import { TRUNCATE_MIN_PAIRS, TRUNCATE_TAU, type ResolvedSinkhorn } from './options.js';
import type { Layout } from './tables.js';

/** One problem of the batch after preparation. */
export interface Prepared {
  x: Cloud;
  y: Cloud;
  /** Host points as given (undefined for a GPU cloud that was not read back). */
  hx: HostPoints | undefined;
  hy: HostPoints | undefined;
  /** Weighted means and their difference m_X - m_Y (zero when not centred). */
  mx: Float64Array;
  my: Float64Array;
  shift: Float64Array;
  /** Diameter in units of the scale. */
  diameter: number;
  /** The centred clouds divided by the scale (host), when centred. */
  centred: { cx: Float32Array; cy: Float32Array } | undefined;
  /** k-d tree orders (sorted position → caller's index), when truncating. */
  orderX: Uint32Array | undefined;
  orderY: Uint32Array | undefined;
}

export interface PreparedBatch {
  problems: Prepared[];
  /** Diameter of the data for the first ε, in units of `scale` (the largest of the batch, floored). */
  diameter: number;
  /** The unit of length of the solve: the points on the GPU are (p - mean)/scale. */
  scale: number;
  /** τ of the truncation of far pairs, or undefined when it is off. */
  tau: number | undefined;
  /** All points as uploaded (sorted), on the host, when truncating. */
  ptsHost: Float32Array | undefined;
  /** log-weights as uploaded. */
  logw: Float32Array;
}

/** GPU buffers the inputs go to. */
export interface InputBuffers {
  pts: GPUBuffer;
  logw: GPUBuffer;
}

/**
 * Validate, centre and upload the problems. Host copies are needed for the diameter and for the
 * coarse start (a readback of n·d floats, small next to the solve); with `multiscale: false` and a
 * diameter, GPU clouds stay on the GPU and are copied there by `enc` (no centring then).
 */
export async function prepare(
  ctx: GpuContext,
  layouts: readonly Layout[],
  total: number,
  d: number,
  input: readonly { x: CloudLike; y: CloudLike }[],
  o: ResolvedSinkhorn,
  buffers: InputBuffers,
  enc: GPUCommandEncoder,
): Promise<PreparedBatch> {
  const clouds = input.map((pr, p) => {
    const sfx = input.length > 1 ? `[${p}]` : '';
    const x = toCloud(`X${sfx}`, pr.x);
    const y = toCloud(`Y${sfx}`, pr.y);
    sameDim(x, y);
    if (x.d !== d) throw new InputError(`sinkhorn: points of dimension ${x.d} for a solver of dimension ${d}`);
    const l = layouts[p]!;
    if (x.n !== l.n || y.n !== l.m) throw new InputError(`sinkhorn: problem ${p} has sizes ${x.n}, ${y.n}; the solver was made for ${l.n}, ${l.m}`);
    return { x, y };
  });
  const needHost = o.diameter === undefined || o.multiscale;
  // Truncation of far pairs needs the points on the host (to sort them and bound the tiles).
  const pairsMax = Math.max(...layouts.map((l) => l.n * l.m));
  const tauAsked = o.truncate === false ? undefined : (o.truncate ?? (d <= 3 && pairsMax >= TRUNCATE_MIN_PAIRS ? TRUNCATE_TAU : undefined));
  const tau = tauAsked !== undefined && (needHost || clouds.every((c) => hostPoints(c.x) && hostPoints(c.y))) ? tauAsked : undefined;
  const ptsHost = tau !== undefined ? new Float32Array(total * d) : undefined;
  const logw = new Float32Array(total);
  // Host copies and centring first: the scale of the whole batch is known before anything is uploaded.
  const hosts = await Promise.all(
    clouds.map(async ({ x, y }) => {
      const hx = hostPoints(x) ?? (needHost ? await ctx.readF32(x.data as GPUBuffer, 0, x.n * d) : undefined);
      const hy = hostPoints(y) ?? (needHost ? await ctx.readF32(y.data as GPUBuffer, 0, y.n * d) : undefined);
      if (!hx || !hy) return { hx, hy, mx: new Float64Array(d), my: new Float64Array(d), natural: 0, diameter: o.diameter ?? 0 };
      const mx = weightedMean(hx, x.weights, d);
      const my = weightedMean(hy, y.weights, d);
      const natural = bboxDiagonal(centre(hx, mx, d), centre(hy, my, d), d);
      return { hx, hy, mx, my, natural, diameter: o.diameter ?? natural };
    }),
  );
  // Units of the data: host clouds are divided by the largest bounding-box diagonal of the batch, so
  // the solve sees a diameter of 1 whatever the scale of the data (1e-12 or 1e12: f32 squared
  // distances neither underflow nor overflow, and the ε floors are relative). Clouds that stay on
  // the GPU are used as they are (scale 1).
  const allHost = hosts.every((h) => h.hx && h.hy);
  const natural = Math.max(...hosts.map((h) => h.natural));
  const scale = allHost && natural > 0 && Number.isFinite(natural) ? natural : 1;
  const problems = clouds.map(({ x, y }, p): Prepared => {
    const l = layouts[p]!;
    const { hx, hy, mx, my } = hosts[p]!;
    let shift: Float64Array = new Float64Array(d);
    let centred: { cx: Float32Array; cy: Float32Array } | undefined;
    let orderX: Uint32Array | undefined;
    let orderY: Uint32Array | undefined;
    if (hx && hy) {
      shift = mx.map((v, c) => v - my[c]!);
      const cx = centre(hx, mx, d, scale);
      const cy = centre(hy, my, d, scale);
      centred = { cx, cy };
      if (ptsHost) {
        // Ordered by a k-d tree: every tile of consecutive points is a compact box.
        orderX = spatialOrder(cx, x.n, d);
        orderY = spatialOrder(cy, y.n, d);
        ptsHost.set(permute(cx, orderX, d), l.xs * d);
        ptsHost.set(permute(cy, orderY, d), l.ys * d);
        ctx.write(buffers.pts, ptsHost.subarray(l.xs * d, (l.xs + l.span) * d), l.xs * d * 4);
      } else {
        ctx.write(buffers.pts, cx, l.xs * d * 4);
        ctx.write(buffers.pts, cy, l.ys * d * 4);
      }
    } else {
      // At least one cloud is GPU-resident and a diameter was given: no readback, no centring
      // (shift 0). A host cloud of a mixed pair is written as it is.
      const place = (c: Cloud, h: HostPoints | undefined, at: number) => {
        if (h) ctx.write(buffers.pts, asF32(h), at * d * 4);
        else enc.copyBufferToBuffer(c.data as GPUBuffer, 0, buffers.pts, at * d * 4, c.n * d * 4);
      };
      place(x, hx, l.xs);
      place(y, hy, l.ys);
    }
    for (let i = 0; i < l.n; i++) logw[l.xs + i] = Math.log(x.weights[orderX ? orderX[i]! : i]!);
    for (let j = 0; j < l.m; j++) logw[l.ys + j] = Math.log(y.weights[orderY ? orderY[j]! : j]!);
    return { x, y, hx, hy, mx, my, shift, diameter: hosts[p]!.diameter / scale, centred, orderX, orderY };
  });
  ctx.write(buffers.logw, logw);
  // A zero diameter (e.g. one point against one point, after centring) would give ε = 0: floor it
  // (in units of the scale; only clouds that are single points at their means have it).
  const diameter = Math.max(...problems.map((q) => q.diameter), 1e-6);
  return { problems, diameter, scale, tau, ptsHost, logw };
}

function weightedMean(p: HostPoints, w: Float64Array, d: number): Float64Array {
  const m = new Float64Array(d);
  for (let i = 0; i < w.length; i++) for (let c = 0; c < d; c++) m[c] = m[c]! + w[i]! * p[i * d + c]!;
  return m;
}

/** (p - m)/scale row by row (in float64, rounded to f32 once). */
export function centre(p: HostPoints, m: Float64Array, d: number, scale = 1): Float32Array {
  const out = new Float32Array(p.length);
  for (let k = 0; k < p.length; k++) out[k] = (p[k]! - m[k % d]!) / scale;
  return out;
}

/** Diagonal of the bounding box of both clouds (n×d and m×d, host). */
export function bboxDiagonal(a: Float32Array, b: Float32Array, d: number): number {
  const lo = new Float64Array(d).fill(Infinity);
  const hi = new Float64Array(d).fill(-Infinity);
  for (const p of [a, b]) {
    for (let k = 0; k < p.length; k++) {
      const c = k % d;
      lo[c] = Math.min(lo[c]!, p[k]!);
      hi[c] = Math.max(hi[c]!, p[k]!);
    }
  }
  let s = 0;
  for (let c = 0; c < d; c++) s += (hi[c]! - lo[c]!) ** 2;
  return Math.sqrt(s);
}

function permute(src: Float32Array, order: Uint32Array, d: number): Float32Array {
  const out = new Float32Array(order.length * d);
  for (let k = 0; k < order.length; k++) for (let c = 0; c < d; c++) out[k * d + c] = src[order[k]! * d + c]!;
  return out;
}

/** The values of sorted position k put back at the caller's index order[k]. */
export function unsort(src: ArrayLike<number>, order: Uint32Array | undefined, width = 1): Float32Array {
  const out = new Float32Array(src.length);
  if (!order) {
    out.set(src);
    return out;
  }
  for (let k = 0; k < order.length; k++) for (let c = 0; c < width; c++) out[order[k]! * width + c] = src[k * width + c]!;
  return out;
}
