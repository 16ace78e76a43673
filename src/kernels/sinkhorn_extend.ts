/**
 * Owner of shaders/sinkhorn_extend.wgsl: the leaf start's extension of potentials solved on weighted
 * centres (k-d tree leaf centroids) to every sorted point of a cloud, written as two-part potentials
 * straight into the solver's potentials buffer (src/transport/sinkhorn/schedule.ts). The host gives,
 * for each tile of EXTEND_ROWS sorted points, the ranges of centres kept for it, a bound B of the
 * tile's slack and the centre of that bound (src/transport/extension.ts, extensionPlan); the kernel
 * sums only those terms.
 *
 * Buffers: one centre record per centre (RECORD(d) vec4s: the d coordinates, then h_j = g_j + ε log w_j
 * as a high part on the potentials' grid and the rest), one task per tile, and the ranges; each
 * extension (block) is one dispatch with its tasks and ranges bound at 256-byte aligned offsets, so a
 * block's ranges need only fit one storage binding. Tasks beyond maxComputeWorkgroupsPerDimension go
 * on a 2-D grid (31 250 tiles per cloud at 10^6 points; the task index is x + y·groups_x).
 */
import source from '../../shaders/sinkhorn_extend.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { InputError } from '../gpu/errors.js';
import { Bindings, read, rw, uniform } from '../gpu/bindings.js';
import { grid2d } from '../gpu/dispatch.js';
import { ParamsLayout } from '../gpu/params.js';

/** Invocations per workgroup; each handles ROWS rows (the lanes of a vec4). */
const WG = 8;
const ROWS = 4;
/** Rows of one task (one workgroup): the tile of sorted points its centre ranges were kept for. */
export const EXTEND_ROWS = WG * ROWS;
/** Largest dimension compiled (the truncation that the leaf start needs takes streamed costs, d ≤ 64). */
export const EXTEND_MAX_DIM = 64;
/** u32 words of a task (the WGSL `Task`). */
const TASK_WORDS = 8;
/** The grid of the potentials' high parts (shaders/lib/softmin_finish.wgsl). */
const GRID = 2 ** -20;

export const ExtendParams = new ParamsLayout('ExtendParams', {
  eps: 'f32',
  inv_eps: 'f32',
  /** Where the low parts of the potentials start in `pot` (elements). */
  lo_off: 'u32',
  /** Always 0 (the shader's `opaque`: keeps the driver from reordering the exponent's sums). */
  zero: 'u32',
  /** Tasks of this dispatch, and workgroups along x (task = x + y·groups_x). */
  tasks: 'u32',
  groups_x: 'u32',
});

export const ExtendBindings = new Bindings('sinkhorn_extend', {
  params: uniform(ExtendParams),
  /** The solver's points (d floats per point, sorted). */
  pts: read('array<f32>'),
  /** RECORD(d) vec4s per centre: coordinates, h high part, h rest. */
  centres: read('array<vec4<f32>>'),
  /** This dispatch's tasks (one per tile). */
  tasks: read('array<Task>'),
  /** Kept centre ranges [x, y) (centre indices into `centres`). */
  ranges: read('array<vec2<u32>>'),
  /** The solver's potentials: high parts, then the rests from lo_off. */
  pot: rw('array<f32>'),
});

/** vec4s per centre record: d coordinates and the two parts of h. */
export function recordVec4s(d: number): number {
  return Math.ceil((d + 2) / 4);
}

/** Split a float64 value into a high part on the grid (f32) and the rest (f32), as the solver holds potentials (-∞: a centre of no mass). */
function twoPart(v: number): [number, number] {
  if (!Number.isFinite(v)) return [Math.fround(v), 0];
  const hi = Math.fround(Math.round(v / GRID) * GRID);
  return [hi, Math.fround(v - hi)];
}

/**
 * WGSL for `centre_arg(j, xr, b)`: v = ((h_hi + b.x) - C) + (h_lo + b.y), over ε, for the 4 rows in the
 * lanes of xr against centre j (C the squared distance, summed as the softmin kernels' costs4 does),
 * unrolled for this d so every load is a vec4 and every index a constant.
 */
export function centreArgSource(d: number): string {
  const K = recordVec4s(d);
  const comp = 'xyzw';
  const at = (k: number) => `p${Math.floor(k / 4)}.${comp[k % 4]}`;
  const lines = ['fn centre_arg(j: u32, xr: array<vec4<f32>, D>, b: vec2<f32>) -> vec4<f32> {'];
  for (let k = 0; k < K; k++) lines.push(`  let p${k} = centres[j * ${K}u + ${k}u];`);
  let expr = '';
  for (let c = 0; c < d; c++) {
    lines.push(`  let d${c} = xr[${c}] - ${at(c)};`);
    expr = c === 0 ? 'd0 * d0' : `fma(d${c}, d${c}, ${expr})`;
  }
  lines.push(`  let cost = ${expr};`);
  lines.push(`  return (opaque(opaque(vec4<f32>(${at(d)} + b.x)) - cost) + vec4<f32>(${at(d + 1)} + b.y)) * params.inv_eps;`, '}');
  return lines.join('\n');
}

/** One extension: the sorted points of one cloud, from the centres of the other (or the same) cloud. */
export interface ExtendBlock {
  /** First row point in the points buffer, and the number of rows. */
  rowOff: number;
  n: number;
  /** Offset (elements) of the rows' potentials (high parts) in the potentials buffer. */
  outPot: number;
  /** Centre coordinates (m × d). */
  centres: ArrayLike<number>;
  /** h_j = g_j + ε log w_j per centre (float64; -shift of extensionPlan). */
  h: ArrayLike<number>;
  /** Per tile of EXTEND_ROWS rows: its kept centre ranges [ranges[2k], ranges[2k + 1]) for k in [off[t], off[t + 1]). */
  off: Uint32Array;
  ranges: Uint32Array;
  /**
   * Per tile, the reference B of the exponents (extensionPlan's best: the smallest upper bound of a
   * centre's slack C_ij - h_j on the tile's box) and a kept centre `best` (the one of that bound):
   * each row's sum is shifted by its exponent against that centre.
   */
  bound: ArrayLike<number>;
  best: ArrayLike<number>;
}

export class SinkhornExtend {
  private constructor(
    readonly d: number,
    readonly pipeline: GPUComputePipeline,
  ) {}

  /** The extension pipeline for points of dimension `d` (compiled once per d, cached). */
  static async create(ctx: GpuContext, d: number): Promise<SinkhornExtend> {
    if (!Number.isInteger(d) || d < 1 || d > EXTEND_MAX_DIM) throw new InputError(`sinkhorn extension: dimension must be an integer in [1, ${EXTEND_MAX_DIM}], got ${d}`);
    const layout = ExtendBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({ kernel: 'sinkhorn_extend', source, layout, prelude: [ExtendBindings.wgsl, `const D: u32 = ${d}u;`, centreArgSource(d)], constants: { WG } });
    return new SinkhornExtend(d, pipeline);
  }

  /**
   * Upload the blocks and encode their extension into `enc` (one dispatch per block), writing the
   * two-part potentials into `pot` (high parts at outPot + i, rests at loOff + outPot + i). Returns
   * the release of the temporary buffers: call it once `enc` is submitted. Throws an InputError
   * naming the limit when a buffer does not fit this device.
   */
  encode(ctx: GpuContext, enc: GPUCommandEncoder, blocks: readonly ExtendBlock[], b: { pts: GPUBuffer; pot: GPUBuffer; loOff: number; eps: number }): () => void {
    const d = this.d;
    const K = recordVec4s(d);
    const limits = ctx.device.limits;
    const binding = limits.maxStorageBufferBindingSize;
    const align = limits.minStorageBufferOffsetAlignment;
    const fits = (what: string, bytes: number) => {
      if (bytes > binding) throw new InputError(`sinkhorn extension: ${what} need ${bytes} bytes, over this device's maxStorageBufferBindingSize of ${binding} bytes; use fewer points`);
    };
    fits('the points', b.pts.size);
    fits('the potentials', b.pot.size);
    // Centres of every block in one buffer (ranges hold absolute centre indices); tasks and ranges
    // of each block at aligned offsets of one buffer each.
    const centreBase: number[] = [];
    let centres = 0;
    const taskAt: number[] = [];
    const rangeAt: number[] = [];
    let taskBytes = 0;
    let rangeBytes = 0;
    const roundUp = (v: number) => Math.ceil(v / align) * align;
    for (const bl of blocks) {
      const tiles = Math.ceil(bl.n / EXTEND_ROWS);
      if (bl.off.length !== tiles + 1 || bl.bound.length !== tiles || bl.best.length !== tiles) {
        throw new InputError(`sinkhorn extension: ${bl.n} rows need ${tiles} tiles of ${EXTEND_ROWS}, got ${bl.off.length - 1} range lists, ${bl.bound.length} bounds and ${bl.best.length} best centres`);
      }
      if (bl.centres.length !== bl.h.length * d) throw new InputError(`sinkhorn extension: ${bl.centres.length} centre coordinates for ${bl.h.length} centres of dimension ${d}`);
      if (bl.rowOff + bl.n > b.pts.size / (4 * d) || bl.outPot + bl.n > b.loOff || b.loOff + bl.outPot + bl.n > b.pot.size / 4) {
        throw new InputError(`sinkhorn extension: rows [${bl.rowOff}, ${bl.rowOff + bl.n}) written from ${bl.outPot} (rests from ${b.loOff}) do not fit ${b.pts.size / (4 * d)} points and ${b.pot.size / 4} potentials`);
      }
      centreBase.push(centres);
      centres += bl.h.length;
      taskAt.push(taskBytes);
      fits(`the ${tiles} tiles of one extension`, tiles * TASK_WORDS * 4);
      taskBytes = roundUp(taskBytes + tiles * TASK_WORDS * 4);
      rangeAt.push(rangeBytes);
      const count = bl.off[tiles]!;
      fits(`the ${count} centre ranges of one extension`, count * 8);
      rangeBytes = roundUp(rangeBytes + Math.max(1, count) * 8);
    }
    fits(`${centres} centres`, centres * K * 16);
    const max = limits.maxComputeWorkgroupsPerDimension;
    const rec = new Float32Array(centres * K * 4);
    const taskWords = new Uint32Array(taskBytes / 4);
    const taskFloats = new Float32Array(taskWords.buffer);
    const ranges = new Uint32Array(rangeBytes / 4);
    blocks.forEach((bl, k) => {
      const m = bl.h.length;
      const base = centreBase[k]!;
      for (let q = 0; q < m; q++) {
        const o = (base + q) * K * 4;
        for (let c = 0; c < d; c++) rec[o + c] = bl.centres[q * d + c]!;
        [rec[o + d], rec[o + d + 1]] = twoPart(bl.h[q]!);
      }
      const tiles = bl.off.length - 1;
      const t0 = taskAt[k]! / 4;
      const r0 = rangeAt[k]! / 4;
      const count = bl.off[tiles]!;
      for (let r = 0; r < 2 * count; r++) {
        const q = bl.ranges[r]!;
        if (q > m) throw new InputError(`sinkhorn extension: a range reaches centre ${q} of ${m}`);
        ranges[r0 + r] = base + q;
      }
      for (let t = 0; t < tiles; t++) {
        const o = t0 + t * TASK_WORDS;
        const [hi, lo] = twoPart(bl.bound[t]!);
        const best = bl.best[t]!;
        if (!(best >= 0 && best < m)) throw new InputError(`sinkhorn extension: tile ${t} names centre ${best} of ${m}`);
        taskWords.set([bl.rowOff + t * EXTEND_ROWS, Math.min(EXTEND_ROWS, bl.n - t * EXTEND_ROWS), bl.outPot + t * EXTEND_ROWS, bl.off[t]!, bl.off[t + 1]! - bl.off[t]!], o);
        taskFloats[o + 5] = hi;
        taskFloats[o + 6] = lo;
        taskWords[o + 7] = base + best;
      }
      if (grid2d(tiles, max)[1] > max) throw new InputError(`sinkhorn extension: ${tiles} tiles exceed this device's ${max}² workgroups per dispatch; use fewer points`);
    });
    const centreBuf = ctx.storage('sinkhorn:extend-centres', rec);
    const taskBuf = ctx.storage('sinkhorn:extend-tasks', taskWords);
    const rangeBuf = ctx.storage('sinkhorn:extend-ranges', ranges);
    const params: GPUBuffer[] = [];
    const release = () => {
      for (const buf of [centreBuf, taskBuf, rangeBuf, ...params]) ctx.destroyBuffer(buf);
    };
    try {
      const pass = enc.beginComputePass({ label: 'sinkhorn:extend' });
      pass.setPipeline(this.pipeline);
      blocks.forEach((bl, k) => {
        const tiles = bl.off.length - 1;
        const count = bl.off[tiles]!;
        const [x, y] = grid2d(tiles, max);
        const u = ctx.uniform(`sinkhorn:extend${k}`, ExtendParams.byteSize);
        params.push(u);
        ctx.write(u, ExtendParams.pack({ eps: b.eps, inv_eps: 1 / b.eps, lo_off: b.loOff, tasks: tiles, groups_x: x }));
        const bind = ExtendBindings.bind(
          ctx.device,
          {
            params: u,
            pts: b.pts,
            centres: centreBuf,
            tasks: { buffer: taskBuf, offset: taskAt[k]!, size: tiles * TASK_WORDS * 4 },
            ranges: { buffer: rangeBuf, offset: rangeAt[k]!, size: Math.max(1, count) * 8 },
            pot: b.pot,
          },
          `sinkhorn:extend${k}`,
        );
        pass.setBindGroup(0, bind);
        pass.dispatchWorkgroups(x, y);
      });
      pass.end();
    } catch (e) {
      release();
      throw e;
    }
    return release;
  }
}
