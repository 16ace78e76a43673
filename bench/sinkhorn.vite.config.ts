import { defineConfig } from 'vite';

// Node build of the benchmarks (bench/sinkhorn.ts → dist/bench-sinkhorn/sinkhorn.js), shaders inlined as strings like the
// library build. Run with `npm run bench:sinkhorn`.
export default defineConfig({
  build: {
    ssr: true,
    outDir: 'dist/bench-sinkhorn',
    target: 'node20',
    emptyOutDir: true,
    minify: false,
    rollupOptions: {
      input: { sinkhorn: 'bench/sinkhorn.ts' },
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
});
