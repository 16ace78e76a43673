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
