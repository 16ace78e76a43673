/**
 * Shared pieces of the paper's experiments (DESIGN.md, "The reference experiments"): the paper's
 * network and training setup, output directories, JSON/SVG/summary writing, and small statistics.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GpuContext } from '../gpu/context.js';
import type { MlpSpec } from '../model/layout.js';
import type { DdpmSigmoid } from '../processes/process.js';
import type { TrainConfig } from '../train/trainer.js';
import type { W2Fn } from '../bound/monitor.js';
import type { SupremumPhase } from '../lipschitz/network_sup.js';

/** The paper's score network: 3 × (Linear 64 × learned per-step embedding, softplus), Linear(64, d), predicting ε. */
export function paperSpec(dim: number, steps: number): MlpSpec {
  return { dim, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps }, output: 'eps' };
}

/** The paper's optimisation: AdamW lr 1e-3, grad-norm clip 1, batch 128, ε-MSE weighted by β/(1 − ᾱ), antithetic t. */
export function paperTraining(process: DdpmSigmoid, dim: number, o: { maximizeSteps: number; seed: number; weightClip?: number; spectralNorm?: boolean }): TrainConfig {
  const c: TrainConfig = {
    spec: paperSpec(dim, process.steps),
    process,
    weighting: 'paper',
    timeSampling: 'antithetic',
    batch: 128,
    optimizer: 'adamw',
    lr: 1e-3,
    gradClip: 1,
    maximizeSteps: o.maximizeSteps,
    seed: o.seed,
    init: 'torch',
    lossEvery: 1_000_000_000,
  };
  if (o.weightClip) c.weightClip = o.weightClip;
  if (o.spectralNorm) c.spectralNorm = true;
  return c;
}

/** What every experiment receives. */
export interface ExperimentContext {
  ctx: GpuContext;
  out: string;
  /** Quick default sizes (minutes on SwiftShader) or the paper's (`--full`). */
  full: boolean;
  seed: number;
  w2: W2Fn;
  log: (line: string) => void;
  signal?: AbortSignal;
  /** Seconds per step and part for the L_s certificate (overrides the size's own; `--cert-seconds`). */
  certSeconds?: number;
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(value, (_k, v: unknown) => (v instanceof Float64Array || v instanceof Float32Array ? Array.from(v) : v), 2));
  return p;
}

export function writeText(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Least-squares slope and intercept of y on x (finite pairs only). */
export function linearFit(x: readonly number[], y: readonly number[]): { slope: number; intercept: number; n: number } {
  const pts = x.map((v, i) => [v, y[i]!] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  const n = pts.length;
  if (n < 2) return { slope: NaN, intercept: NaN, n };
  const mx = pts.reduce((s, p) => s + p[0], 0) / n;
  const my = pts.reduce((s, p) => s + p[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [a, b] of pts) {
    sxy += (a - mx) * (b - my);
    sxx += (a - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, n };
}

export const fmt = (v: number | undefined, digits = 4): string => (v === undefined || !Number.isFinite(v) ? String(v) : Number(v.toPrecision(digits)).toString());

/**
 * Progress of L_s at the final weights (the GPU search, then the certificate on the host for up to
 * `secondsPerPart` per DDPM step and part: minutes on a CPU adapter), as lines in the experiment's log.
 */
export function supremumProgress(ex: ExperimentContext, label: string, steps: number, secondsPerPart: number, d: number): (e: SupremumPhase) => void {
  const parts = d <= 2 ? `2 parts per step (the box [−1.5, 1.5]^${d} and the outside of the ball of radius 1.5: all of ℝ^${d})` : `the box [−1.5, 1.5]^${d}`;
  ex.log(`${label}: L_s at the final weights, ${steps} DDPM steps: GPU search, then the certificate over ${parts}, up to ${fmt(secondsPerPart)} s per part`);
  return (e) => {
    if (e.phase === 'search') {
      ex.log(`${label}: L_s search ${e.round === 0 ? '' : `round ${e.round + 1} (boxes grown: argmax on the edge) `}on the GPU, ${e.times} step${e.times > 1 ? 's' : ''} × up to ${e.starts} starts over [−${fmt(e.box)}, ${fmt(e.box)}]^${e.d}`);
      return;
    }
    const where = e.part === 'box' ? `box [−${fmt(e.box)}, ${fmt(e.box)}]^${e.d}` : `outside the ball of radius ${fmt(e.box)}`;
    ex.log(`${label}: certificate, DDPM step ${e.time + 1}/${e.times}, ${where}: L_s <= ${fmt(e.upper)} (${e.converged ? 'closed' : 'open: budget spent, still an upper bound'}) in ${e.seconds.toFixed(1)} s`);
  };
}
