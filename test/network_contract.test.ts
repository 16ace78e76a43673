// The sampler's fused MLP and the trainer's MLP implement the same network (src/model/layout.ts):
// the trainer's GPU forward (Mlp.evaluate) equals the float64 forward that the sampler tests use as
// their reference, for per-step embeddings and Fourier time features.
import { describe, expect, it } from 'vitest';
import { Mlp } from '../src/train/mlp.js';
import type { MlpSpec } from '../src/model/layout.js';
import { rngFillCpu } from '../src/rng/philox.js';
import { useGpu } from './gpu.js';
import { mlpForwardRef } from './reference/sampler.js';

describe('network contract between trainer and sampler', () => {
  const gpu = useGpu();
  const specs: MlpSpec[] = [
    { dim: 2, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' },
    { dim: 2, hidden: [24, 17], activation: 'silu', time: { kind: 'fourier', features: 3 }, output: 'score' },
  ];
  for (const spec of specs) {
    it(`${spec.time.kind} conditioning: Mlp.evaluate equals the sampler's float64 forward`, async () => {
      const ctx = gpu();
      const mlp = await Mlp.create(ctx, spec, { seed: 4 });
      try {
        const params = await mlp.readParams();
        const n = 37;
        const x = rngFillCpu(n * 2, 6, 1, 'normal');
        // Trainer convention: a step index for 'step', τ = t/T in [0, 1] for 'fourier'.
        const t = spec.time.kind === 'step' ? 7 : 0.3;
        const got = await mlp.evaluate(x, t);
        const want: number[] = [];
        for (let i = 0; i < n; i++) {
          const xi = [x[2 * i]!, x[2 * i + 1]!];
          want.push(...mlpForwardRef(spec, params, xi, spec.time.kind === 'fourier' ? t : 0, spec.time.kind === 'step' ? t : 0));
        }
        // f32 sums of ≤ 64 products of O(1) terms: ~1e-6 relative.
        expect(got).toBeAllclose(want, { rtol: 1e-4, atol: 1e-5 });
      } finally {
        mlp.destroy();
      }
    });
  }
});
