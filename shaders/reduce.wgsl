// Segmented tree reduction: `segments` independent segments of `len` items each; workgroup
// (block, segment) reduces items [block·WG·ITEMS, (block+1)·WG·ITEMS) of its segment into one state
// written to out[segment·blocks + block]. Entry `values` lifts f32 inputs; entry `states` combines
// vec4 states from a previous pass. The host repeats passes until blocks = 1.
#include "reduce_ops"

override OP: u32 = 0u;
override WG: u32 = 256u;
override ITEMS: u32 = 8u;

// Bindings (params, in_values, in_states, out): ReduceBindings in src/kernels/reduce.ts.

var<workgroup> scratch: array<vec4<f32>, WG>;

fn tree(lid: u32, mine: vec4<f32>, out_index: u32) {
  scratch[lid] = mine;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { scratch[lid] = red_combine(OP, scratch[lid], scratch[lid + stride]); }
    workgroupBarrier();
  }
  if (lid == 0u) { out[out_index] = scratch[0]; }
}

@compute @workgroup_size(WG)
fn values(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let seg = wid.y;
  let start = wid.x * WG * ITEMS;
  var acc = red_identity(OP);
  for (var k = 0u; k < ITEMS; k++) {
    let j = start + k * WG + lid.x;
    if (j < params.len) { acc = red_combine(OP, acc, red_lift(OP, in_values[params.in_offset + seg * params.in_stride + j])); }
  }
  tree(lid.x, acc, seg * params.blocks + wid.x);
}

@compute @workgroup_size(WG)
fn states(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let seg = wid.y;
  let start = wid.x * WG * ITEMS;
  var acc = red_identity(OP);
  for (var k = 0u; k < ITEMS; k++) {
    let j = start + k * WG + lid.x;
    if (j < params.len) { acc = red_combine(OP, acc, in_states[seg * params.in_stride + j]); }
  }
  tree(lid.x, acc, seg * params.blocks + wid.x);
}
