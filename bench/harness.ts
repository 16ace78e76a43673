/**
 * The benchmark harness shared by every benchmark, in Node and in the page.
 *
 * A benchmark file `bench/<name>.bench.ts` exports `meta` and `run(b, opts)` (see BenchModule and
 * bench/README.md). It sets up outside the timed region, times its workload with `measure()`
 * (first run reported apart: it includes pipeline compilation; then warm-up; then the median over
 * many runs, each ending in an awaited readback), asks for peers measured in the same run
 * (`b.peer()` for the Python scripts in bench/peers/, or its own tfjs code), and returns
 * BenchResults built with `result()`. The suite (bench/suite.ts) runs the adapter-ceiling
 * benchmarks first and fills in every other result's share of the ceiling.
 */
import type { AdapterReport, GpuContext } from '../src/gpu/context.js';

/**
 * The adapter ceilings every workload is compared with (bench/ceiling.bench.ts measures them).
 * 'matmul' (the key older reports use) is the FLOP ceiling: the best of the register-blocked matmul
 * and the fma peak, both measured in the same run.
 */
export type CeilingKind = 'matmul' | 'exp';
/** Base unit of each ceiling: a workload declares how many of these it performs per run. */
export const CEILING_UNITS: Record<CeilingKind, string> = { matmul: 'flop', exp: 'exp' };
/** How reports name each ceiling. */
export const CEILING_LABELS: Record<CeilingKind, string> = { matmul: 'FLOP peak', exp: 'exp peak' };

/** Wall-clock timing of one workload, in milliseconds. */
export interface Timing {
  /** The first run, apart: includes shader compilation and pipeline creation. */
  firstMs: number;
  /** Median of the timed runs (after warm-up). */
  medianMs: number;
  /** Interquartile range of the timed runs. */
  q1Ms: number;
  q3Ms: number;
  minMs: number;
  /** Number of timed runs the median is over (warm-up and first run excluded). */
  runs: number;
  /** Median GPU time per run from timestamp queries, when the run function reported it. */
  gpuMedianMs?: number;
}

/** A peer's figure for the same workload, measured in the same run of the suite. */
export interface PeerFigure {
  /** e.g. 'numpy 1.24 (OpenBLAS)', 'torch 1.13 CPU, 2 threads', 'tfjs-webgpu 4.22 (same adapter)'. */
  name: string;
  /** Throughput in the result's unit. */
  value: number;
  medianMs: number;
  firstMs?: number;
  runs: number;
  /** Ours divided by the peer's (> 1: we are faster). */
  ratio: number;
}

export interface BenchResult {
  /** Stable key, e.g. 'ceiling.matmul', 'sinkhorn.softmin.2d'. */
  id: string;
  /** Human-readable workload name. */
  name: string;
  /** Problem size, e.g. '1024×1024×1024', 'N = M = 5000, d = 2'. */
  size: string;
  /** Unit of `value`, e.g. 'GFLOP/s', '10^9 pairs/s', 'steps/s' (higher is better). */
  unit: string;
  /** Median throughput in `unit`. */
  value: number;
  timing: Timing;
  /** For the ceiling benchmarks: which ceiling this is and its rate in base units per second. */
  ceilingOf?: { kind: CeilingKind; perSecond: number };
  /**
   * For workloads: the ceiling they are compared with and their own rate in its base unit per
   * second; `atShape`: the same ceiling kernel (tuned) measured at this workload's own shape, which
   * counts when it is above the adapter-wide ceiling.
   */
  ceiling?: { kind: CeilingKind; perSecond: number; atShape?: { perSecond: number; shape: string } };
  /** Share of the adapter's measured ceiling (0..1), filled in by the suite. */
  share?: number;
  peers: PeerFigure[];
  notes?: string;
}

/** What a Python peer script prints (one JSON object per line): timings of the same workload. */
export interface PeerTiming {
  name: string;
  medianMs: number;
  firstMs?: number;
  runs: number;
}

/** What a benchmark gets from the runner (Node or the page). */
export interface BenchContext {
  ctx: GpuContext;
  adapter: AdapterReport;
  env: 'node' | 'browser';
  /** Run `bench/peers/<script>` with /usr/bin/python3 and the JSON `args`; [] where peers cannot run. */
  peer(script: string, args: Record<string, unknown>): Promise<PeerTiming[]>;
  /** Progress/log line (stderr in Node, the page's log in the browser). */
  log(message: string): void;
  signal?: AbortSignal;
}

export interface BenchOptions {
  /** Smaller sizes and fewer runs (tests, the page's quick mode). */
  quick: boolean;
  /** Skip the tfjs / python peers (faster; ratios are then absent). */
  noPeers?: boolean;
}

export interface BenchModule {
  meta: {
    /** Short id, also the file name: bench/<id>.bench.ts. */
    id: string;
    title: string;
    /** Lower runs first; the ceilings use 0, workloads default to 100. */
    order?: number;
    /**
     * Runs only when `--filter` names it exactly (a long workload kept out of the whole suite); its rows
     * then join the report with `--update`.
     */
    optIn?: boolean;
  };
  run(b: BenchContext, opts: BenchOptions): Promise<BenchResult[]>;
}

export interface MeasureOptions {
  /** Untimed runs after the first one (default 2). */
  warmup?: number;
  /** Timed runs at least (default 5) and at most (default 30). */
  minRuns?: number;
  maxRuns?: number;
  /** Stop adding timed runs once this much time was spent timing (default 5000 ms). */
  budgetMs?: number;
  signal?: AbortSignal;
}

/** Median of a non-empty list (mean of the two middle values when even). */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Linear-interpolated quantile of a non-empty list. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) throw new Error('quantile of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/**
 * Time `fn`: the first call apart, `warmup` untimed calls, then between minRuns and maxRuns timed
 * calls within `budgetMs`. `fn` must end in an awaited readback (so the GPU work is done when it
 * resolves); it may return its GPU time in ms (timestamp queries), which is reported as a median.
 */
export async function measure(fn: () => Promise<number | void>, opts: MeasureOptions = {}): Promise<Timing> {
  const warmup = opts.warmup ?? 2;
  const minRuns = opts.minRuns ?? 5;
  const maxRuns = Math.max(minRuns, opts.maxRuns ?? 30);
  const budget = opts.budgetMs ?? 5000;
  const abort = () => {
    if (opts.signal?.aborted) throw new Error('benchmark cancelled');
  };
  let t = performance.now();
  await fn();
  const firstMs = performance.now() - t;
  for (let i = 0; i < warmup; i++) {
    abort();
    await fn();
  }
  const times: number[] = [];
  const gpu: number[] = [];
  const start = performance.now();
  while (times.length < maxRuns && (times.length < minRuns || performance.now() - start < budget)) {
    abort();
    t = performance.now();
    const g = await fn();
    times.push(performance.now() - t);
    if (typeof g === 'number' && Number.isFinite(g)) gpu.push(g);
  }
  const timing: Timing = {
    firstMs,
    medianMs: median(times),
    q1Ms: quantile(times, 0.25),
    q3Ms: quantile(times, 0.75),
    minMs: Math.min(...times),
    runs: times.length,
  };
  if (gpu.length > 0) timing.gpuMedianMs = median(gpu);
  return timing;
}

export interface ResultSpec {
  id: string;
  name: string;
  size: string;
  timing: Timing;
  /** Work per run, in units of `unit` × seconds (e.g. 2·M·N·K / 1e9 for GFLOP/s). */
  work: number;
  unit: string;
  /** For workloads: the ceiling to compare with and how many of its base units one run performs (atShape: see BenchResult). */
  ceiling?: { kind: CeilingKind; perRun: number; atShape?: { perSecond: number; shape: string } };
  /** For the ceiling benchmarks themselves: base units per run. */
  ceilingOf?: { kind: CeilingKind; perRun: number };
  /** Peer timings of the same work (same `work` per run). */
  peers?: readonly PeerTiming[];
  notes?: string;
}

/** Build a BenchResult: throughput from the median, peers as figures in the same unit with ratios. */
export function result(spec: ResultSpec): BenchResult {
  const seconds = spec.timing.medianMs / 1000;
  const value = spec.work / seconds;
  const out: BenchResult = {
    id: spec.id,
    name: spec.name,
    size: spec.size,
    unit: spec.unit,
    value,
    timing: spec.timing,
    peers: (spec.peers ?? []).map((p) => {
      const pv = spec.work / (p.medianMs / 1000);
      const fig: PeerFigure = { name: p.name, value: pv, medianMs: p.medianMs, runs: p.runs, ratio: value / pv };
      if (p.firstMs !== undefined) fig.firstMs = p.firstMs;
      return fig;
    }),
  };
  if (spec.ceiling) {
    out.ceiling = { kind: spec.ceiling.kind, perSecond: spec.ceiling.perRun / seconds };
    if (spec.ceiling.atShape) out.ceiling.atShape = spec.ceiling.atShape;
  }
  if (spec.ceilingOf) out.ceilingOf = { kind: spec.ceilingOf.kind, perSecond: spec.ceilingOf.perRun / seconds };
  if (spec.notes) out.notes = spec.notes;
  return out;
}

/**
 * Median GPU time (timestamp queries) over `runs` extra runs of `fn`, which returns the GPU ms of
 * one run (or undefined when the adapter has no timestamp-query). Kept out of `measure()` so that
 * reading the timestamps never inflates the wall-clock figures.
 */
export async function gpuMedian(fn: () => Promise<number | undefined>, runs = 5): Promise<number | undefined> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const g = await fn();
    if (g === undefined) return undefined;
    xs.push(g);
  }
  return median(xs);
}

/** Turn a JS peer's timing (e.g. tfjs on the same adapter) into a PeerTiming. */
export function peerTiming(name: string, t: Timing): PeerTiming {
  return { name, medianMs: t.medianMs, firstMs: t.firstMs, runs: t.runs };
}
