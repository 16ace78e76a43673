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
import { referenceMixtureSupremum } from './reference/mixture_sup.js';
import { mixtureScoreSupremum } from '../src/lipschitz/mixture_sup.js';
import { MixtureMarginal } from '../src/lipschitz/exact.js';
import { makeProcess } from '../src/processes/process.js';
import { printed as captured } from './fixtures.js';

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

  it('a mixture FILE.json: exact is the host search (and an independent optimiser) per step; above d = 16 only exactAtSamples, named so', async () => {
    // Three components with a shared anisotropic covariance and unequal weights (finite supremum).
    const cov = [[0.02, 0.006], [0.006, 0.01]];
    const mix = { weights: [0.2, 0.3, 0.5], means: [[-0.6, 0.1], [0.5, 0.4], [0.1, -0.5]], covs: [cov, cov, cov] };
    const file = join(dir, 'mix2.json');
    writeFileSync(file, JSON.stringify(mix));
    const { code, out } = await captured(() => lipschitz(['--exact', file, '--ddpm-steps', '3', '--points', '200', '--json']));
    expect(code).toBe(0);
    const res = JSON.parse(out) as { data: string; note: string; rows: { t: number; alpha: number; sigma: number; exact: number; exactAtSamples: number; exactArgmax: number[] }[] };
    expect(res.rows.length).toBe(3);
    const gm = { dim: 2, weights: mix.weights, means: mix.means, covariances: mix.covs.map((c) => c.flat()) };
    const proc = makeProcess({ kind: 'ddpm', steps: 3 });
    res.rows.forEach((r, k) => {
      expect(r.alpha).toBeAllclose(proc.alpha(k + 1), { rtol: 1e-12 });
      // The same float64 search on the host: identical.
      expect(r.exact).toBe(mixtureScoreSupremum(gm, r.alpha, r.sigma).value);
      // An independent optimiser (dense grid + zooming on a box around the means): within 0.5%.
      const ref = referenceMixtureSupremum(gm, r.alpha, r.sigma, { lo: [-1.5, -1.5], hi: [1.5, 1.5] }, { side: 121 });
      expect(r.exact).toBeAllclose(ref.value, { rtol: 5e-3 });
      // The argmax really attains it.
      const mm = new MixtureMarginal(gm, r.alpha, r.sigma);
      expect(mm.maxSymmetricEigenvalue(r.exactArgmax)).toBeAllclose(r.exact, { rtol: 1e-9 });
      expect(r.exact).toBeGreaterThanOrEqual(r.exactAtSamples);
    });
    // 20-D: no supremum search; the note says so and no 'exact' is printed.
    const d = 20;
    const iso = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 0.05 : 0)));
    const big = join(dir, 'mix20.json');
    writeFileSync(big, JSON.stringify({ weights: [0.5, 0.5], means: [new Array(d).fill(0.3), new Array(d).fill(-0.3)], covs: [iso, iso] }));
    const hi = JSON.parse((await captured(() => lipschitz(['--exact', big, '--ddpm-steps', '2', '--points', '64', '--json']))).out) as typeof res;
    expect(hi.note).toMatch(/exact: not computed — the supremum search runs up to d = 16/);
    for (const r of hi.rows) {
      expect(r.exact).toBeUndefined();
      expect(Number.isFinite(r.exactAtSamples)).toBe(true);
    }
    // A bad file names the problem.
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ weights: [0.5, 0.6], means: [[0, 0], [1, 1]], covs: [cov, cov] }));
    await expect(lipschitz(['--exact', bad])).rejects.toThrow(/weights/);
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

  it('checks --times, --method and --ddpm-steps the same way in every mode, and refuses flags the mode would not read', async () => {
    // DDPM (the default) and a continuous process: the same limits (the help's "--times <= 10000").
    for (const proc of [[], ['--process', 'vp']]) {
      await expect(lipschitz(['--exact', 'clusters4', ...proc, '--times', '0'])).rejects.toThrow('--times must be >= 1, got 0');
      await expect(lipschitz(['--exact', 'clusters4', ...proc, '--times', '100000'])).rejects.toThrow('--times must be <= 10000, got 100000');
      await expect(lipschitz(['--exact', 'clusters4', ...proc, '--method', 'foo'])).rejects.toThrow("--method must be exact or power, got 'foo'");
    }
    // A valid value that the mode does not read is refused, not ignored.
    await expect(lipschitz(['--exact', 'clusters4', '--times', '5'])).rejects.toThrow(/--times applies to continuous processes: DDPM is evaluated at each of its 10 steps/);
    await expect(lipschitz(['--exact', 'clusters4', '--ddpm-steps', '5', '--process', 'vp'])).rejects.toThrow("--ddpm-steps applies only to the DDPM process (--process ddpm), not to 'vp'");
    await expect(lipschitz(['--exact', 'clusters4', '--method', 'power'])).rejects.toThrow('--method applies to --checkpoint only');
    await expect(lipschitz(['--exact', 'clusters4', '--box', '2', '--no-certify'])).rejects.toThrow('--box, --no-certify apply to --checkpoint only');
    await expect(lipschitz(['--exact', 'clusters4', '--process', 'nope'])).rejects.toThrow("--process must be one of vp, cosine, ddpm, ve, subvp, heat, got 'nope'");
    await expect(lipschitz(['--exact', 'clusters4', '--ddpm-steps', '0'])).rejects.toThrow('--ddpm-steps must be >= 1, got 0');
  });

  it('the text table pads its columns (no header runs into the next)', async () => {
    const { code, out } = await captured(() => lipschitz(['--exact', 'clusters4', '--ddpm-steps', '2', '--points', '64']));
    expect(code).toBe(0);
    const lines = out.split('\n').filter((l) => !l.startsWith('#'));
    const header = lines[0]!.trim().split(/\s+/);
    expect(header).toEqual(['t', 'alpha', 'sigma', 'exact', 'exactArgmax', 'exactAtSamples']);
    // Every cell ends where its header ends (right-aligned), with at least two spaces between columns.
    const ends = (l: string) => [...l.matchAll(/\S+(?: \S+)*/g)].map((m) => m.index! + m[0].length);
    for (const row of lines.slice(1)) expect(ends(row)).toEqual(ends(lines[0]!));
    expect(lines[0]).toMatch(/exactArgmax {2,}exactAtSamples/);
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
    const { code, out } = await captured(() => lipschitz(['--checkpoint', file, '--data', 'clusters4', '--points', '64', '--cert-seconds', '600', '--cert-boxes', '1500', '--tol', '0.1', '--region', 'box', '--json']));
    expect(code).toBe(0);
    const res = JSON.parse(out) as { certifiedBox: number[]; rows: Record<string, number | number[]>[] };
    expect(res.certifiedBox).toEqual([-1.5, 1.5]);
    expect(res.rows.length).toBe(10);
    for (const r of res.rows) {
      // The final box (grown from 1.5 while the argmax sat on its edge) holds the argmax.
      const inBox = (r.lsArgmax as number[]).every((v) => Math.abs(v) <= (r.box as number));
      expect(inBox).toBe(true);
      // certified covers that box and is seeded with every value found: never below ls.
      expect(r.certified as number).toBeGreaterThanOrEqual(r.ls as number);
      expect(r.certifiedGlobal as number).toBeGreaterThanOrEqual(r.certified as number);
      expect(typeof r.paper).toBe('number');
      expect(r.ls as number).toBeGreaterThanOrEqual(r.lsSamples as number);
      expect(r.ls as number).toBeGreaterThanOrEqual(r.lsSearch as number);
      expect(typeof r.edge).toBe('boolean');
      expect(r.box as number).toBeGreaterThanOrEqual(1.5);
    }
    const f = join(dir, 'ls.json');
    writeFileSync(f, out);
    const b = JSON.parse((await captured(() => bound(['--j', '0.1', '--ls-json', f, '--ls-column', 'certified', '--json']))).out) as { discrete: { intercept: number } };
    const a = JSON.parse((await captured(() => bound(['--j', '0.1', '--ls-json', f, '--json']))).out) as { discrete: { intercept: number } };
    expect(b.discrete.intercept).toBeGreaterThanOrEqual(a.discrete.intercept);
  });

  it('--region plane (default at d = 2): certified over ℝ², or null with certifiedLoose and the reason', async () => {
    const spec: MlpSpec = { dim: 2, hidden: [12, 12], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' };
    const layout = mlpLayout(spec);
    const file = join(dir, 'small-plane.ckpt');
    writeFileSync(file, encodeCheckpoint({ format: 'wasserflow-mlp-checkpoint', version: 1, spec, step: 1, floats: layout.size, buffers: ['params'], process: 'ddpm', processSpec: { kind: 'ddpm', steps: 3 }, config: {} }, [randomParams(layout, 8, 1)]));
    const { code, out } = await captured(() => lipschitz(['--checkpoint', file, '--data', 'clusters4', '--points', '64', '--grow', '0', '--cert-seconds', '600', '--cert-boxes', '3000', '--tol', '0.1', '--json']));
    expect(code).toBe(0);
    const res = JSON.parse(out) as { note: string; rows: Record<string, number | number[] | string | null>[] };
    expect(res.note).toMatch(/upper bound over ALL of ℝ\^2/);
    expect(res.rows.length).toBe(3);
    for (const r of res.rows) {
      expect(r.certifiedRegion).toBe('R^2');
      const upper = (r.certified ?? r.certifiedLoose) as number;
      if (r.certified === null) expect(r.certifiedReason).toMatch(/did not close/);
      else expect(r.converged).toBe(1);
      expect(upper).toBeGreaterThanOrEqual(r.ls as number);
      expect(upper).toBeGreaterThanOrEqual(r.certOutside as number);
      expect(upper).toBeGreaterThanOrEqual(r.certInner as number);
      expect(r.certifiedGlobal as number).toBeGreaterThanOrEqual(upper);
    }
    await expect(lipschitz(['--checkpoint', file, '--region', 'disc'])).rejects.toThrow(/--region must be plane or box/);
  });
});

describe('wasserflow lipschitz --checkpoint above d = 3', () => {
  it('d = 4: ls from the GPU search, certified null with the reason', async () => {
    const spec: MlpSpec = { dim: 4, hidden: [8, 8], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' };
    const layout = mlpLayout(spec);
    const file = join(dir, 'd4.ckpt');
    writeFileSync(file, encodeCheckpoint({ format: 'wasserflow-mlp-checkpoint', version: 1, spec, step: 1, floats: layout.size, buffers: ['params'], process: 'ddpm', processSpec: { kind: 'ddpm', steps: 10 }, config: {} }, [randomParams(layout, 3, 1)]));
    const mix = join(dir, 'mix4.json');
    writeFileSync(mix, JSON.stringify({ weights: [0.5, 0.5], means: [[0.5, 0, 0, 0], [-0.5, 0, 0, 0]], covs: [0, 1].map(() => Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (_, j) => (i === j ? 0.01 : 0)))) }));
    const { code, out } = await captured(() => lipschitz(['--checkpoint', file, '--data', mix, '--points', '32', '--json']));
    expect(code).toBe(0);
    const res = JSON.parse(out) as { note: string; certifiedBox?: number[]; rows: Record<string, unknown>[] };
    expect(res.certifiedBox).toBeUndefined();
    expect(res.note).toMatch(/no certificate above d = 3/);
    for (const r of res.rows) {
      expect(r.certified).toBeNull();
      expect(r.certifiedReason).toMatch(/no certificate above d = 3/);
      expect((r.lsArgmax as number[]).length).toBe(4);
      expect(r.ls as number).toBeGreaterThanOrEqual(r.lsSearch as number);
    }
    // bound refuses the null column, naming it.
    const f = join(dir, 'ls4.json');
    writeFileSync(f, out);
    await expect(bound(['--j', '0.1', '--ls-json', f, '--ls-column', 'certified'])).rejects.toThrow(/null/);
    // Side by side: the certified line says why there is none.
    const side = JSON.parse((await captured(() => bound(['--j', '0.1', '--ls-json', f, '--json']))).out) as { sideBySide: Record<string, { unavailable?: string; intercept?: number }> };
    expect(side.sideBySide.certified!.unavailable).toMatch(/null at 10 of 10 times .*no certificate above d = 3/);
    expect(typeof side.sideBySide.ls!.intercept).toBe('number');
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
  it('an infinite bound (I(t) overflows) is vacuous with its reason, in text and JSON, never "Infinity"', async () => {
    const text = (await captured(() => bound(['--j', '1', '--ls', '1000', '--process', 'vp']))).out;
    expect(text).toMatch(/Corollary 1 \(trapezoid on the grid\): vacuous — I\(t\) = exp\(.*\) overflows \(log I = 10055\.0\)/);
    expect(text).not.toMatch(/Infinity/);
    const j = JSON.parse((await captured(() => bound(['--j', '1', '--ls', '1000', '--process', 'vp', '--json']))).out) as { corollary: Record<string, unknown> };
    expect(j.corollary).toMatchObject({ bound: null, integral: null, vacuous: true });
    expect(j.corollary.boundReason).toMatch(/overflows/);
    // The paper's discrete form too.
    const d = JSON.parse((await captured(() => bound(['--j', '1', '--ls', '1e6', '--json']))).out) as { discrete: Record<string, unknown> };
    expect(d.discrete).toMatchObject({ bound: null, vacuous: true });
    // A finite bound is still a number.
    const f = JSON.parse((await captured(() => bound(['--j', '0.01', '--ls', '-0.5', '--process', 'vp', '--json']))).out) as { corollary: { bound: number; vacuous?: boolean } };
    expect(f.corollary.bound).toBeGreaterThan(0);
    expect(f.corollary.vacuous).toBeUndefined();
  });
  it('--times and --ddpm-steps: each only where it applies', async () => {
    await expect(bound(['--j', '1', '--ls', '0', '--times', '50'])).rejects.toThrow(/--times applies to continuous processes/);
    await expect(bound(['--j', '1', '--ls', '0', '--process', 'vp', '--ddpm-steps', '5'])).rejects.toThrow(/--ddpm-steps applies only to the DDPM process/);
    await expect(bound(['--j', '1', '--ls', '0', '--process', 'vp', '--times', '1'])).rejects.toThrow('--times must be >= 2, got 1');
  });
  it('reads the column asked for', async () => {
    const f = rowsFile(Array.from({ length: 10 }, () => -1));
    const a = JSON.parse((await captured(() => bound(['--j', '0.1', '--ls-json', f, '--json']))).out) as { discrete: { intercept: number } };
    const b = JSON.parse((await captured(() => bound(['--j', '0.1', '--ls-json', f, '--ls-column', 'certified', '--json']))).out) as { discrete: { intercept: number } };
    expect(b.discrete.intercept).toBeGreaterThan(a.discrete.intercept);
  });
});
