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

  /** Byte stride of this struct in a WGSL storage array (4-byte scalars only: 4 per field, no padding). */
  get arrayStride(): number {
    return this.fields.length * 4;
  }

  /** Pack a list of blocks as a WGSL `array<Struct>` in a storage buffer (stride `arrayStride`). */
  packArray(list: readonly Partial<Record<F, number>>[]): ArrayBuffer {
    const out = new ArrayBuffer(Math.max(16, list.length * this.arrayStride));
    const block = new ArrayBuffer(this.byteSize);
    list.forEach((values, i) => {
      new Uint8Array(block).fill(0);
      this.pack(values, block);
      new Uint8Array(out, i * this.arrayStride, this.arrayStride).set(new Uint8Array(block, 0, this.arrayStride));
    });
    return out;
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
