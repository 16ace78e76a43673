import { readdirSync } from 'node:fs';
import { defineConfig } from 'vite';

// Node build of the benchmarks: every bench/<name>.ts → dist/bench/<name>.js, shaders inlined as
// strings like the library build. Run with `npm run build:bench && node dist/bench/<name>.js`.
const inputs = Object.fromEntries(
  readdirSync('bench')
    .filter((f) => f.endsWith('.ts') && !f.includes('config'))
    .map((f) => [f.replace(/\.ts$/, ''), `bench/${f}`]),
);

export default defineConfig({
  build: {
    ssr: true,
    outDir: 'dist/bench',
    target: 'node20',
    emptyOutDir: true,
    minify: false,
    rollupOptions: { input: inputs, output: { format: 'es', entryFileNames: '[name].js' } },
  },
});
