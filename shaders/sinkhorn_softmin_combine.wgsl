// The finishing pass of shaders/sinkhorn_softmin_tiled.wgsl when its columns were split into
// S > 1 chunks: for each 4 rows of a task (one invocation, as the streamed kernel), the S partial
// shifted sums partial[((err_off + i)/4)·S + c] are added in chunk order c = 0..S-1 and the rows are
// finished exactly as the streamed kernel finishes them (finish_rows: log-sum-exp, the exact redo
// with a max pass over all columns for rows whose sum left [LO, HI], relaxation with ω, two-part
// potentials, marginal error). Not yet timed on a GPU.
//
// Prelude (src/kernels/sinkhorn_softmin_combine.ts): as the streamed kernel's (SoftminParams, D,
// costs4, used by the redo).

override WG: u32 = 64u;

#include "softmin_dense"

// Group 1 (tasks): SoftminTaskBindings in src/kernels/sinkhorn_softmin.ts; group 2 (partial, read):
// CombinePartialBindings in src/kernels/sinkhorn_softmin_combine.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = tasks[wid.y];
  let first = gid.x * ROWS;
  if (first >= t.n) { return; }
  let last = t.n - 1u;
  let rows = vec4<u32>(first, min(first + 1u, last), min(first + 2u, last), min(first + 3u, last));
  let at = ((t.err_off + first) >> 2u) * t.split;
  var acc = vec4<f32>(0.0);
  for (var c = 0u; c < t.split; c++) { acc += partial[at + c]; }
  finish_rows(t, first, last, rows, row_pot(t, first), acc);
}
