// Streamed log-domain softmin, the Sinkhorn half-iteration, for a table of tasks (one task per
// workgroup row `wid.y`). For task t and each of its rows i (a point x_i):
//
//   lse_i = log Σ_j exp((h_j + r_i - |x_i - y_j|²) / ε),   h_j = g_j + ε log b_j,  r_i = old_i
//   out_i = r_i - ω ε lse_i        (= (1 - ω) old_i + ω T(g)_i with T(g)_i = -ε log Σ_j b_j e^{(g_j - C_ij)/ε})
//   err_i = a_i |exp(lse_i) - 1|   (L1 marginal violation of the plan (old, g) at row i)
//
// The cost is recomputed on the fly (no N×M buffer). Each invocation handles ROWS = 4 consecutive
// rows held in the lanes of vec4s, and the loop over columns takes 4 columns at a time with vec4
// loads: every block of points, potentials and weights starts at a multiple of 4 points (the host
// pads), so 4 points are D vec4s, and 4 potentials one vec4. The log-sum-exp is shifted by the
// previous potential r_i instead of a running max, so each pair costs one exp and the loop carries
// no dependency but the sum: near convergence exp(lse_i) ≈ 1. Rows whose shifted sum leaves
// [LO, HI] (far from convergence: annealing, first iterations) are redone exactly with a max pass.
//
// Prelude (src/kernels/sinkhorn_softmin.ts): `SoftminParams`, `const D: u32` (dimension) and
// `fn costs4(b: u32, xr: array<vec4<f32>, D>) -> Costs4`, the squared distances of the 4 points
// stored at vec4 index b.. (D vec4s) to the 4 rows, generated unrolled for this D.

override WG: u32 = 64u;
const ROWS: u32 = 4u;
// Accept the fast sum when it lies here: far from f32 underflow (terms under ~1e-38 are flushed, so
// a sum near 1e-20 loses at most ~M·1e-18 of relative mass) and from overflow.
const LO: f32 = 1e-20;
const HI: f32 = 1e30;

struct Task {
  row_off: u32,   // first row point (index into `pts`, in points; a multiple of 4)
  n: u32,         // number of rows
  col_off: u32,   // first column point (a multiple of 4)
  m: u32,         // number of columns
  col_pot: u32,   // offset of the column potential g in `pot` (a multiple of 4)
  old_pot: u32,   // offset of the previous output potential (shift and relaxation)
  out_pot: u32,   // offset of the output potential
  col_logw: u32,  // offset of the column log-weights log b in `logw`
  row_logw: u32,  // offset of the row log-weights log a
  err_off: u32,   // offset in `err`
  self_term: u32, // 1: OT(α, α)-type task, relaxed with omega_self
  pad: u32,
}

struct Costs4 { c0: vec4<f32>, c1: vec4<f32>, c2: vec4<f32>, c3: vec4<f32> }

@group(0) @binding(0) var<uniform> params: SoftminParams;
@group(0) @binding(1) var<storage, read> pts: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> logw: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> pot: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> err: array<vec4<f32>>;
@group(1) @binding(0) var<storage, read> tasks: array<Task>;

fn ptc(k: u32) -> f32 { return pts[k >> 2u][k & 3u]; }
fn potc(k: u32) -> f32 { return pot[k >> 2u][k & 3u]; }
fn logwc(k: u32) -> f32 { return logw[k >> 2u][k & 3u]; }

fn col_h(t: Task, j: u32) -> f32 {
  return fma(params.eps, logwc(t.col_logw + j), potc(t.col_pot + j));
}

fn sqdist(x: array<f32, D>, j: u32) -> f32 {
  var s = 0.0;
  for (var c = 0u; c < D; c++) {
    let dx = x[c] - ptc(j * D + c);
    s = fma(dx, dx, s);
  }
  return s;
}

// Exact log-sum-exp of one row with a max pass: only for rows whose shifted sum left [LO, HI].
fn redo_row(t: Task, i: u32, r: f32) -> f32 {
  var x: array<f32, D>;
  for (var c = 0u; c < D; c++) { x[c] = ptc((t.row_off + i) * D + c); }
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
    xr[c] = vec4<f32>(ptc((t.row_off + rows.x) * D + c), ptc((t.row_off + rows.y) * D + c),
                      ptc((t.row_off + rows.z) * D + c), ptc((t.row_off + rows.w) * D + c));
  }
  let r = pot[(t.old_pot + first) >> 2u];
  let inv_eps = params.inv_eps;
  let eps = params.eps;

  var acc = vec4<f32>(0.0);
  let m4 = t.m & ~3u;
  var j = 0u;
  for (; j < m4; j += 4u) {
    let cs = costs4(((t.col_off + j) * D) >> 2u, xr);
    let h = fma(vec4<f32>(eps), logw[(t.col_logw + j) >> 2u], pot[(t.col_pot + j) >> 2u]);
    acc += exp((r + h.x - cs.c0) * inv_eps) + exp((r + h.y - cs.c1) * inv_eps)
         + exp((r + h.z - cs.c2) * inv_eps) + exp((r + h.w - cs.c3) * inv_eps);
  }
  for (; j < t.m; j++) {
    let jj = (t.col_off + j) * D;
    var c0 = vec4<f32>(0.0);
    for (var c = 0u; c < D; c++) {
      let d0 = xr[c] - ptc(jj + c);
      c0 = fma(d0, d0, c0);
    }
    acc += exp((r + col_h(t, j) - c0) * inv_eps);
  }

  let omega = select(params.omega_cross, params.omega_self, t.self_term == 1u);
  var lse = log(acc);
  // `!(a >= LO && a <= HI)` is also true for NaN.
  if (!all((acc >= vec4<f32>(LO)) & (acc <= vec4<f32>(HI)))) {
    for (var k = 0u; k < ROWS; k++) {
      if (!(acc[k] >= LO && acc[k] <= HI)) { lse[k] = redo_row(t, rows[k], r[k]); }
    }
  }
  // Rows past n (the last group is padded to 4) write their potential into the padding and a zero error.
  let valid = vec4<u32>(first, first + 1u, first + 2u, first + 3u) <= vec4<u32>(last);
  pot[(t.out_pot + first) >> 2u] = r - omega * eps * lse;
  let a = exp(logw[(t.row_logw + first) >> 2u]);
  err[(t.err_off + first) >> 2u] = select(vec4<f32>(0.0), a * min(abs(exp(lse) - 1.0), vec4<f32>(1e30)), valid);
}
