/** The page state, exposed as `window.__wasserflow` for the browser tests and the headless runner. */
import type { AdapterReport, Check } from '../api/engine.js';

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
