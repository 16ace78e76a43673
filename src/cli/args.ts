/** Small helpers shared by CLI subcommands: option parsing with clear errors, progress output. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError, type ProcessKind, type ProcessSpec } from '../api/library.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<T extends Options>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), allowPositionals: true, strict: true, options });
  } catch (e) {
    throw new InputError(`${parseError(e)}\nusage: ${usage}`);
  }
}

/** node:util's message in one clause: its hint for unknown options ("… as in '-- \"--x\"") has unbalanced quotes. */
function parseError(e: unknown): string {
  const message = (e as Error).message;
  const unknown = /^Unknown option '([^']*)'/.exec(message);
  if ((e as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) return `Unknown option '${unknown[1]}'`;
  return message;
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

/**
 * Parse a numeric option: finite, and within [min, max] when given; `above`: strictly greater than it
 * (the message then names the interval, e.g. "(0, 10]", as the library does).
 */
export function num(value: string | undefined, name: string, fallback: number, range: { min?: number; max?: number; above?: number; int?: boolean } = {}): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!Number.isFinite(v)) throw new InputError(`--${name} must be a number, got '${value}'`);
  if (range.int && !Number.isInteger(v)) throw new InputError(`--${name} must be an integer, got ${value}`);
  if (range.above !== undefined && (v <= range.above || (range.max !== undefined && v > range.max))) {
    throw new InputError(`--${name} must be in (${range.above}, ${range.max ?? 'Infinity'}${range.max !== undefined ? ']' : ')'}, got ${v}`);
  }
  if (range.min !== undefined && v < range.min) throw new InputError(`--${name} must be >= ${range.min}, got ${v}`);
  if (range.max !== undefined && v > range.max) throw new InputError(`--${name} must be <= ${range.max}, got ${v}`);
  return v;
}

const PROCESS_KINDS: readonly ProcessKind[] = ['vp', 'cosine', 'ddpm', 've', 'subvp', 'heat'];
/** Most steps a DDPM schedule may have from the command line (as `train --ddpm-steps`). */
export const MAX_DDPM_STEPS = 100_000;

/**
 * The forward process from --process and --ddpm-steps (lipschitz, sample, bound), `fallback` when
 * --process is not given, or a checkpoint's own process. --ddpm-steps sets the number of steps of
 * the discrete DDPM schedule and nothing else: with another process it is refused, and so is a
 * --ddpm-steps that would change a checkpoint's process without --process naming it.
 */
export function processFromFlags(values: { process?: string | undefined; 'ddpm-steps'?: string | undefined }, fallback: ProcessKind, checkpoint?: ProcessSpec): ProcessSpec {
  const kind = values.process ?? (checkpoint ? checkpoint.kind : fallback);
  if (!PROCESS_KINDS.includes(kind as ProcessKind)) throw new InputError(`--process must be one of ${PROCESS_KINDS.join(', ')}, got '${kind}'`);
  const steps = values['ddpm-steps'] === undefined ? undefined : num(values['ddpm-steps'], 'ddpm-steps', 10, { min: 1, max: MAX_DDPM_STEPS, int: true });
  if (steps !== undefined && kind !== 'ddpm') throw new InputError(`--ddpm-steps applies only to the DDPM process (--process ddpm), not to '${kind}'`);
  if (checkpoint && values.process === undefined) {
    if (steps !== undefined && steps !== (checkpoint.steps ?? 10)) {
      throw new InputError(`--ddpm-steps ${steps}: the checkpoint's process has ${checkpoint.steps ?? 10} steps; to evaluate another schedule give --process ddpm --ddpm-steps ${steps}`);
    }
    return checkpoint;
  }
  return { kind: kind as ProcessKind, ...(steps !== undefined ? { steps } : {}) };
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
