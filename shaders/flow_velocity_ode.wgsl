// Euler / Heun integration of dx/dt = v_θ(x, t) with the MLP's fused forward pass in between, for
// n particles held in `x` (n × dim, row-major). STAGE (override) selects the dispatch:
//   0 load:   network input ← x (or the Heun predictor x̃ when FROM_PRED) and Fourier features of τ
//   1 euler:  x ← x + h·v
//   2 heun1:  k ← v, x̃ ← x + h·v
//   3 heun2:  x ← x + ½h (k + v)
// where v is the head output u[L] in the workspace (feature-major). Per-step τ and h come from
// OdeStepParams at a dynamic offset. One invocation per particle.

override WG: u32 = 64u;
override STAGE: u32 = 0u;
override FROM_PRED: bool = false;

// Bindings: declared in src/kernels/flow_velocity_ode.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = gid.x + gid.y * nwg.x * WG;
  if (b >= op.n) { return; }
  let d = op.dim;
  if (STAGE == 0u) {
    for (var j = 0u; j < d; j++) {
      acts[op.x_off + j * op.bs + b] = select(x[b * d + j], xp[b * d + j], FROM_PRED);
    }
    var om = 3.141592653589793;
    for (var f = 0u; f < op.fourier; f++) {
      acts[op.x_off + (d + f) * op.bs + b] = sin(om * sp.tau);
      acts[op.x_off + (d + op.fourier + f) * op.bs + b] = cos(om * sp.tau);
      om *= 2.0;
    }
    return;
  }
  for (var j = 0u; j < d; j++) {
    let v = acts[op.out_off + j * op.bs + b];
    let e = b * d + j;
    if (STAGE == 1u) {
      x[e] = x[e] + sp.h * v;
    } else if (STAGE == 2u) {
      k[e] = v;
      xp[e] = x[e] + sp.h * v;
    } else {
      x[e] = x[e] + 0.5 * sp.h * (k[e] + v);
    }
  }
}
