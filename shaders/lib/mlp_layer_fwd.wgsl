// One 8-row × 8-sample tile of an MLP layer's forward pass on a feature-major batch, shared by
// shaders/mlp_forward.wgsl (one layer per dispatch) and shaders/dsm_step_fused.wgsl (the whole
// training step in one dispatch). The maths, the register blocking and the W4 / scalar-W paths are
// described in shaders/mlp_forward.wgsl. The including shader declares `acts: array<vec4<f32>>`
// (the workspace), `params4: array<vec4<f32>>` (the flat parameters), `fn param(i: u32) -> f32`,
// `fn step_of(b: u32) -> u32` (a sample's step index), `override ACT`, and the MlpLayerParams struct.
#include "activations"

fn layer_fwd_store(lp: MlpLayerParams, j: u32, b4: u32, acc: vec4<f32>, s: f32, hidden: bool, emb: bool) {
  let row4 = lp.bs / 4u;
  let u = s * acc + vec4<f32>(param(lp.b_off + j));
  let o = j * row4 + b4;
  acts[lp.u_off / 4u + o] = u;
  if (hidden) {
    var v = u;
    if (emb) {
      let b = 4u * b4;
      v = u * vec4<f32>(param(lp.e_off + step_of(b) * lp.out_dim + j), param(lp.e_off + step_of(b + 1u) * lp.out_dim + j),
                        param(lp.e_off + step_of(b + 2u) * lp.out_dim + j), param(lp.e_off + step_of(b + 3u) * lp.out_dim + j));
    }
    acts[lp.h_off / 4u + o] = vec4<f32>(act_fwd(ACT, v.x, lp.slope), act_fwd(ACT, v.y, lp.slope),
                                        act_fwd(ACT, v.z, lp.slope), act_fwd(ACT, v.w, lp.slope));
  }
}

fn layer_fwd_finish(lp: MlpLayerParams, j: u32, b4: u32, acc0: vec4<f32>, acc1: vec4<f32>, s: f32, hidden: bool, emb: bool) {
  if (j >= lp.out_dim) { return; }
  for (var q = 0u; q < 2u; q++) {
    layer_fwd_store(lp, j, b4 + q, select(acc1, acc0, q == 0u), s, hidden, emb);
  }
}

// Outputs j0..j0+7 of samples 4·b4 .. 4·b4+7 (b4 counts vec4s along a row).
fn layer_fwd_tile(lp: MlpLayerParams, j0: u32, b4: u32, hidden: bool, emb: bool, w4: bool) {
  let row4 = lp.bs / 4u;
  let last = lp.out_dim - 1u;

  let r0 = lp.w_off + min(j0 + 0u, last) * lp.in_dim;
  let r1 = lp.w_off + min(j0 + 1u, last) * lp.in_dim;
  let r2 = lp.w_off + min(j0 + 2u, last) * lp.in_dim;
  let r3 = lp.w_off + min(j0 + 3u, last) * lp.in_dim;
  let r4 = lp.w_off + min(j0 + 4u, last) * lp.in_dim;
  let r5 = lp.w_off + min(j0 + 5u, last) * lp.in_dim;
  let r6 = lp.w_off + min(j0 + 6u, last) * lp.in_dim;
  let r7 = lp.w_off + min(j0 + 7u, last) * lp.in_dim;
  var c00 = vec4<f32>(0.0); var c01 = vec4<f32>(0.0);
  var c10 = vec4<f32>(0.0); var c11 = vec4<f32>(0.0);
  var c20 = vec4<f32>(0.0); var c21 = vec4<f32>(0.0);
  var c30 = vec4<f32>(0.0); var c31 = vec4<f32>(0.0);
  var c40 = vec4<f32>(0.0); var c41 = vec4<f32>(0.0);
  var c50 = vec4<f32>(0.0); var c51 = vec4<f32>(0.0);
  var c60 = vec4<f32>(0.0); var c61 = vec4<f32>(0.0);
  var c70 = vec4<f32>(0.0); var c71 = vec4<f32>(0.0);
  let xb = lp.x_off / 4u + b4;
  if (w4) {
    for (var kk = 0u; kk < lp.in_dim / 4u; kk++) {
      let xk = xb + 4u * kk * row4;
      let x00 = acts[xk + 0u * row4]; let x01 = acts[xk + 0u * row4 + 1u];
      let x10 = acts[xk + 1u * row4]; let x11 = acts[xk + 1u * row4 + 1u];
      let x20 = acts[xk + 2u * row4]; let x21 = acts[xk + 2u * row4 + 1u];
      let x30 = acts[xk + 3u * row4]; let x31 = acts[xk + 3u * row4 + 1u];
      var v0 = params4[r0 / 4u + kk];
      c00 += v0.x * x00 + v0.y * x10 + v0.z * x20 + v0.w * x30;
      c01 += v0.x * x01 + v0.y * x11 + v0.z * x21 + v0.w * x31;
      var v1 = params4[r1 / 4u + kk];
      c10 += v1.x * x00 + v1.y * x10 + v1.z * x20 + v1.w * x30;
      c11 += v1.x * x01 + v1.y * x11 + v1.z * x21 + v1.w * x31;
      var v2 = params4[r2 / 4u + kk];
      c20 += v2.x * x00 + v2.y * x10 + v2.z * x20 + v2.w * x30;
      c21 += v2.x * x01 + v2.y * x11 + v2.z * x21 + v2.w * x31;
      var v3 = params4[r3 / 4u + kk];
      c30 += v3.x * x00 + v3.y * x10 + v3.z * x20 + v3.w * x30;
      c31 += v3.x * x01 + v3.y * x11 + v3.z * x21 + v3.w * x31;
      var v4 = params4[r4 / 4u + kk];
      c40 += v4.x * x00 + v4.y * x10 + v4.z * x20 + v4.w * x30;
      c41 += v4.x * x01 + v4.y * x11 + v4.z * x21 + v4.w * x31;
      var v5 = params4[r5 / 4u + kk];
      c50 += v5.x * x00 + v5.y * x10 + v5.z * x20 + v5.w * x30;
      c51 += v5.x * x01 + v5.y * x11 + v5.z * x21 + v5.w * x31;
      var v6 = params4[r6 / 4u + kk];
      c60 += v6.x * x00 + v6.y * x10 + v6.z * x20 + v6.w * x30;
      c61 += v6.x * x01 + v6.y * x11 + v6.z * x21 + v6.w * x31;
      var v7 = params4[r7 / 4u + kk];
      c70 += v7.x * x00 + v7.y * x10 + v7.z * x20 + v7.w * x30;
      c71 += v7.x * x01 + v7.y * x11 + v7.z * x21 + v7.w * x31;
    }
  } else {
    for (var i = 0u; i < lp.in_dim; i++) {
      let x0 = acts[xb + i * row4]; let x1 = acts[xb + i * row4 + 1u];
      let w0 = param(r0 + i); c00 += w0 * x0; c01 += w0 * x1;
      let w1 = param(r1 + i); c10 += w1 * x0; c11 += w1 * x1;
      let w2 = param(r2 + i); c20 += w2 * x0; c21 += w2 * x1;
      let w3 = param(r3 + i); c30 += w3 * x0; c31 += w3 * x1;
      let w4 = param(r4 + i); c40 += w4 * x0; c41 += w4 * x1;
      let w5 = param(r5 + i); c50 += w5 * x0; c51 += w5 * x1;
      let w6 = param(r6 + i); c60 += w6 * x0; c61 += w6 * x1;
      let w7 = param(r7 + i); c70 += w7 * x0; c71 += w7 * x1;
    }
  }
  let s = param(lp.scale_idx);
  // One copy of the epilogue (act, embedding) for all rows keeps the compiled shader small.
  for (var r = 0u; r < 8u; r++) {
    var a0 = c00;
    var a1 = c01;
    switch r {
      case 1u: { a0 = c10; a1 = c11; }
      case 2u: { a0 = c20; a1 = c21; }
      case 3u: { a0 = c30; a1 = c31; }
      case 4u: { a0 = c40; a1 = c41; }
      case 5u: { a0 = c50; a1 = c51; }
      case 6u: { a0 = c60; a1 = c61; }
      case 7u: { a0 = c70; a1 = c71; }
      default: {}
    }
    layer_fwd_finish(lp, j0 + r, b4, a0, a1, s, hidden, emb);
  }
}

#if SG
// The subgroup variant (shaders/mlp_forward.wgsl with SG): outputs j0..j0+7 of the 4 samples of
// vec4 b4, where j0 is the same for the whole subgroup (the workgroup's row block). Each lane loads
// one vec4 of weights per row (W4: inputs k0 + 4q .. k0 + 4q + 3 on lane q, a chunk of 32 inputs)
// or one weight per row (otherwise: input k0 + q, a chunk of 8), and subgroupShuffle hands lane i's
// to every lane; on CPU drivers, where each storage load of a lane-varying address is a gather, this
// gathers the weights 32x (8x) less often than layer_fwd_tile. Needs a subgroup of at least 8
// invocations, all active (no early return), and uniform control flow. Sums in the same order as
// layer_fwd_tile (groups of 4 inputs when W4, one input at a time otherwise), so both give the same
// result up to the driver's contraction of a·b + c.
fn layer_fwd_tile_sg(lp: MlpLayerParams, j0: u32, b4: u32, lane: u32, hidden: bool, emb: bool, w4: bool) {
  let row4 = lp.bs / 4u;
  let xb = lp.x_off / 4u + min(b4, row4 - 1u);   // lanes past the batch compute a valid column, not stored
  var c: array<vec4<f32>, 8>;
  // Whole chunks without guards (a guard inside the chunk costs masked updates of every accumulator
  // on CPU drivers), then the remainder with guards (W4: in_dim is a multiple of 4).
  if (w4) {
    let kfull = lp.in_dim & ~31u;
    for (var k0 = 0u; k0 < kfull; k0 += 32u) { layer_fwd_chunk4_sg(&c, lp, j0, xb, k0, 32u, lane); }
    if (kfull < lp.in_dim) { layer_fwd_chunk4_sg(&c, lp, j0, xb, kfull, lp.in_dim - kfull, lane); }
  } else {
    let kfull = lp.in_dim & ~7u;
    for (var k0 = 0u; k0 < kfull; k0 += 8u) { layer_fwd_chunk1_sg(&c, lp, j0, xb, k0, 8u, lane); }
    if (kfull < lp.in_dim) { layer_fwd_chunk1_sg(&c, lp, j0, xb, kfull, lp.in_dim - kfull, lane); }
  }
  let s = param(lp.scale_idx);
  for (var r = 0u; r < 8u; r++) {
    // A switch of constant indices, not c[r]: the loop (one copy of the epilogue) is not unrolled,
    // and an array indexed by its counter would live in memory.
    var a = c[0];
    switch r {
      case 1u: { a = c[1]; }
      case 2u: { a = c[2]; }
      case 3u: { a = c[3]; }
      case 4u: { a = c[4]; }
      case 5u: { a = c[5]; }
      case 6u: { a = c[6]; }
      case 7u: { a = c[7]; }
      default: {}
    }
    if (j0 + r < lp.out_dim && b4 < row4) { layer_fwd_store(lp, j0 + r, b4, a, s, hidden, emb); }
  }
}

// W4: adds inputs k0..k0+n-1 (n <= 32, a multiple of 4) to the 8 rows' sums c. Lane q loads row r's
// weights of inputs k0 + 4q .. k0 + 4q + 3 (one vec4; W rows are 16-byte aligned when W4), and
// subgroupShuffle(w[r], i) hands group i's to every lane. Every loop has a constant trip count and
// a small body, so drivers unroll them (constant lanes) and keep w and c in registers (as grads_dw
// in shaders/lib/mlp_grads_job.wgsl); the guard folds away where n is the literal 32. On lavapipe
// 1.7–1.9x faster than chunks of 8 inputs with one weight per lane, same bits (docs/training.md,
// "Layer kernel shapes").
fn layer_fwd_chunk4_sg(c: ptr<function, array<vec4<f32>, 8>>, lp: MlpLayerParams, j0: u32, xb: u32, k0: u32, n: u32, lane: u32) {
  let row4 = lp.bs / 4u;
  let in4 = lp.in_dim / 4u;
  let kl = min(k0 / 4u + lane, in4 - 1u);    // lanes past the inputs read valid weights, never used
  var w: array<vec4<f32>, 8>;
  for (var r = 0u; r < 8u; r++) { w[r] = params4[lp.w_off / 4u + min(j0 + r, lp.out_dim - 1u) * in4 + kl]; }
  for (var i = 0u; i < 8u; i++) {
    if (4u * i >= n) { break; }
    let k = k0 + 4u * i;
    let x0 = acts[xb + k * row4]; let x1 = acts[xb + (k + 1u) * row4];
    let x2 = acts[xb + (k + 2u) * row4]; let x3 = acts[xb + (k + 3u) * row4];
    for (var r = 0u; r < 8u; r++) {
      let v = subgroupShuffle(w[r], i);
      (*c)[r] += v.x * x0 + v.y * x1 + v.z * x2 + v.w * x3;
    }
  }
}

// Scalar W: adds inputs k0..k0+n-1 (n <= 8) to the 8 rows' sums c, one at a time. Lane q loads row
// r's weight of input k0 + q, subgroupShuffle(w[r], i) hands input i's to every lane (loops as in
// layer_fwd_chunk4_sg).
fn layer_fwd_chunk1_sg(c: ptr<function, array<vec4<f32>, 8>>, lp: MlpLayerParams, j0: u32, xb: u32, k0: u32, n: u32, lane: u32) {
  let row4 = lp.bs / 4u;
  let k = min(k0 + lane, lp.in_dim - 1u);    // lanes past the inputs read a valid weight, never used
  var w: array<f32, 8>;
  for (var r = 0u; r < 8u; r++) { w[r] = param(lp.w_off + min(j0 + r, lp.out_dim - 1u) * lp.in_dim + k); }
  for (var i = 0u; i < 8u; i++) {
    if (i >= n) { break; }
    let x = acts[xb + (k0 + i) * row4];
    for (var r = 0u; r < 8u; r++) { (*c)[r] += subgroupShuffle(w[r], i) * x; }
  }
}
#endif

#if WGMEM
// The workgroup-memory shape for GPUs (shaders/mlp_forward.wgsl with WGMEM; 16×8 invocations): the
// workgroup computes 32 outputs × 64 samples; each step of 16 inputs stages W[32 × 16] and
// X[16 × 64] in workgroup memory (zero past the inputs), and each invocation computes 4 outputs × 4
// samples from there. Sums in the same order as layer_fwd_tile (groups of 4 inputs when W4, one at a
// time otherwise; the zero padding adds exact zeros).
var<workgroup> fw_w: array<f32, 512>;          // [32 rows][16 k]
var<workgroup> fw_x: array<vec4<f32>, 256>;    // [16 k][16 vec4 of samples]

fn layer_fwd_tile_wg(lp: MlpLayerParams, wg_rows: u32, wg_b4: u32, tx: u32, ty: u32, hidden: bool, emb: bool, w4: bool) {
  let row4 = lp.bs / 4u;
  let li = ty * 16u + tx;
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < lp.in_dim; k0 += 16u) {
    for (var e = li; e < 512u; e += 128u) {
      let r = e / 16u;
      let k = k0 + e % 16u;
      let j = min(wg_rows + r, lp.out_dim - 1u);
      fw_w[e] = select(0.0, param(lp.w_off + j * lp.in_dim + min(k, lp.in_dim - 1u)), k < lp.in_dim);
    }
    for (var e = li; e < 256u; e += 128u) {
      let k = k0 + e / 16u;
      let q = min(wg_b4 + e % 16u, row4 - 1u);
      fw_x[e] = select(vec4<f32>(0.0), acts[lp.x_off / 4u + min(k, lp.in_dim - 1u) * row4 + q], k < lp.in_dim);
    }
    workgroupBarrier();
    let wr = ty * 4u * 16u;
    if (w4) {
      for (var g = 0u; g < 16u; g += 4u) {
        let x0 = fw_x[(g + 0u) * 16u + tx]; let x1 = fw_x[(g + 1u) * 16u + tx];
        let x2 = fw_x[(g + 2u) * 16u + tx]; let x3 = fw_x[(g + 3u) * 16u + tx];
        c0 += fw_w[wr + g] * x0 + fw_w[wr + g + 1u] * x1 + fw_w[wr + g + 2u] * x2 + fw_w[wr + g + 3u] * x3;
        c1 += fw_w[wr + 16u + g] * x0 + fw_w[wr + 16u + g + 1u] * x1 + fw_w[wr + 16u + g + 2u] * x2 + fw_w[wr + 16u + g + 3u] * x3;
        c2 += fw_w[wr + 32u + g] * x0 + fw_w[wr + 32u + g + 1u] * x1 + fw_w[wr + 32u + g + 2u] * x2 + fw_w[wr + 32u + g + 3u] * x3;
        c3 += fw_w[wr + 48u + g] * x0 + fw_w[wr + 48u + g + 1u] * x1 + fw_w[wr + 48u + g + 2u] * x2 + fw_w[wr + 48u + g + 3u] * x3;
      }
    } else {
      for (var k = 0u; k < 16u; k++) {
        let x = fw_x[k * 16u + tx];
        c0 += fw_w[wr + k] * x; c1 += fw_w[wr + 16u + k] * x; c2 += fw_w[wr + 32u + k] * x; c3 += fw_w[wr + 48u + k] * x;
      }
    }
    workgroupBarrier();
  }
  let s = param(lp.scale_idx);
  let b4 = wg_b4 + tx;
  let j0 = wg_rows + ty * 4u;
  if (b4 >= row4) { return; }
  if (j0 < lp.out_dim) { layer_fwd_store(lp, j0, b4, c0, s, hidden, emb); }
  if (j0 + 1u < lp.out_dim) { layer_fwd_store(lp, j0 + 1u, b4, c1, s, hidden, emb); }
  if (j0 + 2u < lp.out_dim) { layer_fwd_store(lp, j0 + 2u, b4, c2, s, hidden, emb); }
  if (j0 + 3u < lp.out_dim) { layer_fwd_store(lp, j0 + 3u, b4, c3, s, hidden, emb); }
}
#endif
