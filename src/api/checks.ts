/**
 * Argument checks shared by the engine's methods (src/api/engine.ts) and the modules it delegates to.
 */
import { InputError } from '../gpu/errors.js';
import { checkFinite, type PointsInput } from '../gpu/validate.js';
import { mlpLayout, type MlpLayout } from '../model/layout.js';
import type { NetworkScore } from '../model/network.js';

/** The `dim` to read a flat array of points with (a nested array or a PointCloud carries its own). */
export function flatDim(points: PointsInput, dim: number): number | undefined {
  return points instanceof Float32Array || (ArrayBuffer.isView(points) || Array.isArray(points) ? typeof (points as ArrayLike<unknown>)[0] === 'number' : false) ? dim : undefined;
}

/** A network { spec, params } checked at the boundary: its layout, with host params of the right size and finite. */
export function checkNetwork(what: string, net: NetworkScore): MlpLayout {
  if (typeof net !== 'object' || net === null || typeof net.spec !== 'object') throw new InputError(`${what}: network must be { spec, params }`);
  const layout = mlpLayout(net.spec);
  if (net.params instanceof Float32Array) {
    if (net.params.length !== layout.size) throw new InputError(`${what}: network.params has ${net.params.length} floats, the spec needs ${layout.size}`);
    checkFinite(`${what}: network.params`, net.params);
  }
  return layout;
}
