/**
 * Bindings declared once, by name. A kernel writes its bind group as one `Bindings` object:
 *
 * ```ts
 * export const FlowAffineBindings = new Bindings('flow_affine', {
 *   params: uniform(FlowAffineParams),
 *   coef: read('array<f32>'),        // [c, M, R]
 *   x: read('array<f32>'),
 *   y: rw('array<f32>'),
 * });
 * ```
 *
 * and gets from it, in declaration order (binding i = the i-th name): the WGSL prelude
 * (`@group(g) @binding(i) var<…> name: type;` plus the uniform structs of src/gpu/params.ts), the
 * GPUBindGroupLayout (cached per device) and a typed `bind(device, { params, coef, x, y })` whose
 * names the compiler checks. The .wgsl file therefore declares no binding of its own; its first
 * lines say which TypeScript file declares them. Modelled on TypeGPU's named layouts.
 *
 * Also here: `UniformSlots`, one uniform buffer holding many parameter blocks (one per layer, or one
 * per step of a chunk) selected by dynamic offset, written once so encoding a step allocates nothing.
 */
import type { GpuContext } from './context.js';
import type { ParamsLayout } from './params.js';

/** The WGSL struct a uniform binding holds (a ParamsLayout; only its name and declaration are used). */
export interface UniformStruct {
  readonly structName: string;
  readonly wgsl: string;
  readonly byteSize: number;
}

/** One buffer binding: its access and the WGSL type of its variable. */
export interface BufferBinding {
  readonly access: 'uniform' | 'read' | 'rw';
  /** Uniform bound at a dynamic offset (setBindGroup's dynamicOffsets). */
  readonly dynamic: boolean;
  /** WGSL type: a struct name or e.g. `array<f32>`, `array<vec4<f32>>`, `array<atomic<u32>>`. */
  readonly type: string;
  /** The uniform's struct, emitted once with the bindings. */
  readonly struct?: UniformStruct;
}

/** A uniform block of `params`' struct; `dynamic` binds it at a dynamic offset (UniformSlots). */
export function uniform(params: UniformStruct, opts: { dynamic?: boolean } = {}): BufferBinding {
  return { access: 'uniform', dynamic: opts.dynamic ?? false, type: params.structName, struct: params };
}

/** Read-only storage of WGSL type `type`. */
export function read(type: string): BufferBinding {
  return { access: 'read', dynamic: false, type };
}

/** Read-write storage of WGSL type `type`. */
export function rw(type: string): BufferBinding {
  return { access: 'rw', dynamic: false, type };
}

/** What `bind` accepts for a binding: a whole buffer, or a range of one. */
export type BufferResource = GPUBuffer | GPUBufferBinding;

/** The resources `bind` takes for a declaration: one buffer per name. */
export type Resources<B> = B extends Bindings<infer N> ? Readonly<Record<N, BufferResource>> : never;

const ADDRESS_SPACE = { uniform: 'uniform', read: 'storage, read', rw: 'storage, read_write' } as const;
const BUFFER_TYPE = { uniform: 'uniform', read: 'read-only-storage', rw: 'storage' } as const;

/** The bind group of one `@group(g)`: names in binding order, declared once. */
export class Bindings<N extends string> {
  /** Binding names in binding order. */
  readonly names: readonly N[];
  /** The WGSL declarations: uniform structs (each once), then one `var` per binding. */
  readonly wgsl: string;
  private readonly layouts = new WeakMap<GPUDevice, GPUBindGroupLayout>();
  private readonly pipelineLayouts = new WeakMap<GPUDevice, GPUPipelineLayout>();

  constructor(
    readonly label: string,
    readonly entries: Readonly<Record<N, BufferBinding>>,
    readonly group = 0,
  ) {
    this.names = Object.keys(entries) as N[];
    const structs = new Map<string, string>();
    const vars = this.names.map((name, i) => {
      const e = entries[name];
      if (e.struct && !structs.has(e.struct.structName)) structs.set(e.struct.structName, e.struct.wgsl);
      return `@group(${group}) @binding(${i}) var<${ADDRESS_SPACE[e.access]}> ${name}: ${e.type};`;
    });
    this.wgsl = [...structs.values(), `// bindings of ${label}, group ${group} (declared in TypeScript)`, ...vars].join('\n');
  }

  /** Binding number of `name`. */
  binding(name: N): number {
    return this.names.indexOf(name);
  }

  /** The explicit bind group layout (one per device). */
  layout(device: GPUDevice): GPUBindGroupLayout {
    let l = this.layouts.get(device);
    if (!l) {
      l = device.createBindGroupLayout({
        label: this.label,
        entries: this.names.map((name, binding) => {
          const e = this.entries[name];
          const buffer: GPUBufferBindingLayout = { type: BUFFER_TYPE[e.access] };
          if (e.dynamic) buffer.hasDynamicOffset = true;
          if (e.struct) buffer.minBindingSize = e.struct.byteSize;
          return { binding, visibility: GPUShaderStage.COMPUTE, buffer };
        }),
      });
      this.layouts.set(device, l);
    }
    return l;
  }

  /** A pipeline layout of this group alone (group 0), one per device. */
  pipelineLayout(device: GPUDevice): GPUPipelineLayout {
    let l = this.pipelineLayouts.get(device);
    if (!l) {
      l = pipelineLayout(device, this.label, [this]);
      this.pipelineLayouts.set(device, l);
    }
    return l;
  }

  /**
   * A bind group with every named buffer. A dynamic uniform given as a whole buffer is bound with
   * the size of one block (its offset comes from setBindGroup). Throws naming a missing or unknown
   * name (for callers outside the type checker).
   */
  bind(device: GPUDevice, resources: Readonly<Record<N, BufferResource>>, label = this.label): GPUBindGroup {
    for (const name of Object.keys(resources)) {
      if (!(name in this.entries)) throw new Error(`bindings '${this.label}': no binding named '${name}' (have ${this.names.join(', ')})`);
    }
    return device.createBindGroup({
      label,
      layout: this.layout(device),
      entries: this.names.map((name, binding) => {
        const r = resources[name] as BufferResource | undefined;
        if (!r) throw new Error(`bindings '${this.label}': no buffer given for '${name}'`);
        const e = this.entries[name];
        if ('buffer' in r) return { binding, resource: r };
        return { binding, resource: e.dynamic && e.struct ? { buffer: r, size: e.struct.byteSize } : { buffer: r } };
      }),
    });
  }
}

/** A pipeline layout over bind groups 0..k-1 (`groups[g].group` must be g). */
export function pipelineLayout(device: GPUDevice, label: string, groups: readonly Bindings<string>[]): GPUPipelineLayout {
  groups.forEach((b, g) => {
    if (b.group !== g) throw new Error(`pipeline layout '${label}': bindings '${b.label}' are group ${b.group}, placed at ${g}`);
  });
  return device.createPipelineLayout({ label, bindGroupLayouts: groups.map((b) => b.layout(device)) });
}

/** `count` uniform blocks of one ParamsLayout in one buffer, each at a multiple of the offset alignment. */
export class UniformSlots<F extends string> {
  readonly buffer: GPUBuffer;
  readonly stride: number;
  private readonly staging: ArrayBuffer;
  private readonly block: ArrayBuffer;

  constructor(
    private readonly ctx: GpuContext,
    label: string,
    readonly params: ParamsLayout<F>,
    readonly count: number,
  ) {
    const align = ctx.device.limits.minUniformBufferOffsetAlignment;
    this.stride = Math.ceil(params.byteSize / align) * align;
    this.buffer = ctx.uniform(label, this.stride * count);
    this.staging = new ArrayBuffer(this.stride * count);
    this.block = new ArrayBuffer(params.byteSize);
  }

  /** Byte offset of slot i (the dynamic offset to pass to setBindGroup). */
  offset(i: number): number {
    return i * this.stride;
  }

  /** Pack slot i on the CPU; `upload()` sends every slot at once. */
  set(i: number, values: Partial<Record<F, number>>): void {
    new Uint8Array(this.block).fill(0);
    this.params.pack(values, this.block);
    new Uint8Array(this.staging, i * this.stride, this.params.byteSize).set(new Uint8Array(this.block));
  }

  upload(count = this.count): void {
    this.ctx.write(this.buffer, new Uint32Array(this.staging, 0, (this.stride * count) / 4));
  }

  /** The binding resource (size of one block) for a dynamic uniform. */
  get resource(): GPUBufferBinding {
    return { buffer: this.buffer, offset: 0, size: this.params.byteSize };
  }

  destroy(): void {
    this.ctx.destroyBuffer(this.buffer);
  }
}

/** One uniform block of a ParamsLayout, allocated once and rewritten with `set` (queue order). */
export class UniformBlock<F extends string> {
  readonly buffer: GPUBuffer;

  constructor(
    private readonly ctx: GpuContext,
    label: string,
    readonly params: ParamsLayout<F>,
  ) {
    this.buffer = ctx.uniform(label, params.byteSize);
  }

  /** Write the block (missing fields are zero); takes effect for commands submitted afterwards. */
  set(values: Partial<Record<F, number>>): void {
    this.ctx.write(this.buffer, this.params.pack(values));
  }

  destroy(): void {
    this.ctx.destroyBuffer(this.buffer);
  }
}

