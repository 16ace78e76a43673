/**
 * Node only: write a figure as SVG, its spec as JSON (re-render or restyle it with `renderSvg`), and
 * a PNG at twice the size for slides. The PNG comes from resvg (`@resvg/resvg-js`, an optional peer
 * dependency: a prebuilt renderer inside the npm package, no download at run time, system fonts);
 * without it the SVG and the spec are still written and the PNG is skipped.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FigureSpec } from './figure.js';
import { FONT_FAMILY, renderSvg } from './svg.js';

interface ResvgModule {
  Resvg: new (svg: string, opts: unknown) => { render(): { asPng(): Uint8Array } };
}

let resvg: Promise<ResvgModule | undefined> | undefined;

/** PNG bytes of an SVG at `scale` × its size, or undefined when `@resvg/resvg-js` is not installed. */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array | undefined> {
  resvg ??= import('@resvg/resvg-js').then((m) => m as unknown as ResvgModule).catch(() => undefined);
  const mod = await resvg;
  if (!mod) return undefined;
  const defaultFontFamily = FONT_FAMILY.split(',')[0]!.trim();
  return new mod.Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, font: { loadSystemFonts: true, defaultFontFamily }, background: 'white' }).render().asPng();
}

/** Write `<name>.svg`, `<name>.figure.json` and (with resvg) `<name>.png` into dir; returns the paths written. */
export async function writeFigure(dir: string, name: string, spec: FigureSpec): Promise<string[]> {
  const path = join(dir, `${name}.svg`);
  writeFileSync(path, renderSvg(spec));
  return [path, ...(await writeFigureCompanions(path, spec))];
}

/** Beside an SVG already written at `svgPath` (…/F.svg): F.figure.json and, with resvg, F.png. */
export async function writeFigureCompanions(svgPath: string, spec: FigureSpec): Promise<string[]> {
  const base = svgPath.replace(/\.svg$/i, '');
  const paths = [`${base}.figure.json`];
  writeFileSync(paths[0]!, JSON.stringify(spec, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v), 1));
  const png = await svgToPng(renderSvg(spec));
  if (png) {
    paths.push(`${base}.png`);
    writeFileSync(paths[1]!, png);
  }
  return paths;
}
