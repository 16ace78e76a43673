// Squared distances of a block of row points to a block of column points as one stored matrix, by
// tiled dot products (the Sinkhorn cost at high dimension, src/transport/sinkhorn/stored_cost.ts):
//
//   out[j·ld + i] = max(0, |x_i|² + |y_j|² - 2⟨x_i, y_j⟩)     i < pad4(n) (rows past n repeat row n-1), j < m
//
// with x_i = point row_off + i and y_j = point col_off + j of `pts` (D = params.d floats each,
// row-major; one pipeline for every dimension) and
// the squared norms |p|² precomputed once per point (`norms`, float64 on the host rounded to f32).
// The matrix is stored column by column (4 consecutive rows form one vec4), the order in which the
// stored-cost softmin reads it: the 4 rows of one invocation for one column are one vec4 load, and
// neighbouring invocations read neighbouring vec4s.
//
// One workgroup computes a TILE×TILE block (TILE = 4·WG_X rows, 4·WG_Y columns): for each chunk of
// KC coordinates it loads the chunk of its rows and of its columns into workgroup memory (one load
// per element per workgroup, read 4·WG_Y and 4·WG_X times), then each invocation accumulates a 4×4
// block of dot products in 4 vec4 registers; the structure of a tiled matmul and of KeOps's GPU
// reductions. Coordinates past D in the last chunk load as 0.
//
// Precision: the dot product of one chunk is summed in a register of its own and added to the
// running sum once per chunk (blocked summation): its rounding error is at most (KC + ⌈D/KC⌉)·2^-24
// ·Σ_k |x_k y_k| instead of D·2^-24·Σ_k |x_k y_k| (see stored_cost.ts for what this means for C).
//
// Params (SqdistParams) and bindings: src/kernels/sqdist_tiles.ts.

const WG_X: u32 = 16u;
const WG_Y: u32 = 16u;
const KC: u32 = 16u;
const TX: u32 = 4u * WG_X;
const TY: u32 = 4u * WG_Y;

// xs[k·WG_X + a] holds coordinate k of the 4 rows 4a..4a+3 of the tile; ys likewise for columns.
var<workgroup> xs: array<vec4<f32>, KC * WG_X>;
var<workgroup> ys: array<vec4<f32>, KC * WG_Y>;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let D = params.d;
  let n = params.n;
  let m = params.m;
  let i0 = wid.x * TX;
  let j0 = wid.y * TY;
  let flat = lid.y * WG_X + lid.x;
  let threads = WG_X * WG_Y;

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < D; k0 += KC) {
    // Load: element e of the chunk is (point e / KC, coordinate e % KC): neighbouring invocations
    // read neighbouring coordinates of one point. Rows/columns past the block repeat the last one.
    for (var e = flat; e < TX * KC; e += threads) {
      let p = e / KC;
      let k = e % KC;
      let row = min(i0 + p, n - 1u);
      xs[k * WG_X + p / 4u][p % 4u] = select(0.0, pts[(params.row_off + row) * D + min(k0 + k, D - 1u)], k0 + k < D);
    }
    for (var e = flat; e < TY * KC; e += threads) {
      let p = e / KC;
      let k = e % KC;
      let col = min(j0 + p, m - 1u);
      ys[k * WG_Y + p / 4u][p % 4u] = select(0.0, pts[(params.col_off + col) * D + min(k0 + k, D - 1u)], k0 + k < D);
    }
    workgroupBarrier();
    var p0 = vec4<f32>(0.0);
    var p1 = vec4<f32>(0.0);
    var p2 = vec4<f32>(0.0);
    var p3 = vec4<f32>(0.0);
    for (var k = 0u; k < KC; k++) {
      let a = xs[k * WG_X + lid.x];
      let b = ys[k * WG_Y + lid.y];
      p0 = fma(a, vec4<f32>(b.x), p0);
      p1 = fma(a, vec4<f32>(b.y), p1);
      p2 = fma(a, vec4<f32>(b.z), p2);
      p3 = fma(a, vec4<f32>(b.w), p3);
    }
    acc0 += p0;
    acc1 += p1;
    acc2 += p2;
    acc3 += p3;
    workgroupBarrier();
  }

  // This invocation's rows i..i+3 (one vec4) and columns j..j+3.
  let i = i0 + 4u * lid.x;
  let j = j0 + 4u * lid.y;
  if (i >= params.ld) { return; }
  let last = n - 1u;
  let nx = vec4<f32>(norms[params.row_off + min(i, last)], norms[params.row_off + min(i + 1u, last)],
                     norms[params.row_off + min(i + 2u, last)], norms[params.row_off + min(i + 3u, last)]);
  let base = (j * params.ld + i) >> 2u;
  let ld4 = params.ld >> 2u;
  if (j < m) { out[base] = max(vec4<f32>(0.0), nx + norms[params.col_off + j] - 2.0 * acc0); }
  if (j + 1u < m) { out[base + ld4] = max(vec4<f32>(0.0), nx + norms[params.col_off + j + 1u] - 2.0 * acc1); }
  if (j + 2u < m) { out[base + 2u * ld4] = max(vec4<f32>(0.0), nx + norms[params.col_off + j + 2u] - 2.0 * acc2); }
  if (j + 3u < m) { out[base + 3u * ld4] = max(vec4<f32>(0.0), nx + norms[params.col_off + j + 3u] - 2.0 * acc3); }
}
