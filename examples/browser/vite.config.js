import { defineConfig } from 'vite';

// Top-level await in main.js needs an ES2022 target; wasserflow needs no other configuration
// (its shaders are inlined strings, and its browser build has no Node-only code).
export default defineConfig({ build: { target: 'es2022' } });
