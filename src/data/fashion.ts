/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017) from Debian's `dataset-fashion-mnist` package: 60 000
 * training and 10 000 test images of 28×28 grey pixels with labels 0..9, gzip'd IDX files under
 * /usr/share/datasets/fashion-mnist/. Images are average-pooled by 1, 2 or 4 (784, 196 or 49
 * dimensions) and scaled from [0, 255] to [-1, 1]. Node only (reads files).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../gpu/errors.js';
import { readIdx } from './idx.js';

export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_PACKAGE = 'dataset-fashion-mnist';
export const FASHION_POOLS = [1, 2, 4] as const;
export type FashionPool = (typeof FASHION_POOLS)[number];
export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

export interface FashionOptions {
  split?: 'train' | 'test';
  /** Average pooling factor (default 1: 784-D). */
  pool?: FashionPool;
  /** Keep only these labels (default all). */
  classes?: readonly number[];
  /** Keep at most this many images (the first ones of the file, after the class filter). */
  limit?: number;
  /** Directory of the IDX files (default FASHION_DIR). */
  dir?: string;
}

export interface FashionData {
  /** n × dim row-major, values in [-1, 1]. */
  points: Float32Array;
  labels: Uint8Array;
  n: number;
  dim: number;
  /** Image side after pooling (28 / pool). */
  side: number;
}

/** `fashion-mnist` or `fashion-mnist:POOL` → the pool factor; undefined for other names. */
export function parseFashionName(name: string): FashionPool | undefined {
  const m = /^fashion-mnist(?::(\d+))?$/.exec(name);
  if (!m) return undefined;
  const pool = m[1] === undefined ? 1 : Number(m[1]);
  if (!(FASHION_POOLS as readonly number[]).includes(pool)) throw new InputError(`${name}: the pooling factor must be 1, 2 or 4 (784, 196 or 49 dimensions), got ${m[1]}`);
  return pool as FashionPool;
}

/** Parse a class list such as "0,7" (labels 0..9). */
export function parseClasses(text: string): number[] {
  const out = text.split(',').map((s) => s.trim());
  return out.map((s) => {
    const c = Number(s);
    if (s === '' || !Number.isInteger(c) || c < 0 || c > 9) throw new InputError(`--classes: '${s}' is not a class label 0..9 (in "${text}")`);
    return c;
  });
}

async function readGz(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`Fashion-MNIST not found (${path} is missing): install Debian's ${FASHION_PACKAGE} package (apt-get install ${FASHION_PACKAGE}), or run scripts/setup.sh`);
    throw new InputError(`Fashion-MNIST: cannot read ${path} (${code ?? (e as Error).message})`);
  }
}

/** Average-pool a side×side u8 image by `pool` and scale to [-1, 1]. */
export function poolImage(pixels: Uint8Array, side: number, pool: number, out: Float32Array, offset: number): void {
  const s = side / pool;
  const inv = 1 / (pool * pool * 127.5);
  for (let r = 0; r < s; r++) {
    for (let c = 0; c < s; c++) {
      let acc = 0;
      for (let i = 0; i < pool; i++) for (let j = 0; j < pool; j++) acc += pixels[(r * pool + i) * side + c * pool + j]!;
      out[offset + r * s + c] = acc * inv - 1;
    }
  }
}

/** Load a split of Fashion-MNIST, pooled and scaled. */
export async function loadFashionMnist(o: FashionOptions = {}): Promise<FashionData> {
  const split = o.split ?? 'train';
  const pool = o.pool ?? 1;
  if (!(FASHION_POOLS as readonly number[]).includes(pool)) throw new InputError(`Fashion-MNIST: pool must be 1, 2 or 4, got ${pool}`);
  const dir = o.dir ?? FASHION_DIR;
  const prefix = split === 'train' ? 'train' : 't10k';
  const imgPath = join(dir, `${prefix}-images-idx3-ubyte.gz`);
  const lblPath = join(dir, `${prefix}-labels-idx1-ubyte.gz`);
  const [imgs, lbls] = await Promise.all([readGz(imgPath).then((b) => readIdx(b, imgPath)), readGz(lblPath).then((b) => readIdx(b, lblPath))]);
  if (imgs.type !== 'u8' || imgs.dims.length !== 3 || imgs.dims[1] !== imgs.dims[2]) throw new InputError(`${imgPath}: expected u8 images N×S×S, got ${imgs.type} ${imgs.dims.join('×')}`);
  const [N, side] = [imgs.dims[0]!, imgs.dims[1]!];
  if (side % pool !== 0) throw new InputError(`${imgPath}: image side ${side} is not divisible by the pool ${pool}`);
  if (lbls.type !== 'u8' || lbls.dims.length !== 1 || lbls.dims[0] !== N) throw new InputError(`${lblPath}: expected ${N} u8 labels, got ${lbls.type} ${lbls.dims.join('×')}`);
  const keep = o.classes && o.classes.length > 0 ? new Set(o.classes) : undefined;
  const idx: number[] = [];
  const limit = o.limit ?? Infinity;
  for (let i = 0; i < N && idx.length < limit; i++) if (!keep || keep.has(lbls.data[i]!)) idx.push(i);
  if (idx.length === 0) throw new InputError(`Fashion-MNIST ${split}: no image of classes ${[...(keep ?? [])].join(',')}`);
  const s = side / pool;
  const dim = s * s;
  const points = new Float32Array(idx.length * dim);
  const labels = new Uint8Array(idx.length);
  const px = imgs.data as Uint8Array;
  idx.forEach((i, k) => {
    poolImage(px.subarray(i * side * side, (i + 1) * side * side), side, pool, points, k * dim);
    labels[k] = lbls.data[i]!;
  });
  return { points, labels, n: idx.length, dim, side: s };
}
