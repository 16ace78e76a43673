/**
 * A minimal PNG encoder (8-bit greyscale, no interlace) on node:zlib, for image grids of the data
 * experiments: signature, IHDR, one IDAT (filter 0 per row, zlib-deflated), IEND, each chunk with
 * its CRC-32 (ISO 3309 polynomial, as the PNG specification §5.5).
 */
import { deflateSync } from 'node:zlib';
import { crc32 } from '../data/crc32.js';

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length, false);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)), false);
  return out;
}

/** PNG bytes of a width × height greyscale image (row-major bytes, 0 black .. 255 white). */
export function encodeGreyPng(pixels: Uint8Array, width: number, height: number): Uint8Array {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1) || pixels.length !== width * height) {
    throw new RangeError(`encodeGreyPng: ${pixels.length} pixels for ${width}×${height}`);
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width, false);
  v.setUint32(4, height, false);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: greyscale
  const raw = new Uint8Array(height * (width + 1));
  for (let r = 0; r < height; r++) raw.set(pixels.subarray(r * width, (r + 1) * width), r * (width + 1) + 1);
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', new Uint8Array(deflateSync(raw))), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A grid of square images (each n × side² values in [-1, 1], row-major) as greyscale pixels: `cols`
 * images per row, each pixel scaled up `zoom` times, 1-pixel gaps of mid grey.
 */
export function imageGrid(images: Float32Array, side: number, count: number, cols: number, zoom: number): { pixels: Uint8Array; width: number; height: number } {
  const rows = Math.ceil(count / cols);
  const cell = side * zoom + 1;
  const width = cols * cell + 1, height = rows * cell + 1;
  const pixels = new Uint8Array(width * height).fill(128);
  for (let k = 0; k < count; k++) {
    const ox = (k % cols) * cell + 1, oy = Math.floor(k / cols) * cell + 1;
    for (let r = 0; r < side * zoom; r++) {
      for (let c = 0; c < side * zoom; c++) {
        const v = images[k * side * side + Math.floor(r / zoom) * side + Math.floor(c / zoom)]!;
        pixels[(oy + r) * width + ox + c] = Math.round(Math.min(1, Math.max(-1, v)) * 127.5 + 127.5);
      }
    }
  }
  return { pixels, width, height };
}
