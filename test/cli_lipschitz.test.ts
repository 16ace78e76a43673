// `wasserflow lipschitz` and `wasserflow bound` end to end in Node: the exact score's supremum per
// DDPM step, refusals (issue 20: no silent null/NaN, limits, moons has no mixture, diverged weights).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonWithNonFinite, run as lipschitz } from '../src/cli/commands/lipschitz.js';
import { run as bound } from '../src/cli/commands/bound.js';
import { InputError } from '../src/gpu/errors.js';
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { encodeCheckpoint } from '../src/train/checkpoint.js';
import { randomParams } from './reference/mlp_tangent.js';

async function captured(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    return { code: await fn(), out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'wf-lip-'));

describe('wasserflow lipschitz --exact', () => {
  it('clusters4: exact is the supremum (issue 16 figures at steps 1..6), far above the samples-only value', async () => {
    const { code, out } = await captured(() => lipschitz(['--exact', 'clusters4', '--points', '300', '--json']));
    expect(code).toBe(0);
    const rows = (JSON.parse(out) as { rows: { exact: number; exactAtSamples: number; exactArgmax: number[] }[] }).rows;
    expect(rows.length).toBe(10);
    const expected = [6.9e6, 2.9e6, 5.9e5, 7.3e4, 8.9e3, 1.7e3];
    expected.forEach((v, k) => {
      expect(rows[k]!.exact).toBeAllclose(v, { rtol: 0.02 });
      expect(rows[k]!.exactAtSamples).toBeLessThan(0);
      expect(rows[k]!.exactArgmax.length).toBe(2);
    });
    for (const r of rows) expect(r.exact).toBeGreaterThanOrEqual(r.exactAtSamples);
  });

  it('refuses a data set with no mixture, and sizes past the limits', async () => {
    await expect(lipschitz(['--exact', 'moons'])).rejects.toThrow(/not a Gaussian mixture/);
    await expect(lipschitz(['--exact', 'clusters4', '--process', 'vp', '--times', '1e8'])).rejects.toThrow(/--times must be <= 10000/);
    await expect(lipschitz(['--exact', 'clusters4', '--points', '1e7'])).rejects.toThrow(/--points must be <= /);
    await expect(lipschitz(['--exact', 'clusters4', '--iters', '1e9'])).rejects.toThrow(/--iters must be <= /);
    await expect(lipschitz(['--checkpoint', join(dir, 'missing.ckpt')])).rejects.toThrow(/cannot read/);
  });

  it('refuses a checkpoint whose weights hold NaN', async () => {
    const spec: MlpSpec = { dim: 2, hidden: [8], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' };
    const layout = mlpLayout(spec);
    const p = randomParams(layout, 3);
    p[5] = NaN;
    const file = join(dir, 'nan.ckpt');
    writeFileSync(file, encodeCheckpoint({ format: 'wasserflow-mlp-checkpoint', version: 1, spec, step: 1, floats: layout.size, buffers: ['params'], process: 'ddpm', processSpec: { kind: 'ddpm', steps: 10 }, config: {} }, [p]));
    await expect(lipschitz(['--checkpoint', file, '--data', 'clusters4'])).rejects.toThrow(/non-finite value .* float 5/);
  });

  it('JSON never turns a non-finite number into null', () => {
    expect(JSON.parse(jsonWithNonFinite({ a: NaN, b: Infinity, c: [-Infinity, 1] }))).toEqual({ a: 'NaN', b: 'Infinity', c: ['-Infinity', 1] });
  });
});

describe('wasserflow lipschitz --checkpoint', () => {
  it('per time: ls (lower), certified (upper over the box, never below ls found in it), paper; chains into bound', async () => {
    const spec: MlpSpec = { dim: 2, hidden: [12, 12], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' };
    const layout = mlpLayout(spec);
    const file = join(dir, 'small.ckpt');
    writeFileSync(file, encodeCheckpoint({ format: 'wasserflow-mlp-checkpoint', version: 1, spec, step: 1, floats: layout.size, buffers: ['params'], process: 'ddpm', processSpec: { kind: 'ddpm', steps: 10 }, config: {} }, [randomParams(layout, 8, 1)]));
    const { code, out } = await captured(() => lipschitz(['--checkpoint', file, '--data', 'clusters4', '--points', '64', '--cert-seconds', '0.5', '--tol', '0.1', '--json']));
    expect(code).toBe(0);
    const res = JSON.parse(out) as { certifiedBox: number[]; rows: Record<string, number | number[]>[] };
    expect(res.certifiedBox).toEqual([-1.5, 1.5]);
    expect(res.rows.length).toBe(10);
    for (const r of res.rows) {
      const inBox = (r.lsArgmax as number[]).every((v) => Math.abs(v) <= 1.5);
      expect(inBox).toBe(true);
      // Every sample of p_t here lies in the box (deterministic seed), so ls is a value in it.
      expect(r.certified as number).toBeGreaterThanOrEqual(r.ls as number);
      expect(r.certifiedGlobal as number).toBeGreaterThanOrEqual(r.certified as number);
      expect(typeof r.paper).toBe('number');
      expect(r.ls as number).toBeGreaterThanOrEqual(r.lsSamples as number);
    }
    const f = join(dir, 'ls.json');
    writeFileSync(f, out);
    const b = JSON.parse((await captured(() => bound(['--j', '0.1', '--ls-json', f, '--ls-column', 'certified', '--json']))).out) as { discrete: { intercept: number } };
    const a = JSON.parse((await captured(() => bound(['--j', '0.1', '--ls-json', f, '--json']))).out) as { discrete: { intercept: number } };
    expect(b.discrete.intercept).toBeGreaterThanOrEqual(a.discrete.intercept);
  });
});

describe('wasserflow bound --ls-json', () => {
  const rowsFile = (values: unknown[]) => {
    const f = join(dir, `ls-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(f, JSON.stringify({ rows: values.map((ls) => ({ ls, certified: 2 })) }));
    return f;
  };
  it('refuses null, NaN, strings and infinite values, naming the row', async () => {
    const ten = (bad: unknown) => Array.from({ length: 10 }, (_, i) => (i === 3 ? bad : -1));
    await expect(bound(['--j', '0.1', '--ls-json', rowsFile(ten(null))])).rejects.toThrow(/row 3 has L_s = null/);
    await expect(bound(['--j', '0.1', '--ls-json', rowsFile(ten('NaN'))])).rejects.toThrow(/row 3 has L_s = "NaN"/);
    await expect(bound(['--j', '0.1', '--ls-json', rowsFile(ten('Infinity'))])).rejects.toThrow(/vacuous/);
    await expect(bound(['--j', '0.1', '--ls-json', rowsFile(ten(1)), '--ls', '2'])).rejects.toThrow(/only one/);
    await expect(bound(['--j', '0.1', '--ls-json', join(dir, 'nope.json')])).rejects.toThrow(InputError);
  });
  it('reads the column asked for', async () => {
    const f = rowsFile(Array.from({ length: 10 }, () => -1));
    const a = JSON.parse((await captured(() => bound(['--j', '0.1', '--ls-json', f, '--json']))).out) as { discrete: { intercept: number } };
    const b = JSON.parse((await captured(() => bound(['--j', '0.1', '--ls-json', f, '--ls-column', 'certified', '--json']))).out) as { discrete: { intercept: number } };
    expect(b.discrete.intercept).toBeGreaterThan(a.discrete.intercept);
  });
});
