/**
 * Uniform parameter blocks with one source of truth: a TypeScript field list generates both the
 * WGSL struct declaration (prepended to the shader) and the packing code. Only 4-byte scalars, so
 * offsets are simply 4·index and no padding is ever written by hand.
 */
export type ScalarType = 'u32' | 'i32' | 'f32';

export class ParamsLayout<F extends string> {
  readonly byteSize: number;
  readonly wgsl: string;
  private readonly fields: readonly (readonly [F, ScalarType])[];

  constructor(
    readonly structName: string,
    fields: Record<F, ScalarType>,
  ) {
    this.fields = Object.entries(fields) as [F, ScalarType][];
    // Uniform buffers bind in 16-byte units.
    this.byteSize = Math.max(16, Math.ceil((this.fields.length * 4) / 16) * 16);
    this.wgsl = `struct ${structName} {\n${this.fields.map(([n, t]) => `  ${n}: ${t},`).join('\n')}\n}`;
  }

  /** Pack values into `out` (or a new buffer). Missing fields are zero. */
  pack(values: Partial<Record<F, number>>, out: ArrayBuffer = new ArrayBuffer(this.byteSize)): ArrayBuffer {
    const view = new DataView(out);
    this.fields.forEach(([name, type], i) => {
      const v = values[name] ?? 0;
      if (type === 'f32') view.setFloat32(i * 4, v, true);
      else if (type === 'u32') view.setUint32(i * 4, v >>> 0, true);
      else view.setInt32(i * 4, v | 0, true);
    });
    return out;
  }
}
