import { defineConfig } from 'vite';
import { browserOnly } from './vite.browser.config.js';

// The playground/benchmark page (index.html). `npm run dev` serves it; `vite build` writes dist/web.
export default defineConfig({
  plugins: [browserOnly()],
  build: { outDir: 'dist/web', target: 'es2022', emptyOutDir: true },
  server: { host: '127.0.0.1' },
});
