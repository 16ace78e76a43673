import { defineConfig } from 'vite';

// Node build: the CLI and the library entry, with every shader inlined as a string (`?raw`),
// so neither needs a loader at run time. `webgpu` (Dawn) stays an external dependency.
export default defineConfig({
  build: {
    ssr: true,
    outDir: 'dist/lib',
    target: 'node20',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    rollupOptions: {
      input: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
});
