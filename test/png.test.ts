// The PNG encoder: chunk layout and CRCs, and the pixels back through zlib; the image grid.
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/data/crc32.js';
import { encodeGreyPng, imageGrid } from '../src/experiments/png.js';

describe('PNG encoder', () => {
  it('CRC-32 of "123456789" is 0xCBF43926 (the standard check value)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('writes signature, IHDR, IDAT, IEND with valid CRCs and the pixels', () => {
    const px = Uint8Array.from({ length: 3 * 2 }, (_, i) => i * 40);
    const png = encodeGreyPng(px, 3, 2);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const v = new DataView(png.buffer, png.byteOffset);
    let o = 8;
    const chunks: { type: string; data: Uint8Array }[] = [];
    while (o < png.length) {
      const len = v.getUint32(o, false);
      const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
      const crc = v.getUint32(o + 8 + len, false);
      expect(crc32(png.subarray(o + 4, o + 8 + len)), `${type} CRC`).toBe(crc);
      chunks.push({ type, data: png.subarray(o + 8, o + 8 + len) });
      o += 12 + len;
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ih = new DataView(chunks[0]!.data.buffer, chunks[0]!.data.byteOffset);
    expect([ih.getUint32(0), ih.getUint32(4), chunks[0]!.data[8], chunks[0]!.data[9]]).toEqual([3, 2, 8, 0]);
    expect(Array.from(inflateSync(chunks[1]!.data))).toEqual([0, 0, 40, 80, 0, 120, 160, 200]);
  });

  it('the grid maps [-1, 1] to 0..255 with zoom and grey gaps', () => {
    const imgs = Float32Array.from([-1, 1, 1, -1, 0, 0, 0, 0]); // two 2×2 images
    const g = imageGrid(imgs, 2, 2, 2, 2);
    expect([g.width, g.height]).toEqual([11, 6]);
    expect(g.pixels[0]).toBe(128); // gap
    expect(g.pixels[1 * 11 + 1]).toBe(0); // image 0, pixel (0, 0) = −1
    expect(g.pixels[1 * 11 + 3]).toBe(255); // pixel (0, 1) = 1, zoomed
    expect(g.pixels[2 * 11 + 7]).toBe(128); // image 1 is 0 → 127.5 rounds to 128
  });
});
