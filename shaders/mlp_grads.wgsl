// Parameter gradients of every layer in one dispatch (feature-major batch, src/model/layout.ts):
//   dW_l = s_l · dU_l X_lᵀ,   db_l = Σ_b dU_l[:, b],   de_l[k] = Σ_{b: k_b = k} dV_l[:, b] ⊙ U_l[:, b]
// where X_l is layer l's input (features or the previous H). Work is a list of jobs (8×8 tiles of
// dW, 4-row strips of db, (k, 4-row) strips of de) described by segments in `plan` (built by
// src/kernels/mlp_grads.ts). Every gradient entry is written (none accumulated), so the buffer
// needs no clearing between steps.

#include "mlp_grads_job"

override WG: u32 = 64u;
// With SG: dW rows per workgroup and columns per invocation of a dW job (set by src/kernels/mlp_grads.ts).
override SG_ROWS: u32 = 8u;
override SG_COLS: u32 = 2u;

// Bindings: declared in src/kernels/mlp_grads.ts.

fn param(i: u32) -> f32 { return params[i]; }
fn step4_of(q: u32) -> vec4<u32> { return tidx[q]; }

#if SG
// With SG (a tuned variant, src/kernels/mlp_grads.ts): one job per workgroup. A dW job is a block
// of SG_ROWS rows × SG_COLS·WG columns: 8, 16 or 32 × 2·WG (grads_dw; a block with 8 rows or fewer
// left, as a 2-output layer's, runs the 8-row form); a db or de job runs WG of the old per-invocation jobs, whose count the segment's njobs
// holds.
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
  let job = wg.x + wg.y * nwg.x;
  if (job >= gp.njobs) { return; }
  var s = 0u;
  for (var k = 1u; k < gp.nsegments; k++) {
    if (plan[k].start <= job) { s = k; }
  }
  let seg = plan[s];
  let row4 = gp.bs / 4u;
  let local = job - seg.start;
  if (seg.kind == 0u) {
    let ncb = (seg.in_dim + SG_COLS * WG - 1u) / (SG_COLS * WG);
    let j0 = (local / ncb) * SG_ROWS;
    let i0 = (local % ncb) * SG_COLS * WG + SG_COLS * li;
    if (SG_ROWS > 8u && seg.out_dim - j0 <= 8u) { grads_dw(seg, j0, i0, lane, row4, 8u); } else { grads_dw(seg, j0, i0, lane, row4, SG_ROWS); }
  } else {
    let inner = local * WG + li;
    if (inner < seg.njobs) { grads_job(seg, inner, row4, 0u, row4, 0u); }
  }
}
#else
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let job = gid.x + gid.y * nwg.x * WG;
  if (job >= gp.njobs) { return; }
  var s = 0u;
  for (var k = 1u; k < gp.nsegments; k++) {
    if (plan[k].start <= job) { s = k; }
  }
  let row4 = gp.bs / 4u;
  grads_job(plan[s], job - plan[s].start, row4, 0u, row4, 0u);
}
#endif
