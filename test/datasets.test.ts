// GPU datasets: mixture samples match their exact description's moments (within Monte-Carlo error),
// the non-Gaussian toys have their defining structure, one seed gives the same points, CSV parsing.
import { describe, expect, it } from 'vitest';
import { DATASETS, datasetMixture, makeDataset, type DatasetName } from '../src/data/datasets.js';
import { useGpu } from './gpu.js';

function moments(x: Float32Array, d: number): { mean: number[]; cov: number[][] } {
  const n = x.length / d;
  const mean = Array.from({ length: d }, (_, j) => { let s = 0; for (let i = 0; i < n; i++) s += x[i * d + j]!; return s / n; });
  const cov = Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (x[i * d + a]! - mean[a]!) * (x[i * d + b]! - mean[b]!);
    return s / n;
  }));
  return { mean, cov };
}

describe('datasets', () => {
  const gpu = useGpu();

  for (const name of ['cluster1d', 'clusters2-1d', 'clusters4', '8gaussians'] as DatasetName[]) {
    it(`${name}: mean and covariance match the exact mixture`, async () => {
      const ctx = gpu();
      const n = 20_003; // not a multiple of the workgroup size
      const ds = await makeDataset(ctx, name, { n, seed: 9 });
      try {
        const x = await ctx.readF32(ds.data);
        const mix = datasetMixture(name)!;
        const d = ds.d;
        // Exact mixture moments: m = Σ w μ, C = Σ w (Σ_k + μ μᵀ) − m mᵀ.
        const m = Array.from({ length: d }, (_, j) => mix.weights.reduce((s, w, k) => s + w * mix.means[k]![j]!, 0));
        const C = Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) =>
          mix.weights.reduce((s, w, k) => s + w * (mix.covs[k]![a]![b]! + mix.means[k]![a]! * mix.means[k]![b]!), 0) - m[a]! * m[b]!));
        const got = moments(x, d);
        const sd = Math.sqrt(Math.max(...C.map((r, i) => r[i]!)));
        // Standard errors: sd/√n for the mean, ~√2·var/√n for the covariance; 5 of them.
        expect(got.mean).toBeAllclose(m, { atol: (5 * sd) / Math.sqrt(n), rtol: 0 });
        expect(got.cov.flat()).toBeAllclose(C.flat(), { atol: (5 * Math.SQRT2 * sd * sd) / Math.sqrt(n), rtol: 0 });
        expect(ds.exact).toBe(true);
      } finally {
        ds.destroy();
      }
    });
  }

  it('cluster2d is N(0, 0.1 I) clamped to [-1, 1]; checkerboard, moons and swiss roll have their shapes', async () => {
    const ctx = gpu();
    const get = async (name: DatasetName) => {
      const ds = await makeDataset(ctx, name, { n: 5000, seed: 4 });
      try {
        return await ctx.readF32(ds.data);
      } finally {
        ds.destroy();
      }
    };
    const c2 = await get('cluster2d');
    expect(Math.max(...c2.map(Math.abs))).toBeLessThanOrEqual(1);
    expect(moments(c2, 2).cov[0]![0]).toBeAllclose(0.1, { rtol: 0.1 });
    const cb = await get('checkerboard');
    let offBoard = 0;
    for (let i = 0; i < cb.length; i += 2) {
      const a = Math.floor(cb[i]! / 0.5), b = Math.floor(cb[i + 1]! / 0.5);
      if (Math.abs(cb[i]!) > 1 || Math.abs(cb[i + 1]!) > 1 || (((a + b) % 2) + 2) % 2 !== 0) offBoard++; // black cells only
    }
    expect(offBoard).toBe(0);
    const mo = await get('moons');
    // Every point within 5 noise std (0.1 × 0.5) of its arc: outer (cos θ, sin θ)/2, inner (1 - cos θ, 0.5 - sin θ)/2.
    let far = 0;
    for (let i = 0; i < mo.length / 2; i++) {
      const [x, y] = [mo[2 * i]! * 2, mo[2 * i + 1]! * 2];
      const outer = Math.abs(Math.hypot(x, y) - 1);
      const inner = Math.abs(Math.hypot(x - 1, y - 0.5) - 1);
      if (Math.min(outer, inner) >= 0.5) far++;
    }
    expect(far).toBe(0);
    const sr = await get('swissroll');
    expect(Math.max(...sr.map(Math.abs))).toBeLessThan(2);
  });

  it('one seed gives the same points, another seed different ones', async () => {
    const ctx = gpu();
    const pts = async (seed: number) => {
      const ds = await makeDataset(ctx, 'moons', { n: 1000, seed });
      try {
        return await ctx.readF32(ds.data);
      } finally {
        ds.destroy();
      }
    };
    const a = await pts(1);
    expect(await pts(1)).toEqual(a);
    expect(await pts(2)).not.toEqual(a);
    expect(DATASETS.length).toBe(8);
  });
});
