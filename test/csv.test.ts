import { describe, expect, it } from 'vitest';
import { parseCsv } from '../src/data/csv.js';
import { InputError } from '../src/gpu/errors.js';

describe('parseCsv', () => {
  it('reads rows, skips a header, blank lines and # comments; accepts ; tab and space separators', () => {
    const p = parseCsv('x,y\n1, 2\n\n# comment\n3;4\n5\t6\n-1e-3 7\n', 'a.csv');
    expect(p).toEqual({ data: Float32Array.from([1, 2, 3, 4, 5, 6, -1e-3, 7]), n: 4, d: 2 });
    expect(parseCsv('0.5\n1.5\n')).toEqual({ data: Float32Array.from([0.5, 1.5]), n: 2, d: 1 });
  });

  it('names the file and line of ragged rows, NaN/Inf, empty cells and empty files', () => {
    expect(() => parseCsv('1,2\n3\n', 'a.csv')).toThrow(/a\.csv:2: 1 values, expected 2/);
    expect(() => parseCsv('1,2\n3,nan\n', 'b.csv')).toThrow(/b\.csv:2: value 2 'nan' is not a finite decimal number/);
    expect(() => parseCsv('1,2\n3,Infinity\n', 'b.csv')).toThrow(/b\.csv:2: value 2 'Infinity'/);
    expect(() => parseCsv('x,y\n1,abc\n', 'c.csv')).toThrow(/c\.csv:2: value 2 'abc'/);
    expect(() => parseCsv('1,,2\n', 'c.csv')).toThrow(/c\.csv:1: value 2 ''/);
    expect(() => parseCsv('x,y\n\n', 'd.csv')).toThrow(/d\.csv: no data rows/);
    expect(() => parseCsv('', 'e.csv')).toThrow(InputError);
  });

  it('rejects a first line holding NaN or Inf instead of taking it for a header', () => {
    expect(() => parseCsv('NaN,1\n2,3\n', 'f.csv')).toThrow(/f\.csv:1: value 1 'NaN'/);
    expect(() => parseCsv('\n-inf 1\n2 3\n', 'f.csv')).toThrow(/f\.csv:2: value 1 '-inf'/);
  });

  it('a header is a row with no number at all: a typo in the first row is an error naming file:line', () => {
    // Forms Number() reads but a CSV of decimals does not mean: refused, not silently converted.
    expect(() => parseCsv('1,2\n0x10,4\n', 'x.csv')).toThrow(/x\.csv:2: value 1 '0x10' is not a finite decimal number/);
    expect(() => parseCsv('1,2\n0b1,4\n', 'x.csv')).toThrow(/x\.csv:2: value 1 '0b1' is not a finite decimal number/);
    // Decimals in every form: signs, no leading or trailing digits, exponents.
    expect(Array.from(parseCsv('-1.5,+2.\n.5,3e-2\n1E+2,-0\n', 'ok.csv', { float64: true }).data)).toEqual([-1.5, 2, 0.5, 0.03, 100, -0]);
    // float64 on request: the values as written.
    expect(parseCsv('10000000.25,1\n', 'f.csv', { float64: true }).data[0]).toBe(10000000.25);
    expect(parseCsv('10000000.25,1\n', 'f.csv').data[0]).toBe(10000000);
    expect(() => parseCsv('1.0,2.x\n3,4\n', 'h.csv')).toThrow(/h\.csv:1: value 2 '2\.x' is not a finite decimal number/);
    expect(() => parseCsv('\n# c\nx,2\n3,4\n', 'h.csv')).toThrow(/h\.csv:3: value 1 'x'/);
    expect(parseCsv('x0,x1\n3,4\n').n).toBe(1);
    expect(parseCsv('"x";"y"\n3;4\n').n).toBe(1);
  });

  it('refuses values that overflow float32 by file:line instead of passing Infinity on', () => {
    expect(() => parseCsv('1,2\n1e39,3\n', 'i.csv')).toThrow(/i\.csv:2: value 1 '1e39' overflows float32/);
    expect(() => parseCsv('-3.5e38\n', 'i.csv')).toThrow(/i\.csv:1: value 1 '-3\.5e38' overflows float32/);
    expect(parseCsv('3.4e38\n').data[0]).toBeCloseTo(3.4e38, -32);
  });

  it('rejects more than 64 columns', () => {
    expect(() => parseCsv(Array.from({ length: 4097 }, () => '1').join(','), 'g.csv')).toThrow(/g\.csv:1: 4097 values per row, at most 4096/);
  });
});
