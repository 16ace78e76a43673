/**
 * Per-time L_s of a network with its three readings side by side (host float64, see certify.ts and
 * paper.ts): the best lower estimate (a search: grid, box centres, local ascent — and any
 * sample-based value the caller found on the GPU), the certified upper bound over a box, and the
 * paper's 10×10-grid estimator. Its `certified` covers the box [−B, B]^d only, never ℝ^d: the CLI,
 * the experiments and the page use `networkSupremum` (network_sup.ts), which at d ≤ 2 certifies all of
 * ℝ^d by default.
 */
import { InputError } from '../gpu/errors.js';
import type { MlpLayout } from '../model/layout.js';
import { certifyBox, NetworkAtTime, type CertifyTime } from './certify.js';
import { paperEstimate } from './paper.js';

export interface NetworkLsOptions {
  /** Half-width B of the certified box [−B, B]^d (default 1.5). */
  box?: number;
  /** Relative gap target (default 0.05) and seconds per time (default 20). */
  tol?: number;
  secondsPerTime?: number;
  /**
   * Points per time (n × d each, e.g. samples of p_t and a grid): their max of λ_max is the
   * samples-only estimate (float64, shown beside), and those inside the box seed the search.
   */
  samples?: readonly ArrayLike<number>[];
  /** Also compute the paper's estimator (d ≤ 2; default true there). */
  paper?: boolean;
  onTime?: (done: number, total: number) => void;
}

export interface NetworkLsRow {
  /** Best lower estimate of the supremum over ℝ^d: max of the search (in the box) and the samples. */
  lower: number;
  /** Where the search's best value is (in the box). */
  argmax: number[];
  /** The samples-only estimate, when given. */
  samples?: number;
  /** Certified upper bound on the supremum over the box [−B, B]^d. */
  certified: number;
  /** (certified − lower in the box)/|lower in the box|, and whether the target gap was met in time. */
  relGap: number;
  converged: boolean;
  boxes: number;
  seconds: number;
  /** The paper's estimator (max secant quotient on linspace(0, 0.9, 10)²). */
  paper?: number;
}

/** L_s per time three ways, its certificate over the box [−B, B]^d only (for ℝ^d at d ≤ 2 use `networkSupremum`). */
export function networkLs(layout: MlpLayout, params: ArrayLike<number>, times: readonly CertifyTime[], opts: NetworkLsOptions = {}): NetworkLsRow[] {
  const d = layout.spec.dim;
  const B = opts.box ?? 1.5;
  if (!(Number.isFinite(B) && B > 0 && B <= 1e6)) throw new InputError(`certified box half-width must be in (0, 1e6], got ${B}`);
  const secs = opts.secondsPerTime ?? 20;
  if (!(secs > 0 && secs <= 3600)) throw new InputError(`seconds per time must be in (0, 3600], got ${secs}`);
  if (opts.samples && opts.samples.length !== times.length) throw new InputError(`samples: ${opts.samples.length} point sets for ${times.length} times`);
  const paper = opts.paper ?? d <= 2;
  return times.map((t, i) => {
    const net = new NetworkAtTime(layout, params, t);
    let samplesMax = -Infinity;
    const inside: number[] = [];
    const pts = opts.samples?.[i];
    if (pts) {
      for (let p = 0; p + d <= pts.length; p += d) {
        const x = Array.from({ length: d }, (_, c) => pts[p + c]!);
        samplesMax = Math.max(samplesMax, net.lambdaAt(x));
        if (x.every((v) => Math.abs(v) <= B)) inside.push(...x);
      }
    }
    const c = certifyBox(net, { lo: new Array<number>(d).fill(-B), hi: new Array<number>(d).fill(B), tol: opts.tol ?? 0.05, timeBudgetMs: secs * 1000, seeds: inside });
    const row: NetworkLsRow = { lower: c.lower, argmax: c.argmax, certified: c.upper, relGap: c.relGap, converged: c.converged, boxes: c.boxes, seconds: c.seconds };
    if (pts) {
      row.samples = samplesMax;
      // A sample outside the box can be larger: still a lower estimate of the supremum over ℝ^d.
      row.lower = Math.max(row.lower, samplesMax);
    }
    if (paper) row.paper = paperEstimate(net).value;
    opts.onTime?.(i + 1, times.length);
    return row;
  });
}
