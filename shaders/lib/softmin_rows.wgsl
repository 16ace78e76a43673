// What the dense (sinkhorn_softmin, and via softmin_dense the tiled one and its combine pass) and
// block-sparse (sinkhorn_softmin_sparse) softmin kernels share:
// the bindings of group 0, the 4-rows-per-invocation accumulation over a run of columns [j0, j1),
// the exact max-pass log-sum-exp of one row over such a run, and (from softmin_finish) the epilogue
// (fallback for rows whose shifted sum left [LO, HI], relaxation, marginal error). The including shader declares
// `struct Task` (fields row_off, col_off, col_pot, old_pot, out_pot, col_logw, row_logw, err_off,
// self_term), the task bindings, and `fn redo_row(t: Task, i: u32, r: f32) -> f32` over its columns;
// the prelude gives SoftminParams, D and costs4.

#include "softmin_finish"

struct Costs4 { c0: vec4<f32>, c1: vec4<f32>, c2: vec4<f32>, c3: vec4<f32> }

// Group 0 (params, pts, logw, pot, err): SoftminMainBindings in src/kernels/sinkhorn_softmin.ts.

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

/** Coordinates of row i of the task. */
fn row_point(t: Task, i: u32) -> array<f32, D> {
  var x: array<f32, D>;
  for (var c = 0u; c < D; c++) { x[c] = ptc((t.row_off + i) * D + c); }
  return x;
}

/** max_j (h_j + r - C_ij)/ε over columns [j0, j1) (the first pass of redo_row). */
fn row_max(t: Task, x: array<f32, D>, r: f32, j0: u32, j1: u32, mx: f32) -> f32 {
  var m = mx;
  for (var j = j0; j < j1; j++) { m = max(m, (col_h(t, j) + r - sqdist(x, t.col_off + j)) * params.inv_eps); }
  return m;
}

/** Σ_j exp((h_j + r - C_ij)/ε - mx) over columns [j0, j1) (the second pass of redo_row). */
fn row_sum(t: Task, x: array<f32, D>, r: f32, j0: u32, j1: u32, mx: f32) -> f32 {
  var s = 0.0;
  for (var j = j0; j < j1; j++) { s += exp((col_h(t, j) + r - sqdist(x, t.col_off + j)) * params.inv_eps - mx); }
  return s;
}

/** Row coordinates, one row per lane: xr[c] = (x_{i0}[c], ..., x_{i3}[c]). */
fn load_rows(t: Task, rows: vec4<u32>) -> array<vec4<f32>, D> {
  var xr: array<vec4<f32>, D>;
  for (var c = 0u; c < D; c++) {
    xr[c] = vec4<f32>(ptc((t.row_off + rows.x) * D + c), ptc((t.row_off + rows.y) * D + c),
                      ptc((t.row_off + rows.z) * D + c), ptc((t.row_off + rows.w) * D + c));
  }
  return xr;
}

/**
 * Σ_j exp((h_j + r_i - C_ij)/ε) over columns [j0, j1) for the 4 rows in the lanes, the exponent
 * from the two-part potentials (pair_arg, shaders/lib/softmin_finish.wgsl): 4 columns at a time
 * with vec4 loads (j0 a multiple of 4), then the tail one by one.
 */
fn accumulate(t: Task, xr: array<vec4<f32>, D>, r: RowPot, j0: u32, j1: u32) -> vec4<f32> {
  var acc = vec4<f32>(0.0);
  let end4 = j0 + ((j1 - j0) & ~3u);
  var j = j0;
  for (; j < end4; j += 4u) {
    let cs = costs4(((t.col_off + j) * D) >> 2u, xr);
    let h = col_split4(t, j);
    acc += exp(pair_arg(r, h.g.x, h.s.x, cs.c0)) + exp(pair_arg(r, h.g.y, h.s.y, cs.c1))
         + exp(pair_arg(r, h.g.z, h.s.z, cs.c2)) + exp(pair_arg(r, h.g.w, h.s.w, cs.c3));
  }
  for (; j < j1; j++) {
    let jj = (t.col_off + j) * D;
    var c0 = vec4<f32>(0.0);
    for (var c = 0u; c < D; c++) {
      let d0 = xr[c] - ptc(jj + c);
      c0 = fma(d0, d0, c0);
    }
    let h = col_split1(t, j);
    acc += exp(pair_arg(r, h.x, h.y, c0));
  }
  return acc;
}
