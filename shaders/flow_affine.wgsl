// A random affine map of a point cloud, y_i = c + M x_i + R ξ_i with ξ_i ~ N(0, I) from Philox
// counters (i·Q + q, stream), Q = ⌈DIM/4⌉: samples the conditional x1 | x0 of a Gaussian coupling
// (Schrödinger bridge endpoints), and evaluates affine closed-form flows (R = 0).
// coef = [c (DIM), M (DIM×DIM row-major), R (DIM×DIM row-major)]. One invocation per point.
#include "random"

override WG: u32 = 64u;
override DIM: u32 = 2u;
override NOISE: bool = true;
override Q: u32 = (DIM + 3u) / 4u;

// Bindings (params, coef, x, y): FlowAffineBindings in src/kernels/flow_affine.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  var xi: array<f32, 16>;
  if (NOISE) {
    for (var q = 0u; q < Q; q++) {
      let v = normal4(i * Q + q, params.stream, vec2<u32>(params.seed_lo, params.seed_hi));
      for (var c = 0u; c < 4u; c++) { if (4u * q + c < DIM) { xi[4u * q + c] = v[c]; } }
    }
  }
  let r0 = DIM + DIM * DIM;
  for (var a = 0u; a < DIM; a++) {
    var s = coef[a];
    for (var b = 0u; b < DIM; b++) {
      s += coef[DIM + a * DIM + b] * x[i * DIM + b];
      if (NOISE) { s += coef[r0 + a * DIM + b] * xi[b]; }
    }
    y[i * DIM + a] = s;
  }
}
