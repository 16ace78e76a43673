/** Small helpers shared by CLI subcommands: option parsing with clear errors, progress output. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../api/library.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<T extends Options>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), allowPositionals: true, strict: true, options });
  } catch (e) {
    throw new InputError(`${(e as Error).message}\nusage: ${usage}`);
  }
}

/** `--ls -0.5` → `--ls=-0.5` for string options, so negative numbers need no `=` (parseArgs refuses them). */
function joinNegativeValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Parse a numeric option: finite, and within [min, max] when given. */
export function num(value: string | undefined, name: string, fallback: number, range: { min?: number; max?: number; int?: boolean } = {}): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!Number.isFinite(v)) throw new InputError(`--${name} must be a number, got '${value}'`);
  if (range.int && !Number.isInteger(v)) throw new InputError(`--${name} must be an integer, got ${value}`);
  if (range.min !== undefined && v < range.min) throw new InputError(`--${name} must be >= ${range.min}, got ${v}`);
  if (range.max !== undefined && v > range.max) throw new InputError(`--${name} must be <= ${range.max}, got ${v}`);
  return v;
}

/** A one-line progress bar on stderr (only when stderr is a terminal; otherwise a line every 10%). */
export function progress(label: string, total: number): (done: number, extra?: string) => void {
  const tty = process.stderr.isTTY;
  let lastDecile = -1;
  return (done: number, extra = '') => {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    if (tty) {
      const width = 30;
      const filled = Math.round(frac * width);
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${extra}\x1b[K`);
      if (done >= total) process.stderr.write('\n');
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        process.stderr.write(`${label} ${Math.round(frac * 100)}% (${done}/${total}) ${extra}\n`);
      }
    }
  };
}
