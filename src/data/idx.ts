/**
 * The IDX file format of MNIST and Fashion-MNIST (LeCun et al.), optionally gzip'd: two zero bytes,
 * a type code (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64), the number of dimensions,
 * each dimension as a big-endian u32, then the values big-endian in row-major order. Pure functions
 * (the browser and Node alike: gzip through the standard DecompressionStream).
 */
import { InputError } from '../gpu/errors.js';

export type IdxType = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';
const TYPES: Record<number, { type: IdxType; bytes: number }> = {
  0x08: { type: 'u8', bytes: 1 },
  0x09: { type: 'i8', bytes: 1 },
  0x0b: { type: 'i16', bytes: 2 },
  0x0c: { type: 'i32', bytes: 4 },
  0x0d: { type: 'f32', bytes: 4 },
  0x0e: { type: 'f64', bytes: 8 },
};

export interface IdxArray {
  type: IdxType;
  /** Sizes of the dimensions, outermost first (e.g. [60000, 28, 28]). */
  dims: number[];
  /** The values in row-major order: the bytes for 'u8', converted to float64 otherwise. */
  data: Uint8Array | Float64Array;
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompress gzip bytes with the platform's DecompressionStream; `source` names the input in errors. */
export async function gunzip(bytes: Uint8Array, source = 'input'): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new InputError(`${source}: not a valid gzip file (${(e as Error).message})`);
  }
}

/** Parse IDX bytes (not compressed). InputError naming `source` and the problem for bad files. */
export function parseIdx(bytes: Uint8Array, source = 'IDX file'): IdxArray {
  if (bytes.length < 4) throw new InputError(`${source}: ${bytes.length} bytes, too short for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new InputError(`${source}: not an IDX file (the first two bytes must be 0)`);
  const t = TYPES[bytes[2]!];
  if (!t) throw new InputError(`${source}: unknown IDX type code 0x${bytes[2]!.toString(16)}`);
  const nd = bytes[3]!;
  if (nd < 1) throw new InputError(`${source}: IDX file with 0 dimensions`);
  const header = 4 + 4 * nd;
  if (bytes.length < header) throw new InputError(`${source}: truncated header (${nd} dimensions need ${header} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: nd }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const need = header + count * t.bytes;
  if (bytes.length !== need) throw new InputError(`${source}: ${bytes.length} bytes, the header (${dims.join('×')} ${t.type}) needs ${need}`);
  if (t.type === 'u8') return { type: 'u8', dims, data: bytes.subarray(header, need) };
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const o = header + i * t.bytes;
    data[i] = t.type === 'i8' ? view.getInt8(o) : t.type === 'i16' ? view.getInt16(o, false) : t.type === 'i32' ? view.getInt32(o, false) : t.type === 'f32' ? view.getFloat32(o, false) : view.getFloat64(o, false);
  }
  return { type: t.type, dims, data };
}

/** Parse IDX bytes that may be gzip'd. */
export async function readIdx(bytes: Uint8Array, source = 'IDX file'): Promise<IdxArray> {
  return parseIdx(isGzip(bytes) ? await gunzip(bytes, source) : bytes, source);
}
