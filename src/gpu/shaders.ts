/**
 * Shader composition. Every kernel imports its own `shaders/<name>.wgsl` as a string (`?raw`), which
 * Vite (browser), Vitest and the Node build all resolve the same way, so no loader is needed at run
 * time. Snippets in `shaders/lib/` are pulled in with `#include "name"` and conditional code is
 * resolved by wgsl-preprocessor (`#if NAME` / `#elif NAME` / `#else` / `#endif`, NAME a define).
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { InputError } from './errors.js';

const libFiles = import.meta.glob('../../shaders/lib/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** Library snippets by name (file name without `.wgsl`). */
export const shaderLib: ReadonlyMap<string, string> = new Map(
  Object.entries(libFiles).map(([path, text]) => [path.replace(/^.*\//, '').replace(/\.wgsl$/, ''), text]),
);

export interface ComposeOptions {
  /** Boolean switches for `#if NAME`. Unknown names are false. */
  defines?: Record<string, boolean>;
  /** WGSL declarations prepended to the source (e.g. a params struct generated from TypeScript). */
  prelude?: readonly string[];
}

const INCLUDE = /^[ \t]*#include\s+"([\w-]+)"[ \t]*$/gm;

function expandIncludes(source: string, seen: Set<string>): string {
  return source.replace(INCLUDE, (_m, name: string) => {
    if (seen.has(name)) return `// #include "${name}" (already included)`;
    const text = shaderLib.get(name);
    if (text === undefined) throw new InputError(`#include "${name}": no shaders/lib/${name}.wgsl`);
    seen.add(name);
    return expandIncludes(text, seen);
  });
}

/** Expand includes, resolve `#if` blocks, prepend the prelude. Returns the final WGSL. */
export function composeShader(source: string, options: ComposeOptions = {}): string {
  // Directives inside `//` comments are text, not directives: neutralise their '#' so that
  // wgsl-preprocessor (which matches '#if' anywhere) does not count them.
  const expanded = expandIncludes(source, new Set()).replace(/\/\/.*$/gm, (c) => c.replace(/#(?=if|elif|else|endif)/g, '# '));
  const defines = options.defines ?? {};
  // Turn `#if NAME` into the template form wgsl-preprocessor expects: `#if ${value}`.
  const strings: string[] = [];
  const values: boolean[] = [];
  let last = 0;
  for (const m of expanded.matchAll(/#(if|elif)[ \t]+(\w+)/g)) {
    strings.push(expanded.slice(last, m.index) + `#${m[1]} `);
    values.push(defines[m[2]!] === true);
    last = m.index + m[0].length;
  }
  strings.push(expanded.slice(last));
  const raw = Object.assign([...strings], { raw: strings }) as unknown as TemplateStringsArray;
  const body = wgsl(raw, ...values);
  return [...(options.prelude ?? []), body].join('\n');
}
