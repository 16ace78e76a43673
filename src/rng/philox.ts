/**
 * CPU twin of shaders/lib/random.wgsl: Philox4x32-10 and the same uniform/normal transforms,
 * operation for operation in f32 (Math.fround after each step), so GPU and CPU agree bit for bit.
 */

const f = Math.fround;

/** Split a seed (number up to 2^53 or bigint up to 2^64) into (lo, hi) 32-bit words. */
export function splitSeed(seed: number | bigint): [number, number] {
  const s = BigInt.asUintN(64, BigInt(seed));
  return [Number(s & 0xffffffffn), Number(s >> 32n)];
}

function mulhi32(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const t = al * bl, m1 = ah * bl, m2 = al * bh;
  const mid = (t >>> 16) + (m1 & 0xffff) + (m2 & 0xffff);
  return (ah * bh + (m1 >>> 16) + (m2 >>> 16) + (mid >>> 16)) >>> 0;
}

/** Philox4x32-10 of a 4-word counter under a 2-word key. */
export function philox4x32(counter: readonly [number, number, number, number], key: readonly [number, number]): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter;
  let [k0, k1] = key;
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi32(0xd2511f53, c0), lo0 = Math.imul(0xd2511f53, c0) >>> 0;
    const hi1 = mulhi32(0xcd9e8d57, c2), lo1 = Math.imul(0xcd9e8d57, c2) >>> 0;
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + 0x9e3779b9) >>> 0;
    k1 = (k1 + 0xbb67ae85) >>> 0;
  }
  return [c0, c1, c2, c3];
}

const TWO_M24 = 5.9604644775390625e-8;
const u32f = new Uint32Array(1);
const f32u = new Float32Array(u32f.buffer);

export function u01(x: number): number {
  return f(f(x >>> 8) * TWO_M24);
}

export function rngLog(u: number): number {
  f32u[0] = u;
  const bits = u32f[0]!;
  let e = ((bits >>> 23) & 0xff) - 127;
  let mbits = (bits & 0x7fffff) | 0x3f800000;
  if (mbits > 0x3fb504f3) {
    mbits = (bits & 0x7fffff) | 0x3f000000;
    e += 1;
  }
  u32f[0] = mbits >>> 0;
  const m = f32u[0]!;
  const s = f(f(m - 1) / f(m + 1));
  const z = f(s * s);
  let p = f(0.09090909090909091);
  for (const c of [0.1111111111111111, 0.14285714285714285, 0.2, 0.3333333333333333, 1.0]) p = f(f(p * z) + f(c));
  return f(f(f(e) * f(0.6931471805599453)) + f(f(f(2 * s) * p)));
}

const SIN = [2.505210838544172e-8, -2.7557319223985893e-6, 1.984126984126984e-4, -0.008333333333333333, 0.16666666666666666];
const COS = [-1.1470745597729725e-11, 2.08767569878681e-9, -2.755731922398589e-7, 2.48015873015873e-5, -0.001388888888888889, 0.041666666666666664, -0.5];

export function rngSinCosTurn(x: number): [number, number] {
  const q = x >>> 30;
  const th = f(f(f((x >>> 6) & 0xffffff) * TWO_M24) * f(1.5707963267948966));
  const z = f(th * th);
  let sp = f(-1.6059043836821613e-10);
  for (const c of SIN) sp = f(f(sp * z) + f(c));
  const s = f(th - f(f(th * z) * sp));
  let cp = f(4.779477332387385e-14);
  for (const c of COS) cp = f(f(cp * z) + f(c));
  const c = f(1 + f(z * cp));
  if (q === 0) return [s, c];
  if (q === 1) return [c, -s];
  if (q === 2) return [-s, -c];
  return [-c, s];
}

export function boxMuller(x: number, y: number): [number, number] {
  const u = f(f(f(x >>> 8) + 1) * TWO_M24);
  const r = f(Math.sqrt(f(-2 * rngLog(u))));
  const [s, c] = rngSinCosTurn(y);
  return [f(r * s), f(r * c)];
}

/** The n floats rng_fill writes for (seed, stream): uniform [0,1) or standard normal. */
export function rngFillCpu(n: number, seed: number | bigint, stream = 0, dist: 'uniform' | 'normal' = 'uniform'): Float32Array {
  const key = splitSeed(seed);
  const out = new Float32Array(n);
  for (let i = 0; 4 * i < n; i++) {
    const w = philox4x32([i, stream >>> 0, 0, 0], key);
    const v = dist === 'normal' ? [...boxMuller(w[0], w[1]), ...boxMuller(w[2], w[3])] : w.map(u01);
    for (let k = 0; k < 4 && 4 * i + k < n; k++) out[4 * i + k] = v[k]!;
  }
  return out;
}

/**
 * How far a driver's normals may lie from this twin's, in units of 2^-24·(1 + |z|).
 *
 * Philox's integer words are exact on every adapter (the uniforms, which keep their top 24 bits,
 * must equal the twin bit for bit). Box–Muller then runs f32 arithmetic that drivers may evaluate
 * differently within WGSL's rules: a·b + c contracted to one fused multiply-add, `sqrt` within its
 * allowed error. This twin rounds every operation; measured against float64 Box–Muller on the
 * same words it is within 9.5 units (10^6 normals), and a driver that contracts or rounds
 * differently lands in the same envelope around the exact value, so two of them differ by at most
 * about 2 × 9.5: 32 units leaves a margin. `wasserflow selfcheck` reports the worst gap it sees; on an
 * NVIDIA H200 (Vulkan, driver 580.159, 2026-12-04) 329 650 of 10^6 normals differ in the last bits,
 * the worst by 5.1 units.
 */
export const NORMAL_TOLERANCE_UNITS = 32;

/** Compare a driver's normals with the twin's: bit mismatches, and the worst gap in tolerance units. */
export function compareNormals(got: Float32Array, want: Float32Array): { mismatches: number; worstUnits: number; worstAt: number; ok: boolean } {
  const gb = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const wb = new Uint32Array(want.buffer, want.byteOffset, want.length);
  let mismatches = 0;
  let worstUnits = 0;
  let worstAt = -1;
  for (let i = 0; i < want.length; i++) {
    if (gb[i] === wb[i]) continue;
    mismatches++;
    const units = Math.abs(got[i]! - want[i]!) / ((1 + Math.abs(want[i]!)) * TWO_M24);
    // NaN compares false: a NaN from the driver counts as infinitely far.
    if (!(units <= worstUnits)) {
      worstUnits = Number.isNaN(units) ? Infinity : units;
      worstAt = i;
    }
  }
  return { mismatches, worstUnits, worstAt, ok: got.length === want.length && worstUnits <= NORMAL_TOLERANCE_UNITS };
}
