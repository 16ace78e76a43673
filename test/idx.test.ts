// The IDX reader on tiny hand-made files (plain and gzip'd), Fashion-MNIST loading with pooling,
// class filter and scaling on a hand-made 4×4 "data set", and the refusals.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FASHION_DIR, loadFashionMnist, parseClasses, parseFashionName } from '../src/data/fashion.js';
import { parseIdx, readIdx } from '../src/data/idx.js';

/** IDX bytes: header (type code, dims big-endian) then the payload. */
function idx(code: number, dims: number[], payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(4 + 4 * dims.length);
  h[2] = code;
  h[3] = dims.length;
  const v = new DataView(h.buffer);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(h.length + payload.length);
  out.set(h);
  out.set(payload, h.length);
  return out;
}

describe('IDX reader', () => {
  it('reads u8 and big-endian i16 arrays, plain and gzip’d', async () => {
    const px = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => i * 10);
    const a = parseIdx(idx(0x08, [2, 3, 3], px));
    expect(a.type).toBe('u8');
    expect(a.dims).toEqual([2, 3, 3]);
    expect(Array.from(a.data)).toEqual(Array.from(px));
    const b = await readIdx(gzipSync(idx(0x08, [2, 3, 3], px)));
    expect(Array.from(b.data)).toEqual(Array.from(px));
    const be = new Uint8Array([0x01, 0x02, 0xff, 0xfe]); // 258, −2
    const c = parseIdx(idx(0x0b, [2], be));
    expect(c.type).toBe('i16');
    expect(Array.from(c.data)).toEqual([258, -2]);
  });

  it('refuses bad files naming the problem', async () => {
    expect(() => parseIdx(new Uint8Array([0, 0]), 'f.idx')).toThrow(/f\.idx: 2 bytes, too short/);
    expect(() => parseIdx(new Uint8Array([1, 0, 8, 1, 0, 0, 0, 0]))).toThrow(/not an IDX file/);
    expect(() => parseIdx(idx(0x07, [1], new Uint8Array(1)))).toThrow(/unknown IDX type code 0x7/);
    expect(() => parseIdx(idx(0x08, [2, 2], new Uint8Array(3)))).toThrow(/the header \(2×2 u8\) needs 16/);
    await expect(readIdx(gzipSync(new Uint8Array(100)).subarray(0, 20), 'x.gz')).rejects.toThrow(/x\.gz: not a valid gzip file/);
  });
});

describe('Fashion-MNIST loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wf-fashion-'));
  // Three 4×4 images: image i has pixel value 17·(r·4 + c) + i; labels 7, 0, 7.
  const px = Uint8Array.from({ length: 3 * 16 }, (_, k) => 17 * (k % 16) + Math.floor(k / 16));
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idx(0x08, [3, 4, 4], px)));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idx(0x08, [3], new Uint8Array([7, 0, 7]))));

  it('scales pixels to [-1, 1], pools by averaging, filters classes', async () => {
    const full = await loadFashionMnist({ dir, pool: 1 });
    expect([full.n, full.dim, full.side]).toEqual([3, 16, 4]);
    expect(full.points[0]).toBeCloseTo(-1, 12);
    expect(full.points[15]).toBeCloseTo((17 * 15) / 127.5 - 1, 6);
    const pooled = await loadFashionMnist({ dir, pool: 2, classes: [7] });
    expect([pooled.n, pooled.dim, pooled.side]).toEqual([2, 4, 2]);
    expect(Array.from(pooled.labels)).toEqual([7, 7]);
    // Second kept image is image 2: the top-left 2×2 block holds 17·{0,1,4,5} + 2, mean 42.5 + 2.
    expect(pooled.points[4]).toBeCloseTo((17 * 2.5 + 2) / 127.5 - 1, 6);
    const one = await loadFashionMnist({ dir, pool: 4, limit: 1 });
    expect(one.points.length).toBe(1);
    expect(one.points[0]).toBeCloseTo((17 * 7.5) / 127.5 - 1, 6);
  });

  it('refuses a missing package, bad names and class lists', async () => {
    await expect(loadFashionMnist({ dir: join(dir, 'nope') })).rejects.toThrow(/install Debian's dataset-fashion-mnist package/);
    await expect(loadFashionMnist({ dir, classes: [3] })).rejects.toThrow(/no image of classes 3/);
    expect(parseFashionName('fashion-mnist')).toBe(1);
    expect(parseFashionName('fashion-mnist:4')).toBe(4);
    expect(parseFashionName('moons')).toBeUndefined();
    expect(() => parseFashionName('fashion-mnist:3')).toThrow(/1, 2 or 4/);
    expect(parseClasses('0,7')).toEqual([0, 7]);
    expect(() => parseClasses('0,12')).toThrow(/'12' is not a class label/);
  });

  it.runIf(existsSync(join(FASHION_DIR, 't10k-images-idx3-ubyte.gz')))('reads the installed test split (10 000 images, 49-D at pool 4)', async () => {
    const t = await loadFashionMnist({ split: 'test', pool: 4 });
    expect([t.n, t.dim]).toEqual([10000, 49]);
    expect(t.points.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(new Set(t.labels).size).toBe(10);
  });
});
