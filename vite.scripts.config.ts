import { basename } from 'node:path';
import { defineConfig } from 'vite';

// Node build of one script of scripts/ written in TypeScript against src/ (shaders inlined as in the
// library build, import.meta.glob resolved), into dist/scripts:
//   SCRIPT=scripts/profile-sinkhorn-solve.ts npx vite build --config vite.scripts.config.ts
//   node dist/scripts/profile-sinkhorn-solve.js 100000 full
const script = process.env.SCRIPT;
if (!script) throw new Error('vite.scripts.config.ts: set SCRIPT to the script to build (e.g. SCRIPT=scripts/profile-sinkhorn-solve.ts)');

export default defineConfig({
  logLevel: 'warn',
  build: {
    ssr: true,
    outDir: 'dist/scripts',
    target: 'node20',
    emptyOutDir: false,
    minify: false,
    rollupOptions: {
      input: { [basename(script).replace(/\.ts$/, '')]: script },
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
});
