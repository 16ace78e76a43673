// Log-domain softmin (the Sinkhorn half-iteration) over a stored cost matrix, for a table of tasks
// (one task per workgroup row `wid.y`): the high-dimensional twin of shaders/sinkhorn_softmin.wgsl,
// where recomputing |x_i - y_j|² costs D operations per pair and every iteration, while reading it
// back costs one load (src/transport/sinkhorn/stored_cost.ts says when each is used). For task t
// and each of its rows i:
//
//   lse_i = log Σ_j exp((h_j + r_i - C_ij) / ε),   h_j = g_j + ε log b_j,  r_i = old_i
//   out_i = r_i - ω ε lse_i,      err_i = a_i |exp(lse_i) - 1|
//
// C of the task is stored column by column, C_ij = cost[t.cost_off + j·t.ld + i] (shaders/sqdist_tiles.wgsl
// writes it so): each invocation handles ROWS = 4 consecutive rows, so one column of its 4 rows is
// one vec4 load, and neighbouring invocations read neighbouring vec4s (coalesced on a GPU, one
// SIMD load on a CPU driver). Same fast path as the streamed kernel: the sum is shifted by the
// previous potential (one exp per pair, no running max), and rows whose sum leaves [LO, HI] are
// redone exactly with a max pass (shaders/lib/softmin_finish.wgsl), potentials in two f32 parts
// (the exponent formed without their rounding; the redo ignores the low parts).
//
// Group 0 is the streamed kernel's (SoftminMainBindings: params, pts, logw, pot, err; `pts` unused),
// so a solver's per-level bind groups serve both; group 1 (tasks, cost): StoredTaskBindings in
// src/kernels/sinkhorn_softmin_stored.ts.

override WG: u32 = 64u;

struct Task {
  n: u32,         // rows
  m: u32,         // columns
  cost_off: u32,  // offset of C_00 in `cost` (a multiple of 4)
  ld: u32,        // floats between two stored columns (a multiple of 4, >= n)
  col_pot: u32,   // offset of the column potential g in `pot` (a multiple of 4)
  old_pot: u32,   // offset of the previous output potential of row 0 (a multiple of 4)
  out_pot: u32,   // offset of the output potential of row 0
  col_logw: u32,  // offset of the column log-weights log b in `logw`
  row_logw: u32,  // offset of the row log-weights log a
  err_off: u32,   // offset in `err`
  self_term: u32, // 1: OT(α, α)-type task, relaxed with omega_self
  pad: u32,
}

#include "softmin_finish"

fn potc(k: u32) -> f32 { return pot[k >> 2u][k & 3u]; }
fn logwc(k: u32) -> f32 { return logw[k >> 2u][k & 3u]; }
fn costc(k: u32) -> f32 { return cost[k >> 2u][k & 3u]; }

fn col_h(t: Task, j: u32) -> f32 {
  return fma(params.eps, logwc(t.col_logw + j), potc(t.col_pot + j));
}

// Exact log-sum-exp of one row with a max pass: only for rows whose shifted sum left [LO, HI].
fn redo_row(t: Task, i: u32, r: f32) -> f32 {
  var mx = -3.0e38;
  for (var j = 0u; j < t.m; j++) { mx = max(mx, (col_h(t, j) + r - costc(t.cost_off + j * t.ld + i)) * params.inv_eps); }
  var s = 0.0;
  for (var j = 0u; j < t.m; j++) { s += exp((col_h(t, j) + r - costc(t.cost_off + j * t.ld + i)) * params.inv_eps - mx); }
  return mx + log(s);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = tasks[wid.y];
  let first = gid.x * ROWS;
  if (first >= t.n) { return; }
  let last = t.n - 1u;
  let rows = vec4<u32>(first, min(first + 1u, last), min(first + 2u, last), min(first + 3u, last));
  let r = row_pot(t, first);
  // Column j of the 4 rows: cost[c + j·ld4] (vec4 units).
  let c = (t.cost_off + first) >> 2u;
  let ld4 = t.ld >> 2u;
  var acc = vec4<f32>(0.0);
  let end4 = t.m & ~3u;
  var j = 0u;
  for (; j < end4; j += 4u) {
    let h = col_split4(t, j);
    let b = c + j * ld4;
    acc += exp(pair_arg(r, h.g.x, h.s.x, cost[b])) + exp(pair_arg(r, h.g.y, h.s.y, cost[b + ld4]))
         + exp(pair_arg(r, h.g.z, h.s.z, cost[b + 2u * ld4])) + exp(pair_arg(r, h.g.w, h.s.w, cost[b + 3u * ld4]));
  }
  for (; j < t.m; j++) {
    let h = col_split1(t, j);
    acc += exp(pair_arg(r, h.x, h.y, cost[c + j * ld4]));
  }
  finish_rows(t, first, last, rows, r, acc);
}
