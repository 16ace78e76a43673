// Streamed log-domain softmin, the Sinkhorn half-iteration, for a table of tasks (one task per
// workgroup row `wid.y`). For task t and each of its rows i (a point x_i):
//
//   lse_i = log Σ_j exp((h_j + r_i - |x_i - y_j|²) / ε),   h_j = g_j + ε log b_j,  r_i = old_i
//   out_i = r_i - ω ε lse_i        (= (1 - ω) old_i + ω T(g)_i with T(g)_i = -ε log Σ_j b_j e^{(g_j - C_ij)/ε})
//   err_i = a_i |exp(lse_i) - 1|   (L1 marginal violation of the plan (old, g) at row i)
//
// The cost is recomputed on the fly (no N×M buffer). Each invocation handles ROWS = 4 rows held in
// the lanes of vec4s, and the loop over columns is unrolled by 4. The log-sum-exp is shifted by the
// previous potential r_i instead of a running max, so each pair costs one exp and the loop carries
// no dependency but the sum: near convergence exp(lse_i) ≈ 1. Rows whose shifted sum leaves
// [LO, HI] (far from convergence: annealing, first iterations) are redone exactly with a max pass.
//
// Prelude (src/kernels/sinkhorn_softmin.ts): `SoftminParams` and `const D: u32` (dimension).

override WG: u32 = 64u;
const ROWS: u32 = 4u;
// Accept the fast sum when it lies here: far from f32 underflow (terms under ~1e-38 are flushed, so
// a sum near 1e-20 loses at most ~M·1e-18 of relative mass) and from overflow.
const LO: f32 = 1e-20;
const HI: f32 = 1e30;

struct Task {
  row_off: u32,   // first row point (index into `pts`, in points)
  n: u32,         // number of rows
  col_off: u32,   // first column point
  m: u32,         // number of columns
  col_pot: u32,   // offset of the column potential g in `pot`
  old_pot: u32,   // offset of the previous output potential (shift and relaxation)
  out_pot: u32,   // offset of the output potential
  col_logw: u32,  // offset of the column log-weights log b in `logw`
  row_logw: u32,  // offset of the row log-weights log a
  err_off: u32,   // offset in `err`
  self_term: u32, // 1: OT(α, α)-type task, relaxed with omega_self
  pad: u32,
}

@group(0) @binding(0) var<uniform> params: SoftminParams;
@group(0) @binding(1) var<storage, read> pts: array<f32>;
@group(0) @binding(2) var<storage, read> logw: array<f32>;
@group(0) @binding(3) var<storage, read_write> pot: array<f32>;
@group(0) @binding(4) var<storage, read_write> err: array<f32>;
@group(1) @binding(0) var<storage, read> tasks: array<Task>;

fn col_h(t: Task, j: u32) -> f32 {
  return fma(params.eps, logw[t.col_logw + j], pot[t.col_pot + j]);
}

fn sqdist(x: array<f32, D>, j: u32) -> f32 {
  var s = 0.0;
  for (var c = 0u; c < D; c++) {
    let dx = x[c] - pts[j * D + c];
    s = fma(dx, dx, s);
  }
  return s;
}

// Exact log-sum-exp of one row with a max pass: only for rows whose shifted sum left [LO, HI].
fn redo_row(t: Task, i: u32, r: f32) -> f32 {
  var x: array<f32, D>;
  for (var c = 0u; c < D; c++) { x[c] = pts[(t.row_off + i) * D + c]; }
  var mx = -3.0e38;
  for (var j = 0u; j < t.m; j++) {
    mx = max(mx, (col_h(t, j) + r - sqdist(x, t.col_off + j)) * params.inv_eps);
  }
  var s = 0.0;
  for (var j = 0u; j < t.m; j++) {
    s += exp((col_h(t, j) + r - sqdist(x, t.col_off + j)) * params.inv_eps - mx);
  }
  return mx + log(s);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = tasks[wid.y];
  let first = gid.x * ROWS;
  if (first >= t.n) { return; }
  let last = t.n - 1u;
  let rows = vec4<u32>(first, min(first + 1u, last), min(first + 2u, last), min(first + 3u, last));

  // Row coordinates, one row per lane: xr[c] = (x_{i0}[c], ..., x_{i3}[c]).
  var xr: array<vec4<f32>, D>;
  for (var c = 0u; c < D; c++) {
    xr[c] = vec4<f32>(pts[(t.row_off + rows.x) * D + c], pts[(t.row_off + rows.y) * D + c],
                      pts[(t.row_off + rows.z) * D + c], pts[(t.row_off + rows.w) * D + c]);
  }
  let r = vec4<f32>(pot[t.old_pot + rows.x], pot[t.old_pot + rows.y], pot[t.old_pot + rows.z], pot[t.old_pot + rows.w]);
  let inv_eps = params.inv_eps;

  var acc = vec4<f32>(0.0);
  let m4 = t.m & ~3u;
  var j = 0u;
  for (; j < m4; j += 4u) {
    let j0 = t.col_off + j;
    var c0 = vec4<f32>(0.0);
    var c1 = vec4<f32>(0.0);
    var c2 = vec4<f32>(0.0);
    var c3 = vec4<f32>(0.0);
    for (var c = 0u; c < D; c++) {
      let d0 = xr[c] - pts[j0 * D + c];
      let d1 = xr[c] - pts[(j0 + 1u) * D + c];
      let d2 = xr[c] - pts[(j0 + 2u) * D + c];
      let d3 = xr[c] - pts[(j0 + 3u) * D + c];
      c0 = fma(d0, d0, c0);
      c1 = fma(d1, d1, c1);
      c2 = fma(d2, d2, c2);
      c3 = fma(d3, d3, c3);
    }
    let h0 = col_h(t, j);
    let h1 = col_h(t, j + 1u);
    let h2 = col_h(t, j + 2u);
    let h3 = col_h(t, j + 3u);
    acc += exp((r + h0 - c0) * inv_eps) + exp((r + h1 - c1) * inv_eps)
         + exp((r + h2 - c2) * inv_eps) + exp((r + h3 - c3) * inv_eps);
  }
  for (; j < t.m; j++) {
    let jj = t.col_off + j;
    var c0 = vec4<f32>(0.0);
    for (var c = 0u; c < D; c++) {
      let d0 = xr[c] - pts[jj * D + c];
      c0 = fma(d0, d0, c0);
    }
    acc += exp((r + col_h(t, j) - c0) * inv_eps);
  }

  let omega = select(params.omega_cross, params.omega_self, t.self_term == 1u);
  for (var k = 0u; k < ROWS; k++) {
    let i = first + k;
    if (i > last) { break; }
    var lse: f32;
    // `!(a >= LO && a <= HI)` is also true for NaN.
    if (acc[k] >= LO && acc[k] <= HI) {
      lse = log(acc[k]);
    } else {
      lse = redo_row(t, i, r[k]);
    }
    pot[t.out_pot + i] = r[k] - omega * params.eps * lse;
    err[t.err_off + i] = exp(logw[t.row_logw + i]) * min(abs(exp(lse) - 1.0), 1e30);
  }
}
