// Parameter gradients of every layer in one dispatch (feature-major batch, src/model/layout.ts):
//   dW_l = s_l · dU_l X_lᵀ,   db_l = Σ_b dU_l[:, b],   de_l[k] = Σ_{b: k_b = k} dV_l[:, b] ⊙ U_l[:, b]
// where X_l is layer l's input (features or the previous H). Work is a list of jobs (4×4 tiles of
// dW, 4-row strips of db, (k, 4-row) strips of de) described by segments in `plan` (built by
// src/kernels/mlp_grads.ts). Every gradient entry is written (none accumulated), so the buffer
// needs no clearing between steps.

override WG: u32 = 64u;

struct Segment {
  start: u32, kind: u32, in_dim: u32, out_dim: u32,
  g_off: u32, du_off: u32, x_off: u32, scale_idx: u32,
  dv_off: u32, u_off: u32, njobs: u32, pad: u32,
}

@group(0) @binding(0) var<uniform> gp: MlpGradsParams;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> acts: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> tidx: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> plan: array<Segment>;
@group(0) @binding(5) var<storage, read_write> grads: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let job = gid.x + gid.y * nwg.x * WG;
  if (job >= gp.njobs) { return; }
  var s = 0u;
  for (var k = 1u; k < gp.nsegments; k++) {
    if (plan[k].start <= job) { s = k; }
  }
  let seg = plan[s];
  let local = job - seg.start;
  let row4 = gp.bs / 4u;
  if (seg.kind == 0u) {
    let nic = (seg.in_dim + 3u) / 4u;
    let j0 = (local / nic) * 4u;
    let i0 = (local % nic) * 4u;
    var du: array<u32, 4>;
    var xr: array<u32, 4>;
    for (var r = 0u; r < 4u; r++) {
      du[r] = seg.du_off / 4u + min(j0 + r, seg.out_dim - 1u) * row4;
      xr[r] = seg.x_off / 4u + min(i0 + r, seg.in_dim - 1u) * row4;
    }
    var acc: array<vec4<f32>, 4>;   // acc[r][c]
    for (var q = 0u; q < row4; q++) {
      let x0 = acts[xr[0] + q]; let x1 = acts[xr[1] + q]; let x2 = acts[xr[2] + q]; let x3 = acts[xr[3] + q];
      for (var r = 0u; r < 4u; r++) {
        let d = acts[du[r] + q];
        acc[r] += vec4<f32>(dot(d, x0), dot(d, x1), dot(d, x2), dot(d, x3));
      }
    }
    let sc = params[seg.scale_idx];
    for (var r = 0u; r < 4u; r++) {
      if (j0 + r >= seg.out_dim) { break; }
      for (var c = 0u; c < 4u; c++) {
        if (i0 + c >= seg.in_dim) { break; }
        let g = sc * acc[r][c];
        grads[seg.g_off + (j0 + r) * seg.in_dim + i0 + c] = g;
      }
    }
  } else if (seg.kind == 1u) {
    let j0 = local * 4u;
    for (var r = 0u; r < 4u; r++) {
      if (j0 + r >= seg.out_dim) { break; }
      let base = seg.du_off / 4u + (j0 + r) * row4;
      var a = vec4<f32>(0.0);
      for (var q = 0u; q < row4; q++) { a += acts[base + q]; }
      let g = (a.x + a.y) + (a.z + a.w);
      grads[seg.g_off + j0 + r] = g;
    }
  } else {
    let nj = (seg.out_dim + 3u) / 4u;
    let k = local / nj;
    let j0 = (local % nj) * 4u;
    var acc = vec4<f32>(0.0);
    for (var q = 0u; q < row4; q++) {
      let m = select(vec4<f32>(0.0), vec4<f32>(1.0), tidx[q] == vec4<u32>(k));
      if (all(m == vec4<f32>(0.0))) { continue; }
      for (var r = 0u; r < 4u; r++) {
        let j = min(j0 + r, seg.out_dim - 1u);
        acc[r] += dot(m * acts[seg.dv_off / 4u + j * row4 + q], acts[seg.u_off / 4u + j * row4 + q]);
      }
    }
    for (var r = 0u; r < 4u; r++) {
      if (j0 + r >= seg.out_dim) { break; }
      let g = acc[r];
      grads[seg.g_off + k * seg.out_dim + j0 + r] = g;
    }
  }
}
