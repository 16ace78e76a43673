/**
 * Datasets for training, drawn on the GPU from the seeded RNG (shaders/dataset_gen.wgsl), or loaded
 * from CSV. Every Gaussian-mixture dataset also exposes its exact description {weights, means,
 * covs} (src/scores/mixture.ts takes it as is) for exact scores, marginals and W2 oracles.
 *
 * | name          | dim | distribution (n default)                                                          |
 * |---------------|-----|------------------------------------------------------------------------------------|
 * | cluster1d     | 1   | N(0, 0.1) (variance 0.1, as the paper's 2-D cluster per coordinate) (5000)         |
 * | clusters2-1d  | 1   | ½ N(-0.5, 0.0125²) + ½ N(0.5, 0.0125²) (the 4-cluster spread in 1-D) (4000)         |
 * | cluster2d     | 2   | N(0, 0.1·I) clamped to [-1, 1]² (paper; the clamp moves ~0.3% of points) (5000)     |
 * | clusters4     | 2   | ¼ Σ N((±0.5, ±0.5), 0.0125²·I) (paper: 1000 points each) (4000)                       |
 * | 8gaussians    | 2   | ⅛ Σ N(2(cos kπ/4, sin kπ/4), 0.1²·I) (5000)                                          |
 * | moons         | 2   | sklearn make_moons(n, noise 0.1) / 2 (paper) (5000)                                  |
 * | swissroll     | 2   | s = 1.5π(1+2u): (s cos s, s sin s) + N(0, 0.5²·I), times 0.1 (5000)                  |
 * | checkerboard  | 2   | uniform on the 8 black cells of a 4×4 board on [-1, 1]² (5000)                       |
 */
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { COMPONENT_FLOATS, DatasetGenKernel, type DatasetGenJob } from '../kernels/dataset_gen.js';
import { choleskyLower } from '../linalg/spd.js';
import { prepareMixture, type MixtureDescription } from '../scores/mixture.js';
import { drawMixture, mixtureSampleStride } from '../kernels/mixture_sample.js';
import type { PointCloud } from '../gpu/points.js';

export type DatasetName = 'cluster1d' | 'clusters2-1d' | 'cluster2d' | 'clusters4' | '8gaussians' | 'moons' | 'swissroll' | 'checkerboard';
export const DATASETS: readonly DatasetName[] = ['cluster1d', 'clusters2-1d', 'cluster2d', 'clusters4', '8gaussians', 'moons', 'swissroll', 'checkerboard'];

const iso = (d: number, v: number) => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? v : 0)));

/** The exact mixture of a toy dataset (undefined for moons, swiss roll, checkerboard). */
export function datasetMixture(name: DatasetName): MixtureDescription | undefined {
  switch (name) {
    case 'cluster1d':
      return { weights: [1], means: [[0]], covs: [[[0.1]]] };
    case 'clusters2-1d':
      return { weights: [0.5, 0.5], means: [[-0.5], [0.5]], covs: [iso(1, 0.0125 ** 2), iso(1, 0.0125 ** 2)] };
    case 'cluster2d':
      return { weights: [1], means: [[0, 0]], covs: [iso(2, 0.1)] };
    case 'clusters4': {
      const means = [[-0.5, -0.5], [-0.5, 0.5], [0.5, -0.5], [0.5, 0.5]];
      return { weights: [0.25, 0.25, 0.25, 0.25], means, covs: means.map(() => iso(2, 0.0125 ** 2)) };
    }
    case '8gaussians': {
      const means = Array.from({ length: 8 }, (_, k) => [2 * Math.cos((k * Math.PI) / 4), 2 * Math.sin((k * Math.PI) / 4)]);
      return { weights: means.map(() => 1 / 8), means, covs: means.map(() => iso(2, 0.01)) };
    }
    default:
      return undefined;
  }
}

export const DATASET_DIM: Record<DatasetName, number> = { cluster1d: 1, 'clusters2-1d': 1, cluster2d: 2, clusters4: 2, '8gaussians': 2, moons: 2, swissroll: 2, checkerboard: 2 };
const DEFAULT_N: Record<DatasetName, number> = { cluster1d: 5000, 'clusters2-1d': 4000, cluster2d: 5000, clusters4: 4000, '8gaussians': 5000, moons: 5000, swissroll: 5000, checkerboard: 5000 };

/** Lower Cholesky factor of an SPD matrix (float64). */
export function cholesky(a: readonly (readonly number[])[]): number[][] {
  const n = a.length;
  const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
      if (i === j) {
        if (!(s > 0)) throw new InputError('mixture covariance is not positive definite');
        L[i]![i] = Math.sqrt(s);
      } else L[i]![j] = s / L[j]![j]!;
    }
  }
  return L;
}

/** Pack a mixture (d <= 4, <= 16 components) as the dataset kernel's components. */
export function packComponents(m: MixtureDescription): Float32Array {
  const K = m.weights.length;
  if (K < 1 || K > 16) throw new InputError(`dataset mixture: 1..16 components, got ${K}`);
  const d = m.means[0]!.length;
  if (d > 4) throw new InputError(`dataset mixture: dimension <= 4, got ${d}`);
  const total = m.weights.reduce((a, b) => a + b, 0);
  const out = new Float32Array(K * COMPONENT_FLOATS);
  let cum = 0;
  for (let k = 0; k < K; k++) {
    const o = k * COMPONENT_FLOATS;
    m.means[k]!.forEach((v, i) => (out[o + i] = v));
    const L = cholesky(m.covs[k]!);
    for (let j = 0; j < d; j++) for (let i = 0; i < d; i++) out[o + 4 * (j + 1) + i] = L[i]![j]!;
    cum += m.weights[k]! / total;
    out[o + 20] = k === K - 1 ? 2 : cum; // the last threshold is never compared
  }
  return out;
}

/** A dataset on the GPU: the PointCloud of its points (a storage buffer) and what it was drawn from. Destroy it when done. */
export interface Dataset extends PointCloud<GPUBuffer> {
  name: string;
  /** Exact description when the data is a Gaussian mixture (before any clamp; see `exact`). */
  mixture?: MixtureDescription;
  /** True when `mixture` describes the data exactly (false for the clamped 2-D cluster). */
  exact: boolean;
  destroy(): void;
}

/** Draw `name` on the GPU (n points, seed). */
export async function makeDataset(ctx: GpuContext, name: DatasetName, opts: { n?: number; seed?: number | bigint } = {}): Promise<Dataset> {
  if (!DATASETS.includes(name)) throw new InputError(`unknown dataset '${name}' (${DATASETS.join(', ')}, or a .csv file)`);
  const n = opts.n ?? DEFAULT_N[name];
  if (!Number.isInteger(n) || n < 1 || n > 1 << 26) throw new InputError(`dataset size must be an integer in [1, 2^26], got ${n}`);
  const dim = DATASET_DIM[name];
  const seed = opts.seed ?? 0;
  const mixture = datasetMixture(name);
  const job: DatasetGenJob =
    mixture !== undefined
      ? { kind: 'mixture', n, dim, seed, components: packComponents(mixture), clip: name === 'cluster2d' ? 1 : 0 }
      : name === 'moons'
        ? { kind: 'moons', n, dim, seed, noise: 0.1, scale: 0.5 }
        : name === 'swissroll'
          ? { kind: 'swissroll', n, dim, seed, noise: 0.5, scale: 0.1 }
          : { kind: 'checkerboard', n, dim, seed, scale: 0.5 };
  const gen = await DatasetGenKernel.create(ctx);
  const buffer = await gen.run(job);
  return { name, data: buffer, n, d: dim, ...(mixture ? { mixture } : {}), exact: mixture !== undefined && name !== 'cluster2d', destroy: () => ctx.destroyBuffer(buffer) };
}

/**
 * n points of any Gaussian mixture (any dimension up to MIXTURE_MAX_DIM), drawn on the GPU from the
 * seeded RNG (shaders/mixture_sample.wgsl): component by cumulative weight, then μ_k + L_k z with the
 * Cholesky factor L_k computed on the host in float64. The description is validated first.
 */
export async function makeMixtureDataset(ctx: GpuContext, mixture: MixtureDescription, opts: { n?: number; seed?: number | bigint; name?: string } = {}): Promise<Dataset> {
  const prepared = prepareMixture(mixture);
  const n = opts.n ?? 5000;
  if (!Number.isInteger(n) || n < 1 || n > 1 << 26) throw new InputError(`dataset size must be an integer in [1, 2^26], got ${n}`);
  const d = prepared.dim;
  const stride = mixtureSampleStride(d);
  const live = mixture.weights.flatMap((w, k) => (w > 0 ? [k] : []));
  const total = live.reduce((s, k) => s + mixture.weights[k]!, 0);
  const packed = new Float32Array(live.length * stride);
  let cum = 0;
  live.forEach((k, slot) => {
    const o = slot * stride;
    cum += mixture.weights[k]! / total;
    packed[o] = slot === live.length - 1 ? 2 : cum; // the last threshold is never compared
    mixture.means[k]!.forEach((v, i) => (packed[o + 1 + i] = v));
    // prepareMixture validated Σ_k (a Cholesky factor exists); factor the symmetrised copy (float64, d³/3).
    const L = choleskyLower(prepared.covariances.subarray(slot * d * d, (slot + 1) * d * d), d).l!;
    packed.set(L, o + 1 + d);
  });
  const buffer = await drawMixture(ctx, packed, d, n, opts.seed ?? 0);
  return { name: opts.name ?? 'mixture', data: buffer, n, d, mixture, exact: true, destroy: () => ctx.destroyBuffer(buffer) };
}

/** Upload points (n × dim row-major) as a dataset. */
export function uploadPoints(ctx: GpuContext, name: string, points: Float32Array, dim: number): Dataset {
  const n = points.length / dim;
  if (!Number.isInteger(n) || n < 1) throw new InputError(`points: length ${points.length} is not a positive multiple of dim ${dim}`);
  for (let i = 0; i < points.length; i++) if (!Number.isFinite(points[i]!)) throw new InputError(`points: value ${i} is not finite`);
  const limit = ctx.device.limits.maxStorageBufferBindingSize;
  if (points.length * 4 > limit) throw new InputError(`${name}: ${n} points × ${dim} floats need ${points.length * 4} bytes, over this device's storage binding limit (maxStorageBufferBindingSize = ${limit} bytes)`);
  const buffer = ctx.storage(`dataset:${name}`, points);
  return { name, data: buffer, n, d: dim, exact: false, destroy: () => ctx.destroyBuffer(buffer) };
}
