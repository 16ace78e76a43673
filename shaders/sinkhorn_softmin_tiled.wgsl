// The softmin of shaders/sinkhorn_softmin.wgsl (same tasks, same sums, same epilogue) shaped for
// GPUs, KeOps-style: a workgroup owns WG·ROWS consecutive rows of a task (each invocation 4 rows in
// the lanes of vec4s, as in the streamed kernel) and one chunk of its columns; the workgroup loads
// the chunk's columns TILE at a time into workgroup memory (points, and potentials split into grid
// part and rest with ε log b_j, as col_split4 does) and every invocation sweeps the tile. The
// columns are split into S = `split` chunks (workgroup_id.z): at moderate N a task has too few
// rows to fill a GPU (N = 10^4: 40 workgroups of 256 rows), S chunks make S times as many. Because
// the log-sum-exp is shifted by the row's previous potential, not by a running max, the chunks'
// shifted sums simply add: with S = 1 the workgroup finishes its rows itself (finish_rows, exactly
// as the streamed kernel: bit for bit the same sums, 4 columns at a time in the same order); with
// S > 1 each chunk writes its partial sum of every row to `partial` and
// shaders/sinkhorn_softmin_combine.wgsl adds the S partials (in chunk order) and finishes.
//
// For GPUs, and not yet timed on one (bench/sinkhorn_softmin.bench.ts times it; the tuner picks it
// per adapter where it is faster, src/transport/sinkhorn/dense.ts). On CPU drivers barriers and
// workgroup memory cost more than they save (lavapipe, 2-D, N = M = 2000 and 10^4: ×0.85–0.95 of
// the streamed kernel's pairs/s): software adapters keep the streamed kernel without a search.
//
// Chunks: every chunk but the last has len = ⌈m/S⌉ rounded up to 4 columns, so tiles start at
// multiples of 4 (vec4 loads, the same groups of 4 as the streamed kernel); a tile's last group may
// be partial (its loads stay inside the column block, which is padded to 4 points) and its valid
// columns are summed one by one, as the streamed kernel's tail. A chunk past the last column writes
// zero partials (the combine pass adds every chunk).
//
// Prelude (src/kernels/sinkhorn_softmin_tiled.ts): `SoftminParams`, `const D: u32`, `const TILE: u32`
// (columns per tile, a multiple of 4, sized for the workgroup memory at this D),
// `fn costs4(b, xr)` over `pts` (used by softmin_rows) and `fn costs4_tile(b, xr)`, the same
// generated code over `tile_pts`.

override WG: u32 = 64u;

#include "softmin_dense"

// Group 1 (tasks): SoftminTaskBindings in src/kernels/sinkhorn_softmin.ts; group 2 (partial):
// TiledPartialBindings in src/kernels/sinkhorn_softmin_tiled.ts. partial[((err_off + i)/4)·S + c]
// holds the shifted sums of chunk c for rows i..i+3 of a task.

var<workgroup> tile_pts: array<vec4<f32>, TILE / 4u * D>;
var<workgroup> tile_g: array<vec4<f32>, TILE / 4u>;
var<workgroup> tile_s: array<vec4<f32>, TILE / 4u>;

fn tile_ptc(k: u32) -> f32 { return tile_pts[k >> 2u][k & 3u]; }

/** Σ over tile columns [0, cnt) of exp((h_j + r_i - C_ij)/ε), added to acc in the streamed kernel's order. */
fn sweep_tile(xr: array<vec4<f32>, D>, r: RowPot, cnt: u32, acc0: vec4<f32>) -> vec4<f32> {
  var acc = acc0;
  let full = cnt & ~3u;
  var q = 0u;
  for (; q < full; q += 4u) {
    let cs = costs4_tile((q >> 2u) * D, xr);
    let g = tile_g[q >> 2u];
    let s = tile_s[q >> 2u];
    acc += exp(pair_arg(r, g.x, s.x, cs.c0)) + exp(pair_arg(r, g.y, s.y, cs.c1))
         + exp(pair_arg(r, g.z, s.z, cs.c2)) + exp(pair_arg(r, g.w, s.w, cs.c3));
  }
  for (; q < cnt; q++) {
    var c0 = vec4<f32>(0.0);
    for (var c = 0u; c < D; c++) {
      let d0 = xr[c] - tile_ptc(q * D + c);
      c0 = fma(d0, d0, c0);
    }
    acc += exp(pair_arg(r, tile_g[q >> 2u][q & 3u], tile_s[q >> 2u][q & 3u], c0));
  }
  return acc;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // Everything that decides a barrier is workgroup-uniform: the task (read-only storage), the
  // workgroup id, the chunk bounds.
  let t = tasks[wid.y];
  let block = wid.x * WG * ROWS;
  if (block >= t.n) { return; }
  let first = block + lid.x * ROWS;
  let in_rows = first < t.n;
  let last = t.n - 1u;
  let rows = min(vec4<u32>(first, first + 1u, first + 2u, first + 3u), vec4<u32>(last));
  var xr: array<vec4<f32>, D>;
  var r = RowPot(vec4<f32>(0.0), vec4<f32>(0.0));
  if (in_rows) {
    xr = load_rows(t, rows);
    r = row_pot(t, first);
  }
  let len = ((t.m + t.split - 1u) / t.split + 3u) & ~3u;
  let j0 = wid.z * len;
  let j1 = min(t.m, j0 + len);
  var acc = vec4<f32>(0.0);
  for (var j = j0; j < j1; j += TILE) {
    let cnt = min(TILE, j1 - j);
    let groups = (cnt + 3u) >> 2u;
    workgroupBarrier(); // every invocation is done with the previous tile
    let base = ((t.col_off + j) * D) >> 2u;
    for (var k = lid.x; k < groups * D; k += WG) { tile_pts[k] = pts[base + k]; }
    for (var k = lid.x; k < groups; k += WG) {
      let h = col_split4(t, j + 4u * k);
      tile_g[k] = h.g;
      tile_s[k] = h.s;
    }
    workgroupBarrier();
    if (in_rows) { acc = sweep_tile(xr, r, cnt, acc); }
  }
  if (!in_rows) { return; }
  if (t.split == 1u) {
    finish_rows(t, first, last, rows, r, acc);
  } else {
    partial[((t.err_off + first) >> 2u) * t.split + wid.z] = acc;
  }
}
