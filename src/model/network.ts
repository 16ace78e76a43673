/**
 * The MLP as a score source for fused kernels: generates the small WGSL prelude that runs the layers of
 * a given layout (offsets as literals, so the compiler sees constant loop bounds) for
 * shaders/lib/mlp_forward4.wgsl, and the override constants the library expects.
 */
import { InputError } from '../gpu/errors.js';
import { ACTIVATION_CODE, OUTPUT_CODE, mlpLayout, type MlpLayout, type MlpSpec } from './layout.js';

/** A trained (or untrained) network: its spec and flat parameters (layout of src/model/layout.ts). */
export interface NetworkScore {
  spec: MlpSpec;
  /** The flat parameter buffer (Float32Array of layout.size floats, or a GPU buffer already holding it). */
  params: Float32Array | GPUBuffer;
}

/** The WGSL prelude (`MLP_MAXW`, `mlp_layers4`) for a layout. */
export function mlpPrelude(layout: MlpLayout): string {
  const L = layout.layers.length;
  const lines = [`const MLP_MAXW: u32 = ${layout.maxWidth}u;`, 'fn mlp_layers4(h: ptr<function, array<vec4<f32>, MLP_MAXW>>, o: ptr<function, array<vec4<f32>, MLP_MAXW>>, k: u32) {'];
  layout.layers.forEach((l, i) => {
    const [a, b] = i % 2 === 0 ? ['h', 'o'] : ['o', 'h'];
    lines.push(`  mlp_layer4(${a}, ${b}, ${l.in}u, ${l.out}u, ${l.wOffset}u, ${l.bOffset}u, ${l.eOffset}, ${layout.scaleOffset + i}u, k, ${l.hidden});`);
  });
  // After an odd number of layers the head's output is in o: move it to h.
  if (L % 2 === 1) lines.push(`  for (var j = 0u; j < ${layout.spec.dim}u; j++) { (*h)[j] = (*o)[j]; }`);
  lines.push('}');
  return lines.join('\n');
}

/** Override constants of shaders/lib/mlp_forward4.wgsl for a spec. */
export function mlpConstants(spec: MlpSpec): Record<string, number> {
  return {
    ACT: ACTIVATION_CODE[spec.activation],
    SLOPE: spec.leakySlope ?? 0.01,
    OUT_KIND: OUTPUT_CODE[spec.output],
    FOURIER: spec.time.kind === 'fourier' ? spec.time.features : 0,
  };
}

/** Validate a network score source against a data dimension; returns its layout. */
export function networkLayout(net: NetworkScore, dim: number): MlpLayout {
  const layout = mlpLayout(net.spec);
  if (net.spec.dim !== dim) throw new InputError(`network dimension ${net.spec.dim} does not match the data dimension ${dim}`);
  const size = net.params instanceof Float32Array ? net.params.length : net.params.size / 4;
  if (size < layout.size) throw new InputError(`network parameters: ${size} floats, the layout needs ${layout.size}`);
  if (net.params instanceof Float32Array) {
    for (let i = 0; i < layout.size; i++) if (!Number.isFinite(net.params[i]!)) throw new InputError(`network parameters: NaN or Inf at float ${i}`);
  }
  return layout;
}

/**
 * The WGSL prelude for the generated shared-weight shape of the fused kernels ('sg8'): `MLP_MAXW` and
 * `fn mlp_layers4(h, o, k)` calling one generated function per layer. Like mlp_layer4 under SG
 * (shaders/lib/mlp_forward4.wgsl) each lane loads one weight of a chunk of 8 inputs and
 * subgroupBroadcast hands it to every lane, but the layer's sizes are literals: `rows` outputs are
 * accumulated per block (each input read, a per-lane gather from the private array on lavapipe,
 * feeds 4·rows multiply-adds), a chunk with all 8 inputs present has no guards (on lavapipe every
 * `if` is a masked region whose writes become blends), and the sums are fused multiply-adds in
 * mlp_layer4's order (input 0 first). Needs the including shader's `sg_lane`.
 */
export function mlpPreludeSg(layout: MlpLayout, rows: number): string {
  const lines = [`const MLP_MAXW: u32 = ${layout.maxWidth}u;`];
  const calls: string[] = [];
  layout.layers.forEach((l, li) => {
    const [a, b] = li % 2 === 0 ? ['h', 'o'] : ['o', 'h'];
    calls.push(`  mlp_sg${li}(${a}, ${b}, k);`);
    lines.push(`fn mlp_sg${li}(src: ptr<function, array<vec4<f32>, MLP_MAXW>>, dst: ptr<function, array<vec4<f32>, MLP_MAXW>>, k: u32) {`);
    lines.push(`  let s = weights[${layout.scaleOffset + li}u];`);
    const block = (r: number, j: string, ind: string) => {
      for (let q = 0; q < r; q++) lines.push(`${ind}var a${q} = vec4<f32>(0.0);`);
      const fullChunks = Math.floor(l.in / 8);
      const chunk = (k0: string, width: number, ind2: string) => {
        // Lanes past the chunk's inputs (or past lane 7 on wider subgroups) load a valid weight, never broadcast.
        const col = `${k0} + min(sg_lane, ${width - 1}u)`;
        for (let q = 0; q < r; q++) lines.push(`${ind2}let w${q} = weights[${l.wOffset}u + (${j} + ${q}u) * ${l.in}u + ${col}];`);
        for (let i = 0; i < width; i++) {
          lines.push(`${ind2}{ let x = (*src)[${k0} + ${i}u];`);
          for (let q = 0; q < r; q++) lines.push(`${ind2}  a${q} = fma(vec4<f32>(subgroupBroadcast(w${q}, ${i}u)), x, a${q});`);
          lines.push(`${ind2}}`);
        }
      };
      if (fullChunks > 0) {
        lines.push(`${ind}for (var k0 = 0u; k0 < ${fullChunks * 8}u; k0 += 8u) {`);
        chunk('k0', 8, ind + '  ');
        lines.push(`${ind}}`);
      }
      if (l.in % 8 > 0) {
        lines.push(`${ind}{`);
        chunk(`${fullChunks * 8}u`, l.in % 8, ind + '  ');
        lines.push(`${ind}}`);
      }
      for (let q = 0; q < r; q++) lines.push(`${ind}(*dst)[${j} + ${q}u] = mlp_finish4(a${q}, s, ${l.bOffset}u, ${l.eOffset}, k, ${l.out}u, ${j} + ${q}u, ${l.hidden});`);
    };
    const full = Math.floor(l.out / rows) * rows;
    if (full > 0) {
      lines.push(`  for (var j = 0u; j < ${full}u; j += ${rows}u) {`);
      block(rows, 'j', '    ');
      lines.push('  }');
    }
    // The remaining outputs (fewer than `rows`) in one block.
    if (l.out > full) {
      lines.push('  {');
      block(l.out - full, `${full}u`, '    ');
      lines.push('  }');
    }
    lines.push('}');
  });
  lines.push('fn mlp_layers4(h: ptr<function, array<vec4<f32>, MLP_MAXW>>, o: ptr<function, array<vec4<f32>, MLP_MAXW>>, k: u32) {', ...calls);
  if (layout.layers.length % 2 === 1) lines.push(`  for (var j = 0u; j < ${layout.spec.dim}u; j++) { (*h)[j] = (*o)[j]; }`);
  lines.push('}');
  return lines.join('\n');
}

