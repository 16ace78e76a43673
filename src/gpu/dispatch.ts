/** Workgroup-count maths shared by kernels. */

/**
 * Split `groups` workgroups over x and y so neither exceeds `maxPerDim` (65535 by default).
 * Kernels recover the flat index as gid.x + gid.y * nwg.x * WG.
 */
export function grid2d(groups: number, maxPerDim = 65535): [number, number] {
  if (groups <= maxPerDim) return [Math.max(1, groups), 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y];
}

/** Workgroups (x, y) for `invocations` threads in workgroups of `wg`: grid2d(⌈invocations / wg⌉). */
export function workgroups(invocations: number, wg: number): [number, number] {
  return grid2d(Math.ceil(invocations / wg));
}

