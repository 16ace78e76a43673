// Streamed log-domain softmin, the Sinkhorn half-iteration, for a table of tasks (one task per
// workgroup row `wid.y`). For task t and each of its rows i (a point x_i):
//
//   lse_i = log Σ_j exp((h_j + r_i - |x_i - y_j|²) / ε),   h_j = g_j + ε log b_j,  r_i = old_i
//   out_i = r_i - ω ε lse_i        (= (1 - ω) old_i + ω T(g)_i with T(g)_i = -ε log Σ_j b_j e^{(g_j - C_ij)/ε})
//   err_i = a_i |exp(lse_i) - 1|   (L1 marginal violation of the plan (old, g) at row i)
//
// Potentials are two f32 parts each and the exponent is formed without their rounding (see
// shaders/lib/softmin_finish.wgsl); the exact redo of a row ignores the low parts (it runs far
// from convergence only, where they do not matter).
//
// The cost is recomputed on the fly (no N×M buffer). Each invocation handles ROWS = 4 consecutive
// rows held in the lanes of vec4s, and the loop over columns takes 4 columns at a time with vec4
// loads: every block of points, potentials and weights starts at a multiple of 4 points (the host
// pads), so 4 points are D vec4s, and 4 potentials one vec4. The log-sum-exp is shifted by the
// previous potential r_i instead of a running max, so each pair costs one exp and the loop carries
// no dependency but the sum: near convergence exp(lse_i) ≈ 1. Rows whose shifted sum leaves
// [LO, HI] (far from convergence: annealing, first iterations) are redone exactly with a max pass.
//
// On GPUs, where 4 rows per invocation leave most of the chip idle at moderate N and every column
// comes from global memory, shaders/sinkhorn_softmin_tiled.wgsl computes the same sums from column
// tiles in workgroup memory, the columns split into chunks; the tuner picks per adapter.
//
// Prelude (src/kernels/sinkhorn_softmin.ts): `SoftminParams`, `const D: u32` (dimension) and
// `fn costs4(b: u32, xr: array<vec4<f32>, D>) -> Costs4`, the squared distances of the 4 points
// stored at vec4 index b.. (D vec4s) to the 4 rows, generated unrolled for this D.

override WG: u32 = 64u;

#include "softmin_dense"

// Group 1 (tasks): SoftminTaskBindings in src/kernels/sinkhorn_softmin.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = tasks[wid.y];
  let first = gid.x * ROWS;
  if (first >= t.n) { return; }
  let last = t.n - 1u;
  let rows = vec4<u32>(first, min(first + 1u, last), min(first + 2u, last), min(first + 3u, last));
  let r = row_pot(t, first);
  finish_rows(t, first, last, rows, r, accumulate(t, load_rows(t, rows), r, 0u, t.m));
}
