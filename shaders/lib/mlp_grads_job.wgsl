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
// The subgroup shapes of a dW tile (shaders/mlp_grads.wgsl with SG; SG_ROWS = 8, 16 or 32 rows):
// one workgroup computes rows j0..j0+rows-1 of dW (the same for the whole workgroup) × 2 columns
// per invocation, summed over the batch's vec4 columns [0, row4). Per dot product of 4 samples,
// gathered vec4 loads: 1/8 (X) + 1/16 (dU) with 8 rows, 1/16 + 1/16 with 16, 1/32 + 1/16 with 32.
// On lavapipe (8 lanes per SIMD group, 16 AVX2 registers) the gathers cost more than the spills of
// the 32 (64) scalar accumulators; 4 columns per invocation (16 × 4, 8 × 4) measured slower. Same
// summation order as grads_job's 8×8 tile (one dot of 4 samples at a time, q ascending). Needs a
// subgroup of at least 8 invocations, all active, and uniform control flow.
//
// The batch is taken 8 vec4 at a time: lane k loads every row's dU vec4 at column q0 + k, and the
// loop over k hands it to all lanes by subgroupShuffle (subgroupBroadcast would need a constant
// lane). `rows` is a constant at every call (SG_ROWS, or 8 for the last rows of a wide shape), so
// the loops over rows have a constant trip count and a small body: drivers unroll them and keep the
// arrays in registers (Mesa unrolls a loop of at most 32 trips whose body is small enough; an array
// indexed by a rolled loop's counter lives in memory). On lavapipe this form ran as fast as the 8
// lanes written out for subgroupBroadcast or faster (0–20% in interleaved runs), and compiles in
// about half the time (docs/training.md, "Layer kernel shapes").
// The largest SG_ROWS (a function-scope array needs a constant size).
const WIDE_MAX_ROWS = 32u;

fn grads_dw(seg: Segment, j0: u32, i0: u32, lane: u32, row4: u32, rows: u32) {
  let last = seg.out_dim - 1u;
  let xa = seg.x_off / 4u + min(i0, seg.in_dim - 1u) * row4;
  let xb = seg.x_off / 4u + min(i0 + 1u, seg.in_dim - 1u) * row4;
  var acc: array<vec2<f32>, WIDE_MAX_ROWS>;
  var u: array<vec4<f32>, WIDE_MAX_ROWS>;
  for (var q0 = 0u; q0 < row4; q0 += 8u) {
    let ql = min(q0 + lane, row4 - 1u);
    for (var r = 0u; r < rows; r++) { u[r] = acts[seg.du_off / 4u + min(j0 + r, last) * row4 + ql]; }
    let n = min(row4 - q0, 8u);
    for (var k = 0u; k < n; k++) {
      let x0 = acts[xa + q0 + k];
      let x1 = acts[xb + q0 + k];
      for (var r = 0u; r < rows; r++) {
        let d = subgroupShuffle(u[r], k);
        acc[r] += vec2<f32>(dot(d, x0), dot(d, x1));
      }
    }
  }
  let sc = param(seg.scale_idx);
  for (var r = 0u; r < rows; r++) {
    if (j0 + r >= seg.out_dim) { break; }
    let row = seg.g_off + (j0 + r) * seg.in_dim;
    if (i0 < seg.in_dim) { grads[row + i0] = sc * acc[r].x; }
    if (i0 + 1u < seg.in_dim) { grads[row + i0 + 1u] = sc * acc[r].y; }
  }
}
#endif
