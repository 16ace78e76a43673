import { defineConfig } from 'vite';

// Node build of the benchmark runners (bench/node.ts: `npm run bench`; bench/headless.ts:
// `npm run bench:headless`) into dist/bench, shaders inlined as in the library build. Every
// bench/*.bench.ts is found at build time (import.meta.glob in bench/suite.ts).
export default defineConfig({
  build: {
    ssr: true,
    outDir: 'dist/bench',
    target: 'node20',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    rollupOptions: {
      input: { node: 'bench/node.ts', headless: 'bench/headless.ts' },
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
});
