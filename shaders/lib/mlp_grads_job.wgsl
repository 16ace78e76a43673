// One job of the parameter-gradient kernel (an 8×8 tile of dW, a 4-row strip of db or a (k, 4-row)
// strip of de; the maths in shaders/mlp_grads.wgsl) summed over the batch's vec4 columns
// [q0, q1) and written at grads[g_base + offset]. Shared by shaders/mlp_grads.wgsl (the whole batch)
// and shaders/dsm_step_fused.wgsl (one workgroup's samples, into its own slice of partial sums).
// The including shader declares `acts: array<vec4<f32>>`, `grads: array<f32>`,
// `fn param(i: u32) -> f32` and `fn step4_of(q: u32) -> vec4<u32>` (step indices of 4 samples).

struct Segment {
  start: u32, kind: u32, in_dim: u32, out_dim: u32,
  g_off: u32, du_off: u32, x_off: u32, scale_idx: u32,
  dv_off: u32, u_off: u32, njobs: u32, pad: u32,
}

fn grads_job(seg: Segment, local: u32, row4: u32, q0: u32, q1: u32, g_base: u32) {
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
    for (var q = q0; q < q1; q++) {
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
    let sc = param(seg.scale_idx);
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
        grads[g_base + row + i0 + c] = sc * select(hi[c - 4u], lo[c], c < 4u);
      }
    }
  } else if (seg.kind == 1u) {
    let j0 = local * 4u;
    for (var r = 0u; r < 4u; r++) {
      if (j0 + r >= seg.out_dim) { break; }
      let base = seg.du_off / 4u + (j0 + r) * row4;
      var a = vec4<f32>(0.0);
      for (var q = q0; q < q1; q++) { a += acts[base + q]; }
      let g = (a.x + a.y) + (a.z + a.w);
      grads[g_base + seg.g_off + j0 + r] = g;
    }
  } else {
    let nj = (seg.out_dim + 3u) / 4u;
    let k = local / nj;
    let j0 = (local % nj) * 4u;
    var acc = vec4<f32>(0.0);
    for (var q = q0; q < q1; q++) {
      let m = select(vec4<f32>(0.0), vec4<f32>(1.0), step4_of(q) == vec4<u32>(k));
      if (all(m == vec4<f32>(0.0))) { continue; }
      for (var r = 0u; r < 4u; r++) {
        let j = min(j0 + r, seg.out_dim - 1u);
        acc[r] += dot(m * acts[seg.dv_off / 4u + j * row4 + q], acts[seg.u_off / 4u + j * row4 + q]);
      }
    }
    for (var r = 0u; r < 4u; r++) {
      if (j0 + r >= seg.out_dim) { break; }
      let g = acc[r];
      grads[g_base + seg.g_off + k * seg.out_dim + j0 + r] = g;
    }
  }
}

#if SG
// The subgroup shape of a dW tile (shaders/mlp_grads.wgsl with SG): one workgroup computes rows
// j0..j0+7 of dW (the same for the whole workgroup) × 2 columns per invocation, summed over the
// batch's vec4 columns [0, row4). The batch is taken 8 vec4 at a time: lane q reads dU[j, q0 + q]
// for the 8 rows, and subgroupBroadcast hands it to every lane, so each lane gathers only its own
// X columns. Same summation order as grads_job's 8×8 tile (one dot of 4 samples at a time).
// Needs a subgroup of at least 8 invocations, all active, and uniform control flow.
fn grads_dw_sg(seg: Segment, j0: u32, i0: u32, lane: u32, row4: u32) {
  let last = seg.out_dim - 1u;
  let d0r = seg.du_off / 4u + min(j0 + 0u, last) * row4;
  let d1r = seg.du_off / 4u + min(j0 + 1u, last) * row4;
  let d2r = seg.du_off / 4u + min(j0 + 2u, last) * row4;
  let d3r = seg.du_off / 4u + min(j0 + 3u, last) * row4;
  let d4r = seg.du_off / 4u + min(j0 + 4u, last) * row4;
  let d5r = seg.du_off / 4u + min(j0 + 5u, last) * row4;
  let d6r = seg.du_off / 4u + min(j0 + 6u, last) * row4;
  let d7r = seg.du_off / 4u + min(j0 + 7u, last) * row4;
  let xa = seg.x_off / 4u + min(i0, seg.in_dim - 1u) * row4;
  let xb = seg.x_off / 4u + min(i0 + 1u, seg.in_dim - 1u) * row4;
  var a0 = vec2<f32>(0.0); var a1 = vec2<f32>(0.0); var a2 = vec2<f32>(0.0); var a3 = vec2<f32>(0.0);
  var a4 = vec2<f32>(0.0); var a5 = vec2<f32>(0.0); var a6 = vec2<f32>(0.0); var a7 = vec2<f32>(0.0);
  // Whole chunks of 8 vec4 without guards, then the remainder with guards.
  let qfull = row4 & ~7u;
  for (var q0 = 0u; q0 < qfull; q0 += 8u) {
    let ql = min(q0 + lane, row4 - 1u);
    let u0 = acts[d0r + ql]; let u1 = acts[d1r + ql]; let u2 = acts[d2r + ql]; let u3 = acts[d3r + ql];
    let u4 = acts[d4r + ql]; let u5 = acts[d5r + ql]; let u6 = acts[d6r + ql]; let u7 = acts[d7r + ql];
    {
      let x0 = acts[xa + q0 + 0u]; let x1 = acts[xb + q0 + 0u];
      var d = subgroupBroadcast(u0, 0u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 0u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 0u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 0u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 0u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 0u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 0u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 0u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[xa + q0 + 1u]; let x1 = acts[xb + q0 + 1u];
      var d = subgroupBroadcast(u0, 1u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 1u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 1u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 1u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 1u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 1u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 1u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 1u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[xa + q0 + 2u]; let x1 = acts[xb + q0 + 2u];
      var d = subgroupBroadcast(u0, 2u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 2u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 2u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 2u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 2u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 2u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 2u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 2u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[xa + q0 + 3u]; let x1 = acts[xb + q0 + 3u];
      var d = subgroupBroadcast(u0, 3u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 3u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 3u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 3u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 3u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 3u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 3u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 3u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[xa + q0 + 4u]; let x1 = acts[xb + q0 + 4u];
      var d = subgroupBroadcast(u0, 4u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 4u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 4u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 4u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 4u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 4u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 4u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 4u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[xa + q0 + 5u]; let x1 = acts[xb + q0 + 5u];
      var d = subgroupBroadcast(u0, 5u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 5u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 5u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 5u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 5u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 5u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 5u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 5u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[xa + q0 + 6u]; let x1 = acts[xb + q0 + 6u];
      var d = subgroupBroadcast(u0, 6u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 6u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 6u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 6u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 6u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 6u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 6u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 6u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[xa + q0 + 7u]; let x1 = acts[xb + q0 + 7u];
      var d = subgroupBroadcast(u0, 7u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 7u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 7u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 7u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 7u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 7u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 7u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 7u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
  }
  if (qfull < row4) {
    let q0 = qfull;
    let ql = min(q0 + lane, row4 - 1u);
    let u0 = acts[d0r + ql]; let u1 = acts[d1r + ql]; let u2 = acts[d2r + ql]; let u3 = acts[d3r + ql];
    let u4 = acts[d4r + ql]; let u5 = acts[d5r + ql]; let u6 = acts[d6r + ql]; let u7 = acts[d7r + ql];
    if (q0 + 0u < row4) {
      let x0 = acts[xa + q0 + 0u]; let x1 = acts[xb + q0 + 0u];
      var d = subgroupBroadcast(u0, 0u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 0u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 0u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 0u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 0u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 0u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 0u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 0u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 1u < row4) {
      let x0 = acts[xa + q0 + 1u]; let x1 = acts[xb + q0 + 1u];
      var d = subgroupBroadcast(u0, 1u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 1u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 1u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 1u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 1u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 1u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 1u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 1u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 2u < row4) {
      let x0 = acts[xa + q0 + 2u]; let x1 = acts[xb + q0 + 2u];
      var d = subgroupBroadcast(u0, 2u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 2u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 2u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 2u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 2u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 2u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 2u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 2u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 3u < row4) {
      let x0 = acts[xa + q0 + 3u]; let x1 = acts[xb + q0 + 3u];
      var d = subgroupBroadcast(u0, 3u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 3u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 3u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 3u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 3u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 3u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 3u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 3u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 4u < row4) {
      let x0 = acts[xa + q0 + 4u]; let x1 = acts[xb + q0 + 4u];
      var d = subgroupBroadcast(u0, 4u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 4u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 4u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 4u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 4u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 4u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 4u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 4u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 5u < row4) {
      let x0 = acts[xa + q0 + 5u]; let x1 = acts[xb + q0 + 5u];
      var d = subgroupBroadcast(u0, 5u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 5u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 5u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 5u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 5u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 5u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 5u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 5u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 6u < row4) {
      let x0 = acts[xa + q0 + 6u]; let x1 = acts[xb + q0 + 6u];
      var d = subgroupBroadcast(u0, 6u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 6u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 6u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 6u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 6u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 6u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 6u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 6u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 7u < row4) {
      let x0 = acts[xa + q0 + 7u]; let x1 = acts[xb + q0 + 7u];
      var d = subgroupBroadcast(u0, 7u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 7u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 7u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 7u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 7u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 7u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 7u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 7u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
  }
  let sc = param(seg.scale_idx);
  for (var r = 0u; r < 8u; r++) {
    if (j0 + r >= seg.out_dim) { break; }
    var v = a0;
    switch r {
      case 1u: { v = a1; }
      case 2u: { v = a2; }
      case 3u: { v = a3; }
      case 4u: { v = a4; }
      case 5u: { v = a5; }
      case 6u: { v = a6; }
      case 7u: { v = a7; }
      default: {}
    }
    let row = seg.g_off + (j0 + r) * seg.in_dim;
    if (i0 < seg.in_dim) { grads[row + i0] = sc * v.x; }
    if (i0 + 1u < seg.in_dim) { grads[row + i0 + 1u] = sc * v.y; }
  }
}
#endif

#if SG16
// The 16- and 32-row subgroup shapes (shaders/mlp_grads.wgsl with SG and SG16 or SG32): as
// grads_dw_sg, but one workgroup computes rows j0..j0+15 (j0..j0+31) of dW, so each X vec4 a lane
// gathers serves 16 (32) rows instead of 8. Per dot product of 4 samples, gathered vec4 loads:
// 1/8 (X) + 1/16 (dU) in grads_dw_sg, 1/16 + 1/16 here, 1/32 + 1/16 in grads_dw_sg32. On lavapipe
// (8 lanes per SIMD group, 16 AVX2 registers) the gathers cost more than the spills of the 32 (64)
// scalar accumulators; 4 columns per invocation (16 × 4, 8 × 4) measured slower. Unrolled by hand
// (written out by a throwaway script): subgroupBroadcast takes a constant lane. Same summation order as grads_job's 8×8
// tile and grads_dw_sg (one dot of 4 samples at a time, q ascending). Needs what grads_dw_sg needs.
fn grads_dw_sg16(seg: Segment, j0: u32, i0: u32, lane: u32, row4: u32) {
  let last = seg.out_dim - 1u;
  let d0r = seg.du_off / 4u + min(j0 + 0u, last) * row4;
  let d1r = seg.du_off / 4u + min(j0 + 1u, last) * row4;
  let d2r = seg.du_off / 4u + min(j0 + 2u, last) * row4;
  let d3r = seg.du_off / 4u + min(j0 + 3u, last) * row4;
  let d4r = seg.du_off / 4u + min(j0 + 4u, last) * row4;
  let d5r = seg.du_off / 4u + min(j0 + 5u, last) * row4;
  let d6r = seg.du_off / 4u + min(j0 + 6u, last) * row4;
  let d7r = seg.du_off / 4u + min(j0 + 7u, last) * row4;
  let d8r = seg.du_off / 4u + min(j0 + 8u, last) * row4;
  let d9r = seg.du_off / 4u + min(j0 + 9u, last) * row4;
  let d10r = seg.du_off / 4u + min(j0 + 10u, last) * row4;
  let d11r = seg.du_off / 4u + min(j0 + 11u, last) * row4;
  let d12r = seg.du_off / 4u + min(j0 + 12u, last) * row4;
  let d13r = seg.du_off / 4u + min(j0 + 13u, last) * row4;
  let d14r = seg.du_off / 4u + min(j0 + 14u, last) * row4;
  let d15r = seg.du_off / 4u + min(j0 + 15u, last) * row4;
  let x0r = seg.x_off / 4u + min(i0 + 0u, seg.in_dim - 1u) * row4;
  let x1r = seg.x_off / 4u + min(i0 + 1u, seg.in_dim - 1u) * row4;
  var a0 = vec2<f32>(0.0); var a1 = vec2<f32>(0.0); var a2 = vec2<f32>(0.0); var a3 = vec2<f32>(0.0);
  var a4 = vec2<f32>(0.0); var a5 = vec2<f32>(0.0); var a6 = vec2<f32>(0.0); var a7 = vec2<f32>(0.0);
  var a8 = vec2<f32>(0.0); var a9 = vec2<f32>(0.0); var a10 = vec2<f32>(0.0); var a11 = vec2<f32>(0.0);
  var a12 = vec2<f32>(0.0); var a13 = vec2<f32>(0.0); var a14 = vec2<f32>(0.0); var a15 = vec2<f32>(0.0);
  // Whole chunks of 8 vec4 without guards, then the remainder with guards.
  let qfull = row4 & ~7u;
  for (var q0 = 0u; q0 < qfull; q0 += 8u) {
    let ql = min(q0 + lane, row4 - 1u);
    let u0 = acts[d0r + ql]; let u1 = acts[d1r + ql]; let u2 = acts[d2r + ql]; let u3 = acts[d3r + ql];
    let u4 = acts[d4r + ql]; let u5 = acts[d5r + ql]; let u6 = acts[d6r + ql]; let u7 = acts[d7r + ql];
    let u8 = acts[d8r + ql]; let u9 = acts[d9r + ql]; let u10 = acts[d10r + ql]; let u11 = acts[d11r + ql];
    let u12 = acts[d12r + ql]; let u13 = acts[d13r + ql]; let u14 = acts[d14r + ql]; let u15 = acts[d15r + ql];
    {
      let x0 = acts[x0r + q0 + 0u]; let x1 = acts[x1r + q0 + 0u];
      var d = subgroupBroadcast(u0, 0u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 0u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 0u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 0u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 0u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 0u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 0u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 0u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 0u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 0u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 0u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 0u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 0u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 0u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 0u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 0u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[x0r + q0 + 1u]; let x1 = acts[x1r + q0 + 1u];
      var d = subgroupBroadcast(u0, 1u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 1u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 1u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 1u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 1u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 1u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 1u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 1u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 1u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 1u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 1u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 1u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 1u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 1u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 1u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 1u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[x0r + q0 + 2u]; let x1 = acts[x1r + q0 + 2u];
      var d = subgroupBroadcast(u0, 2u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 2u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 2u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 2u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 2u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 2u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 2u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 2u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 2u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 2u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 2u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 2u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 2u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 2u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 2u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 2u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[x0r + q0 + 3u]; let x1 = acts[x1r + q0 + 3u];
      var d = subgroupBroadcast(u0, 3u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 3u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 3u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 3u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 3u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 3u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 3u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 3u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 3u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 3u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 3u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 3u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 3u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 3u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 3u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 3u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[x0r + q0 + 4u]; let x1 = acts[x1r + q0 + 4u];
      var d = subgroupBroadcast(u0, 4u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 4u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 4u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 4u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 4u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 4u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 4u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 4u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 4u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 4u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 4u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 4u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 4u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 4u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 4u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 4u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[x0r + q0 + 5u]; let x1 = acts[x1r + q0 + 5u];
      var d = subgroupBroadcast(u0, 5u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 5u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 5u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 5u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 5u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 5u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 5u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 5u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 5u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 5u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 5u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 5u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 5u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 5u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 5u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 5u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[x0r + q0 + 6u]; let x1 = acts[x1r + q0 + 6u];
      var d = subgroupBroadcast(u0, 6u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 6u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 6u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 6u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 6u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 6u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 6u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 6u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 6u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 6u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 6u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 6u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 6u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 6u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 6u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 6u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[x0r + q0 + 7u]; let x1 = acts[x1r + q0 + 7u];
      var d = subgroupBroadcast(u0, 7u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 7u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 7u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 7u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 7u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 7u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 7u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 7u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 7u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 7u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 7u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 7u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 7u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 7u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 7u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 7u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
  }
  if (qfull < row4) {
    let q0 = qfull;
    let ql = min(q0 + lane, row4 - 1u);
    let u0 = acts[d0r + ql]; let u1 = acts[d1r + ql]; let u2 = acts[d2r + ql]; let u3 = acts[d3r + ql];
    let u4 = acts[d4r + ql]; let u5 = acts[d5r + ql]; let u6 = acts[d6r + ql]; let u7 = acts[d7r + ql];
    let u8 = acts[d8r + ql]; let u9 = acts[d9r + ql]; let u10 = acts[d10r + ql]; let u11 = acts[d11r + ql];
    let u12 = acts[d12r + ql]; let u13 = acts[d13r + ql]; let u14 = acts[d14r + ql]; let u15 = acts[d15r + ql];
    if (q0 + 0u < row4) {
      let x0 = acts[x0r + q0 + 0u]; let x1 = acts[x1r + q0 + 0u];
      var d = subgroupBroadcast(u0, 0u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 0u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 0u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 0u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 0u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 0u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 0u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 0u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 0u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 0u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 0u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 0u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 0u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 0u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 0u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 0u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 1u < row4) {
      let x0 = acts[x0r + q0 + 1u]; let x1 = acts[x1r + q0 + 1u];
      var d = subgroupBroadcast(u0, 1u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 1u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 1u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 1u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 1u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 1u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 1u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 1u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 1u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 1u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 1u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 1u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 1u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 1u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 1u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 1u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 2u < row4) {
      let x0 = acts[x0r + q0 + 2u]; let x1 = acts[x1r + q0 + 2u];
      var d = subgroupBroadcast(u0, 2u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 2u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 2u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 2u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 2u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 2u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 2u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 2u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 2u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 2u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 2u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 2u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 2u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 2u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 2u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 2u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 3u < row4) {
      let x0 = acts[x0r + q0 + 3u]; let x1 = acts[x1r + q0 + 3u];
      var d = subgroupBroadcast(u0, 3u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 3u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 3u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 3u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 3u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 3u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 3u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 3u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 3u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 3u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 3u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 3u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 3u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 3u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 3u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 3u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 4u < row4) {
      let x0 = acts[x0r + q0 + 4u]; let x1 = acts[x1r + q0 + 4u];
      var d = subgroupBroadcast(u0, 4u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 4u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 4u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 4u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 4u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 4u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 4u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 4u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 4u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 4u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 4u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 4u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 4u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 4u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 4u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 4u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 5u < row4) {
      let x0 = acts[x0r + q0 + 5u]; let x1 = acts[x1r + q0 + 5u];
      var d = subgroupBroadcast(u0, 5u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 5u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 5u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 5u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 5u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 5u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 5u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 5u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 5u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 5u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 5u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 5u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 5u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 5u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 5u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 5u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 6u < row4) {
      let x0 = acts[x0r + q0 + 6u]; let x1 = acts[x1r + q0 + 6u];
      var d = subgroupBroadcast(u0, 6u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 6u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 6u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 6u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 6u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 6u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 6u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 6u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 6u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 6u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 6u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 6u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 6u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 6u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 6u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 6u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 7u < row4) {
      let x0 = acts[x0r + q0 + 7u]; let x1 = acts[x1r + q0 + 7u];
      var d = subgroupBroadcast(u0, 7u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 7u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 7u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 7u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 7u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 7u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 7u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 7u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 7u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 7u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 7u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 7u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 7u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 7u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 7u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 7u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
  }
  let sc = param(seg.scale_idx);
  for (var r = 0u; r < 16u; r++) {
    if (j0 + r >= seg.out_dim) { break; }
    var v = a0;
    switch r {
      case 1u: { v = a1; }
      case 2u: { v = a2; }
      case 3u: { v = a3; }
      case 4u: { v = a4; }
      case 5u: { v = a5; }
      case 6u: { v = a6; }
      case 7u: { v = a7; }
      case 8u: { v = a8; }
      case 9u: { v = a9; }
      case 10u: { v = a10; }
      case 11u: { v = a11; }
      case 12u: { v = a12; }
      case 13u: { v = a13; }
      case 14u: { v = a14; }
      case 15u: { v = a15; }
      default: {}
    }
    let row = seg.g_off + (j0 + r) * seg.in_dim;
    if (i0 + 0u < seg.in_dim) { grads[row + i0 + 0u] = sc * v[0]; }
    if (i0 + 1u < seg.in_dim) { grads[row + i0 + 1u] = sc * v[1]; }
  }
}
#endif

#if SG32
// The 32-row shape: see grads_dw_sg16 above.
fn grads_dw_sg32(seg: Segment, j0: u32, i0: u32, lane: u32, row4: u32) {
  let last = seg.out_dim - 1u;
  let d0r = seg.du_off / 4u + min(j0 + 0u, last) * row4;
  let d1r = seg.du_off / 4u + min(j0 + 1u, last) * row4;
  let d2r = seg.du_off / 4u + min(j0 + 2u, last) * row4;
  let d3r = seg.du_off / 4u + min(j0 + 3u, last) * row4;
  let d4r = seg.du_off / 4u + min(j0 + 4u, last) * row4;
  let d5r = seg.du_off / 4u + min(j0 + 5u, last) * row4;
  let d6r = seg.du_off / 4u + min(j0 + 6u, last) * row4;
  let d7r = seg.du_off / 4u + min(j0 + 7u, last) * row4;
  let d8r = seg.du_off / 4u + min(j0 + 8u, last) * row4;
  let d9r = seg.du_off / 4u + min(j0 + 9u, last) * row4;
  let d10r = seg.du_off / 4u + min(j0 + 10u, last) * row4;
  let d11r = seg.du_off / 4u + min(j0 + 11u, last) * row4;
  let d12r = seg.du_off / 4u + min(j0 + 12u, last) * row4;
  let d13r = seg.du_off / 4u + min(j0 + 13u, last) * row4;
  let d14r = seg.du_off / 4u + min(j0 + 14u, last) * row4;
  let d15r = seg.du_off / 4u + min(j0 + 15u, last) * row4;
  let d16r = seg.du_off / 4u + min(j0 + 16u, last) * row4;
  let d17r = seg.du_off / 4u + min(j0 + 17u, last) * row4;
  let d18r = seg.du_off / 4u + min(j0 + 18u, last) * row4;
  let d19r = seg.du_off / 4u + min(j0 + 19u, last) * row4;
  let d20r = seg.du_off / 4u + min(j0 + 20u, last) * row4;
  let d21r = seg.du_off / 4u + min(j0 + 21u, last) * row4;
  let d22r = seg.du_off / 4u + min(j0 + 22u, last) * row4;
  let d23r = seg.du_off / 4u + min(j0 + 23u, last) * row4;
  let d24r = seg.du_off / 4u + min(j0 + 24u, last) * row4;
  let d25r = seg.du_off / 4u + min(j0 + 25u, last) * row4;
  let d26r = seg.du_off / 4u + min(j0 + 26u, last) * row4;
  let d27r = seg.du_off / 4u + min(j0 + 27u, last) * row4;
  let d28r = seg.du_off / 4u + min(j0 + 28u, last) * row4;
  let d29r = seg.du_off / 4u + min(j0 + 29u, last) * row4;
  let d30r = seg.du_off / 4u + min(j0 + 30u, last) * row4;
  let d31r = seg.du_off / 4u + min(j0 + 31u, last) * row4;
  let x0r = seg.x_off / 4u + min(i0 + 0u, seg.in_dim - 1u) * row4;
  let x1r = seg.x_off / 4u + min(i0 + 1u, seg.in_dim - 1u) * row4;
  var a0 = vec2<f32>(0.0); var a1 = vec2<f32>(0.0); var a2 = vec2<f32>(0.0); var a3 = vec2<f32>(0.0);
  var a4 = vec2<f32>(0.0); var a5 = vec2<f32>(0.0); var a6 = vec2<f32>(0.0); var a7 = vec2<f32>(0.0);
  var a8 = vec2<f32>(0.0); var a9 = vec2<f32>(0.0); var a10 = vec2<f32>(0.0); var a11 = vec2<f32>(0.0);
  var a12 = vec2<f32>(0.0); var a13 = vec2<f32>(0.0); var a14 = vec2<f32>(0.0); var a15 = vec2<f32>(0.0);
  var a16 = vec2<f32>(0.0); var a17 = vec2<f32>(0.0); var a18 = vec2<f32>(0.0); var a19 = vec2<f32>(0.0);
  var a20 = vec2<f32>(0.0); var a21 = vec2<f32>(0.0); var a22 = vec2<f32>(0.0); var a23 = vec2<f32>(0.0);
  var a24 = vec2<f32>(0.0); var a25 = vec2<f32>(0.0); var a26 = vec2<f32>(0.0); var a27 = vec2<f32>(0.0);
  var a28 = vec2<f32>(0.0); var a29 = vec2<f32>(0.0); var a30 = vec2<f32>(0.0); var a31 = vec2<f32>(0.0);
  // Whole chunks of 8 vec4 without guards, then the remainder with guards.
  let qfull = row4 & ~7u;
  for (var q0 = 0u; q0 < qfull; q0 += 8u) {
    let ql = min(q0 + lane, row4 - 1u);
    let u0 = acts[d0r + ql]; let u1 = acts[d1r + ql]; let u2 = acts[d2r + ql]; let u3 = acts[d3r + ql];
    let u4 = acts[d4r + ql]; let u5 = acts[d5r + ql]; let u6 = acts[d6r + ql]; let u7 = acts[d7r + ql];
    let u8 = acts[d8r + ql]; let u9 = acts[d9r + ql]; let u10 = acts[d10r + ql]; let u11 = acts[d11r + ql];
    let u12 = acts[d12r + ql]; let u13 = acts[d13r + ql]; let u14 = acts[d14r + ql]; let u15 = acts[d15r + ql];
    let u16 = acts[d16r + ql]; let u17 = acts[d17r + ql]; let u18 = acts[d18r + ql]; let u19 = acts[d19r + ql];
    let u20 = acts[d20r + ql]; let u21 = acts[d21r + ql]; let u22 = acts[d22r + ql]; let u23 = acts[d23r + ql];
    let u24 = acts[d24r + ql]; let u25 = acts[d25r + ql]; let u26 = acts[d26r + ql]; let u27 = acts[d27r + ql];
    let u28 = acts[d28r + ql]; let u29 = acts[d29r + ql]; let u30 = acts[d30r + ql]; let u31 = acts[d31r + ql];
    {
      let x0 = acts[x0r + q0 + 0u]; let x1 = acts[x1r + q0 + 0u];
      var d = subgroupBroadcast(u0, 0u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 0u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 0u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 0u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 0u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 0u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 0u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 0u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 0u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 0u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 0u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 0u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 0u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 0u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 0u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 0u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 0u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 0u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 0u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 0u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 0u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 0u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 0u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 0u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 0u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 0u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 0u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 0u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 0u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 0u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 0u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 0u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[x0r + q0 + 1u]; let x1 = acts[x1r + q0 + 1u];
      var d = subgroupBroadcast(u0, 1u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 1u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 1u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 1u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 1u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 1u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 1u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 1u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 1u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 1u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 1u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 1u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 1u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 1u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 1u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 1u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 1u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 1u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 1u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 1u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 1u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 1u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 1u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 1u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 1u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 1u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 1u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 1u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 1u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 1u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 1u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 1u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[x0r + q0 + 2u]; let x1 = acts[x1r + q0 + 2u];
      var d = subgroupBroadcast(u0, 2u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 2u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 2u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 2u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 2u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 2u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 2u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 2u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 2u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 2u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 2u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 2u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 2u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 2u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 2u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 2u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 2u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 2u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 2u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 2u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 2u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 2u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 2u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 2u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 2u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 2u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 2u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 2u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 2u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 2u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 2u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 2u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[x0r + q0 + 3u]; let x1 = acts[x1r + q0 + 3u];
      var d = subgroupBroadcast(u0, 3u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 3u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 3u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 3u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 3u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 3u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 3u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 3u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 3u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 3u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 3u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 3u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 3u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 3u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 3u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 3u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 3u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 3u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 3u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 3u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 3u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 3u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 3u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 3u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 3u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 3u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 3u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 3u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 3u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 3u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 3u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 3u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[x0r + q0 + 4u]; let x1 = acts[x1r + q0 + 4u];
      var d = subgroupBroadcast(u0, 4u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 4u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 4u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 4u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 4u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 4u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 4u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 4u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 4u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 4u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 4u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 4u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 4u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 4u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 4u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 4u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 4u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 4u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 4u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 4u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 4u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 4u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 4u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 4u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 4u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 4u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 4u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 4u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 4u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 4u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 4u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 4u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[x0r + q0 + 5u]; let x1 = acts[x1r + q0 + 5u];
      var d = subgroupBroadcast(u0, 5u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 5u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 5u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 5u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 5u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 5u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 5u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 5u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 5u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 5u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 5u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 5u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 5u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 5u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 5u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 5u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 5u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 5u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 5u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 5u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 5u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 5u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 5u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 5u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 5u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 5u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 5u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 5u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 5u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 5u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 5u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 5u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[x0r + q0 + 6u]; let x1 = acts[x1r + q0 + 6u];
      var d = subgroupBroadcast(u0, 6u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 6u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 6u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 6u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 6u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 6u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 6u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 6u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 6u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 6u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 6u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 6u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 6u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 6u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 6u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 6u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 6u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 6u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 6u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 6u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 6u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 6u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 6u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 6u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 6u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 6u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 6u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 6u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 6u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 6u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 6u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 6u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    {
      let x0 = acts[x0r + q0 + 7u]; let x1 = acts[x1r + q0 + 7u];
      var d = subgroupBroadcast(u0, 7u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 7u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 7u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 7u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 7u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 7u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 7u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 7u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 7u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 7u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 7u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 7u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 7u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 7u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 7u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 7u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 7u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 7u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 7u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 7u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 7u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 7u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 7u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 7u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 7u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 7u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 7u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 7u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 7u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 7u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 7u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 7u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
  }
  if (qfull < row4) {
    let q0 = qfull;
    let ql = min(q0 + lane, row4 - 1u);
    let u0 = acts[d0r + ql]; let u1 = acts[d1r + ql]; let u2 = acts[d2r + ql]; let u3 = acts[d3r + ql];
    let u4 = acts[d4r + ql]; let u5 = acts[d5r + ql]; let u6 = acts[d6r + ql]; let u7 = acts[d7r + ql];
    let u8 = acts[d8r + ql]; let u9 = acts[d9r + ql]; let u10 = acts[d10r + ql]; let u11 = acts[d11r + ql];
    let u12 = acts[d12r + ql]; let u13 = acts[d13r + ql]; let u14 = acts[d14r + ql]; let u15 = acts[d15r + ql];
    let u16 = acts[d16r + ql]; let u17 = acts[d17r + ql]; let u18 = acts[d18r + ql]; let u19 = acts[d19r + ql];
    let u20 = acts[d20r + ql]; let u21 = acts[d21r + ql]; let u22 = acts[d22r + ql]; let u23 = acts[d23r + ql];
    let u24 = acts[d24r + ql]; let u25 = acts[d25r + ql]; let u26 = acts[d26r + ql]; let u27 = acts[d27r + ql];
    let u28 = acts[d28r + ql]; let u29 = acts[d29r + ql]; let u30 = acts[d30r + ql]; let u31 = acts[d31r + ql];
    if (q0 + 0u < row4) {
      let x0 = acts[x0r + q0 + 0u]; let x1 = acts[x1r + q0 + 0u];
      var d = subgroupBroadcast(u0, 0u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 0u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 0u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 0u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 0u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 0u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 0u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 0u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 0u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 0u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 0u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 0u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 0u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 0u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 0u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 0u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 0u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 0u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 0u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 0u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 0u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 0u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 0u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 0u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 0u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 0u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 0u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 0u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 0u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 0u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 0u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 0u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 1u < row4) {
      let x0 = acts[x0r + q0 + 1u]; let x1 = acts[x1r + q0 + 1u];
      var d = subgroupBroadcast(u0, 1u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 1u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 1u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 1u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 1u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 1u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 1u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 1u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 1u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 1u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 1u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 1u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 1u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 1u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 1u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 1u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 1u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 1u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 1u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 1u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 1u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 1u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 1u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 1u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 1u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 1u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 1u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 1u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 1u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 1u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 1u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 1u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 2u < row4) {
      let x0 = acts[x0r + q0 + 2u]; let x1 = acts[x1r + q0 + 2u];
      var d = subgroupBroadcast(u0, 2u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 2u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 2u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 2u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 2u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 2u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 2u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 2u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 2u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 2u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 2u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 2u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 2u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 2u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 2u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 2u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 2u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 2u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 2u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 2u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 2u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 2u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 2u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 2u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 2u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 2u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 2u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 2u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 2u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 2u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 2u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 2u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 3u < row4) {
      let x0 = acts[x0r + q0 + 3u]; let x1 = acts[x1r + q0 + 3u];
      var d = subgroupBroadcast(u0, 3u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 3u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 3u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 3u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 3u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 3u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 3u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 3u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 3u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 3u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 3u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 3u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 3u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 3u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 3u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 3u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 3u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 3u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 3u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 3u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 3u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 3u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 3u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 3u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 3u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 3u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 3u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 3u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 3u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 3u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 3u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 3u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 4u < row4) {
      let x0 = acts[x0r + q0 + 4u]; let x1 = acts[x1r + q0 + 4u];
      var d = subgroupBroadcast(u0, 4u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 4u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 4u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 4u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 4u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 4u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 4u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 4u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 4u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 4u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 4u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 4u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 4u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 4u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 4u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 4u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 4u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 4u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 4u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 4u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 4u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 4u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 4u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 4u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 4u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 4u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 4u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 4u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 4u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 4u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 4u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 4u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 5u < row4) {
      let x0 = acts[x0r + q0 + 5u]; let x1 = acts[x1r + q0 + 5u];
      var d = subgroupBroadcast(u0, 5u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 5u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 5u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 5u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 5u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 5u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 5u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 5u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 5u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 5u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 5u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 5u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 5u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 5u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 5u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 5u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 5u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 5u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 5u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 5u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 5u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 5u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 5u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 5u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 5u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 5u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 5u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 5u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 5u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 5u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 5u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 5u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 6u < row4) {
      let x0 = acts[x0r + q0 + 6u]; let x1 = acts[x1r + q0 + 6u];
      var d = subgroupBroadcast(u0, 6u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 6u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 6u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 6u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 6u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 6u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 6u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 6u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 6u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 6u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 6u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 6u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 6u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 6u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 6u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 6u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 6u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 6u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 6u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 6u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 6u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 6u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 6u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 6u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 6u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 6u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 6u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 6u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 6u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 6u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 6u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 6u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
    if (q0 + 7u < row4) {
      let x0 = acts[x0r + q0 + 7u]; let x1 = acts[x1r + q0 + 7u];
      var d = subgroupBroadcast(u0, 7u); a0 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u1, 7u); a1 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u2, 7u); a2 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u3, 7u); a3 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u4, 7u); a4 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u5, 7u); a5 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u6, 7u); a6 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u7, 7u); a7 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u8, 7u); a8 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u9, 7u); a9 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u10, 7u); a10 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u11, 7u); a11 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u12, 7u); a12 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u13, 7u); a13 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u14, 7u); a14 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u15, 7u); a15 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u16, 7u); a16 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u17, 7u); a17 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u18, 7u); a18 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u19, 7u); a19 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u20, 7u); a20 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u21, 7u); a21 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u22, 7u); a22 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u23, 7u); a23 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u24, 7u); a24 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u25, 7u); a25 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u26, 7u); a26 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u27, 7u); a27 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u28, 7u); a28 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u29, 7u); a29 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u30, 7u); a30 += vec2<f32>(dot(d, x0), dot(d, x1));
      d = subgroupBroadcast(u31, 7u); a31 += vec2<f32>(dot(d, x0), dot(d, x1));
    }
  }
  let sc = param(seg.scale_idx);
  for (var r = 0u; r < 32u; r++) {
    if (j0 + r >= seg.out_dim) { break; }
    var v = a0;
    switch r {
      case 1u: { v = a1; }
      case 2u: { v = a2; }
      case 3u: { v = a3; }
      case 4u: { v = a4; }
      case 5u: { v = a5; }
      case 6u: { v = a6; }
      case 7u: { v = a7; }
      case 8u: { v = a8; }
      case 9u: { v = a9; }
      case 10u: { v = a10; }
      case 11u: { v = a11; }
      case 12u: { v = a12; }
      case 13u: { v = a13; }
      case 14u: { v = a14; }
      case 15u: { v = a15; }
      case 16u: { v = a16; }
      case 17u: { v = a17; }
      case 18u: { v = a18; }
      case 19u: { v = a19; }
      case 20u: { v = a20; }
      case 21u: { v = a21; }
      case 22u: { v = a22; }
      case 23u: { v = a23; }
      case 24u: { v = a24; }
      case 25u: { v = a25; }
      case 26u: { v = a26; }
      case 27u: { v = a27; }
      case 28u: { v = a28; }
      case 29u: { v = a29; }
      case 30u: { v = a30; }
      case 31u: { v = a31; }
      default: {}
    }
    let row = seg.g_off + (j0 + r) * seg.in_dim;
    if (i0 + 0u < seg.in_dim) { grads[row + i0 + 0u] = sc * v[0]; }
    if (i0 + 1u < seg.in_dim) { grads[row + i0 + 1u] = sc * v[1]; }
  }
}
#endif
