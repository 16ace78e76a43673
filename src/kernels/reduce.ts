/**
 * Owner of shaders/reduce.wgsl: segmented sum / max / logsumexp / mean-variance over f32 data of
 * any length. A ReducePlan allocates its scratch and uniforms once, then encodes the same passes
 * as often as needed (no allocation per step); the result stays on the GPU as one vec4 state per
 * segment (layout in shaders/lib/reduce_ops.wgsl) for later kernels, or is read and finalized.
 */
import source from '../../shaders/reduce.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { Bindings, read, rw, uniform } from '../gpu/bindings.js';
import { InputError } from '../gpu/errors.js';
import { ParamsLayout } from '../gpu/params.js';

const WG = 256;
const ITEMS = 8;
const PER_BLOCK = WG * ITEMS;

export const ReduceParams = new ParamsLayout('ReduceParams', { len: 'u32', blocks: 'u32', in_offset: 'u32', in_stride: 'u32' });

export const ReduceBindings = new Bindings('reduce', {
  params: uniform(ReduceParams),
  /** f32 input of the first pass (entry `values`). */
  in_values: read('array<f32>'),
  /** vec4 states of the previous pass (entry `states`). */
  in_states: read('array<vec4<f32>>'),
  /** One state per (segment, block). */
  out: rw('array<vec4<f32>>'),
});

export type ReduceOp = 'sum' | 'max' | 'logsumexp' | 'meanvar';
const OP_CODE: Record<ReduceOp, number> = { sum: 0, max: 1, logsumexp: 2, meanvar: 3 };

interface Pass {
  pipeline: GPUComputePipeline;
  bind: GPUBindGroup;
  blocks: number;
}

export class Reduce {
  private constructor(private readonly ctx: GpuContext) {}

  static async create(ctx: GpuContext): Promise<Reduce> {
    return new Reduce(ctx);
  }

  private pipeline(op: ReduceOp, entryPoint: 'values' | 'states'): Promise<GPUComputePipeline> {
    return this.ctx.pipelines.get({
      kernel: 'reduce',
      source,
      entryPoint,
      layout: ReduceBindings.pipelineLayout(this.ctx.device),
      prelude: [ReduceBindings.wgsl],
      constants: { OP: OP_CODE[op], WG, ITEMS },
    });
  }

  /**
   * Plan a reduction of `segments` segments of `len` floats each. Segment s starts at float
   * `inOffset + s·inStride` of the input (inStride defaults to len).
   */
  async plan(op: ReduceOp, input: GPUBuffer, len: number, opts: { segments?: number; inOffset?: number; inStride?: number } = {}): Promise<ReducePlan> {
    const segments = opts.segments ?? 1;
    if (!Number.isInteger(len) || len < 1) throw new InputError(`reduce: length must be a positive integer, got ${len}`);
    if (!Number.isInteger(segments) || segments < 1 || segments > this.ctx.device.limits.maxComputeWorkgroupsPerDimension) {
      throw new InputError(`reduce: segments must be an integer in [1, ${this.ctx.device.limits.maxComputeWorkgroupsPerDimension}], got ${segments}`);
    }
    const [pValues, pStates] = await Promise.all([this.pipeline(op, 'values'), this.pipeline(op, 'states')]);
    const owned: GPUBuffer[] = [];
    const dummy = this.ctx.storage('reduce:unused', 16);
    owned.push(dummy);
    const passes: Pass[] = [];
    let curLen = len;
    let src: GPUBuffer = input;
    let first = true;
    let result: GPUBuffer | undefined;
    for (;;) {
      const blocks = Math.ceil(curLen / PER_BLOCK);
      const out = this.ctx.storage(`reduce:${op}:pass${passes.length}`, segments * blocks * 16);
      const ubuf = this.ctx.uniform(`reduce:${op}:params${passes.length}`, ReduceParams.byteSize);
      owned.push(out, ubuf);
      this.ctx.write(
        ubuf,
        ReduceParams.pack({ len: curLen, blocks, in_offset: first ? (opts.inOffset ?? 0) : 0, in_stride: first ? (opts.inStride ?? len) : curLen }),
      );
      const bind = ReduceBindings.bind(
        this.ctx.device,
        { params: ubuf, in_values: first ? src : dummy, in_states: first ? dummy : src, out },
        `reduce:${op}:${passes.length}`,
      );
      passes.push({ pipeline: first ? pValues : pStates, bind, blocks });
      first = false;
      src = out;
      curLen = blocks;
      if (blocks === 1) {
        result = out;
        break;
      }
    }
    return new ReducePlan(this.ctx, op, segments, passes, result, owned);
  }
}

export class ReducePlan {
  constructor(
    private readonly ctx: GpuContext,
    readonly op: ReduceOp,
    readonly segments: number,
    private readonly passes: readonly Pass[],
    /** One vec4 state per segment (see shaders/lib/reduce_ops.wgsl). */
    readonly result: GPUBuffer,
    private readonly owned: GPUBuffer[],
  ) {}

  /** Number of dispatches per encode. */
  get dispatches(): number {
    return this.passes.length;
  }

  /** Encode all passes into one compute pass. */
  encode(encoder: GPUCommandEncoder): void {
    const pass = encoder.beginComputePass({ label: `reduce:${this.op}` });
    for (const p of this.passes) {
      pass.setPipeline(p.pipeline);
      pass.setBindGroup(0, p.bind);
      pass.dispatchWorkgroups(p.blocks, this.segments);
    }
    pass.end();
  }

  /**
   * Encode, submit, read back and finalize: one number per segment (sum, max or logsumexp), or for
   * 'meanvar' pairs [mean, population variance] flattened.
   */
  async run(): Promise<Float64Array> {
    const enc = this.ctx.device.createCommandEncoder({ label: `reduce:${this.op}` });
    this.encode(enc);
    const states = new Float32Array(await this.ctx.read(this.result, 0, this.segments * 16, enc));
    return finalizeStates(this.op, states, this.segments);
  }

  destroy(): void {
    for (const b of this.owned) this.ctx.destroyBuffer(b);
    this.owned.length = 0;
  }
}

/** CPU side of red_finalize in shaders/lib/reduce_ops.wgsl. */
export function finalizeStates(op: ReduceOp, states: Float32Array, segments: number): Float64Array {
  const width = op === 'meanvar' ? 2 : 1;
  const out = new Float64Array(segments * width);
  for (let s = 0; s < segments; s++) {
    const [a, b, c] = [states[4 * s]!, states[4 * s + 1]!, states[4 * s + 2]!];
    if (op === 'logsumexp') out[s] = a + Math.log(b);
    else if (op === 'meanvar') {
      out[2 * s] = b;
      out[2 * s + 1] = c / Math.max(a, 1);
    } else out[s] = a;
  }
  return out;
}
