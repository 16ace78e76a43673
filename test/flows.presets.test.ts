// Every demonstration preset (shared by the CLI and the page's Flows tab) builds, measures and
// advances at a tiny size, and owns what it allocates (useGpu checks for leaked buffers).
import { describe, expect, it } from 'vitest';
import { createPreset, PRESET_KINDS } from '../src/flows/presets.js';
import { InputError } from '../src/gpu/errors.js';
import { useGpu } from './gpu.js';

describe('flow presets', () => {
  const gpu = useGpu();

  for (const kind of PRESET_KINDS) {
    it(`${kind}: builds, measures, advances one step`, async () => {
      const ctx = gpu();
      const preset = await createPreset(ctx, kind, { n: 64, steps: 3, trainSteps: 5, w2: 'moment', genSteps: 2 });
      try {
        expect(preset.target.length % 2).toBe(0);
        expect(preset.title.length).toBeGreaterThan(0);
        const first = await preset.flow.measure();
        const next = await preset.flow.advance(1);
        expect(next.step).toBe(first.step + 1);
        expect(Number.isFinite(first.w2) && Number.isFinite(next.w2)).toBe(true);
        expect((await preset.flow.cloud()).length).toBe(64 * 2);
      } finally {
        preset.destroy();
      }
    });
  }

  it('rejects an unknown kind', async () => {
    await expect(createPreset(gpu(), 'gan' as never)).rejects.toThrow(InputError);
  });
});
