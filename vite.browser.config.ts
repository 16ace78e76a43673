import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * Browser builds swap the Node-only module (src/gpu/node.ts: node:fs, the `webgpu` package) for its
 * stand-in src/gpu/node.browser.ts, so no bundler ever sees them. Used here and by the page build.
 */
export function browserOnly(): Plugin {
  const stub = fileURLToPath(new URL('./src/gpu/node.browser.ts', import.meta.url));
  return {
    name: 'wasserflow-browser-only',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === './node.js' && importer && /src[\\/]gpu[\\/]device\.ts$/.test(importer)) return stub;
      return null;
    },
  };
}

// Library build for browsers (the package's "browser" / default export): one ES module with the
// shaders inlined as strings (`?raw`) and wgsl-preprocessor bundled, so it needs no loader and no
// other package; it runs from a bundler (Vite, webpack, esbuild) or straight from a <script type=module>.
export default defineConfig({
  plugins: [browserOnly()],
  build: {
    outDir: 'dist/lib',
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: true,
    minify: false,
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: () => 'browser.js' },
    rollupOptions: { output: { codeSplitting: false } },
  },
});
