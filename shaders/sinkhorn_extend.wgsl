// The leaf start's extension (src/transport/sinkhorn/schedule.ts): potentials solved on weighted
// centres (the k-d tree leaves' centroids c_j, masses w_j) extended to every point x_i of a sorted
// cloud by one softmin at ε,
//
//   f_i = -ε log Σ_j w_j exp((g_j - |x_i - c_j|²) / ε) = -ε log Σ_j exp((h_j - C_ij) / ε),   h_j = g_j + ε log w_j,
//
// over only the centres kept for the point's tile (src/transport/extension.ts, extensionPlan: the
// dropped ones change the sum by a relative 1e-6 at most). One task is one tile of at most WG·ROWS
// sorted points (one workgroup, ROWS rows per invocation in the lanes of a vec4); it loops over its
// list of kept centre ranges. Its result goes straight into the solver's potentials buffer as a
// two-part potential (shaders/lib/softmin_finish.wgsl): the high part at out_pot + i, the rest at
// params.lo_off + out_pot + i.
//
// Exponents relative to the tile's bound. The host gives each tile B, the smallest upper bound over
// the centres of the slack C_ij - h_j on the tile's box, and writes v_ij = (h_j + B - C_ij)/ε, so that
// f_i = B - ε log Σ_j e^{v_ij}. h_j and B come in two parts (a high part on the grid GRID, exact to
// add, and the rest), and v is formed as in the solver's softmin: ((h_hi + B_hi) - C) + (h_lo + B_lo),
// the first sum exact, so the exponent is rounded once at its own size (not at the size of h or B,
// which are ~1 against ε ~ 1e-5 at 10^6 points: f32 alone would lose ~5e-3 of ε per term there).
//
// Stable log-sum-exp, one exp per term. Each row's sum is shifted by its own exponent against the
// tile's best centre q* (the one whose bound is B, always kept): s_i = Σ_j e^{v_ij - v_iq*} ≥ 1 (its
// own term is e^0), so it cannot underflow, and it exceeds HI only if some centre beats q* at x_i by
// more than ~60 ε (q* is the best centre for the whole tile: on the leaf starts of the 10^5 and 10^6
// point clouds of bench/sinkhorn*.bench.ts, 0.03% and 0.05% of the rows, mostly in the wide tiles at
// the edges of the clouds). Rows whose sum is above HI or not finite are redone exactly with a max
// pass (as shaders/lib/softmin_finish.wgsl redoes its rare rows). A running max in the main loop (a
// compare and a branch per term) ran at 0.35·10^9 terms/s on lavapipe, this at 0.9–1.0·10^9.
//
// Prelude (src/kernels/sinkhorn_extend.ts): the bindings, `const D: u32`, and
// `fn centre_arg(j: u32, xr: array<vec4<f32>, D>, b: vec2<f32>) -> vec4<f32>` (v for the 4 rows of
// xr against centre j, unrolled for D; it calls `opaque`).

override WG: u32 = 8u;
const ROWS: u32 = 4u;
const GRID: f32 = 9.5367431640625e-7; // 2^-20, as shaders/lib/softmin_finish.wgsl
const INV_GRID: f32 = 1048576.0;
/** Above this the shifted sum is redone with a max pass (far from f32 overflow for any number of terms below 10^8). */
const HI: f32 = 1e30;

struct Task {
  row_off: u32,  // first point of the tile in `pts` (points, not floats)
  n: u32,        // points in the tile (1 to WG·ROWS)
  out_pot: u32,  // where the tile's potentials go in `pot` (high parts; rests at params.lo_off + out_pot)
  r_off: u32,    // first range in `ranges`
  r_n: u32,      // number of ranges
  b_hi: f32,     // the tile's bound B: high part (on the grid)
  b_lo: f32,     // and rest
  best: u32,     // the centre q* whose bound is B (an index into `centres`)
}

/** v itself, hidden from the optimiser (as in shaders/lib/softmin_finish.wgsl: params.zero is 0). */
fn opaque(v: vec4<f32>) -> vec4<f32> { return bitcast<vec4<f32>>(bitcast<vec4<u32>>(v) | vec4<u32>(params.zero)); }

/** Σ_j e^{v_j - m} over the task's kept centres, for the 4 rows. */
fn sum_exp(t: Task, xr: array<vec4<f32>, D>, b: vec2<f32>, m: vec4<f32>) -> vec4<f32> {
  var s = vec4<f32>(0.0);
  for (var q = 0u; q < t.r_n; q++) {
    let rg = ranges[t.r_off + q];
    for (var j = rg.x; j < rg.y; j++) { s += exp(centre_arg(j, xr, b) - m); }
  }
  return s;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let k = wid.x + wid.y * params.groups_x;
  if (k >= params.tasks) { return; }
  let t = tasks[k];
  let first = lid.x * ROWS;
  if (first >= t.n) { return; }
  let last = t.n - 1u;
  // Rows past the tile repeat its last row (not written).
  let rows = vec4<u32>(first, min(first + 1u, last), min(first + 2u, last), min(first + 3u, last)) + vec4<u32>(t.row_off);
  var xr: array<vec4<f32>, D>;
  for (var c = 0u; c < D; c++) {
    xr[c] = vec4<f32>(pts[rows.x * D + c], pts[rows.y * D + c], pts[rows.z * D + c], pts[rows.w * D + c]);
  }
  let b = vec2<f32>(t.b_hi, t.b_lo);
  var m = centre_arg(t.best, xr, b);
  var s = sum_exp(t, xr, b, m);
  // `!(s <= HI)` is also true for NaN and infinity.
  if (!all(s <= vec4<f32>(HI))) {
    for (var q = 0u; q < t.r_n; q++) {
      let rg = ranges[t.r_off + q];
      for (var j = rg.x; j < rg.y; j++) { m = max(m, centre_arg(j, xr, b)); }
    }
    s = sum_exp(t, xr, b, m);
  }
  // f = B - ε (m + log s) as a new (high, rest): the step joins B's rest, whose grid part moves to
  // the high part (exact, as in softmin_finish's update).
  let step = vec4<f32>(t.b_lo) - params.eps * (m + log(s));
  let moved = round(step * INV_GRID) * GRID;
  let hi = vec4<f32>(t.b_hi) + moved;
  let lo = step - moved;
  for (var r = 0u; r < ROWS; r++) {
    if (first + r <= last) {
      pot[t.out_pot + first + r] = hi[r];
      pot[params.lo_off + t.out_pot + first + r] = lo[r];
    }
  }
}
