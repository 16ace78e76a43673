/**
 * File input and output for the CLI: every Node error becomes an InputError naming the flag, the
 * path and the problem (no stack trace); outputs are checked before any work starts and written
 * atomically (a temporary file in the same directory, then a rename), so a failed or killed run
 * never leaves a half-written file under the final name.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, readFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { checkpointWeights, InputError, parseCheckpoint, type ParsedCheckpoint } from '../api/library.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a component of the path is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  ELOOP: 'too many symbolic links',
};

/** A one-line description of a Node file-system error (its code in words), or undefined when `e` is not one. */
export function describeFsError(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return undefined;
  return `${REASONS[code] ?? (e as Error).message} (${code})`;
}

function wrap(what: string, path: string, e: unknown): InputError {
  return new InputError(`${what} '${path}': ${describeFsError(e) ?? (e as Error).message}`);
}

function stat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Read a whole file; `what` names it in errors (a flag such as `--checkpoint`, or 'CSV file'). */
export function readBytes(path: string, what: string): Uint8Array {
  try {
    if (stat(path)?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw wrap(`${what}: cannot read`, path, e);
  }
}

/** Read a UTF-8 text file (errors as `readBytes`). */
export function readText(path: string, what: string): string {
  return new TextDecoder().decode(readBytes(path, what));
}

/** Read and parse a JSON file: a missing file or malformed JSON is an InputError naming the file (and the line for bad JSON). */
export function readJson(path: string, what: string): unknown {
  const text = readText(path, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw new InputError(`${what}: '${path}'${line ? ` line ${line}` : ''} is not valid JSON (${(e as Error).message.replace(/^.*?: /, '')})`);
  }
}

/**
 * Read a checkpoint file and check it (see train/checkpoint.ts). Version 1 files have no checksum:
 * they are read with a warning on stderr.
 */
export function readCheckpoint(path: string, what = '--checkpoint'): ParsedCheckpoint {
  const ck = parseCheckpoint(readBytes(path, what), `${what} '${path}'`);
  if (!ck.verified) console.error(`warning: ${path} is a version 1 checkpoint without a checksum: its contents cannot be verified (checkpoints written by this version carry a CRC-32)`);
  return ck;
}

/** The network weights of a checkpoint file (`ema`: the EMA weights, refused when the run had no EMA). */
export function readCheckpointWeights(path: string, ema: boolean, what = '--checkpoint'): { ck: ParsedCheckpoint; params: Float32Array } {
  const ck = readCheckpoint(path, what);
  return { ck, params: checkpointWeights(ck, ema, `${what} '${path}'`) };
}

/** A temporary name beside `path` (same directory, so the final rename is atomic). */
function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Check before any work that `path` can be written as a file: not a directory, its directory exists,
 * and a file can be created there (probed by creating and removing a temporary file).
 */
export function checkOutputFile(path: string, flag = '--out'): void {
  const s = (() => {
    try {
      return stat(path);
    } catch (e) {
      throw wrap(`${flag}: cannot write`, path, e);
    }
  })();
  if (s?.isDirectory()) throw new InputError(`${flag} '${path}' is a directory: give a file name`);
  const dir = dirname(resolve(path));
  let ds: Stats | undefined;
  try {
    ds = stat(dir);
  } catch (e) {
    throw wrap(`${flag}: cannot write`, path, e);
  }
  if (!ds) throw new InputError(`${flag} '${path}': the directory '${dirname(path)}' does not exist`);
  if (!ds.isDirectory()) throw new InputError(`${flag} '${path}': '${dirname(path)}' is not a directory`);
  const probe = tempName(path);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (e) {
    throw wrap(`${flag}: cannot write`, path, e);
  }
}

/**
 * Make sure `dir` is a writable directory before any work, creating it (and missing parents) one
 * level at a time: a recursive mkdir loops forever on paths such as /proc/x.
 */
export function prepareOutputDir(dir: string, flag = '--out'): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  let at = abs;
  for (;;) {
    let s: Stats | undefined;
    try {
      s = stat(at);
    } catch (e) {
      throw wrap(`${flag}: cannot use`, dir, e);
    }
    if (s) {
      if (!s.isDirectory()) throw new InputError(at === abs ? `${flag} '${dir}' exists and is not a directory` : `${flag} '${dir}': '${at}' is not a directory`);
      break;
    }
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      throw wrap(`${flag}: cannot create directory`, d === abs ? dir : d, e);
    }
  }
  checkOutputFile(join(dir, '.wasserflow-write-test'), flag);
}

/**
 * Write `data` to `path` atomically: into a temporary file beside it, then renamed over `path`.
 * Errors name the flag and the path; the temporary file is removed on failure.
 */
export function writeAtomic(path: string, data: string | Uint8Array, flag = '--out'): void {
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw wrap(`${flag}: cannot write`, path, e);
  }
}
