/**
 * The training checkpoint file format: "WFCK" (little-endian magic), a version, the JSON header's
 * length, the header, then the f32 buffers it lists (params, Adam m and v, EMA, optionally the
 * spectral-normalisation state). Readers that only need the weights (the CLI's sample and
 * lipschitz) import this file, not the trainer.
 */
import { InputError } from '../gpu/errors.js';
import type { MlpSpec } from '../model/layout.js';
import type { ForwardProcess, ProcessSpec } from '../processes/process.js';

export const CHECKPOINT_MAGIC = 0x4b434657; // "WFCK" little-endian
export const CHECKPOINT_VERSION = 1;

/** The JSON header of a checkpoint (followed by params, m, v, ema as f32, `floats` each). */
export interface CheckpointHeader {
  format: 'wasserflow-mlp-checkpoint';
  version: number;
  spec: MlpSpec;
  step: number;
  /** Floats of each buffer (all `floats` when absent). */
  floats: number;
  buffers: string[];
  sizes?: number[];
  /** The process's label, and its description for makeProcess (to rebuild it when sampling). */
  process: string;
  processSpec: ProcessSpec;
  config: Record<string, unknown>;
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

/** The checkpoint bytes: "WFCK", version, header length, the JSON header padded to 4 bytes, then the f32 buffers. */
export function encodeCheckpoint(header: CheckpointHeader, arrays: Float32Array[]): Uint8Array {
  const sizes = arrays.map((a) => a.length);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const hlen = Math.ceil(json.length / 4) * 4;
  const total = sizes.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(12 + hlen + 4 * total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, CHECKPOINT_MAGIC, true);
  dv.setUint32(4, CHECKPOINT_VERSION, true);
  dv.setUint32(8, hlen, true);
  out.fill(0x20, 12, 12 + hlen);
  out.set(json, 12);
  let at = 12 + hlen;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

/** Split checkpoint bytes into the header and its f32 buffers (validating magic, version, sizes). */
export function parseCheckpoint(bytes: Uint8Array): { header: CheckpointHeader; buffers: Float32Array[] } {
  if (bytes.byteLength < 12) throw new InputError('checkpoint: too short');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== CHECKPOINT_MAGIC) throw new InputError('checkpoint: bad magic (not a wasserflow checkpoint)');
  const version = dv.getUint32(4, true);
  if (version !== CHECKPOINT_VERSION) throw new InputError(`checkpoint: version ${version}, this build reads ${CHECKPOINT_VERSION}`);
  const hlen = dv.getUint32(8, true);
  if (12 + hlen > bytes.byteLength) throw new InputError('checkpoint: header runs past the end');
  let header: CheckpointHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen))) as CheckpointHeader;
  } catch {
    throw new InputError('checkpoint: header is not valid JSON');
  }
  if (header.format !== 'wasserflow-mlp-checkpoint') throw new InputError(`checkpoint: unknown format '${String(header.format)}'`);
  const sizes = header.sizes ?? header.buffers.map(() => header.floats);
  if (sizes.length !== header.buffers.length) throw new InputError('checkpoint: sizes and buffers differ in length');
  const total = sizes.reduce((a, b) => a + b, 0);
  if (bytes.byteLength !== 12 + hlen + 4 * total) throw new InputError(`checkpoint: expected ${12 + hlen + 4 * total} bytes, got ${bytes.byteLength}`);
  const copy = bytes.slice(12 + hlen);
  let at = 0;
  const buffers = sizes.map((n) => {
    const a = new Float32Array(copy.buffer, 4 * at, n);
    at += n;
    return a;
  });
  return { header, buffers };
}
