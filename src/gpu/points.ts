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
 * A PointCloud as the transport methods take it: the points on the CPU or the GPU, `n` optional for a
 * Float32Array (data.length / d; required for a GPUBuffer), and optional `weights` (length n,
 * non-negative, not all zero, any total: they are normalised; default uniform).
 */
export type WeightedPointCloud = Omit<PointCloud<Float32Array | GPUBuffer>, 'n'> & { readonly n?: number; readonly weights?: ArrayLike<number> };
