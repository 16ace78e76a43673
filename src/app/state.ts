/** The page state, exposed as `window.__wasserflow` for the browser tests and the headless runner. */
import type { AdapterReport, Check } from '../api/engine.js';

/** One reading of the bound panel: the L_s per grid time and the bound it gives, or why there is none. */
export type BoundReadingState = { available: true; ls: number[]; logI: number; logBound: number; bound: number } | { available: false; reason: string };

/** The bound three ways (the panel under the Train button): the computation and its last result. */
export interface ThreeWaysStatus {
  running: boolean;
  /** Asked for during training: runs at the next evaluation. */
  queued: boolean;
  /** Grid times done of the total (while running). */
  done: number;
  total: number;
  error?: string;
  result?: {
    step: number;
    w2: number;
    objective: number;
    form: 'discrete' | 'corollary';
    times: number[];
    box: number;
    edges: number;
    /** What the certificate covers ('R^1', 'R^2': all of ℝ^d; 'box': d = 3) and at how many grid times it closed to 5%; absent when it did not run. */
    certifiedRegion?: string;
    closed?: number;
    paper: BoundReadingState;
    lower: BoundReadingState;
    certified: BoundReadingState;
    samples: BoundReadingState;
    ms: number;
  };
}

export interface TrainStatus {
  running: boolean;
  steps: number;
  /** Number of loss / W2 / bound readings drawn so far. */
  lossPoints: number;
  w2Points: number;
  boundPoints: number;
  lastLoss?: number;
  lastW2?: number;
  lastBound?: number;
  stepsPerSecond?: number;
  error?: string;
  threeWays?: ThreeWaysStatus;
}

export interface PageState {
  ready: boolean;
  adapter?: AdapterReport;
  checks?: Check[];
  /** Fatal page error (no WebGPU, device lost). */
  error?: string;
  /** The playground's current message (e.g. a rejected CSV) and whether it is an error. */
  message?: { text: string; error: boolean };
  /** Points of the current dataset (p0). */
  dataset?: { name: string; n: number; dim: number };
  train: TrainStatus;
  /** The Flows tab: the current or last run. */
  flow: { running: boolean; kind?: string; points: number; lastW2?: number; error?: string };
  /** The Benchmarks tab: which benchmark of how many is running. */
  bench: { running: boolean; index: number; total: number };
}

export const state: PageState = {
  ready: false,
  train: { running: false, steps: 0, lossPoints: 0, w2Points: 0, boundPoints: 0 },
  flow: { running: false, points: 0 },
  bench: { running: false, index: 0, total: 0 },
};
(globalThis as unknown as { __wasserflow: PageState }).__wasserflow = state;
