#!/usr/bin/env node
// Entry point of the `wasserflow` command. The TypeScript sources are built into dist/lib by
// `npm run build` (run automatically by `npm ci` / `npm install` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/lib/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error(`wasserflow: ${cli} is missing; run 'npm run build' first`);
  process.exit(1);
}
// SwiftShader and the Vulkan loader complain when this is unset; give them a private directory.
process.env.XDG_RUNTIME_DIR ??= '/tmp';
await import(cli);
