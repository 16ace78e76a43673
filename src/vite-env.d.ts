/// <reference types="vite/client" />
declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}
declare module 'wgsl-preprocessor/wgsl-preprocessor.js' {
  export function wgsl(strings: TemplateStringsArray, ...values: unknown[]): string;
}
