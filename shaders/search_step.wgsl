// One projected-ascent step of the multi-start search for sup_x λ_max(S(x)) over the box [−B, B]^d
// (src/lipschitz/search.ts), one workgroup per start. f = vᵀ S(x) v (the Rayleigh quotient of the
// power iterate, from power_iter_step's 'rayleigh'), ∇_x f = a·∇_x (vᵀ J_out(x) v) from the
// tangent_layer gradient chain. Modes (run.mode):
//   0 init:    best value −∞, step η = run.eta0·B
//   1 ascend:  if f > best: keep (x, a·∇φ) as the best point and its gradient, η ← 1.5η;
//              otherwise η ← η/2 (the step from the best point was too long);
//              then x ← clamp(x_best + η·g/|g|, −B, B)
// The value kept is a Rayleigh quotient at a point actually visited, so the best of all starts is a
// lower estimate of the supremum (the host recomputes it in float64 at the argmax).
#include "mlp_output"

override OUT_KIND: u32 = 0u;
override D: u32 = 2u;
const WGP: u32 = 64u;

// Bindings (run, times, xs, best, grad, lam, state): SearchStepBindings in src/kernels/search_step.ts.

var<workgroup> red: array<f32, WGP>;

fn wg_sum(lid: u32, x: f32) -> f32 {
  red[lid] = x;
  workgroupBarrier();
  for (var s = WGP / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WGP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let p = wid.x + wid.y * nwg.x;
  if (p >= run.points) { return; }
  let B = run.box_half;
  if (run.mode == 0u) {
    if (lid == 0u) {
      var ninf_bits = 0xff800000u; // −∞ (a runtime value: WGSL constants must be finite)
      state[2u * p] = bitcast<f32>(ninf_bits);
      state[2u * p + 1u] = run.eta0 * B;
    }
    return;
  }
  let tm = times[run.time_offset + p / run.per_time];
  let a = score_affine(OUT_KIND, tm.x, tm.y).x;
  let f = lam[p];
  let fbest = state[2u * p];
  let eta0 = state[2u * p + 1u];
  // f == f is false for NaN: a NaN value is never kept.
  let accept = f > fbest && f == f;
  let xb = 2u * D * p;
  let gb = xb + D;
  var g2 = 0.0;
  for (var i = lid; i < D; i += WGP) {
    if (accept) {
      best[xb + i] = xs[p * D + i];
      best[gb + i] = a * grad[p * D + i];
    }
    let g = best[gb + i];
    g2 += g * g;
  }
  let gn = sqrt(wg_sum(lid, g2));
  let eta = select(0.5 * eta0, min(1.5 * eta0, 2.0 * B), accept);
  let k = select(0.0, eta / gn, gn > 0.0);
  for (var i = lid; i < D; i += WGP) {
    xs[p * D + i] = clamp(best[xb + i] + k * best[gb + i], -B, B);
  }
  if (lid == 0u) {
    if (accept) { state[2u * p] = f; }
    state[2u * p + 1u] = eta;
  }
}
