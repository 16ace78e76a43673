/**
 * The training checkpoint file format (version 2):
 *
 *   bytes 0..3   "WFCK" (magic, u32 little-endian 0x4b434657)
 *   bytes 4..7   version (u32, 2)
 *   bytes 8..11  header length H (u32, a multiple of 4)
 *   12..12+H     the JSON header, padded with spaces
 *   then         the f32 buffers the header lists (params, Adam m and v, EMA, optionally the
 *                spectral-normalisation state), `sizes[i]` floats each, little-endian
 *   last 4 bytes CRC-32 (IEEE 802.3, the zlib polynomial) of every byte before it
 *
 * Reading checks, in order: magic, version, header bounds and JSON, the header's fields, that the
 * buffer sizes are exactly what the network spec's layout needs (no more, no fewer), the exact file
 * length, the checksum, and that every float is finite. Version 1 files (no checksum) are still read,
 * with `verified: false` so that callers warn: their contents cannot be checked for corruption.
 * Readers that only need the weights (the CLI's sample and lipschitz) import this file, not the
 * trainer.
 */
import { crc32 } from '../data/crc32.js';
import { InputError } from '../gpu/errors.js';
import { spectralState } from '../kernels/spectral_norm.js';
import { mlpLayout, type MlpSpec } from '../model/layout.js';
import type { ForwardProcess, ProcessSpec } from '../processes/process.js';

export const CHECKPOINT_MAGIC = 0x4b434657; // "WFCK" little-endian
/** The version written. Version 1 (the same layout without the CRC-32 trailer) is still read. */
export const CHECKPOINT_VERSION = 2;

/** The buffers a checkpoint may hold, in this order (sn_uv only with spectral normalisation). */
export const CHECKPOINT_BUFFERS = ['params', 'adam_m', 'adam_v', 'ema', 'sn_uv'] as const;

/** The JSON header of a checkpoint (followed by the buffers it lists as f32, `sizes[i]` floats each). */
export interface CheckpointHeader {
  format: 'wasserflow-mlp-checkpoint';
  version: number;
  spec: MlpSpec;
  step: number;
  /** Floats of each network-sized buffer (the layout's size). */
  floats: number;
  buffers: string[];
  /** Floats of each buffer (all `floats` when absent: version 1 files without spectral state). */
  sizes?: number[];
  /** The process's label, and its description for makeProcess (to rebuild it when sampling). */
  process: string;
  processSpec: ProcessSpec;
  /** The training configuration (the trainer's options as given, plus the resolved `ema` decay). */
  config: Record<string, unknown>;
}

/** A parsed checkpoint. `verified` is false for version 1 files, which carry no checksum. */
export interface ParsedCheckpoint {
  header: CheckpointHeader;
  buffers: Float32Array[];
  verified: boolean;
}

/** A makeProcess description of a process instance (its kind and the numeric parameters it has). */
export function processSpecOf(p: ForwardProcess): ProcessSpec {
  const spec: ProcessSpec = { kind: p.kind };
  const o = p as unknown as Record<string, unknown>;
  for (const k of ['betaMin', 'betaMax', 'T', 's', 'steps', 'betaStart', 'betaEnd', 'sigmaMin', 'sigmaMax'] as const) {
    if (typeof o[k] === 'number') (spec as unknown as Record<string, number>)[k] = o[k];
  }
  return spec;
}

export { crc32 };

/** The checkpoint bytes (version 2): "WFCK", version, header length, padded JSON header, the f32 buffers, CRC-32. */
export function encodeCheckpoint(header: CheckpointHeader, arrays: Float32Array[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify({ ...header, version: CHECKPOINT_VERSION, sizes: arrays.map((a) => a.length) }));
  const hlen = Math.ceil(json.length / 4) * 4;
  const total = arrays.reduce((a, b) => a + b.length, 0);
  const out = new Uint8Array(12 + hlen + 4 * total + 4);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, CHECKPOINT_MAGIC, true);
  dv.setUint32(4, CHECKPOINT_VERSION, true);
  dv.setUint32(8, hlen, true);
  out.fill(0x20, 12, 12 + hlen);
  out.set(json, 12);
  let at = 12 + hlen;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) dv.setFloat32(at + 4 * i, a[i]!, true);
    at += 4 * a.length;
  }
  dv.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/**
 * Split checkpoint bytes into the header and its f32 buffers. Every defect is an InputError that
 * says what is wrong (truncated, corrupted, inconsistent header, non-finite weights); `name` (a file
 * name) prefixes the messages.
 */
export function parseCheckpoint(bytes: Uint8Array, name = 'checkpoint'): ParsedCheckpoint {
  const fail = (msg: string): never => {
    throw new InputError(`${name}: ${msg}`);
  };
  if (bytes.byteLength < 12) fail(`too short (${bytes.byteLength} bytes): not a wasserflow checkpoint, or truncated`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== CHECKPOINT_MAGIC) fail('bad magic (not a wasserflow checkpoint)');
  const version = dv.getUint32(4, true);
  if (version !== 1 && version !== CHECKPOINT_VERSION) fail(`format version ${version}, this build reads versions 1 and ${CHECKPOINT_VERSION}`);
  const hlen = dv.getUint32(8, true);
  if (hlen % 4 !== 0) fail(`header length ${hlen} is not a multiple of 4 (corrupted)`);
  if (12 + hlen > bytes.byteLength) fail(`header (${hlen} bytes) runs past the end of the file (${bytes.byteLength} bytes): truncated or corrupted`);
  // Check the trailer before trusting the header's JSON, so a flipped byte anywhere reads as corruption.
  const trailer = version >= 2 ? 4 : 0;
  if (trailer && bytes.byteLength >= 12 + hlen + 4) {
    const body = bytes.byteLength - 4;
    if (crc32(bytes.subarray(0, body)) !== dv.getUint32(body, true)) {
      fail('checksum mismatch: the file is corrupted or truncated (CRC-32 of its contents differs from the one stored at the end)');
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + hlen)));
  } catch {
    fail('header is not valid JSON (corrupted)');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('header is not a JSON object');
  const header = raw as CheckpointHeader;
  if (header.format !== 'wasserflow-mlp-checkpoint') fail(`unknown format '${String(header.format)}'`);
  if (!isCount(header.step)) fail(`header step must be a non-negative integer, got ${JSON.stringify(header.step)}`);
  if (typeof header.spec !== 'object' || header.spec === null) fail('header has no network spec');
  let layoutSize = 0;
  let snSize = 0;
  try {
    const layout = mlpLayout(header.spec);
    layoutSize = layout.size;
    snSize = spectralState(layout, 0).state.length;
  } catch (e) {
    fail(`header's network spec is invalid: ${(e as Error).message}`);
  }
  if (header.floats !== layoutSize) fail(`header says ${JSON.stringify(header.floats)} floats per buffer, its network spec needs ${layoutSize}`);
  const names = header.buffers;
  if (!Array.isArray(names) || names.length < 1 || names.some((b) => typeof b !== 'string')) fail('header buffers must be a non-empty list of names');
  // A training checkpoint holds all of params, adam_m, adam_v, ema (+ sn_uv); a weights-only file holds params alone.
  const full = [...CHECKPOINT_BUFFERS.slice(0, 4), ...(names.length === 5 ? ['sn_uv'] : [])];
  const expected = names.length === 1 ? ['params'] : full;
  if (names.length !== expected.length || names.some((b, i) => b !== expected[i])) {
    fail(`header lists buffers [${names.join(', ')}], expected [params] or [${CHECKPOINT_BUFFERS.slice(0, 4).join(', ')}] (+ sn_uv)`);
  }
  const sizes = header.sizes ?? names.map(() => header.floats);
  if (!Array.isArray(sizes) || sizes.length !== names.length || !sizes.every(isCount)) fail('header sizes must list one float count per buffer');
  sizes.forEach((n, i) => {
    const need = names[i] === 'sn_uv' ? snSize : layoutSize;
    if (n !== need) fail(`buffer '${names[i]}' is declared with ${n} floats, the network spec's layout needs exactly ${need}`);
  });
  const total = sizes.reduce((a, b) => a + b, 0);
  const length = 12 + hlen + 4 * total + trailer;
  if (bytes.byteLength !== length) {
    fail(`expected exactly ${length} bytes for this header, the file has ${bytes.byteLength} (${bytes.byteLength < length ? 'truncated' : 'extra bytes at the end'})`);
  }
  let at = 12 + hlen;
  const buffers = sizes.map((n, b) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = dv.getFloat32(at + 4 * i, true);
      if (!Number.isFinite(v)) fail(`buffer '${names[b]}' holds a non-finite value (${v}) at float ${i}: the run diverged, or the file is corrupted`);
      a[i] = v;
    }
    at += 4 * n;
    return a;
  });
  return { header, buffers, verified: version >= 2 };
}

/**
 * The weights a sampler or estimator uses: `params`, or with `ema` the EMA weights, which exist only
 * when the run trained with an EMA decay (otherwise the 'ema' buffer is the untouched initial
 * network, and using it would be silently wrong: refused).
 */
export function checkpointWeights(ck: ParsedCheckpoint, ema = false, name = 'checkpoint'): Float32Array {
  if (ema) {
    const decay = ck.header.config?.ema;
    if (!(typeof decay === 'number' && decay > 0)) {
      throw new InputError(`${name}: --ema asks for EMA weights, but this run was trained without EMA (ema decay ${JSON.stringify(decay ?? 0)}): its 'ema' buffer holds the initial weights. Drop --ema, or train with --ema D`);
    }
  }
  const which = ck.header.buffers.indexOf(ema ? 'ema' : 'params');
  if (which < 0) throw new InputError(`${name}: has no '${ema ? 'ema' : 'params'}' buffer`);
  return ck.buffers[which]!;
}
