/** Points on the GPU: n × dim floats, row-major. */
export interface GpuPoints {
  buffer: GPUBuffer;
  n: number;
  dim: number;
}
