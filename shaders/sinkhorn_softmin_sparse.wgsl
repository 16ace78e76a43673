// Block-sparse streamed log-domain softmin: the Sinkhorn half-iteration of
// shaders/sinkhorn_softmin.wgsl restricted to the column ranges kept by the truncation of far pairs
// (src/transport/truncation.ts). The points of each cloud are ordered by a k-d tree, so
// a tile of consecutive rows is a compact patch of space and the columns that can matter to it (the
// pairs with C_ij - f_i - g_j <= τ ε) are a few runs of consecutive columns. One task is one row
// tile of at most WG·ROWS rows (one workgroup); it loops only over its CSR list of column ranges:
//
//   lse_i = log Σ_{j in ranges} exp((h_j + r_i - |x_i - y_j|²) / ε),   h_j = g_j + ε log b_j,  r_i = old_i
//   out_i = r_i - ω ε lse_i,      err_i = a_i |exp(lse_i) - 1|
//
// Every dropped pair has C_ij - f_i - g_j > τ ε, so the dropped part of the (normalised) row sum is
// at most e^{-τ} Σ_j b_j = e^{-τ}: the result is the dense softmin to that relative tolerance.
// Same fast path as the dense kernel (sum shifted by the previous potential, one exp per pair, rows
// whose sum leaves [LO, HI] redone exactly with a max pass), vec4 loads of 4 columns: range starts
// are multiples of 4 points (tiles of 32 points in blocks that start at multiples of 4), only a
// range's last columns may be a partial group of 4 (the end of the column block).
//
// Prelude (src/kernels/sinkhorn_softmin_sparse.ts): `SoftminParams`, `const D: u32` and
// `fn costs4(b: u32, xr: array<vec4<f32>, D>) -> Costs4` (the dense kernel's generator).

override WG: u32 = 16u;

struct Task {
  row_off: u32,   // first row point of the tile (a multiple of 4)
  n: u32,         // rows in the tile (<= WG·ROWS)
  col_off: u32,   // first column point of the column block (a multiple of 4)
  r_off: u32,     // first range in `ranges`
  r_n: u32,       // number of ranges
  col_pot: u32,   // offset of the column potential g of the block (a multiple of 4)
  old_pot: u32,   // offset of the tile's previous output potential
  out_pot: u32,   // offset of the tile's output potential
  col_logw: u32,  // offset of the block's column log-weights
  row_logw: u32,  // offset of the tile's row log-weights
  err_off: u32,   // offset of the tile's marginal errors
  self_term: u32, // 1: OT(α, α)-type task, relaxed with omega_self
}

#include "softmin_rows"

// Group 1 (tasks, ranges): SparseTaskBindings in src/kernels/sinkhorn_softmin_sparse.ts.

// Exact log-sum-exp of one row over the kept ranges with a max pass.
fn redo_row(t: Task, i: u32, r: f32) -> f32 {
  let x = row_point(t, i);
  var mx = -3.0e38;
  for (var q = 0u; q < t.r_n; q++) {
    let rg = ranges[t.r_off + q];
    mx = row_max(t, x, r, rg.x, rg.y, mx);
  }
  var s = 0.0;
  for (var q = 0u; q < t.r_n; q++) {
    let rg = ranges[t.r_off + q];
    s += row_sum(t, x, r, rg.x, rg.y, mx);
  }
  return mx + log(s);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = tasks[wid.y];
  let first = lid.x * ROWS;
  if (first >= t.n) { return; }
  let last = t.n - 1u;
  let rows = vec4<u32>(first, min(first + 1u, last), min(first + 2u, last), min(first + 3u, last));
  let xr = load_rows(t, rows);
  let r = row_pot(t, first);
  var acc = vec4<f32>(0.0);
  for (var q = 0u; q < t.r_n; q++) {
    let rg = ranges[t.r_off + q];
    acc += accumulate(t, xr, r, rg.x, rg.y);
  }
  finish_rows(t, first, last, rows, r, acc);
}
