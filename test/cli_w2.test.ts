// `wasserflow w2` on the CPU methods: weights files, unequal sizes, the optimal plan, method auto,
// 100-D clouds, and the refusals of bad weight files (each naming the file and the problem).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/commands/w2.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { w2sqExact1d } from '../src/transport/exact.js';
import { EXACT_MAX_PAIRS, exactOT } from '../src/transport/network_simplex.js';
import { chooseMethod } from '../src/transport/w2.js';

const dir = mkdtempSync(join(tmpdir(), 'wf-w2-'));

/** Write n points of dimension d (seeded normals, scaled and shifted) as CSV; returns the float32 values. */
function writeCloud(name: string, n: number, d: number, seed: number, scale = 1, shift = 0): { file: string; data: Float32Array } {
  const z = rngFillCpu(n * d, seed, 0, 'normal');
  const data = Float32Array.from(z, (v, k) => scale * v + (k % d === 0 ? shift : 0));
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(Array.from(data.subarray(i * d, (i + 1) * d)).join(','));
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return { file, data };
}

function writeLines(name: string, values: readonly (number | string)[]): string {
  const file = join(dir, name);
  writeFileSync(file, values.join('\n') + '\n');
  return file;
}

/** Run the command with --json and return the parsed output. */
async function w2json(args: string[]): Promise<Record<string, unknown>> {
  const log = console.log;
  const lines: string[] = [];
  console.log = (s: string) => lines.push(s);
  try {
    expect(await run([...args, '--json'])).toBe(0);
  } finally {
    console.log = log;
  }
  return JSON.parse(lines.at(-1)!) as Record<string, unknown>;
}

describe('wasserflow w2 (CPU methods)', () => {
  const X = writeCloud('x.csv', 90, 2, 1);
  const Y = writeCloud('y.csv', 60, 2, 2, 0.5, 1);
  const wx = Float64Array.from(rngFillCpu(90, 3), (u) => u + 0.1);
  const wy = Float64Array.from(rngFillCpu(60, 4), (u) => u + 0.1);
  const fwx = writeLines('wx.txt', Array.from(wx));
  const fwy = writeLines('wy.txt', Array.from(wy));

  it('exact W2 between weighted clouds of unequal sizes, with the plan written as CSV', async () => {
    const planFile = join(dir, 'plan.csv');
    const r = await w2json([X.file, Y.file, '--method', 'exact', '--x-weights', fwx, '--y-weights', fwy, '--plan', planFile]);
    const ref = exactOT(X.data, Y.data, 2, { a: wx, b: wy });
    expect(r.w2sq).toBeAllclose(ref.cost, { rtol: 1e-12 });
    expect(r).toMatchObject({ method: 'exact', solver: 'network-simplex', n: 90, m: 60, weighted: true, marginalError: 0 });
    const rows = readFileSync(planFile, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('i,j,mass');
    expect(rows.length - 1).toBeLessThanOrEqual(90 + 60 - 1);
    // The plan's marginals are the normalised weights.
    const rowSum = new Float64Array(90);
    for (const line of rows.slice(1)) {
      const [i, , p] = line.split(',').map(Number) as [number, number, number];
      rowSum[i] = rowSum[i]! + p;
    }
    const total = wx.reduce((s, v) => s + v, 0);
    expect(rowSum).toBeAllclose(wx.map((v) => v / total), { atol: 1e-14 });
  });

  it('method auto (the default) runs the exact solver on small clouds and says why', async () => {
    const r = await w2json([X.file, Y.file]);
    expect(r.method).toBe('exact');
    expect(String(r.reason)).toMatch(/exact solver is faster/);
    expect(r.w2sq).toBeAllclose(exactOT(X.data, Y.data, 2).cost, { rtol: 1e-12 });
  });

  it('weighted 1-D: exact1d and the network simplex agree with the quantile coupling', async () => {
    const A = writeCloud('a1.csv', 90, 1, 5);
    const B = writeCloud('b1.csv', 60, 1, 6, 2, 1);
    const ref = w2sqExact1d(A.data, B.data, wx.map((v) => v / wx.reduce((s, u) => s + u, 0)), wy.map((v) => v / wy.reduce((s, u) => s + u, 0)));
    for (const method of ['exact1d', 'exact', 'auto']) {
      const r = await w2json([A.file, B.file, '--method', method, '--x-weights', fwx, '--y-weights', fwy]);
      expect(r.w2sq).toBeAllclose(ref, { rtol: 1e-10 });
    }
  });

  it('100-D clouds: exact W2 matches the solver on the same float32 points', async () => {
    const A = writeCloud('a100.csv', 70, 100, 7);
    const B = writeCloud('b100.csv', 50, 100, 8, 1, 0.5);
    const r = await w2json([A.file, B.file, '--method', 'exact']);
    expect(r.d).toBe(100);
    // The command reads float32 CSV values and solves the same problem as the library (which is
    // checked against POT at 100-D in transport_network_simplex.test.ts); sliced W2² is below W2²
    // (each projection is 1-Lipschitz, so every sliced term is at most W2²).
    expect(r.w2sq).toBeAllclose(exactOT(A.data, B.data, 100).cost, { rtol: 1e-12 });
    const sliced = await w2json([A.file, B.file, '--method', 'sliced', '--directions', '16']);
    expect(Number(sliced.w2sq)).toBeLessThan(Number(r.w2sq));
  });

  it('refuses bad weight files, naming the file and the problem', async () => {
    const bad = async (values: (number | string)[], pattern: RegExp) => {
      const f = writeLines('bad.txt', values);
      await expect(run([X.file, Y.file, '--x-weights', f])).rejects.toThrow(pattern);
    };
    await bad([...Array(89).fill(1), -1], /bad\.txt:90: weight -1 is negative/);
    await bad([...Array(89).fill(1), 'NaN'], /bad\.txt:90: weight 'NaN' is not a finite number/);
    await bad([...Array(89).fill(1), '1.0x'], /bad\.txt:90: weight '1.0x' is not a finite number/);
    await bad(Array(90).fill(0), /bad\.txt: all weights are zero/);
    await bad(Array(89).fill(1), /bad\.txt: 89 weights for the 90 points of .*x\.csv/);
    await expect(run([X.file, Y.file, '--y-weights', join(dir, 'missing.txt')])).rejects.toThrow(/missing\.txt: cannot read/);
    await expect(run([X.file, Y.file, '--method', 'sliced', '--plan', join(dir, 'p.csv')])).rejects.toThrow(/--plan needs --method exact/);
    await expect(run([X.file, Y.file, '--method', 'sinkhorn', '--checks', 'eager'])).rejects.toThrow(/--checks must be sync or pipelined, got 'eager'/);
  });

  it('reads CSV values as float64: clouds around 1e7 keep their differences; hex is refused', async () => {
    // Y = X + (0.3, -0.4): W2 = 0.5 exactly. Read as f32 (an ulp of 1 at 1e7) it came out 0.3–0.9.
    const z = rngFillCpu(80 * 2, 9, 0, 'normal');
    const row = (i: number, dx: number, dy: number) => `${(1e7 + z[2 * i]! + dx).toPrecision(17)},${(1e7 + z[2 * i + 1]! + dy).toPrecision(17)}`;
    const fx = writeLines('far-x.csv', Array.from({ length: 80 }, (_, i) => row(i, 0, 0)));
    const fy = writeLines('far-y.csv', Array.from({ length: 80 }, (_, i) => row(i, 0.3, -0.4)));
    const r = await w2json([fx, fy, '--method', 'exact']);
    // Printing with 17 digits and reading back is exact; x + 1e7 + t rounds by ~1e-9.
    expect(r.w2).toBeAllclose(0.5, { atol: 1e-8 });
    const hex = writeLines('hex.csv', ['1,2', '0x10,3']);
    await expect(run([hex, fy])).rejects.toThrow(/hex\.csv:2: value 1 '0x10' is not a finite decimal number/);
  });

  it('says on stderr when a flag of another method is ignored', async () => {
    const err = console.error;
    const notes: string[] = [];
    console.error = (s: string) => notes.push(s);
    try {
      const r = await w2json([X.file, Y.file, '--blur', '0.1', '--seed', '3']);
      expect(r.method).toBe('exact');
    } finally {
      console.error = err;
    }
    expect(notes).toEqual([
      'wasserflow w2: note: --blur applies only to method sinkhorn; method auto chose exact for this size (--method sinkhorn to use them): ignored',
      'wasserflow w2: note: --seed applies only to method sliced; method auto chose exact for this size (--method sliced to use them): ignored',
    ]);
  });

  it('zero weights drop their points (the same measure)', async () => {
    const z = Array.from(wx);
    z[3] = 0;
    const zf = writeLines('wz.txt', z);
    const r = await w2json([X.file, Y.file, '--method', 'exact', '--x-weights', zf]);
    const keep = Array.from({ length: 90 }, (_, i) => i).filter((i) => i !== 3);
    const xs = Float32Array.from(keep.flatMap((i) => [X.data[2 * i]!, X.data[2 * i + 1]!]));
    expect(r.w2sq).toBeAllclose(exactOT(xs, Y.data, 2, { a: keep.map((i) => z[i]!) }).cost, { rtol: 1e-12 });
  });
});

describe("method 'auto'", () => {
  const c = (n: number, d: number) => ({ n, d });
  it('picks exact1d in 1-D, exact for small clouds in any dimension, Sinkhorn for large clouds on a GPU (stored costs above 64-D)', () => {
    expect(chooseMethod(c(10 ** 6, 1), c(10 ** 6, 1)).method).toBe('exact1d');
    expect(chooseMethod(c(900, 2), c(600, 2)).method).toBe('exact');
    expect(chooseMethod(c(900, 100), c(600, 100)).method).toBe('exact');
    expect(chooseMethod(c(3000, 784), c(2000, 784), { isSoftware: false })).toMatchObject({ method: 'sinkhorn', reason: expect.stringMatching(/on a GPU/) });
    expect(chooseMethod(c(2000, 2), c(2000, 2), { isSoftware: false })).toMatchObject({ method: 'sinkhorn', reason: expect.stringMatching(/on a GPU/) });
    // On a software adapter the GPU Sinkhorn runs on the CPU: exact wins wherever it fits.
    expect(chooseMethod(c(2000, 2), c(2000, 2), { isSoftware: true })).toMatchObject({ method: 'exact', reason: expect.stringMatching(/software adapter/) });
    expect(chooseMethod(c(6000, 2), c(5000, 2), { isSoftware: true }).method).toBe('sinkhorn');
  });
});
