/**
 * The one point-cloud shape of the public API: `n` points of dimension `d`, row-major
 * (`data[i·d + c]`), on the CPU (a Float32Array) or on the GPU (a storage buffer of n·d f32 with
 * COPY_SRC usage). Engine methods take it (arrays of points are still accepted) and return it.
 */
export interface PointCloud<D extends Float32Array | GPUBuffer = Float32Array> {
  readonly data: D;
  readonly n: number;
  readonly d: number;
}

/**
 * A PointCloud as the transport methods take it: the points on the CPU (Float32Array or Float64Array)
 * or the GPU, `n` optional on the host (data.length / d; required for a GPUBuffer), and optional `weights` (length n,
 * non-negative, not all zero, any total: they are normalised; default uniform).
 */
export type WeightedPointCloud = Omit<PointCloud<Float32Array | GPUBuffer>, 'n' | 'data'> & {
  /**
   * The points: a Float32Array or a GPU buffer, or a Float64Array on the host, whose values the CPU
   * methods (exact, exact1d, sliced) use as they are and the GPU Sinkhorn centres in float64 before
   * rounding to f32 (data far from the origin, e.g. around 1e7, keep their differences).
   */
  readonly data: Float32Array | Float64Array | GPUBuffer;
  readonly n?: number;
  readonly weights?: ArrayLike<number>;
};
