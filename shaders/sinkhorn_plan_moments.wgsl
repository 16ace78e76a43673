// First moments of the rows of an entropic plan, streamed (no N×M buffer): for task t and row i,
// with P_ij = exp((h_j + f_i - |x_i - y_j|²)/ε) / Z_i the row-normalised plan (h_j = g_j + ε log b_j,
// Z_i = Σ_j exp(...), which is 1 at convergence and divided out anyway):
//
//   out[t.out_off + i·(D+1) + c] = Σ_j P_ij y_j[c]      (barycentric projection, c < D)
//   out[t.out_off + i·(D+1) + D] = Σ_j P_ij |x_i - y_j|² (row transport cost)
//
// They give the gradient of OT_ε with respect to x_i, 2 a_i (x_i - bary_i), and the linear part
// <π, C> of the objective. One row per invocation with a max pass (used once per solve, not per
// iteration). Prelude: `const D: u32` (src/kernels/sinkhorn_plan_moments.ts).

override WG: u32 = 64u;

struct MomentTask {
  row_off: u32,
  n: u32,
  col_off: u32,
  m: u32,
  col_pot: u32,
  row_pot: u32,
  col_logw: u32,
  out_off: u32,
}

// Bindings: MomentBindings in src/kernels/sinkhorn_plan_moments.ts.

fn sqdist(x: array<f32, D>, j: u32) -> f32 {
  var s = 0.0;
  for (var c = 0u; c < D; c++) {
    let dx = x[c] - pts[j * D + c];
    s = fma(dx, dx, s);
  }
  return s;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = tasks[wid.y];
  let i = gid.x;
  if (i >= t.n) { return; }
  var x: array<f32, D>;
  for (var c = 0u; c < D; c++) { x[c] = pts[(t.row_off + i) * D + c]; }
  // Two-part potentials (shaders/lib/softmin_finish.wgsl): high parts on a grid (their sum exact),
  // the rests and log-weights added after the cost. f_i's rest cancels in the row normalisation.
  let f = pot[t.row_pot + i];
  var mx = -3.0e38;
  for (var j = 0u; j < t.m; j++) {
    let h = fma(params.eps, logw[t.col_logw + j], pot[params.lo_off + t.col_pot + j]);
    mx = max(mx, (((pot[t.col_pot + j] + f) - sqdist(x, t.col_off + j)) + h) * params.inv_eps);
  }
  var z = 0.0;
  var cost = 0.0;
  var bary: array<f32, D>;
  for (var j = 0u; j < t.m; j++) {
    let h = fma(params.eps, logw[t.col_logw + j], pot[params.lo_off + t.col_pot + j]);
    let jj = t.col_off + j;
    let cij = sqdist(x, jj);
    let p = exp((((pot[t.col_pot + j] + f) - cij) + h) * params.inv_eps - mx);
    z += p;
    cost = fma(p, cij, cost);
    for (var c = 0u; c < D; c++) { bary[c] = fma(p, pts[jj * D + c], bary[c]); }
  }
  let o = t.out_off + i * (D + 1u);
  for (var c = 0u; c < D; c++) { out[o + c] = bary[c] / z; }
  out[o + D] = cost / z;
}
