// The checkpoint format (version 2: CRC-32 trailer, exact sizes) and a seeded fuzz of it and of the
// CSV reader: truncations and byte flips are always refused by name, never read as weights.
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../src/data/csv.js';
import { InputError } from '../src/gpu/errors.js';
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { CHECKPOINT_VERSION, checkpointWeights, crc32, encodeCheckpoint, parseCheckpoint, type CheckpointHeader } from '../src/train/checkpoint.js';
import { xorshift32 } from './reference/random.js';

const spec: MlpSpec = { dim: 2, hidden: [5, 3], activation: 'silu', time: { kind: 'step', steps: 4 }, output: 'eps' };

const rng = xorshift32;

function checkpoint(ema: number, buffers = 4): { header: CheckpointHeader; arrays: Float32Array[]; bytes: Uint8Array } {
  const size = mlpLayout(spec).size;
  const r = rng(7);
  const arrays = Array.from({ length: buffers }, (_, b) => Float32Array.from({ length: size }, () => (r() - 0.5) * (b + 1)));
  const header: CheckpointHeader = {
    format: 'wasserflow-mlp-checkpoint', version: CHECKPOINT_VERSION, spec, step: 40, floats: size,
    buffers: ['params', 'adam_m', 'adam_v', 'ema'].slice(0, buffers), process: 'DDPM', processSpec: { kind: 'ddpm', steps: 4 }, config: { ema, seed: '3' },
  };
  return { header, arrays, bytes: encodeCheckpoint(header, arrays) };
}

/** The version 1 layout (no trailer), with the header written as given (sizes included). */
function versionOne(header: CheckpointHeader, arrays: Float32Array[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify({ ...header, version: 1 }));
  const hlen = Math.ceil(json.length / 4) * 4;
  const total = arrays.reduce((a, b) => a + b.length, 0);
  const out = new Uint8Array(12 + hlen + 4 * total).fill(0x20, 12, 12 + hlen);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0x4b434657, true);
  dv.setUint32(4, 1, true);
  dv.setUint32(8, hlen, true);
  out.set(json, 12);
  let at = 12 + hlen;
  for (const a of arrays) for (const v of a) (dv.setFloat32(at, v, true), (at += 4));
  return out;
}

describe('checkpoint format', () => {
  it('CRC-32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('round-trips exactly and reads version 1 files as unverified', () => {
    const { header, arrays, bytes } = checkpoint(0.99);
    const p = parseCheckpoint(bytes);
    expect(p.verified).toBe(true);
    expect(p.header.step).toBe(40);
    expect(p.buffers).toEqual(arrays);
    const old = parseCheckpoint(versionOne(header, arrays));
    expect(old.verified).toBe(false);
    expect(old.buffers).toEqual(arrays);
  });

  it('refuses a flipped body byte, an inconsistent header, extra or missing bytes, and non-finite weights', () => {
    const { header, arrays, bytes } = checkpoint(0);
    const flipped = bytes.slice();
    flipped[bytes.length - 40]! ^= 0x40;
    expect(() => parseCheckpoint(flipped, 'a.wfck')).toThrow(/a\.wfck: checksum mismatch/);
    // A header whose layout needs fewer floats than the file holds (version 1: no checksum to catch it).
    const small = mlpLayout({ ...spec, hidden: [5, 2] }).size;
    expect(() => parseCheckpoint(versionOne({ ...header, floats: small }, arrays))).toThrow(/header says \d+ floats per buffer, its network spec needs/);
    expect(() => parseCheckpoint(versionOne({ ...header, spec: { ...spec, hidden: [5, 2] }, floats: small }, arrays))).toThrow(/declared with|expected exactly/);
    expect(() => parseCheckpoint(encodeCheckpoint({ ...header, spec: { ...spec, hidden: [5, 2] }, floats: small }, arrays))).toThrow(/'params' is declared with \d+ floats, the network spec's layout needs exactly/);
    expect(() => parseCheckpoint(versionOne({ ...header, sizes: arrays.map((a) => a.length - 4) }, arrays))).toThrow(/declared with/);
    const v1 = versionOne(header, arrays);
    const longer = new Uint8Array(v1.length + 8);
    longer.set(v1);
    expect(() => parseCheckpoint(longer)).toThrow(/extra bytes at the end/);
    expect(() => parseCheckpoint(v1.subarray(0, v1.length - 4))).toThrow(/truncated/);
    const nan = arrays.map((a) => a.slice());
    nan[0]![3] = NaN;
    expect(() => parseCheckpoint(encodeCheckpoint(header, nan))).toThrow(/'params' holds a non-finite value \(NaN\) at float 3/);
    expect(() => parseCheckpoint(encodeCheckpoint({ ...header, buffers: ['params', 'ema', 'adam_m', 'adam_v'] }, arrays))).toThrow(/lists buffers/);
    expect(() => parseCheckpoint(encodeCheckpoint({ ...header, spec: { ...spec, dim: 0 } }, arrays))).toThrow(/network spec is invalid/);
  });

  it('--ema on a run trained without EMA is refused; with EMA it gives the EMA buffer', () => {
    const without = parseCheckpoint(checkpoint(0).bytes);
    expect(() => checkpointWeights(without, true, 'c.wfck')).toThrow(/c\.wfck: --ema .* trained without EMA/);
    expect(checkpointWeights(without, false)).toBe(without.buffers[0]);
    const noKey = parseCheckpoint(encodeCheckpoint({ ...checkpoint(0).header, config: {} }, checkpoint(0).arrays));
    expect(() => checkpointWeights(noKey, true)).toThrow(InputError);
    const withEma = parseCheckpoint(checkpoint(0.99).bytes);
    expect(checkpointWeights(withEma, true)).toBe(withEma.buffers[3]);
  });

  it('fuzz: every truncation and 3000 seeded byte flips are refused with an InputError', () => {
    const { bytes } = checkpoint(0.9);
    for (let len = 0; len < bytes.length; len += len < 64 ? 1 : 37) {
      expect(() => parseCheckpoint(bytes.subarray(0, len)), `truncated to ${len}`).toThrow(InputError);
    }
    const r = rng(12345);
    for (let k = 0; k < 3000; k++) {
      const b = bytes.slice();
      const flips = 1 + Math.floor(r() * 4);
      for (let f = 0; f < flips; f++) b[Math.floor(r() * b.length)]! ^= 1 + Math.floor(r() * 255);
      if (b.every((x, i) => x === bytes[i])) continue; // two flips cancelled
      expect(() => parseCheckpoint(b), `case ${k}`).toThrow(InputError);
    }
  });
});

describe('CSV reader fuzz', () => {
  it('seeded truncations and byte flips either fail with file:line or return every data row, finite and in float32 range', () => {
    const r = rng(99);
    const base = 'x,y\n' + Array.from({ length: 30 }, (_, i) => `${(i * 0.37 - 3).toFixed(3)},${(i * 1.7e3).toExponential(2)}`).join('\n') + '\n';
    const bytes = new TextEncoder().encode(base);
    const chars = new TextEncoder().encode('0123456789.,-+eE \t;#\nxnaif');
    let refused = 0;
    for (let k = 0; k < 1000; k++) {
      let b: Uint8Array = bytes.slice();
      if (k % 4 === 0) b = b.subarray(0, Math.floor(r() * b.length));
      const flips = 1 + Math.floor(r() * 3);
      for (let f = 0; f < flips; f++) b[Math.floor(r() * b.length)] = chars[Math.floor(r() * chars.length)]!;
      const text = new TextDecoder().decode(b);
      let p: ReturnType<typeof parseCsv>;
      try {
        p = parseCsv(text, 'z.csv');
      } catch (e) {
        expect(e, text).toBeInstanceOf(InputError);
        expect((e as Error).message).toMatch(/^z\.csv(:\d+)?: /);
        refused++;
        continue;
      }
      // No silent drop: every non-blank, non-comment line is a row, except a first line with no number.
      const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
      const firstIsHeader = !/\d|nan|inf/i.test(lines[0] ?? '') || lines[0]!.split(/[,;\s]+/).every((c) => c === '' || (Number.isNaN(Number(c)) && !/^[+-]?(nan|inf|infinity)$/i.test(c)));
      expect(p.n, text).toBe(lines.length - (firstIsHeader ? 1 : 0));
      expect(p.data.length).toBe(p.n * p.d);
      expect(p.data.every((v) => Number.isFinite(v))).toBe(true);
    }
    expect(refused).toBeGreaterThan(50);
  });
});
