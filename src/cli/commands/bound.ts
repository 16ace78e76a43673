import { readFile } from 'node:fs/promises';
import { boundGrid, corollaryBound, DdpmSigmoid, discreteBound, InputError, makeProcess, type Dynamics } from '../../api/library.js';
import { num, parse, processFromFlags, type Options } from '../args.js';

export const summary = 'evaluate the W2 bound (paper discrete DDPM form, Corollary 1 with J, probability-flow ODE) from L_s and J';
export const usage = `wasserflow bound --j J (--ls VALUE | --ls-json FILE [--ls-column NAME]) [--process KIND] [--ddpm-steps N] [--times M]
       [--diameter D] [--w2T W] [--dynamics sde|ode] [--json]

  --j        the score-matching objective J = ½ ∫ g² E|s_θ − ∇log p_t|² dt (J_SM, or J_DSM >= J_SM)
  --ls       a constant L_s, or --ls-json FILE with one value per grid time (e.g. the "rows[].ls" of
             'wasserflow lipschitz --json'; DDPM: one per step). Every value must be a finite number:
             null, NaN or a string is refused, and an infinite L_s (an unbounded supremum) makes the
             bound vacuous, which is said instead of printing a number.
  --ls-column  which column of the rows to read (default ls; e.g. certified, paper, exact). Without it,
             rows from 'wasserflow lipschitz --checkpoint' also give the paper's discrete bound three
             ways side by side ('sideBySide'): with the paper's estimator, with the best lower
             estimate ls (what the bound would be if that were the supremum) and with the certified
             upper bound (the only one that is a bound, over the certified box).
  --process  ddpm (default: the paper's discrete schedule; --ddpm-steps N, default 10) or a continuous process
             vp|cosine|ve|subvp|heat (Corollary 1 on --times M + 1 equispaced times, default 1000)
  --diameter D  the data's diameter: a bound >= D is reported as vacuous (W2 can never exceed it)
  --w2T      W2(p_T, q_T) for the offset I(T)·W2(p_T, q_T) (default 0: q_T = p_T)
  Prints log I, the integral term, the offset and the bound (DDPM: the paper's discrete form too). A bound
  that is infinite (I(t) overflows: a large L_s) is reported as vacuous with the reason, in JSON as
  "bound": null, "vacuous": true and "boundReason".`;

/**
 * Why a bound is no number (undefined when it is finite): I(t) = exp(∫ …) past float64's range
 * makes the integral or the offset infinite, and the bound says nothing about W2.
 */
function infinite(bound: number, logI: number): string | undefined {
  if (Number.isFinite(bound)) return undefined;
  if (logI > Math.log(Number.MAX_VALUE)) return `I(t) = exp(∫ (L_f + L_s g²) dt) overflows (log I = ${logI.toPrecision(6)}), so the bound is infinite: it says nothing about W2`;
  return `the bound is not a finite number (${bound}): it says nothing about W2`;
}

/** The command's options (every one is listed in `usage`: test/cli_help.test.ts). */
export const options = { j: { type: 'string' }, ls: { type: 'string' }, 'ls-json': { type: 'string' }, 'ls-column': { type: 'string' }, diameter: { type: 'string' }, process: { type: 'string' }, 'ddpm-steps': { type: 'string' }, w2T: { type: 'string' }, dynamics: { type: 'string' }, times: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } satisfies Options;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, options, usage);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.j === undefined) throw new InputError(`--j is required\nusage: ${usage}`);
  const J = num(values.j, 'j', 0, { min: 0 });
  const w2T = num(values.w2T, 'w2T', 0, { min: 0 });
  const dynamics = (values.dynamics ?? 'sde') as Dynamics;
  if (dynamics !== 'sde' && dynamics !== 'ode') throw new InputError(`--dynamics must be sde or ode, got '${dynamics}'`);
  const timesArg = values.times === undefined ? undefined : num(values.times, 'times', 1000, { min: 2, max: 1_000_000, int: true });
  const process = makeProcess(processFromFlags(values, 'ddpm'));
  const discrete = process instanceof DdpmSigmoid;
  if (discrete && timesArg !== undefined) throw new InputError(`--times applies to continuous processes: the DDPM bound runs over its ${process.steps} steps (set them with --ddpm-steps)`);
  const M = discrete ? process.steps : (timesArg ?? 1000);
  let ls: number[];
  let rowsForSide: Record<string, unknown>[] | undefined;
  const diameter = values.diameter === undefined ? undefined : num(values.diameter, 'diameter', 0, { min: 0 });
  if (values['ls-json'] !== undefined && values.ls !== undefined) throw new InputError('give only one of --ls VALUE and --ls-json FILE');
  if (values['ls-json']) {
    const file = values['ls-json'];
    const column = values['ls-column'] ?? 'ls';
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new InputError(`--ls-json: cannot read ${file}: ${(e as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new InputError(`--ls-json: ${file} is not valid JSON: ${(e as Error).message}`);
    }
    const rows = (parsed as { rows?: unknown }).rows;
    if (!Array.isArray(parsed) && !Array.isArray(rows)) throw new InputError(`--ls-json: ${file} must hold an array of numbers or an object with "rows"`);
    if (!Array.isArray(parsed) && values['ls-column'] === undefined) rowsForSide = rows as Record<string, unknown>[];
    const arr: unknown[] = Array.isArray(parsed) ? parsed : (rows as Record<string, unknown>[]).map((r) => (r && typeof r === 'object' ? r[column] : undefined));
    ls = arr.map((v, i) => {
      if (v === 'Infinity' || v === Infinity) throw new InputError(`--ls-json: ${file} row ${i} has L_s = +Infinity (an unbounded supremum): I(t) is infinite and the bound is vacuous`);
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`--ls-json: ${file} row ${i} has ${v === undefined ? `no '${column}' value` : `L_s = ${JSON.stringify(v)}`}, not a finite number`);
      return v;
    });
    if (ls.length !== M) throw new InputError(`--ls-json has ${ls.length} values, the grid has ${M} times`);
  } else if (values.ls !== undefined) ls = new Array<number>(M).fill(num(values.ls, 'ls', 0));
  else throw new InputError(`give --ls VALUE or --ls-json FILE\nusage: ${usage}`);
  const out: Record<string, unknown> = { process: process.label, J, w2T, dynamics };
  if (discrete) {
    const db = discreteBound(process.betas, ls, J, w2T);
    const dInf = infinite(db.bound, db.logI[db.logI.length - 1]!);
    out.discrete = {
      logI: Array.from(db.logI), intercept: db.intercept, logBound: db.logBound, offset: db.offset,
      bound: dInf ? null : db.bound, ...(dInf ? { vacuous: true, boundReason: dInf } : diameter !== undefined ? { vacuous: db.bound >= diameter } : {}),
    };
    if (rowsForSide) {
      const side: Record<string, unknown> = {};
      for (const col of ['paper', 'ls', 'certified']) {
        const v = rowsForSide.map((r) => r[col]);
        if (col === 'certified' && v.length === M && v.some((x) => x === null)) {
          // No certificate at some times (d > 3, or a value outside the certified boxes exceeds them): say so.
          const reason = rowsForSide.find((r) => typeof r.certifiedReason === 'string')?.certifiedReason;
          side[col] = { unavailable: `certified is null at ${v.filter((x) => x === null).length} of ${M} times${typeof reason === 'string' ? ` (${reason})` : ''}` };
          continue;
        }
        if (v.length !== M || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) continue;
        const b = discreteBound(process.betas, v as number[], J, w2T);
        side[col] = { logIn: b.logI[b.logI.length - 1], intercept: b.intercept, bound: b.bound, ...(diameter !== undefined ? { vacuous: b.bound >= diameter } : {}) };
      }
      if (Object.keys(side).length > 0) out.sideBySide = side;
    }
  }
  // Continuous grid: DDPM's exact continuous view on [0, n] (β piecewise constant), else M + 1 equispaced times.
  const times = Array.from({ length: M + 1 }, (_, i) => (process.T * i) / M);
  const lsGrid = times.map((_, i) => ls[Math.max(0, Math.min(M - 1, i - 1))]!);
  const c = corollaryBound(boundGrid(process, times, lsGrid), J, w2T, dynamics);
  const cInf = infinite(c.bound, c.logI[c.logI.length - 1]!);
  out.corollary = {
    logIT: c.logI[c.logI.length - 1], integral: Number.isFinite(c.integral) ? c.integral : null, offset: Number.isFinite(c.offset) ? c.offset : null,
    bound: cInf ? null : c.bound, ...(cInf ? { vacuous: true, boundReason: cInf } : diameter !== undefined ? { vacuous: c.bound >= diameter } : {}),
  };
  if (values.json) console.log(JSON.stringify(out, null, 2));
  else {
    console.log(`# ${process.label}, J = ${J}, W2(p_T, q_T) = ${w2T}, ${dynamics === 'sde' ? 'reverse SDE' : 'probability-flow ODE'}`);
    if (out.discrete) {
      const d = out.discrete as { intercept: number; logBound: number; offset: number; bound: number | null; logI: number[]; boundReason?: string };
      const logIn = d.logI[d.logI.length - 1]!.toPrecision(6);
      if (d.bound === null) console.log(`paper discrete form: vacuous — ${d.boundReason!}`);
      else console.log(`paper discrete form: log W <= ½ log J + ${d.intercept.toPrecision(6)} = ${d.logBound.toPrecision(6)}; log I_n = ${logIn}; W2 <= ${d.bound.toPrecision(6)} (offset ${d.offset.toPrecision(6)})${diameter !== undefined && d.bound >= diameter ? ` — vacuous (the data's diameter is ${diameter})` : ''}`);
    }
    if (out.sideBySide) {
      const names: Record<string, string> = { paper: "paper's estimator (10×10 grid)", ls: 'best lower estimate of L_s (if it were the supremum)', certified: 'certified L_s (an actual bound, over the certified box)' };
      for (const [k, v] of Object.entries(out.sideBySide as Record<string, { logIn: number; intercept: number; bound: number; vacuous?: boolean; unavailable?: string }>)) {
        if (v.unavailable) {
          console.log(`  with ${names[k] ?? k}: none — ${v.unavailable}`);
          continue;
        }
        console.log(`  with ${names[k] ?? k}: log I_n = ${v.logIn.toPrecision(5)}, intercept ${v.intercept.toPrecision(5)}, W2 <= ${v.bound.toPrecision(5)}${v.vacuous ? ' — vacuous' : ''}`);
      }
    }
    const logIT = c.logI[c.logI.length - 1]!.toPrecision(6);
    if (cInf) console.log(`Corollary 1 (trapezoid on the grid): vacuous — ${cInf}`);
    else console.log(`Corollary 1 (trapezoid on the grid): integral ${c.integral.toPrecision(6)} + offset ${c.offset.toPrecision(6)} = ${c.bound.toPrecision(6)}; log I(T) = ${logIT}${diameter !== undefined && c.bound >= diameter ? ` — vacuous (the data's diameter is ${diameter})` : ''}`);
  }
  return 0;
}
