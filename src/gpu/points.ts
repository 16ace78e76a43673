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
 * Points on the GPU as the engine's internals pass them (a dataset, particles): n × dim floats,
 * row-major in `buffer`. The same thing as `PointCloud<GPUBuffer>` with older field names.
 */
export interface GpuPoints {
  buffer: GPUBuffer;
  n: number;
  dim: number;
}

/** A GPU point set as the public PointCloud (no copy). */
export function gpuCloud(p: GpuPoints): PointCloud<GPUBuffer> {
  return { data: p.buffer, n: p.n, d: p.dim };
}
