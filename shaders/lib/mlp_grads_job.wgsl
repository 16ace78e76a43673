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

#if SG_WIDE
// The 16- and 32-row subgroup shapes (shaders/mlp_grads.wgsl with SG_WIDE; SG_ROWS = 16 or 32): as
// grads_dw_sg, but one workgroup computes rows j0..j0+SG_ROWS-1 of dW, so each X vec4 a lane gathers
// serves 16 (32) rows instead of 8. Per dot product of 4 samples, gathered vec4 loads: 1/8 (X) +
// 1/16 (dU) in grads_dw_sg, 1/16 + 1/16 with 16 rows, 1/32 + 1/16 with 32. On lavapipe (8 lanes per
// SIMD group, 16 AVX2 registers) the gathers cost more than the spills of the 32 (64) scalar
// accumulators; 4 columns per invocation (16 × 4, 8 × 4) measured slower. Same summation order as
// grads_job's 8×8 tile and grads_dw_sg (one dot of 4 samples at a time, q ascending). Needs what
// grads_dw_sg needs.
//
// The batch is taken 8 vec4 at a time: lane k loads every row's dU vec4 at column q0 + k, and the
// loop over k hands it to all lanes by subgroupShuffle (subgroupBroadcast would need a constant
// lane). The loops over rows have a constant trip count and a small body, so that drivers unroll
// them and keep the arrays in registers (Mesa unrolls a loop of at most 32 trips whose body is
// small enough; an array indexed by a rolled loop's counter lives in memory). On lavapipe this
// form ran as fast as the 8 lanes written out for subgroupBroadcast or faster (0–20% in interleaved
// runs), and compiles in about half the time (docs/training.md, "Layer kernel shapes").
// The largest SG_ROWS (a function-scope array needs a constant size).
const WIDE_MAX_ROWS = 32u;

fn grads_dw_wide(seg: Segment, j0: u32, i0: u32, lane: u32, row4: u32) {
  let last = seg.out_dim - 1u;
  let xa = seg.x_off / 4u + min(i0, seg.in_dim - 1u) * row4;
  let xb = seg.x_off / 4u + min(i0 + 1u, seg.in_dim - 1u) * row4;
  var acc: array<vec2<f32>, WIDE_MAX_ROWS>;
  var u: array<vec4<f32>, WIDE_MAX_ROWS>;
  for (var q0 = 0u; q0 < row4; q0 += 8u) {
    let ql = min(q0 + lane, row4 - 1u);
    for (var r = 0u; r < SG_ROWS; r++) { u[r] = acts[seg.du_off / 4u + min(j0 + r, last) * row4 + ql]; }
    let n = min(row4 - q0, 8u);
    for (var k = 0u; k < n; k++) {
      let x0 = acts[xa + q0 + k];
      let x1 = acts[xb + q0 + k];
      for (var r = 0u; r < SG_ROWS; r++) {
        let d = subgroupShuffle(u[r], k);
        acc[r] += vec2<f32>(dot(d, x0), dot(d, x1));
      }
    }
  }
  let sc = param(seg.scale_idx);
  for (var r = 0u; r < SG_ROWS; r++) {
    if (j0 + r >= seg.out_dim) { break; }
    let row = seg.g_off + (j0 + r) * seg.in_dim;
    if (i0 < seg.in_dim) { grads[row + i0] = sc * acc[r].x; }
    if (i0 + 1u < seg.in_dim) { grads[row + i0 + 1u] = sc * acc[r].y; }
  }
}
#endif
