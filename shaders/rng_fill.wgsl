// Fill a buffer with uniform [0,1) or standard normal variates from Philox4x32-10.
// Invocation i draws counter (i, stream) and writes out[4i .. 4i+3] (those below n).
// Bindings (params: RngFillParams, out) are declared in src/kernels/rng_fill.ts.
#include "random"

override NORMAL: bool = false;
override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let base = 4u * i;
  if (base >= params.n) { return; }
  let w = philox4x32(vec4<u32>(i, params.stream, 0u, 0u), vec2<u32>(params.seed_lo, params.seed_hi));
  var v: vec4<f32>;
  if (NORMAL) {
    v = vec4<f32>(box_muller(w.x, w.y), box_muller(w.z, w.w));
  } else {
    v = vec4<f32>(u01(w.x), u01(w.y), u01(w.z), u01(w.w));
  }
  for (var k = 0u; k < 4u; k++) {
    if (base + k < params.n) { out[params.offset + base + k] = v[k]; }
  }
}
