// Small helpers shared by several test files (no assertions here).
import { rngFillCpu } from '../src/rng/philox.js';
import { spatialOrder } from '../src/transport/truncation.js';

/** n seeded uniforms in [lo, hi). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  return Float64Array.from(rngFillCpu(n, seed, 0, 'uniform'), (u) => lo + (hi - lo) * u);
}

/** n points of `raw` (n×d) in k-d tree order, as the solver sorts each cloud. */
export function sorted(raw: ArrayLike<number>, n: number, d: number): Float32Array {
  const p = Float32Array.from(raw);
  const order = spatialOrder(p, n, d);
  const out = new Float32Array(n * d);
  for (let k = 0; k < n; k++) for (let c = 0; c < d; c++) out[k * d + c] = p[order[k]! * d + c]!;
  return out;
}

/** Run a CLI command with console.log captured: its exit code and what it printed. */
export async function printed(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    return { code: await fn(), out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}
