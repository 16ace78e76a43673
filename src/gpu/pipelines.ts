/**
 * Pipeline cache keyed by (kernel, entry point, defines, override constants). Shader modules are
 * compiled once per (kernel, defines) and their compilation messages checked, so a WGSL error is
 * reported once, with line:col and the offending source line, as a ShaderCompileError.
 */
import { ShaderCompileError, GpuValidationError } from './errors.js';
import { composeShader, type ComposeOptions } from './shaders.js';

export interface PipelineSpec {
  /** Kernel name: the shader file name without `.wgsl`. */
  kernel: string;
  /** The raw shader source (the `?raw` import of shaders/<kernel>.wgsl). */
  source: string;
  entryPoint?: string;
  layout: GPUPipelineLayout;
  defines?: Record<string, boolean>;
  prelude?: readonly string[];
  constants?: Record<string, number>;
}

function stableKey(o: Record<string, unknown> | undefined): string {
  if (!o) return '';
  return Object.keys(o)
    .sort()
    .map((k) => `${k}=${String(o[k])}`)
    .join(',');
}

export class PipelineCache {
  private readonly modules = new Map<string, Promise<GPUShaderModule>>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();

  constructor(private readonly device: GPUDevice) {}

  get size(): number {
    return this.pipelines.size;
  }

  private module(spec: PipelineSpec): Promise<GPUShaderModule> {
    const options: ComposeOptions = {};
    if (spec.defines) options.defines = spec.defines;
    if (spec.prelude) options.prelude = spec.prelude;
    const key = `${spec.kernel}|${stableKey(spec.defines)}|${(spec.prelude ?? []).join('\n')}`;
    let p = this.modules.get(key);
    if (!p) {
      p = (async () => {
        const code = composeShader(spec.source, options);
        const module = this.device.createShaderModule({ label: spec.kernel, code });
        const info = await module.getCompilationInfo();
        const errors = info.messages.filter((m) => m.type === 'error');
        if (errors.length > 0) {
          throw new ShaderCompileError(
            spec.kernel,
            errors.map((m) => ({ line: m.lineNum, col: m.linePos, text: m.message, type: m.type })),
            code,
          );
        }
        return module;
      })();
      // A failed compile is not cached: the next call reports it again.
      p.catch(() => this.modules.delete(key));
      this.modules.set(key, p);
    }
    return p;
  }

  /** The compute pipeline for a spec; concurrent requests for the same key share one compile. */
  get(spec: PipelineSpec): Promise<GPUComputePipeline> {
    const entryPoint = spec.entryPoint ?? 'main';
    const key = `${spec.kernel}|${entryPoint}|${stableKey(spec.defines)}|${stableKey(spec.constants)}|${(spec.prelude ?? []).join('\n')}`;
    let p = this.pipelines.get(key);
    if (!p) {
      p = (async () => {
        const module = await this.module(spec);
        this.device.pushErrorScope('validation');
        const pipeline = this.device.createComputePipeline({
          label: `${spec.kernel}:${entryPoint}${spec.constants ? ` ${stableKey(spec.constants)}` : ''}`,
          layout: spec.layout,
          compute: { module, entryPoint, ...(spec.constants ? { constants: spec.constants } : {}) },
        });
        const err = await this.device.popErrorScope();
        if (err) throw new GpuValidationError(`pipeline ${spec.kernel}:${entryPoint}: ${err.message}`);
        return pipeline;
      })();
      p.catch(() => this.pipelines.delete(key));
      this.pipelines.set(key, p);
    }
    return p;
  }
}
