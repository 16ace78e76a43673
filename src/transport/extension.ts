/**
 * The leaf start's extension (src/transport/sinkhorn/schedule.ts, leafStart): the potentials of the
 * nested solve on the k-d tree leaves carried to every sorted point by one softmin over the leaf
 * centres in reach of each tile of TILE points. `extensionPlan` (extension_plan.ts) lists those
 * centres for the GPU kernel (src/kernels/sinkhorn_extend.ts); `tiledSoftmin` is its float64 host
 * twin. The points are in the k-d tree order of truncation.ts (`spatialOrder`), so each tile is a
 * compact box.
 */
import { extensionPlan } from './extension_plan.js';
import { TILE } from './truncation.js';

export { extensionPlan, type ExtensionPlan } from './extension_plan.js';

// e^x for x ≤ 0 without a call into the C library (Math.exp, and Math.round here, cost ~3× more
// in V8, and the leaf start's extension takes ~2.5·10^9 of them at N = M = 10^6):
// x = (64 j + i) ln2/64 + r with |r| ≤ ln2/128, e^x = 2^j · 2^{i/64} · e^r, e^r by its Taylor
// polynomial to r^5 (truncation error r^6/720 < 4e-17); 64 j + i is x·64/ln2 rounded to the nearest
// integer by adding and subtracting 1.5·2^52. Relative error ≤ 2 ulp (4.3e-16, measured against
// Math.exp on 10^6 points of [-700, 0]; test/transport_truncation.test.ts); below -700 the result is
// subnormal and less accurate, 0 below -745 (such terms are below 1e-300 of the largest of a sum).
const EXP_TABLE = Float64Array.from({ length: 64 }, (_, i) => Math.pow(2, i / 64));
const EXP_POW2 = Float64Array.from({ length: 1076 }, (_, k) => Math.pow(2, -k));
const LN2_64_HI = 0.6931471803691238 / 64;
const LN2_64_LO = 1.9082149292705877e-10 / 64;
/** 1.5·2^52: adding it to a double of magnitude < 2^51 rounds it to an integer. */
const ROUND = 6755399441055744;
export function expNonPositive(x: number): number {
  if (!(x > -745)) return 0;
  const jf = x * (64 / Math.LN2) + ROUND - ROUND;
  const j = jf | 0;
  const r = x - jf * LN2_64_HI - jf * LN2_64_LO;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))));
  return EXP_TABLE[j & 63]! * EXP_POW2[-(j >> 6)]! * p;
}

/**
 * Σ_k e^{t_k - mx} over the first `count` entries of t (all ≤ mx). A function of its own, small
 * enough for V8 to inline expNonPositive into it (inside tiledSoftmin it stayed a call per term).
 */
function sumExp(t: Float64Array, count: number, mx: number): number {
  let sum = 0;
  for (let k = 0; k < count; k++) sum += expNonPositive(t[k]! - mx);
  return sum;
}

/**
 * The leaf start's extension in float64 on the host (the twin of the GPU's, src/kernels/sinkhorn_extend.ts):
 * out_i = -ε log Σ_Q w_Q exp((pot_Q - |x_i - c_Q|²) / ε) over the kept centres of extensionPlan (see
 * there). Returns the number of (point, centre) terms summed.
 */
export function tiledSoftmin(x: ArrayLike<number>, n: number, c: ArrayLike<number>, w: Float64Array, pot: Float64Array, d: number, eps: number, out: Float64Array): number {
  const plan = extensionPlan(x, n, c, w, pot, d, eps);
  const { shift, off, ranges } = plan;
  const m = w.length;
  const kShift = new Float64Array(m);
  const kc = new Float64Array(m * d);
  const t = new Float64Array(m);
  const xi = new Float64Array(d);
  for (let tile = 0; tile < plan.tiles; tile++) {
    const i0 = tile * TILE;
    const i1 = Math.min(n, i0 + TILE);
    // The kept centres' shifts and coordinates gathered in order: the sums below read them in sequence.
    let count = 0;
    for (let r = off[tile]!; r < off[tile + 1]!; r++) {
      for (let q = ranges[2 * r]!; q < ranges[2 * r + 1]!; q++) {
        kShift[count] = shift[q]!;
        for (let k = 0; k < d; k++) kc[count * d + k] = c[q * d + k]!;
        count++;
      }
    }
    for (let i = i0; i < i1; i++) {
      let mx = -Infinity;
      if (d === 2) {
        const x0 = x[i * 2]!;
        const x1 = x[i * 2 + 1]!;
        for (let k = 0; k < count; k++) {
          const r0 = x0 - kc[2 * k]!;
          const r1 = x1 - kc[2 * k + 1]!;
          const v = -(kShift[k]! + r0 * r0 + r1 * r1) / eps;
          t[k] = v;
          if (v > mx) mx = v;
        }
      } else {
        for (let a = 0; a < d; a++) xi[a] = x[i * d + a]!;
        for (let k = 0; k < count; k++) {
          let s = kShift[k]!;
          for (let a = 0; a < d; a++) {
            const r = xi[a]! - kc[k * d + a]!;
            s += r * r;
          }
          const v = -s / eps;
          t[k] = v;
          if (v > mx) mx = v;
        }
      }
      out[i] = -eps * (mx + Math.log(sumExp(t, count, mx)));
    }
  }
  return plan.terms;
}
