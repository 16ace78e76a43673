// Exact top eigenvalue of ½(J + Jᵀ), J = ∇_x s(x, t) the MLP score's Jacobian, for D ≤ 3: the D
// columns of J by JVP (shaders/lib/mlp_tangent.wgsl), then the closed-form eigenvalues of the
// symmetric D×D matrix (D = 3: the trigonometric solution of the characteristic cubic).
#include "activations"
#include "mlp_output"
#include "mlp_tangent"
#include "lipschitz_io"

override WG: u32 = 64u;

fn top_eig2(a: f32, b: f32, c: f32) -> f32 {
  // [[a, b], [b, c]]
  let h = 0.5 * (a - c);
  return 0.5 * (a + c) + sqrt(h * h + b * b);
}

fn top_eig3(m: mat3x3<f32>) -> f32 {
  let p1 = m[0][1] * m[0][1] + m[0][2] * m[0][2] + m[1][2] * m[1][2];
  let q = (m[0][0] + m[1][1] + m[2][2]) / 3.0;
  let p2 = (m[0][0] - q) * (m[0][0] - q) + (m[1][1] - q) * (m[1][1] - q) + (m[2][2] - q) * (m[2][2] - q) + 2.0 * p1;
  let p = sqrt(p2 / 6.0);
  if (p < 1e-30) { return q; }
  let bm = (m - mat3x3<f32>(q, 0.0, 0.0, 0.0, q, 0.0, 0.0, 0.0, q)) * (1.0 / p);
  let r = clamp(0.5 * determinant(bm), -1.0, 1.0);
  let phi = acos(r) / 3.0;
  return q + 2.0 * p * cos(phi);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let p = point_index(gid, nwg);
  if (p >= params.points) { return; }
  let tm = time_row(p);
  let x = point_location(p, tm);
  var f = mlp_forward(x, u32(tm.z), tm.w);
  store_point(p, x, f.out, tm);
  let ab = tangent_affine(tm.x, tm.y);
  // S = ½(J_s + J_sᵀ), J_s = a J_out + b I; column c of J_out is J_out e_c. Row-major 3×3 scratch.
  var js: array<f32, 9>;
  for (var c = 0u; c < D; c++) {
    var e: array<f32, D>;
    for (var i = 0u; i < D; i++) { e[i] = select(0.0, 1.0, i == c); }
    let col = mlp_jvp(&f, e);
    for (var r = 0u; r < D; r++) { js[r * 3u + c] = ab.x * col[r]; }
  }
  var top: f32;
  if (D == 1u) {
    top = js[0] + ab.y;
  } else if (D == 2u) {
    top = top_eig2(js[0] + ab.y, 0.5 * (js[1] + js[3]), js[4] + ab.y);
  } else {
    let s01 = 0.5 * (js[1] + js[3]);
    let s02 = 0.5 * (js[2] + js[6]);
    let s12 = 0.5 * (js[5] + js[7]);
    top = top_eig3(mat3x3<f32>(js[0] + ab.y, s01, s02, s01, js[4] + ab.y, s12, s02, s12, js[8] + ab.y));
  }
  lam[p] = top;
}
