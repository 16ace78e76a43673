/** Owner of shaders/dataset_gen.wgsl: toy datasets drawn on the GPU from the seeded RNG. */
import source from '../../shaders/dataset_gen.wgsl?raw';
import type { GpuContext } from '../gpu/context.js';
import { ParamsLayout } from '../gpu/params.js';
import { Bindings, UniformBlock, read, rw, uniform } from '../gpu/bindings.js';
import { workgroups } from '../gpu/dispatch.js';
import { splitSeed } from '../rng/philox.js';

export const DatasetParams = new ParamsLayout('DatasetParams', { n: 'u32', dim: 'u32', ncomp: 'u32', seed_lo: 'u32', seed_hi: 'u32', clip: 'f32', noise: 'f32', scale: 'f32' });
const WG = 64;
export const DATASET_KIND = { mixture: 0, moons: 1, swissroll: 2, checkerboard: 3 } as const;
/** Floats per packed mixture component (struct Component: mean, 4 Cholesky columns, cumulative weight). */
export const COMPONENT_FLOATS = 24;

export interface DatasetGenJob {
  kind: keyof typeof DATASET_KIND;
  n: number;
  dim: number;
  seed: number | bigint;
  /** Packed components (kind 'mixture'), COMPONENT_FLOATS each. */
  components?: Float32Array;
  clip?: number;
  noise?: number;
  scale?: number;
}

export const DatasetGenBindings = new Bindings('dataset_gen', {
  gp: uniform(DatasetParams),
  /** Mixture components (COMPONENT_FLOATS each). */
  comps: read('array<Component>'),
  /** n × dim row-major. */
  out: rw('array<f32>'),
});

export class DatasetGenKernel {
  private constructor(private readonly ctx: GpuContext) {}

  static async create(ctx: GpuContext): Promise<DatasetGenKernel> {
    return new DatasetGenKernel(ctx);
  }

  /** Draw the points into a new storage buffer (n × dim floats, row-major). */
  async run(job: DatasetGenJob): Promise<GPUBuffer> {
    const pipeline = await this.ctx.pipelines.get({ kernel: 'dataset_gen', source, layout: DatasetGenBindings.pipelineLayout(this.ctx.device), prelude: [DatasetGenBindings.wgsl], constants: { WG, KIND: DATASET_KIND[job.kind] } });
    const comps = job.components ?? new Float32Array(COMPONENT_FLOATS);
    const cbuf = this.ctx.storage('dataset_gen:components', comps);
    const gp = new UniformBlock(this.ctx, 'dataset_gen:params', DatasetParams);
    const out = this.ctx.storage(`dataset:${job.kind}`, job.n * job.dim * 4);
    const [lo, hi] = splitSeed(job.seed);
    gp.set({ n: job.n, dim: job.dim, ncomp: comps.length / COMPONENT_FLOATS, seed_lo: lo, seed_hi: hi, clip: job.clip ?? 0, noise: job.noise ?? 0, scale: job.scale ?? 1 });
    try {
      const bind = DatasetGenBindings.bind(this.ctx.device, { gp: gp.buffer, comps: cbuf, out });
      await this.ctx.runPass('dataset_gen', (pass) => {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bind);
        pass.dispatchWorkgroups(...workgroups(job.n, WG));
      });
      return out;
    } catch (e) {
      this.ctx.destroyBuffer(out);
      throw e;
    } finally {
      this.ctx.destroyBuffer(cbuf);
      gp.destroy();
    }
  }
}
