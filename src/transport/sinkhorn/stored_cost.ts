/**
 * The Sinkhorn cost at high dimension: the matrices C_ij = |x_i|² + |y_j|² − 2⟨x_i, y_j⟩ computed once
 * per solve by tiled dot products (src/kernels/sqdist_tiles.ts) and stored, so each softmin reads
 * one float per pair (src/kernels/sinkhorn_softmin_stored.ts) instead of recomputing a D-term sum.
 *
 * Why stored and not recomputed per iteration: a solve runs hundreds of softmins over the same
 * pairs, and at d = 100–784 the cost of one pair (2d flops) is 50–400× the exp the softmin needs;
 * the matrix costs 4 bytes per pair and block. Measured on lavapipe (bench/w2_highdim.bench.ts,
 * quick sizes, 2 loaded cores): one pass of the cost kernel over 300² pairs in 100-D takes ~46 ms
 * where a whole stored iteration (two softmins) takes 5.7 ms, so recomputing would multiply the
 * iteration time by ~16 (784-D: by ~150); the memory bound is the price (see STORED_MAX_BYTES).
 * Stored costs also beat the streamed kernel below 64-D when they fit (N = M = 1000, debiased,
 * default blur, lavapipe: d = 4: 2.7 vs 2.3 s, streamed faster; d = 8: 6.7 vs 11.5 s; d = 16: 5.1 vs
 * 20.9 s; d = 32 at N = 500: 1.9 vs 16.4 s, plus a streamed first compile of minutes), but the
 * default stays streamed up to 64-D (truncation and 10^5–10^6-point problems need no N×M memory);
 * `cost: 'stored'` in the solver's shape chooses it.
 *
 * Layout: for every problem of the batch the blocks the softmin updates (X rows against Y, Y rows
 * against X, and when debiased X against X and Y against Y), each stored column by column
 * (C_ij at j·ld + i, ld = pad4(rows)), the order the softmin's vec4 loads of 4 rows want; Y against X
 * is the transpose of X against Y, stored again so that every read is a contiguous vec4. A block
 * larger than the device's maxStorageBufferBindingSize is split by rows into several buffers, each
 * bound on its own (one dispatch per buffer and table).
 *
 * Precision (f32): on the solver's units (points centred and divided by the bounding-box diagonal,
 * src/transport/sinkhorn/prepare.ts, so |p| ≤ R ≤ 1), the norms are rounded once from float64
 * (error ≤ 2^-24 R² each) and the dot product is summed by blocks of KC = 16 coordinates
 * (shaders/sqdist_tiles.wgsl: error ≤ (16 + ⌈d/16⌉)·2^-24·|x||y|), so
 * |C̃_ij − C_ij| ≤ (4 + 2(16 + ⌈d/16⌉))·2^-24·R²: 1.0e-5·R² at d = 4096, 8.3e-6·R² at d = 784 and
 * 3.4e-6·R² at d = 100 (the cancellation of |x|² + |y|² against 2⟨x, y⟩ is what costs: centring keeps
 * R at the data's own spread instead of its distance to the origin). The solver then converges for
 * the cost C̃, a fixed matrix (the marginal errors are not affected), and OT_ε is 1-Lipschitz in the
 * cost in the sup norm (the plan has mass 1), so OT_ε and each term of S_ε move by at most
 * max|C̃ − C|: W2² from S_ε by at most 2·max|C̃ − C| (test/transport_highdim.test.ts checks the
 * matrix against float64 within this bound).
 */
import { asF32 } from '../input.js';
import type { GpuContext } from '../../gpu/context.js';
import { InputError } from '../../gpu/errors.js';
import { packStoredTasks, SinkhornSoftminStored, STORED_TASK_BYTES, type StoredTask } from '../../kernels/sinkhorn_softmin_stored.js';
import { MAX_DIM as STREAMED_MAX_DIM } from '../../kernels/sinkhorn_softmin.js';
import { sqdistBytes, sqdistLd, SqdistTiles, type SqdistPlan } from '../../kernels/sqdist_tiles.js';
import type { PreparedBatch } from './prepare.js';
import { blockOf, potentialAt, TABLE_ALIGN, taskTables, type Layout, type TableKey } from './tables.js';

/** How the solver gets its costs: recomputed from the points in every softmin, or stored once. */
export type CostMode = 'streamed' | 'stored';

/**
 * All stored matrices of one solver together may take at most this many bytes (4 GiB): past it the
 * solve is refused (the streamed kernel, which needs no matrix, covers d ≤ 64 only).
 */
export const STORED_MAX_BYTES = 2 ** 32;

/**
 * The cost mode of a solver: 'stored' above the streamed kernel's dimension limit (64), 'streamed'
 * up to it (its on-the-fly cost is unrolled per d and needs no N×M memory, which the truncation of
 * far pairs and 10^6-point problems rely on); `asked` overrides.
 */
export function costMode(d: number, asked?: CostMode): CostMode {
  if (asked !== undefined) {
    if (asked !== 'streamed' && asked !== 'stored') throw new InputError(`sinkhorn: cost must be 'streamed' or 'stored', got '${String(asked)}'`);
    if (asked === 'streamed' && d > STREAMED_MAX_DIM) throw new InputError(`sinkhorn: the streamed cost takes d <= ${STREAMED_MAX_DIM}, got d = ${d} (use cost 'stored')`);
    return asked;
  }
  return d > STREAMED_MAX_DIM ? 'stored' : 'streamed';
}

/** One stored buffer: a row range of one block of one problem. */
interface Piece {
  buffer: GPUBuffer;
  plan: SqdistPlan;
}

/** A table of the stored softmin: per cost buffer, its tasks' bind group. */
interface StoredTable {
  groups: { bind: GPUBindGroup; count: number; maxRows: number }[];
  pairs: number;
}

export interface StoredCostShape {
  layouts: readonly Layout[];
  total: number;
  d: number;
  debias: boolean;
}

/** Limits for splitting and refusing (defaults: the device's binding size and STORED_MAX_BYTES; tests lower them). */
export interface StoredCostLimits {
  maxBindingBytes?: number;
  maxTotalBytes?: number;
}

export class StoredCost {
  private constructor(
    private readonly ctx: GpuContext,
    private readonly shape: StoredCostShape,
    private readonly softmin: SinkhornSoftminStored,
    private readonly pieces: Piece[],
    private readonly norms: GPUBuffer,
    private readonly tasks: GPUBuffer,
    private readonly tables: Record<TableKey, StoredTable>,
  ) {}

  /** Bytes of GPU memory held (the matrices, the norms and the task tables). */
  get gpuBytes(): number {
    return [this.norms, this.tasks, ...this.pieces.map((p) => p.buffer)].reduce((s, b) => s + b.size, 0);
  }

  /** Number of stored buffers (more than one per block when a block was split to fit a binding). */
  get buffers(): number {
    return this.pieces.length;
  }

  /**
   * Allocate the matrices of a batch and their task tables (the points buffer `pts` is the solver's).
   * Throws InputError when the matrices cannot be stored (naming the limit).
   */
  static async create(ctx: GpuContext, shape: StoredCostShape, pts: GPUBuffer, limits: StoredCostLimits = {}): Promise<StoredCost> {
    const { layouts, total: T, d, debias } = shape;
    const binding = Math.min(limits.maxBindingBytes ?? ctx.device.limits.maxStorageBufferBindingSize, ctx.device.limits.maxBufferSize);
    const maxTotal = limits.maxTotalBytes ?? STORED_MAX_BYTES;
    // Sizes first: refuse before allocating anything.
    const kinds = debias ? (['xy', 'yx', 'xx', 'yy'] as const) : (['xy', 'yx'] as const);
    let bytes = 0;
    for (const l of layouts) for (const k of kinds) bytes += sqdistBytes(blockOf(l, k).rowsN, blockOf(l, k).colsN);
    if (bytes > maxTotal) {
      const sizes = layouts.map((l) => `${l.n}×${l.m}`).join(', ');
      throw new InputError(
        `sinkhorn: in d = ${d} the cost is stored (${kinds.length} matrices per problem of ${sizes} points: ${fmtBytes(bytes)}), over the limit of ${fmtBytes(maxTotal)} for stored costs; use fewer points, or method 'sliced'`,
      );
    }
    const tiles = await SqdistTiles.create(ctx, d);
    const softmin = await SinkhornSoftminStored.create(ctx);
    const norms = ctx.storage('sinkhorn:norms', T * 4);
    const pieces: Piece[] = [];
    // Where each (problem, kind) block's row ranges live: [first row, rows, piece index].
    const where = new Map<string, { r0: number; rows: number; piece: number }[]>();
    try {
      layouts.forEach((l, p) => {
        for (const k of kinds) {
          const b = blockOf(l, k);
          const rowsPer = Math.floor(binding / (4 * b.colsN) / 4) * 4;
          if (rowsPer < 4) {
            throw new InputError(`sinkhorn: 4 rows of ${b.colsN} stored costs (${fmtBytes(16 * b.colsN)}) do not fit this device's maxStorageBufferBindingSize of ${fmtBytes(binding)}; use fewer points`);
          }
          const list: { r0: number; rows: number; piece: number }[] = [];
          for (let r0 = 0; r0 < b.rowsN; r0 += rowsPer) {
            const rows = Math.min(rowsPer, b.rowsN - r0);
            const buffer = ctx.storage(`sinkhorn:cost:${p}:${k}:${r0}`, sqdistBytes(rows, b.colsN));
            pieces.push({ buffer, plan: tiles.plan({ rowOff: b.rows + r0, n: rows, colOff: b.cols, m: b.colsN }, pts, norms, buffer) });
            list.push({ r0, rows, piece: pieces.length - 1 });
          }
          where.set(`${p}:${k}`, list);
        }
      });
    } catch (e) {
      for (const q of pieces) {
        q.plan.destroy();
        ctx.destroyBuffer(q.buffer);
      }
      ctx.destroyBuffer(norms);
      throw e;
    }

    // Task tables: the dense tables' tasks (tables.ts), each row range of a block one task, grouped by buffer.
    type Placed = { piece: number; task: StoredTask };
    const list = taskTables(layouts.length, debias, (p, kind, from, to): Placed[] => {
      const l = layouts[p]!;
      const b = blockOf(l, kind);
      return where.get(`${p}:${kind}`)!.map(({ r0, rows, piece }) => ({
        piece,
        task: {
          n: rows,
          m: b.colsN,
          costOff: 0,
          ld: sqdistLd(rows),
          colPot: potentialAt(T, from, b.self, b.cols),
          oldPot: potentialAt(T, from, b.self, b.rows + r0),
          outPot: potentialAt(T, to, b.self, b.rows + r0),
          colLogw: b.cols,
          rowLogw: b.rows + r0,
          errOff: (b.self ? T : 0) + b.rows + r0,
          selfTerm: b.self,
        },
      }));
    });
    const slots: { key: TableKey; piece: number; tasks: StoredTask[]; offset: number }[] = [];
    let offset = 0;
    for (const [key, placed] of list) {
      const byPiece = new Map<number, StoredTask[]>();
      for (const { piece, task } of placed) byPiece.set(piece, [...(byPiece.get(piece) ?? []), task]);
      for (const [piece, tasks] of byPiece) {
        slots.push({ key, piece, tasks, offset });
        offset += Math.ceil((tasks.length * STORED_TASK_BYTES) / TABLE_ALIGN) * TABLE_ALIGN;
      }
    }
    const words = new Uint32Array(Math.max(offset, TABLE_ALIGN) / 4);
    for (const s of slots) packStoredTasks(s.tasks, words, s.offset / 4);
    const tasks = ctx.storage('sinkhorn:stored-tasks', words);
    const tables = {} as Record<TableKey, StoredTable>;
    for (const [key] of list) tables[key] = { groups: [], pairs: 0 };
    for (const s of slots) {
      const t = tables[s.key];
      t.groups.push({ bind: softmin.taskBindGroup(ctx, `sinkhorn:stored:${s.key}`, tasks, s.offset, s.tasks.length, pieces[s.piece]!.buffer), count: s.tasks.length, maxRows: Math.max(...s.tasks.map((q) => q.n)) });
      t.pairs += s.tasks.reduce((acc, q) => acc + q.n * q.m, 0);
    }
    return new StoredCost(ctx, shape, softmin, pieces, norms, tasks, tables);
  }

  /**
   * Write the squared norms of the points as uploaded (float64 from the host copies, rounded once)
   * and encode the cost matrices into `enc` (after the upload it follows).
   */
  async encodeCosts(prep: PreparedBatch, enc: GPUCommandEncoder): Promise<void> {
    const { layouts, total, d } = this.shape;
    const norms = new Float32Array(total);
    for (let p = 0; p < layouts.length; p++) {
      const l = layouts[p]!;
      const q = prep.problems[p]!;
      // The points as uploaded: centred and scaled host copies, or (no centring) the clouds as given.
      const px = q.centred?.cx ?? (q.hx ? asF32(q.hx.subarray(0, q.x.n * d)) : undefined) ?? (await this.ctx.readF32(q.x.data as GPUBuffer, 0, q.x.n * d));
      const py = q.centred?.cy ?? (q.hy ? asF32(q.hy.subarray(0, q.y.n * d)) : undefined) ?? (await this.ctx.readF32(q.y.data as GPUBuffer, 0, q.y.n * d));
      squaredNorms(px, d, norms, l.xs);
      squaredNorms(py, d, norms, l.ys);
    }
    this.ctx.write(this.norms, norms);
    const pass = enc.beginComputePass({ label: 'sinkhorn:costs' });
    for (const q of this.pieces) q.plan.encode(pass);
    pass.end();
  }

  /** Encode the table `name` (one dispatch per cost buffer); returns the pairs it evaluates. */
  dispatch(pass: GPUComputePassEncoder, main: GPUBindGroup, name: TableKey): number {
    const t = this.tables[name];
    for (const g of t.groups) this.softmin.dispatch(pass, main, g.bind, g.count, g.maxRows);
    return t.pairs;
  }

  destroy(): void {
    for (const q of this.pieces) {
      q.plan.destroy();
      this.ctx.destroyBuffer(q.buffer);
    }
    this.ctx.destroyBuffer(this.norms);
    this.ctx.destroyBuffer(this.tasks);
  }
}

/** |p|² of each point (float64 sum of the f32 coordinates), written at out[at + i]. */
function squaredNorms(p: Float32Array, d: number, out: Float32Array, at: number): void {
  const n = p.length / d;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += p[i * d + c]! * p[i * d + c]!;
    out[at + i] = s;
  }
}

function fmtBytes(b: number): string {
  return b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`;
}
