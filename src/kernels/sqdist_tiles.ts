/**
 * Owner of shaders/sqdist_tiles.wgsl: a block of squared distances C_ij = |x_i|² + |y_j|² − 2⟨x_i, y_j⟩
 * computed by workgroup-tiled dot products and stored column by column (out[j·ld + i]), the cost
 * matrix of the high-dimensional Sinkhorn (src/transport/sinkhorn/stored_cost.ts). A plan binds one
 * block (its rows, its columns, its output buffer) once; `encode()` records its dispatch.
 */
import source from '../../shaders/sqdist_tiles.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, UniformBlock, read, rw, uniform } from '../gpu/bindings.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';

/** Invocations per workgroup along rows and columns (constants of the shader); each computes 4×4 entries. */
export const SQDIST_WG_X = 16;
export const SQDIST_WG_Y = 16;
/** Rows and columns of one workgroup's tile. */
export const SQDIST_TILE_ROWS = 4 * SQDIST_WG_X;
export const SQDIST_TILE_COLS = 4 * SQDIST_WG_Y;
/** Largest dimension (coordinates are loaded 16 at a time, so any d works; this bounds the work of one dispatch). */
export const SQDIST_MAX_DIM = 4096;

export const SqdistParams = new ParamsLayout('SqdistParams', {
  /** Dimension of the points. */
  d: 'u32',
  /** First row point and row count (rows past n up to ld repeat row n - 1). */
  row_off: 'u32',
  n: 'u32',
  /** First column point and column count. */
  col_off: 'u32',
  m: 'u32',
  /** Floats between two stored columns: pad4(n). */
  ld: 'u32',
});

export const SqdistBindings = new Bindings('sqdist_tiles', {
  params: uniform(SqdistParams),
  /** Points, row-major, D floats each. */
  pts: read('array<f32>'),
  /** |p|² of every point (computed once, float64 on the host rounded to f32). */
  norms: read('array<f32>'),
  /** The block, out[j·ld + i] (m columns of ld floats). */
  out: rw('array<vec4<f32>>'),
});

/** One stored block: rows [rowOff, rowOff + n) against columns [colOff, colOff + m) (point indices). */
export interface SqdistBlock {
  rowOff: number;
  n: number;
  colOff: number;
  m: number;
}

/** Floats between two stored columns of a block of n rows (a multiple of 4: the softmin reads vec4s of rows). */
export const sqdistLd = (n: number): number => Math.ceil(n / 4) * 4;

/** Bytes of the stored block of n rows and m columns. */
export const sqdistBytes = (n: number, m: number): number => sqdistLd(n) * m * 4;

/** A bound block: `encode()` records its dispatch into an open pass; `destroy()` frees its uniform. */
export class SqdistPlan {
  constructor(
    private readonly pipeline: GPUComputePipeline,
    private readonly bind: GPUBindGroup,
    private readonly params: UniformBlock<'d' | 'row_off' | 'n' | 'col_off' | 'm' | 'ld'>,
    readonly block: SqdistBlock,
  ) {}

  encode(pass: GPUComputePassEncoder): void {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bind);
    pass.dispatchWorkgroups(Math.ceil(this.block.n / SQDIST_TILE_ROWS), Math.ceil(this.block.m / SQDIST_TILE_COLS));
  }

  destroy(): void {
    this.params.destroy();
  }
}

export class SqdistTiles {
  private constructor(
    private readonly ctx: GpuContext,
    readonly d: number,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  /** The kernel for points of dimension d (one pipeline for every d: the dimension is a parameter). */
  static async create(ctx: GpuContext, d: number): Promise<SqdistTiles> {
    if (!Number.isInteger(d) || d < 1 || d > SQDIST_MAX_DIM) throw new InputError(`sqdist_tiles: dimension must be an integer in [1, ${SQDIST_MAX_DIM}], got ${d}`);
    const layout = SqdistBindings.pipelineLayout(ctx.device);
    const pipeline = await ctx.pipelines.get({ kernel: 'sqdist_tiles', source, layout, prelude: [SqdistBindings.wgsl] });
    return new SqdistTiles(ctx, d, pipeline);
  }

  /** Bind one block: `pts` (points, D floats each), `norms` (|p|² per point), `out` (at least sqdistBytes(n, m)). */
  plan(block: SqdistBlock, pts: GPUBuffer, norms: GPUBuffer, out: GPUBuffer): SqdistPlan {
    const { rowOff, n, colOff, m } = block;
    for (const [name, v] of Object.entries(block)) {
      if (!Number.isInteger(v) || v < 0) throw new InputError(`sqdist_tiles: ${name} must be a non-negative integer, got ${v}`);
    }
    if (n < 1 || m < 1) throw new InputError(`sqdist_tiles: empty block (${n}×${m})`);
    if (pts.size < (Math.max(rowOff + n, colOff + m) * this.d) * 4) throw new InputError(`sqdist_tiles: the points buffer holds ${pts.size / 4} floats, the block needs ${Math.max(rowOff + n, colOff + m) * this.d}`);
    if (norms.size < Math.max(rowOff + n, colOff + m) * 4) throw new InputError(`sqdist_tiles: the norms buffer holds ${norms.size / 4} floats, the block needs ${Math.max(rowOff + n, colOff + m)}`);
    if (out.size < sqdistBytes(n, m)) throw new InputError(`sqdist_tiles: the output buffer has ${out.size} bytes, the block needs ${sqdistBytes(n, m)}`);
    const params = new UniformBlock(this.ctx, 'sqdist_tiles:params', SqdistParams);
    params.set({ d: this.d, row_off: rowOff, n, col_off: colOff, m, ld: sqdistLd(n) });
    const bind = SqdistBindings.bind(this.ctx.device, { params: params.buffer, pts, norms, out }, 'sqdist_tiles');
    return new SqdistPlan(this.pipeline, bind, params, block);
  }
}
