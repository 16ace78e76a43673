/**
 * Axis ticks and their labels: 1-2-5 ticks on linear axes, decade ticks on log axes (with 2 and 5
 * between decades when the range spans fewer than two decades), labels 10⁻³ … 10⁴ in superscript.
 */

/** About `target` ticks at 1, 2 or 5 × 10^k covering [lo, hi]. */
export function linearTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  // The 1-2-5 step nearest to the raw step (in ratio): about `target` ticks, never far fewer.
  const step = [1, 2, 5, 10].map((m) => m * mag).reduce((a, b) => (Math.abs(Math.log(b / raw)) < Math.abs(Math.log(a / raw)) ? b : a));
  const out: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let k = first; k * step <= hi + step * 1e-9; k++) {
    // k × step (not a running sum): 0.6, not 0.6000000000000001.
    const v = Number((k * step).toPrecision(12));
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return out;
}

/** Ticks for a log axis over [lo, hi] (0 < lo < hi): decades, every k-th when there are many. */
export function logTicks(lo: number, hi: number, maxTicks = 7): number[] {
  if (!(lo > 0 && hi > lo)) return lo > 0 ? [lo] : [];
  const a = Math.ceil(Math.log10(lo) - 1e-9);
  const b = Math.floor(Math.log10(hi) + 1e-9);
  const decades: number[] = [];
  const every = Math.max(1, Math.ceil((b - a + 1) / maxTicks));
  for (let e = a; e <= b; e++) if ((e - a) % every === 0) decades.push(10 ** e);
  if (decades.length >= 3) return decades;
  // Fewer than three decades inside: add 2 and 5 times each decade.
  const out: number[] = [];
  for (let e = a - 1; e <= b; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(Number(v.toPrecision(6)));
    }
  }
  // A range inside one 1-2-5 step: linear ticks on the values.
  return out.length >= 2 ? out : linearTicks(lo, hi, 3).filter((v) => v > 0);
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** "10⁻³" for 1e-3. */
export function powerOfTen(exponent: number): string {
  return `10${String(exponent).replace(/./g, (c) => SUPERSCRIPT[c] ?? c)}`;
}

/** A tick label: short decimals, powers of ten as 10ᵏ on log axes outside 0.01 … 1000. */
export function formatTick(v: number, log = false): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  const e = Math.round(Math.log10(a));
  if (log && Math.abs(a / 10 ** e - 1) < 1e-9 && (e < -2 || e > 3)) return (v < 0 ? '−' : '') + powerOfTen(e);
  if (a >= 1e5 || a < 1e-3) {
    const [m, x] = v.toExponential(0).split('e');
    return `${m!.replace('-', '−')}×${powerOfTen(Number(x))}`;
  }
  return String(Number(v.toPrecision(4))).replace('-', '−');
}

/** Ticks for an asinh axis (sign-preserving, log-like beyond ±1): 0 and ±10^k, at most about `maxTicks`. */
export function asinhTicks(lo: number, hi: number, maxTicks = 9): number[] {
  const cand: number[] = [0];
  for (let e = 0; e <= 15; e++) cand.push(10 ** e, -(10 ** e));
  let ticks = cand.filter((v) => v >= lo && v <= hi).sort((a, b) => a - b);
  // Thin out decades (keeping 0 and ±1) until they fit.
  for (let every = 2; ticks.length > maxTicks; every++) ticks = cand.filter((v) => v >= lo && v <= hi && (v === 0 || Math.round(Math.log10(Math.abs(v))) % every === 0)).sort((a, b) => a - b);
  return ticks.length >= 2 ? ticks : linearTicks(lo, hi, 4);
}
