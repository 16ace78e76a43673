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
const ROWS: u32 = 4u;
const LO: f32 = 1e-20;
const HI: f32 = 1e30;

struct SparseTask {
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

struct Costs4 { c0: vec4<f32>, c1: vec4<f32>, c2: vec4<f32>, c3: vec4<f32> }

@group(0) @binding(0) var<uniform> params: SoftminParams;
@group(0) @binding(1) var<storage, read> pts: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> logw: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> pot: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> err: array<vec4<f32>>;
@group(1) @binding(0) var<storage, read> tasks: array<SparseTask>;
// Column ranges [x, y) relative to the task's column block.
@group(1) @binding(1) var<storage, read> ranges: array<vec2<u32>>;

fn ptc(k: u32) -> f32 { return pts[k >> 2u][k & 3u]; }
fn potc(k: u32) -> f32 { return pot[k >> 2u][k & 3u]; }
fn logwc(k: u32) -> f32 { return logw[k >> 2u][k & 3u]; }

fn col_h(t: SparseTask, j: u32) -> f32 {
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

// Exact log-sum-exp of one row over the kept ranges with a max pass.
fn redo_row(t: SparseTask, i: u32, r: f32) -> f32 {
  var x: array<f32, D>;
  for (var c = 0u; c < D; c++) { x[c] = ptc((t.row_off + i) * D + c); }
  var mx = -3.0e38;
  for (var q = 0u; q < t.r_n; q++) {
    let rg = ranges[t.r_off + q];
    for (var j = rg.x; j < rg.y; j++) {
      mx = max(mx, (col_h(t, j) + r - sqdist(x, t.col_off + j)) * params.inv_eps);
    }
  }
  var s = 0.0;
  for (var q = 0u; q < t.r_n; q++) {
    let rg = ranges[t.r_off + q];
    for (var j = rg.x; j < rg.y; j++) {
      s += exp((col_h(t, j) + r - sqdist(x, t.col_off + j)) * params.inv_eps - mx);
    }
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

  var xr: array<vec4<f32>, D>;
  for (var c = 0u; c < D; c++) {
    xr[c] = vec4<f32>(ptc((t.row_off + rows.x) * D + c), ptc((t.row_off + rows.y) * D + c),
                      ptc((t.row_off + rows.z) * D + c), ptc((t.row_off + rows.w) * D + c));
  }
  let r = pot[(t.old_pot + first) >> 2u];
  let inv_eps = params.inv_eps;
  let eps = params.eps;

  var acc = vec4<f32>(0.0);
  for (var q = 0u; q < t.r_n; q++) {
    let rg = ranges[t.r_off + q];
    let end4 = rg.x + ((rg.y - rg.x) & ~3u);
    var j = rg.x;
    for (; j < end4; j += 4u) {
      let cs = costs4(((t.col_off + j) * D) >> 2u, xr);
      let h = fma(vec4<f32>(eps), logw[(t.col_logw + j) >> 2u], pot[(t.col_pot + j) >> 2u]);
      acc += exp((r + h.x - cs.c0) * inv_eps) + exp((r + h.y - cs.c1) * inv_eps)
           + exp((r + h.z - cs.c2) * inv_eps) + exp((r + h.w - cs.c3) * inv_eps);
    }
    for (; j < rg.y; j++) {
      let jj = (t.col_off + j) * D;
      var c0 = vec4<f32>(0.0);
      for (var c = 0u; c < D; c++) {
        let d0 = xr[c] - ptc(jj + c);
        c0 = fma(d0, d0, c0);
      }
      acc += exp((r + col_h(t, j) - c0) * inv_eps);
    }
  }

  let omega = select(params.omega_cross, params.omega_self, t.self_term == 1u);
  var lse = log(acc);
  if (!all((acc >= vec4<f32>(LO)) & (acc <= vec4<f32>(HI)))) {
    for (var k = 0u; k < ROWS; k++) {
      if (!(acc[k] >= LO && acc[k] <= HI)) { lse[k] = redo_row(t, rows[k], r[k]); }
    }
  }
  let valid = vec4<u32>(first, first + 1u, first + 2u, first + 3u) <= vec4<u32>(last);
  pot[(t.out_pot + first) >> 2u] = r - omega * eps * lse;
  let a = exp(logw[(t.row_logw + first) >> 2u]);
  err[(t.err_off + first) >> 2u] = select(vec4<f32>(0.0), a * min(abs(exp(lse) - 1.0), vec4<f32>(1e30)), valid);
}
