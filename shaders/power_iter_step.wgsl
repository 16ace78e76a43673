// Power iteration for λ_max(½(J + Jᵀ)) of the MLP score's Jacobian J = ∇_x s(x, t), one point per
// invocation, with JVP and VJP (shaders/lib/mlp_tangent.wgsl), never forming J.
// Power iteration converges to the eigenvalue of largest magnitude, which for a score is usually the
// most negative one, so phase 1 (SHIFT_ITERS steps) estimates ρ ≈ |λ|_max and phase 2 (ITERS
// steps, from a fresh random start) iterates S + c I with c = 1.05 ρ + tiny, whose top eigenvalue is
// λ_max + c. The result is the Rayleigh quotient vᵀ S v ≤ λ_max(S): a lower estimate at each point.
#include "activations"
#include "mlp_output"
#include "mlp_tangent"
#include "lipschitz_io"

override WG: u32 = 64u;

fn normalize_vec(v: ptr<function, array<f32, D>>) -> f32 {
  var n2 = 0.0;
  for (var i = 0u; i < D; i++) { n2 += (*v)[i] * (*v)[i]; }
  let n = sqrt(n2);
  let inv = select(0.0, 1.0 / n, n > 0.0);
  for (var i = 0u; i < D; i++) { (*v)[i] = (*v)[i] * inv; }
  return n;
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

  var v = normal_vec(global_index(p), 1u);
  normalize_vec(&v);
  var rho = 0.0;
  for (var it = 0u; it < params.shift_iters; it++) {
    var w = sym_score_jacobian_mul(&f, ab, v);
    rho = normalize_vec(&w);
    v = w;
  }
  let c = 1.05 * rho + 1e-6;
  v = normal_vec(global_index(p), 2u);
  normalize_vec(&v);
  for (var it = 0u; it < params.iters; it++) {
    var w = sym_score_jacobian_mul(&f, ab, v);
    for (var i = 0u; i < D; i++) { w[i] = w[i] + c * v[i]; }
    if (normalize_vec(&w) == 0.0) { break; }
    v = w;
  }
  let sv = sym_score_jacobian_mul(&f, ab, v);
  var q = 0.0;
  for (var i = 0u; i < D; i++) { q += v[i] * sv[i]; }
  lam[p] = q;
}
