// One exact Gaussian transition of a coordinate-wise linear SDE, applied elementwise:
//   x ← a·x + k·(y − x) + s·ξ,   ξ ~ N(0, 1) from Philox counter (i, stream).
// Covers the Brownian bridge to paired endpoints y (a = 1, k = h/(1−t), s² = σ² h(1−t−h)/(1−t)),
// the heat flow (a = 1, k = 0, s² = 2h) and the VP / Ornstein–Uhlenbeck flow (a = e^−h,
// s² = 1 − e^−2h); the coefficients are computed in float64 by src/kernels/flow_sde_step.ts.
// Invocation i updates elements 4i .. 4i+3 (those below n). Params (FlowSdeParams) is generated
// by the TypeScript owner and bound at a dynamic offset: one 256-byte slot per step.
#include "random"

override WG: u32 = 256u;
override HAS_TARGET: bool = false;

// Bindings (params, x, y): FlowSdeBindings in src/kernels/flow_sde_step.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let base = 4u * i;
  if (base >= params.n) { return; }
  let xi = normal4(i, params.stream, vec2<u32>(params.seed_lo, params.seed_hi));
  for (var c = 0u; c < 4u; c++) {
    let e = base + c;
    if (e < params.n) {
      var v = params.a * x[e];
      if (HAS_TARGET) { v = v + params.k * (y[e] - x[e]); }
      x[e] = v + params.s * xi[c];
    }
  }
}
