/**
 * The one CSV point-cloud reader (CLI `train` / `w2`, the page's dropped files, the library).
 *
 * One point per line; cells separated by commas (or, for lines without a comma, semicolons, tabs or
 * spaces); blank lines and lines starting with `#` are skipped; the first non-blank line is a header
 * when none of its cells is a number — `nan`, `inf` and `Infinity` count as numbers here. So a first
 * row with a typo (`1.0,2.x`) or holding NaN is an error, never silently dropped as a header.
 * Values beyond float32's range (|x| > 3.4e38) are refused: the GPU would see ±Infinity. Values
 * are decimal numbers (`-1.5`, `2e-3`); other forms JavaScript's Number() reads (`0x10`, `0b1`) are
 * refused. The points come back as f32 (the GPU's format) or, with `{ float64: true }`, as read
 * (the CLI's `w2`: the CPU methods use them as they are, the Sinkhorn centres them before
 * rounding, so data far from the origin keep their differences).
 * Every error is an InputError naming the file and the 1-based line.
 */
import { InputError } from '../gpu/errors.js';
import type { PointCloud } from '../gpu/points.js';

/** Largest dimension accepted (each consumer checks its own limit: the exact and sliced W2 take any d up to this). */
export const CSV_MAX_DIM = 4096;

const NUMBER_LIKE = /^[+-]?(nan|inf|infinity)$/i;
const F32_MAX = 3.4028234663852886e38;

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Looks like a number (a header has none): decimal, nan/inf words, or anything else Number() reads. */
const isNumberCell = (c: string) => c !== '' && (!Number.isNaN(Number(c)) || NUMBER_LIKE.test(c));

function splitCells(line: string): string[] {
  if (line.includes(',')) return line.split(',').map((c) => c.trim());
  if (line.includes(';')) return line.split(';').map((c) => c.trim());
  return line.split(/\s+/);
}

/** Parse `text` as a point cloud; `file` names the source in error messages. */
export function parseCsv(text: string, file: string, opts: { float64: true }): { data: Float64Array; n: number; d: number };
export function parseCsv(text: string, file?: string): PointCloud;
export function parseCsv(text: string, file = 'CSV', opts: { float64?: boolean } = {}): PointCloud | { data: Float64Array; n: number; d: number } {
  const values: number[] = [];
  let dim = 0;
  let n = 0;
  let seen = false;
  text.split(/\r?\n/).forEach((raw, k) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${k + 1}`;
    const cells = splitCells(line);
    const first = !seen;
    seen = true;
    if (first && !cells.some(isNumberCell)) return; // header: no number at all
    if (dim === 0) {
      dim = cells.length;
      if (dim > CSV_MAX_DIM) throw new InputError(`${where}: ${dim} values per row, at most ${CSV_MAX_DIM} dimensions are supported`);
    } else if (cells.length !== dim) {
      throw new InputError(`${where}: ${cells.length} values, expected ${dim} (as on the first data line)`);
    }
    cells.forEach((c, j) => {
      const v = DECIMAL.test(c) ? Number(c) : NaN;
      if (!Number.isFinite(v)) throw new InputError(`${where}: value ${j + 1} '${c}' is not a finite decimal number`);
      if (Math.abs(v) > F32_MAX) throw new InputError(`${where}: value ${j + 1} '${c}' overflows float32 (|x| > 3.4e38; the GPU works in float32): rescale the data`);
      values.push(v);
    });
    n++;
  });
  if (n === 0) throw new InputError(`${file}: no data rows`);
  return opts.float64 ? { data: Float64Array.from(values), n, d: dim } : { data: Float32Array.from(values), n, d: dim };
}
