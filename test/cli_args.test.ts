import { describe, expect, it } from 'vitest';
import { num, parse } from '../src/cli/args.js';
import { InputError } from '../src/gpu/errors.js';

describe('CLI option parsing', () => {
  const opts = { ls: { type: 'string' }, json: { type: 'boolean' } } as const;

  it('takes negative numbers as values of string options without an =', () => {
    const { values, positionals } = parse(['--ls', '-0.5', 'a.csv', '--json'], opts, 'usage');
    expect(values.ls).toBe('-0.5');
    expect(values.json).toBe(true);
    expect(positionals).toEqual(['a.csv']);
    expect(parse(['--ls', '-.25'], opts, 'u').values.ls).toBe('-.25');
    expect(parse(['--ls=-3e-2'], opts, 'u').values.ls).toBe('-3e-2');
  });

  it('still rejects unknown options and a missing value, with the usage', () => {
    expect(() => parse(['--nope'], opts, 'wasserflow x')).toThrow(/Unknown option '--nope'[\s\S]*usage: wasserflow x/);
    expect(() => parse(['--ls', '--json'], opts, 'u')).toThrow(InputError);
  });

  it('checks numbers and ranges by name', () => {
    expect(num('-0.5', 'ls', 0)).toBe(-0.5);
    expect(num(undefined, 'ls', 3)).toBe(3);
    expect(() => num('abc', 'ls', 0)).toThrow(/--ls must be a number, got 'abc'/);
    expect(() => num('1.5', 'n', 0, { int: true })).toThrow(/--n must be an integer/);
    expect(() => num('-1', 'n', 0, { min: 0 })).toThrow(/--n must be >= 0/);
  });
});
