// Bindings declared once by name (src/gpu/bindings.ts): the WGSL prelude, the bind group layout and
// the bind group all follow the declaration's order; a shader using the prelude runs and a shader
// error in it is still reported with its source line and caret.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Bindings, UniformSlots, read, rw, uniform } from '../src/gpu/bindings.js';
import { ShaderCompileError } from '../src/gpu/errors.js';
import { ParamsLayout } from '../src/gpu/params.js';
import { useGpu } from './gpu.js';

const P = new ParamsLayout('TestParams', { n: 'u32', scale: 'f32' });
const decl = () =>
  new Bindings('test_scale', {
    params: uniform(P, { dynamic: true }),
    x: read('array<f32>'),
    y: rw('array<f32>'),
  });

describe('Bindings (host side)', () => {
  it('writes the WGSL declarations in declaration order, each struct once, deterministically', () => {
    const b = decl();
    expect(b.names).toEqual(['params', 'x', 'y']);
    expect(b.binding('y')).toBe(2);
    const lines = b.wgsl.split('\n').filter((l) => l.startsWith('@group'));
    expect(lines).toEqual([
      '@group(0) @binding(0) var<uniform> params: TestParams;',
      '@group(0) @binding(1) var<storage, read> x: array<f32>;',
      '@group(0) @binding(2) var<storage, read_write> y: array<f32>;',
    ]);
    expect(b.wgsl.match(/struct TestParams/g)).toHaveLength(1);
    expect(decl().wgsl).toBe(b.wgsl);
    const two = new Bindings('two', { a: uniform(P), b: uniform(P) }, 1);
    expect(two.wgsl.match(/struct TestParams/g)).toHaveLength(1);
    expect(two.wgsl).toContain('@group(1) @binding(1) var<uniform> b: TestParams;');
  });
});

describe('every kernel declares its bindings once', () => {
  const files = (dir: string, ext: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(`${dir}/${e.name}`, ext) : e.name.endsWith(ext) ? [`${dir}/${e.name}`] : []));

  it('no shader writes an @group/@binding line by hand (they come from a Bindings declaration)', () => {
    const hand = files('shaders', '.wgsl').filter((f) => /@binding\s*\(/.test(readFileSync(f, 'utf8')));
    expect(hand).toEqual([]);
  });

  it('no module outside src/gpu/bindings.ts builds a bind group or its layout by position', () => {
    const positional = [...files('src', '.ts'), ...files('bench', '.ts')].filter(
      (f) => f !== 'src/gpu/bindings.ts' && /createBindGroup(Layout)?\(/.test(readFileSync(f, 'utf8')),
    );
    expect(positional).toEqual([]);
  });
});

describe('Bindings on the GPU', () => {
  const gpu = useGpu();
  const source = `
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.n) { return; }
  y[i] = params.scale * x[i];
}`;

  it('runs a kernel whose bindings come only from the declaration (dynamic uniform slots, n = 67)', async () => {
    const ctx = gpu();
    const b = decl();
    const pipeline = await ctx.pipelines.get({ kernel: 'test_scale', source, layout: b.pipelineLayout(ctx.device), prelude: [b.wgsl] });
    const n = 67;
    const xs = Float32Array.from({ length: n }, (_, i) => i - 30);
    const x = ctx.storage('x', xs);
    const y = ctx.storage('y', new Float32Array(n).fill(-999));
    const slots = new UniformSlots(ctx, 'params', P, 2);
    slots.set(0, { n, scale: 2 });
    slots.set(1, { n: 40, scale: -1 });
    slots.upload();
    const group = b.bind(ctx.device, { params: slots.buffer, x, y });
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group, [slots.offset(0)]);
    pass.dispatchWorkgroups(2);
    pass.setBindGroup(0, group, [slots.offset(1)]);
    pass.dispatchWorkgroups(1);
    pass.end();
    ctx.submit(enc.finish());
    const got = await ctx.readF32(y);
    for (let i = 0; i < n; i++) expect(got[i]).toBe(i < 40 ? -xs[i]! : 2 * xs[i]!);
    for (const buf of [x, y]) ctx.destroyBuffer(buf);
    slots.destroy();
  });

  it('names a missing or unknown binding', () => {
    const ctx = gpu();
    const b = decl();
    const x = ctx.storage('x', 16);
    const resources = { params: ctx.uniform('u', 16), x } as unknown as Parameters<typeof b.bind>[1];
    expect(() => b.bind(ctx.device, resources)).toThrow(/no buffer given for 'y'/);
    expect(() => b.bind(ctx.device, { ...resources, y: x, z: x } as typeof resources)).toThrow(/no binding named 'z'/);
    ctx.destroyBuffer(x);
    ctx.destroyBuffer((resources as unknown as { params: GPUBuffer }).params);
  });

  it('reports a shader error after the generated prelude with the offending line and a caret', async () => {
    const ctx = gpu();
    const b = decl();
    ctx.device.pushErrorScope('validation');
    const err = await ctx.pipelines
      .get({ kernel: 'test_broken', source: source.replace('params.scale * x[i]', 'params.scale * x[i] + 1u'), layout: b.pipelineLayout(ctx.device), prelude: [b.wgsl] })
      .catch((e: unknown) => e);
    await ctx.device.popErrorScope();
    expect(err).toBeInstanceOf(ShaderCompileError);
    const msg = (err as Error).message;
    expect(msg).toContain('y[i] = params.scale * x[i] + 1u;');
    expect(msg).toMatch(/\n\s+\^/);
  });
});
