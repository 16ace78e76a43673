/**
 * Per-adapter kernel tuning: a kernel that has several equivalent shapes (block of outputs per
 * invocation, workgroup size) times each candidate once, at its first use on an adapter, and keeps
 * the fastest. Choices live in memory for the context's lifetime and, in Node, on disk
 * (`~/.cache/wasserflow/tuning-<adapter>.json`, or $XDG_CACHE_HOME; `WASSERFLOW_TUNING_CACHE` names
 * another folder, or `off`), so the CLI measures once per machine. `wasserflow info --json` prints
 * them. A cache file that cannot be read or parsed is ignored with a warning and rewritten.
 *
 * Only kernels whose results do not depend on the choice are tuned (each output is computed the same
 * way whatever the block or workgroup shape): RNG-consuming kernels keep their fixed
 * `samplesPerWorkgroup`, so a seed gives the same bits whatever was chosen.
 */

/** What one search found for one kernel (and problem class). */
export interface TuningRecord {
  /** The chosen candidate's name. */
  choice: string;
  /** Best time per run of every candidate over two interleaved rounds, ms. */
  ms: Record<string, number>;
  /** How the candidates were timed ('gpu-timestamps' or 'wall-clock'). */
  timer: string;
  /** ISO time of the search. */
  at: string;
  /** Candidates that threw when run (not timed). */
  failed?: string[];
}

/** Where tuning records persist between processes (Node: a JSON file per adapter). */
export interface TuningStore {
  /** Where the store keeps its data (for messages). */
  readonly location: string;
  /** The stored text, or undefined when there is none. Throws only on unexpected I/O errors. */
  read(): string | undefined;
  write(text: string): void;
}

export interface TuningCandidate<T> {
  name: string;
  value: T;
}

const FORMAT = 'wasserflow-tuning';
const VERSION = 1;

/** A file-name-safe key for an adapter: vendor, architecture, device, description, lower-case. */
export function adapterKey(info: { vendor?: string; architecture?: string; device?: string; description?: string }): string {
  const raw = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join('-') || 'unknown';
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120);
}

function isRecord(v: unknown): v is TuningRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.choice === 'string' &&
    typeof r.timer === 'string' &&
    typeof r.at === 'string' &&
    typeof r.ms === 'object' &&
    r.ms !== null &&
    (r.failed === undefined || (Array.isArray(r.failed) && r.failed.every((x) => typeof x === 'string'))) &&
    Object.values(r.ms).every((x) => typeof x === 'number' && Number.isFinite(x))
  );
}

/**
 * Parse a tuning file for adapter `key`. Returns the records, or a warning saying why the file is
 * ignored (not JSON, another format or version, another adapter, a malformed record).
 */
export function parseTuningFile(text: string, key: string): { records: Record<string, TuningRecord> } | { warning: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { warning: `not JSON (${(e as Error).message})` };
  }
  const o = json as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null || o.format !== FORMAT) return { warning: `not a ${FORMAT} file` };
  if (o.version !== VERSION) return { warning: `version ${String(o.version)}, expected ${VERSION}` };
  if (o.adapter !== key) return { warning: `written for adapter '${String(o.adapter)}', not '${key}'` };
  const kernels = o.kernels as Record<string, unknown> | undefined;
  if (typeof kernels !== 'object' || kernels === null) return { warning: 'no kernels' };
  const records: Record<string, TuningRecord> = {};
  for (const [k, v] of Object.entries(kernels)) {
    if (!isRecord(v)) return { warning: `malformed record for '${k}'` };
    records[k] = v;
  }
  return { records };
}

/** The text of a tuning file. */
export function formatTuningFile(key: string, records: Record<string, TuningRecord>): string {
  return JSON.stringify({ format: FORMAT, version: VERSION, adapter: key, kernels: records }, null, 2) + '\n';
}

/**
 * The tuning state of one device: records loaded from the store (if any) on creation, searches run
 * on demand, each new record written back. Searches for the same kernel share one promise.
 */
export class Tuner {
  private static readonly byAdapter = new Map<string, Tuner>();

  /**
   * The process-wide tuner of an adapter: the first call creates it (loading `store`), later calls
   * for the same adapter share its choices (a store given later is attached if it had none).
   */
  static shared(adapter: string, store?: TuningStore): Tuner {
    let t = Tuner.byAdapter.get(adapter);
    if (!t || (!t.store && store)) {
      const fresh = new Tuner(adapter, store);
      if (t) for (const [k, r] of Object.entries(t.records)) fresh.records[k] ??= r;
      t = fresh;
      Tuner.byAdapter.set(adapter, t);
    }
    return t;
  }

  private readonly records: Record<string, TuningRecord> = {};
  private readonly pending = new Map<string, Promise<string>>();
  /** Warnings about the store (a corrupt or unreadable file), also passed to `warn`. */
  readonly warnings: string[] = [];

  constructor(
    readonly adapter: string,
    private readonly store?: TuningStore,
    private readonly warn: (message: string) => void = (m) => console.warn(`wasserflow: ${m}`),
  ) {
    if (!store) return;
    let text: string | undefined;
    try {
      text = store.read();
    } catch (e) {
      this.warning(`tuning cache ${store.location} could not be read (${(e as Error).message}); tuning again`);
    }
    if (text === undefined) return;
    const parsed = parseTuningFile(text, adapter);
    if ('warning' in parsed) this.warning(`tuning cache ${store.location} ignored: ${parsed.warning}; tuning again`);
    else Object.assign(this.records, parsed.records);
  }

  private warning(m: string): void {
    this.warnings.push(m);
    this.warn(m);
  }

  /** Every record known (loaded or measured in this process), by kernel key. */
  get choices(): Readonly<Record<string, TuningRecord>> {
    return { ...this.records };
  }

  /** Where records persist, or undefined (memory only). */
  get location(): string | undefined {
    return this.store?.location;
  }

  /**
   * The candidate to use for `key`: the recorded choice when it is still a candidate and the record
   * timed (or saw fail) every current candidate, else the
   * fastest by `time` (ms per run; the smallest wins; a candidate that throws is skipped), recorded
   * and saved. With one candidate, no search.
   */
  async choose<T>(key: string, candidates: readonly TuningCandidate<T>[], time: (value: T) => Promise<number>, timer = 'wall-clock'): Promise<T> {
    if (candidates.length === 0) throw new Error(`tuning ${key}: no candidates`);
    const byName = new Map(candidates.map((c) => [c.name, c.value]));
    if (candidates.length === 1) return candidates[0]!.value;
    const known = this.records[key];
    // A record made before a candidate existed (an older cache) is searched again.
    const covers = (r: TuningRecord) => candidates.every((c) => c.name in r.ms || (r.failed ?? []).includes(c.name));
    if (known && byName.has(known.choice) && covers(known)) return byName.get(known.choice)!;
    let p = this.pending.get(key);
    if (!p) {
      p = this.search(key, candidates, time, timer);
      this.pending.set(key, p);
      p.finally(() => this.pending.delete(key)).catch(() => undefined);
    }
    return byName.get(await p)!;
  }

  private async search<T>(key: string, candidates: readonly TuningCandidate<T>[], time: (value: T) => Promise<number>, timer: string): Promise<string> {
    // Two interleaved rounds, the best time of each candidate kept: on a machine shared with other
    // work a load spike slows one timing, not the same candidate in both rounds.
    const ms: Record<string, number> = {};
    const failed = new Set<string>();
    let errors = '';
    for (let round = 0; round < 2; round++) {
      for (const c of candidates) {
        if (failed.has(c.name)) continue;
        try {
          const t = await time(c.value);
          if (Number.isFinite(t) && t >= 0) ms[c.name] = Math.min(ms[c.name] ?? Infinity, t);
        } catch (e) {
          failed.add(c.name);
          delete ms[c.name];
          errors += ` ${c.name}: ${(e as Error).message};`;
        }
      }
    }
    const names = Object.keys(ms);
    if (names.length === 0) throw new Error(`tuning ${key}: every candidate failed:${errors}`);
    const choice = names.reduce((a, b) => (ms[b]! < ms[a]! ? b : a));
    this.records[key] = { choice, ms, timer, at: new Date().toISOString(), ...(failed.size ? { failed: [...failed] } : {}) };
    this.save();
    return choice;
  }

  private save(): void {
    if (!this.store) return;
    try {
      this.store.write(formatTuningFile(this.adapter, this.records));
    } catch (e) {
      this.warning(`tuning cache ${this.store.location} could not be written (${(e as Error).message}); keeping the choices in memory`);
    }
  }
}

/** Best of `runs` timings of `once` after one warm-up run (ms): the least disturbed by other load. */
export async function bestTime(once: () => Promise<number>, runs = 3): Promise<number> {
  await once();
  let best = Infinity;
  for (let i = 0; i < runs; i++) best = Math.min(best, await once());
  return best;
}
