import { defineConfig } from 'vitest/config';
import { defaultIcd } from './src/gpu/icd.js';

// The Vulkan loader reads VK_ICD_FILENAMES when Dawn starts: set it here, in the process that
// starts the test runner, so every forked worker inherits it (DESIGN.md, "Facts measured").
// defaultIcd() is the CLI's choice (WASSERFLOW_ADAPTER, else a hardware GPU, else lavapipe, else
// SwiftShader), so tests run on the adapter users get; `npm run test:swiftshader` runs the other.
// SwiftShader and the Vulkan loader complain on every start when this is unset.
process.env.XDG_RUNTIME_DIR ??= '/tmp';
if (!process.env.VK_ICD_FILENAMES) {
  const icd = defaultIcd(process.env.WASSERFLOW_ADAPTER);
  if (icd) process.env.VK_ICD_FILENAMES = icd;
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Two cores: one GPU test file at a time per core; Dawn spins the JS thread while it waits.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['test/setup.ts'],
  },
});
