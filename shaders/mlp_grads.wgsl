// Parameter gradients of every layer in one dispatch (feature-major batch, src/model/layout.ts):
//   dW_l = s_l · dU_l X_lᵀ,   db_l = Σ_b dU_l[:, b],   de_l[k] = Σ_{b: k_b = k} dV_l[:, b] ⊙ U_l[:, b]
// where X_l is layer l's input (features or the previous H). Work is a list of jobs (8×8 tiles of
// dW, 4-row strips of db, (k, 4-row) strips of de) described by segments in `plan` (built by
// src/kernels/mlp_grads.ts). Every gradient entry is written (none accumulated), so the buffer
// needs no clearing between steps.

override WG: u32 = 64u;

struct Segment {
  start: u32, kind: u32, in_dim: u32, out_dim: u32,
  g_off: u32, du_off: u32, x_off: u32, scale_idx: u32,
  dv_off: u32, u_off: u32, njobs: u32, pad: u32,
}

// Bindings: declared in src/kernels/mlp_grads.ts.

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
    // 8×8 tile of dW, register-blocked: 16 vec4 loads per 256 FMAs (dot products along the batch).
    let nic = (seg.in_dim + 7u) / 8u;
    let j0 = (local / nic) * 8u;
    let i0 = (local % nic) * 8u;
    let d0r = seg.du_off / 4u + min(j0 + 0u, seg.out_dim - 1u) * row4;
    let d1r = seg.du_off / 4u + min(j0 + 1u, seg.out_dim - 1u) * row4;
    let d2r = seg.du_off / 4u + min(j0 + 2u, seg.out_dim - 1u) * row4;
    let d3r = seg.du_off / 4u + min(j0 + 3u, seg.out_dim - 1u) * row4;
    let d4r = seg.du_off / 4u + min(j0 + 4u, seg.out_dim - 1u) * row4;
    let d5r = seg.du_off / 4u + min(j0 + 5u, seg.out_dim - 1u) * row4;
    let d6r = seg.du_off / 4u + min(j0 + 6u, seg.out_dim - 1u) * row4;
    let d7r = seg.du_off / 4u + min(j0 + 7u, seg.out_dim - 1u) * row4;
    let x0r = seg.x_off / 4u + min(i0 + 0u, seg.in_dim - 1u) * row4;
    let x1r = seg.x_off / 4u + min(i0 + 1u, seg.in_dim - 1u) * row4;
    let x2r = seg.x_off / 4u + min(i0 + 2u, seg.in_dim - 1u) * row4;
    let x3r = seg.x_off / 4u + min(i0 + 3u, seg.in_dim - 1u) * row4;
    let x4r = seg.x_off / 4u + min(i0 + 4u, seg.in_dim - 1u) * row4;
    let x5r = seg.x_off / 4u + min(i0 + 5u, seg.in_dim - 1u) * row4;
    let x6r = seg.x_off / 4u + min(i0 + 6u, seg.in_dim - 1u) * row4;
    let x7r = seg.x_off / 4u + min(i0 + 7u, seg.in_dim - 1u) * row4;
    var a0 = vec4<f32>(0.0); var b0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0); var b1 = vec4<f32>(0.0);
    var a2 = vec4<f32>(0.0); var b2 = vec4<f32>(0.0);
    var a3 = vec4<f32>(0.0); var b3 = vec4<f32>(0.0);
    var a4 = vec4<f32>(0.0); var b4 = vec4<f32>(0.0);
    var a5 = vec4<f32>(0.0); var b5 = vec4<f32>(0.0);
    var a6 = vec4<f32>(0.0); var b6 = vec4<f32>(0.0);
    var a7 = vec4<f32>(0.0); var b7 = vec4<f32>(0.0);
    for (var q = 0u; q < row4; q++) {
      let x0 = acts[x0r + q];
      let x1 = acts[x1r + q];
      let x2 = acts[x2r + q];
      let x3 = acts[x3r + q];
      let x4 = acts[x4r + q];
      let x5 = acts[x5r + q];
      let x6 = acts[x6r + q];
      let x7 = acts[x7r + q];
      let d0 = acts[d0r + q];
      a0 += vec4<f32>(dot(d0, x0), dot(d0, x1), dot(d0, x2), dot(d0, x3));
      b0 += vec4<f32>(dot(d0, x4), dot(d0, x5), dot(d0, x6), dot(d0, x7));
      let d1 = acts[d1r + q];
      a1 += vec4<f32>(dot(d1, x0), dot(d1, x1), dot(d1, x2), dot(d1, x3));
      b1 += vec4<f32>(dot(d1, x4), dot(d1, x5), dot(d1, x6), dot(d1, x7));
      let d2 = acts[d2r + q];
      a2 += vec4<f32>(dot(d2, x0), dot(d2, x1), dot(d2, x2), dot(d2, x3));
      b2 += vec4<f32>(dot(d2, x4), dot(d2, x5), dot(d2, x6), dot(d2, x7));
      let d3 = acts[d3r + q];
      a3 += vec4<f32>(dot(d3, x0), dot(d3, x1), dot(d3, x2), dot(d3, x3));
      b3 += vec4<f32>(dot(d3, x4), dot(d3, x5), dot(d3, x6), dot(d3, x7));
      let d4 = acts[d4r + q];
      a4 += vec4<f32>(dot(d4, x0), dot(d4, x1), dot(d4, x2), dot(d4, x3));
      b4 += vec4<f32>(dot(d4, x4), dot(d4, x5), dot(d4, x6), dot(d4, x7));
      let d5 = acts[d5r + q];
      a5 += vec4<f32>(dot(d5, x0), dot(d5, x1), dot(d5, x2), dot(d5, x3));
      b5 += vec4<f32>(dot(d5, x4), dot(d5, x5), dot(d5, x6), dot(d5, x7));
      let d6 = acts[d6r + q];
      a6 += vec4<f32>(dot(d6, x0), dot(d6, x1), dot(d6, x2), dot(d6, x3));
      b6 += vec4<f32>(dot(d6, x4), dot(d6, x5), dot(d6, x6), dot(d6, x7));
      let d7 = acts[d7r + q];
      a7 += vec4<f32>(dot(d7, x0), dot(d7, x1), dot(d7, x2), dot(d7, x3));
      b7 += vec4<f32>(dot(d7, x4), dot(d7, x5), dot(d7, x6), dot(d7, x7));
    }
    let sc = params[seg.scale_idx];
    for (var r = 0u; r < 8u; r++) {
      if (j0 + r >= seg.out_dim) { break; }
      var lo = a0;
      var hi = b0;
      switch r {
        case 1u: { lo = a1; hi = b1; }
        case 2u: { lo = a2; hi = b2; }
        case 3u: { lo = a3; hi = b3; }
        case 4u: { lo = a4; hi = b4; }
        case 5u: { lo = a5; hi = b5; }
        case 6u: { lo = a6; hi = b6; }
        case 7u: { lo = a7; hi = b7; }
        default: {}
      }
      let row = seg.g_off + (j0 + r) * seg.in_dim;
      for (var c = 0u; c < 8u; c++) {
        if (i0 + c >= seg.in_dim) { break; }
        grads[row + i0 + c] = sc * select(hi[c - 4u], lo[c], c < 4u);
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
