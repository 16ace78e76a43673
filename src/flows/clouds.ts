/** Point clouds for the flows' demos: samples of a Gaussian from the Philox CPU twin. */
import { rngFillCpu } from '../rng/philox.js';
import { InputError } from '../gpu/errors.js';
import { cholesky, type Gaussian } from './gaussian.js';

/** n samples (n×d floats) of N(mean, cov) drawn with the CPU Philox twin under (seed, stream). */
export function sampleGaussianCloud(g: Gaussian, n: number, seed: number, stream = 0): Float32Array {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`sampleGaussianCloud: n must be a positive integer, got ${n}`);
  const d = g.mean.length;
  const l = cholesky(g.cov, d);
  const z = rngFillCpu(n * d, seed, stream, 'normal');
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) {
      let v = g.mean[a]!;
      for (let b = 0; b <= a; b++) v += l[a * d + b]! * z[i * d + b]!;
      x[i * d + a] = v;
    }
  return x;
}
