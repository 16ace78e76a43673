// Parameter initialisation from the seeded Philox RNG: float p draws u = u01 of counter
// (p, 0, 0x1417, 0) and, by the segment containing p (src/kernels/mlp_init.ts):
//   kind 0: a·(2u - 1)  (uniform on [-a, a): Xavier, He or PyTorch's default bounds)
//   kind 1: u           (U[0, 1): the paper's per-step embedding)
//   kind 2: a           (constant: zero biases, unit layer scales)
#include "random"

override WG: u32 = 64u;

struct InitSegment { start: u32, kind: u32, a: f32, pad: u32 }

// Bindings: declared in src/kernels/mlp_init.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let p = gid.x + gid.y * nwg.x * WG;
  if (p >= ip.n) { return; }
  var s = 0u;
  for (var k = 1u; k < ip.nsegments; k++) {
    if (segs[k].start <= p) { s = k; }
  }
  let seg = segs[s];
  let u = u01(philox4x32(vec4<u32>(p, 0u, 0x1417u, 0u), vec2<u32>(ip.seed_lo, ip.seed_hi)).x);
  var v = seg.a;
  if (seg.kind == 0u) { v = seg.a * (2.0 * u - 1.0); } else if (seg.kind == 1u) { v = u; }
  params[p] = v;
}
