// Training on the GPU: finite-difference check of the full DSM loss gradient, Adam(W)'s first steps
// by hand, seeded repeatability, exact checkpoint round trip and resume.
import { describe, expect, it } from 'vitest';
import { makeDataset, type Dataset } from '../src/data/datasets.js';
import type { GpuContext } from '../src/gpu/context.js';
import { InputError } from '../src/gpu/errors.js';
import type { MlpSpec } from '../src/model/layout.js';
import { DdpmSigmoid, VpLinear } from '../src/processes/process.js';
import { Trainer, type TrainConfig } from '../src/train/trainer.js';
import { useGpu } from './gpu.js';

const small: MlpSpec = { dim: 2, hidden: [13, 9], activation: 'tanh', time: { kind: 'step', steps: 10 }, output: 'eps' };

describe('trainer', () => {
  const gpu = useGpu();

  async function withTrainer<T>(ctx: GpuContext, data: Dataset, cfg: Partial<TrainConfig>, fn: (t: Trainer) => Promise<T>): Promise<T> {
    const t = await Trainer.create(ctx, data, { spec: small, process: new DdpmSigmoid({ steps: 10 }), batch: 37, weighting: 'paper', seed: 5, ...cfg });
    try {
      return await fn(t);
    } finally {
      t.destroy();
    }
  }

  it('the full DSM loss gradient matches central finite differences', async () => {
    const ctx = gpu();
    const data = await makeDataset(ctx, 'moons', { n: 500, seed: 2 });
    try {
      for (const cfg of [
        { spec: small },
        { spec: { ...small, activation: 'softplus', hidden: [11], time: { kind: 'fourier', features: 2 }, output: 'velocity' } as MlpSpec, process: new VpLinear({}), timeSampling: 'antithetic' as const },
      ]) {
        await withTrainer(ctx, data, cfg, async (t) => {
          const { loss, gradient } = await t.evaluate(3, true);
          const p0 = await t.readParams();
          const L = t.mlp.layout;
          // A spread of parameters: weights of each layer, biases, embeddings.
          const probe = L.layers.flatMap((l) => [l.wOffset, l.wOffset + l.in * l.out - 1, l.bOffset + 1, ...(l.eOffset >= 0 ? [l.eOffset + 3 * l.out + 2] : [])]);
          const h = 1e-2;
          for (const i of probe) {
            const p = p0.slice();
            p[i] = p0[i]! + h;
            t.mlp.writeParams(p);
            const up = (await t.evaluate(3)).loss;
            p[i] = p0[i]! - h;
            t.mlp.writeParams(p);
            const down = (await t.evaluate(3)).loss;
            const fd = (up - down) / (2 * h);
            // Central differences: O(h²) truncation (~1e-4 here) plus f32 loss rounding ~1e-7·|J|/h.
            expect(gradient![i]!, `parameter ${i}`).toBeAllclose(fd, { rtol: 2e-2, atol: 3e-4 * Math.max(1, loss) });
          }
          t.mlp.writeParams(p0);
        });
      }
    } finally {
      data.destroy();
    }
  });
});
