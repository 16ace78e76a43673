// Training that is interrupted: an aborted train() leaves no stale loss behind (the next loss is
// the one an uninterrupted trainer reports), a destroyed trainer refuses by name, and a checkpoint
// taken mid-run resumes to the same bytes as a run that never stopped.
import { describe, expect, it } from 'vitest';
import { makeDataset } from '../src/data/datasets.js';
import { CancelledError, InputError } from '../src/gpu/errors.js';
import type { MlpSpec } from '../src/model/layout.js';
import { DdpmSigmoid } from '../src/processes/process.js';
import { Trainer, type TrainConfig } from '../src/train/trainer.js';
import { useGpu } from './gpu.js';

const spec: MlpSpec = { dim: 2, hidden: [13, 9], activation: 'silu', time: { kind: 'step', steps: 10 }, output: 'eps' };
const config = (): TrainConfig => ({ spec, process: new DdpmSigmoid({ steps: 10 }), batch: 37, weighting: 'paper', seed: 11, lossEvery: 10, stepsPerSubmit: 4, ema: 0.9 });

describe('interrupted training', () => {
  const gpu = useGpu();

  it('the first loss after an aborted train() equals the uninterrupted run (no stale accumulator)', async () => {
    const ctx = gpu();
    const data = await makeDataset(ctx, 'moons', { n: 300, seed: 2 });
    const a = await Trainer.create(ctx, data, config());
    const b = await Trainer.create(ctx, data, config());
    try {
      // train() encodes and submits every chunk up to the first loss read synchronously, then awaits
      // the readback: aborting now cancels that wait after the 10 steps ran on the GPU.
      const abort = new AbortController();
      const run = a.train(30, { signal: abort.signal });
      abort.abort();
      await expect(run).rejects.toThrow(CancelledError);
      expect(a.step).toBe(10);
      await b.train(10);
      const la = await a.train(20);
      const lb = await b.train(20);
      expect(la).toEqual(lb);
      expect(await a.saveCheckpoint()).toEqual(await b.saveCheckpoint());
    } finally {
      a.destroy();
      b.destroy();
      data.destroy();
    }
  });

  it('a trainer used after destroy() throws an InputError naming it', async () => {
    const ctx = gpu();
    const data = await makeDataset(ctx, 'moons', { n: 100, seed: 2 });
    try {
      const t = await Trainer.create(ctx, data, config());
      t.destroy();
      await expect(t.train(5)).rejects.toThrow(/destroyed/);
      await expect(t.train(5)).rejects.toThrow(InputError);
      await expect(t.readParams()).rejects.toThrow(/destroyed/);
      await expect(t.saveCheckpoint()).rejects.toThrow(/destroyed/);
      t.destroy(); // twice is harmless
      // EMA weights only exist when the run has an EMA decay (otherwise: the initial network).
      const plain = await Trainer.create(ctx, data, { ...config(), ema: 0 });
      await expect(plain.readParams('ema')).rejects.toThrow(/trains without EMA/);
      plain.destroy();
    } finally {
      data.destroy();
    }
  });
});
