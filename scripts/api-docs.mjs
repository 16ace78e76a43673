#!/usr/bin/env node
// Generates the reference part of docs/api.md from the public entry point's types and JSDoc
// (src/index.ts), with the TypeScript compiler API. The hand-written guide above the
// `<!-- generated -->` marker is kept. Run: `npm run docs:api` (after adding public exports).
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const ENTRY = resolve(ROOT, 'src/index.ts');
const OUT = resolve(ROOT, 'docs/api.md');
const MARKER = '<!-- generated: everything below is written by scripts/api-docs.mjs -->';

const config = ts.getParsedCommandLineOfConfigFile(resolve(ROOT, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
const program = ts.createProgram([ENTRY], { ...config.options, noEmit: true });
const checker = program.getTypeChecker();
const entry = program.getSourceFile(ENTRY);
const moduleSymbol = checker.getSymbolAtLocation(entry);

const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;
const oneLine = (s) => s.replace(/\s+/g, ' ').trim();
const doc = (sym) => oneLine(ts.displayPartsToString(sym.getDocumentationComment(checker)));
const code = (s) => '`' + oneLine(s).replace(/`/g, "'") + '`';
const isPublic = (decl) => {
  const mods = ts.getCombinedModifierFlags(decl);
  return !(mods & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) && !(decl.name && ts.isPrivateIdentifier(decl.name));
};

function members(sym, type, isStatic) {
  const rows = [];
  const props = isStatic ? checker.getPropertiesOfType(checker.getTypeOfSymbolAtLocation(sym, sym.valueDeclaration)) : checker.getPropertiesOfType(type);
  for (const p of props) {
    const decl = p.valueDeclaration ?? p.declarations?.[0];
    if (!decl || !isPublic(decl) || p.name === 'prototype' || p.name.startsWith('#')) continue;
    // Only members declared in this project (not inherited from Error, Object...).
    if (!decl.getSourceFile().fileName.startsWith(resolve(ROOT, 'src'))) continue;
    const t = checker.getTypeOfSymbolAtLocation(p, decl);
    const sigs = t.getCallSignatures();
    const opt = p.flags & ts.SymbolFlags.Optional ? '?' : '';
    const sig = sigs.length && (ts.isMethodDeclaration(decl) || ts.isMethodSignature(decl))
      ? sigs.map((s) => `${p.name}${checker.signatureToString(s, undefined, flags)}`).join('; ')
      : ts.isGetAccessor(decl)
        ? `get ${p.name}: ${checker.typeToString(t, undefined, flags)}`
        : `${p.name}${opt}: ${checker.typeToString(t, undefined, flags)}`;
    rows.push(`  - ${isStatic ? 'static ' : ''}${code(sig)}${doc(p) ? ` — ${doc(p)}` : ''}`);
  }
  return rows;
}

function describe(name, sym) {
  const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
  const decl = target.declarations?.[0];
  if (!decl) return undefined;
  const file = relative(ROOT, decl.getSourceFile().fileName);
  const lines = [];
  const text = doc(target);
  if (target.flags & ts.SymbolFlags.Class) {
    lines.push(`- **class ${name}**${text ? ` — ${text}` : ''}`);
    const inst = checker.getDeclaredTypeOfSymbol(target);
    lines.push(...members(target, inst, true), ...members(target, inst, false));
  } else if (target.flags & ts.SymbolFlags.Function) {
    const t = checker.getTypeOfSymbolAtLocation(target, decl);
    for (const s of t.getCallSignatures()) lines.push(`- ${code(`function ${name}${checker.signatureToString(s, undefined, flags)}`)}${text ? ` — ${text}` : ''}`);
  } else if (target.flags & ts.SymbolFlags.Interface) {
    lines.push(`- **interface ${name}**${text ? ` — ${text}` : ''}`);
    lines.push(...members(target, checker.getDeclaredTypeOfSymbol(target), false));
  } else if (target.flags & ts.SymbolFlags.TypeAlias) {
    const t = checker.getDeclaredTypeOfSymbol(target);
    const body = ts.isTypeAliasDeclaration(decl) ? decl.type.getText() : checker.typeToString(t, undefined, flags);
    lines.push(`- ${code(`type ${name} = ${body}`)}${text ? ` — ${text}` : ''}`);
  } else if (target.flags & ts.SymbolFlags.Variable) {
    const t = checker.getTypeOfSymbolAtLocation(target, decl);
    lines.push(`- ${code(`const ${name}: ${checker.typeToString(t, undefined, flags)}`)}${text ? ` — ${text}` : ''}`);
  } else return undefined;
  return { file, lines };
}

const byFile = new Map();
for (const sym of checker.getExportsOfModule(moduleSymbol).sort((a, b) => a.name.localeCompare(b.name))) {
  const d = describe(sym.name, sym);
  if (!d) continue;
  if (!byFile.has(d.file)) byFile.set(d.file, []);
  byFile.get(d.file).push(...d.lines);
}

const parts = [MARKER, '', '## Reference (generated from the types)', ''];
parts.push('Every export of the package entry point, grouped by the source file that defines it.', '');
for (const file of [...byFile.keys()].sort()) {
  parts.push(`### ${file}`, '', ...byFile.get(file), '');
}
let head = '';
try {
  const cur = readFileSync(OUT, 'utf8');
  const i = cur.indexOf(MARKER);
  head = i >= 0 ? cur.slice(0, i) : cur + '\n';
} catch {
  head = '# API reference\n\n';
}
writeFileSync(OUT, head + parts.join('\n'));
console.log(`docs/api.md: ${[...byFile.values()].reduce((n, l) => n + l.length, 0)} lines of reference from ${byFile.size} files`);
