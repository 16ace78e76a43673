// One 8-feature × 8-sample tile of the backward pass through a hidden layer (feature-major batch),
// shared by shaders/mlp_backward.wgsl and shaders/dsm_step_fused.wgsl; the maths and the register
// blocking are described in shaders/mlp_backward.wgsl. The including shader declares what
// shaders/lib/mlp_layer_fwd.wgsl lists (acts, params4, param(), step_of(), ACT, MlpLayerParams).
#include "activations"

fn layer_bwd_store(lp: MlpLayerParams, i: u32, b4: u32, acc: vec4<f32>, s: f32, emb: bool) {
  let width = lp.out_dim;
  let row4 = lp.bs / 4u;
  let o = i * row4 + b4;
  let dh = s * acc;
  let u = acts[lp.u_off / 4u + o];
  var e = vec4<f32>(1.0);
  if (emb) {
    let b = 4u * b4;
    e = vec4<f32>(param(lp.e_off + step_of(b) * width + i), param(lp.e_off + step_of(b + 1u) * width + i),
                  param(lp.e_off + step_of(b + 2u) * width + i), param(lp.e_off + step_of(b + 3u) * width + i));
  }
  let v = u * e;
  let dv = dh * vec4<f32>(act_grad(ACT, v.x, lp.slope), act_grad(ACT, v.y, lp.slope),
                          act_grad(ACT, v.z, lp.slope), act_grad(ACT, v.w, lp.slope));
  acts[lp.du_off / 4u + o] = dv * e;
  if (emb) { acts[lp.dv_off / 4u + o] = dv; }
}

fn layer_bwd_finish(lp: MlpLayerParams, i: u32, b4: u32, acc0: vec4<f32>, acc1: vec4<f32>, s: f32, emb: bool) {
  if (i >= lp.out_dim) { return; }
  for (var q = 0u; q < 2u; q++) {
    layer_bwd_store(lp, i, b4 + q, select(acc1, acc0, q == 0u), s, emb);
  }
}

// Features i0..i0+7 of samples 4·b4 .. 4·b4+7 of the layer whose dU is written.
fn layer_bwd_tile(lp: MlpLayerParams, i0: u32, b4: u32, emb: bool, w4: bool) {
  let row4 = lp.bs / 4u;
  let width = lp.out_dim;
  var c00 = vec4<f32>(0.0); var c01 = vec4<f32>(0.0);
  var c10 = vec4<f32>(0.0); var c11 = vec4<f32>(0.0);
  var c20 = vec4<f32>(0.0); var c21 = vec4<f32>(0.0);
  var c30 = vec4<f32>(0.0); var c31 = vec4<f32>(0.0);
  var c40 = vec4<f32>(0.0); var c41 = vec4<f32>(0.0);
  var c50 = vec4<f32>(0.0); var c51 = vec4<f32>(0.0);
  var c60 = vec4<f32>(0.0); var c61 = vec4<f32>(0.0);
  var c70 = vec4<f32>(0.0); var c71 = vec4<f32>(0.0);
  let db = lp.dnext_off / 4u + b4;
  if (w4) {
    let w4 = width / 4u;
    let ia = i0 / 4u;
    let ib = min(ia + 1u, w4 - 1u);          // clamped: columns past the width are never stored
    for (var j = 0u; j < lp.in_dim; j++) {      // in_dim holds the next layer's output count
      let d0 = acts[db + j * row4]; let d1 = acts[db + j * row4 + 1u];
      let wr = lp.w_off / 4u + j * w4;
      let wa = params4[wr + ia]; let wb = params4[wr + ib];
      c00 += wa.x * d0; c01 += wa.x * d1;
      c10 += wa.y * d0; c11 += wa.y * d1;
      c20 += wa.z * d0; c21 += wa.z * d1;
      c30 += wa.w * d0; c31 += wa.w * d1;
      c40 += wb.x * d0; c41 += wb.x * d1;
      c50 += wb.y * d0; c51 += wb.y * d1;
      c60 += wb.z * d0; c61 += wb.z * d1;
      c70 += wb.w * d0; c71 += wb.w * d1;
    }
  } else {
    let k0 = min(i0 + 0u, width - 1u);
    let k1 = min(i0 + 1u, width - 1u);
    let k2 = min(i0 + 2u, width - 1u);
    let k3 = min(i0 + 3u, width - 1u);
    let k4 = min(i0 + 4u, width - 1u);
    let k5 = min(i0 + 5u, width - 1u);
    let k6 = min(i0 + 6u, width - 1u);
    let k7 = min(i0 + 7u, width - 1u);
    for (var j = 0u; j < lp.in_dim; j++) {
      let d0 = acts[db + j * row4]; let d1 = acts[db + j * row4 + 1u];
      let wr = lp.w_off + j * width;
      let w0 = param(wr + k0); c00 += w0 * d0; c01 += w0 * d1;
      let w1 = param(wr + k1); c10 += w1 * d0; c11 += w1 * d1;
      let w2 = param(wr + k2); c20 += w2 * d0; c21 += w2 * d1;
      let w3 = param(wr + k3); c30 += w3 * d0; c31 += w3 * d1;
      let w4 = param(wr + k4); c40 += w4 * d0; c41 += w4 * d1;
      let w5 = param(wr + k5); c50 += w5 * d0; c51 += w5 * d1;
      let w6 = param(wr + k6); c60 += w6 * d0; c61 += w6 * d1;
      let w7 = param(wr + k7); c70 += w7 * d0; c71 += w7 * d1;
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
    layer_bwd_finish(lp, i0 + r, b4, a0, a1, s, emb);
  }
}

#if SG
// The subgroup variant (shaders/mlp_backward.wgsl with SG): features i0..i0+7 (the same for the
// whole subgroup: the workgroup's block) of the 4 samples of vec4 b4. The next layer's outputs j
// are taken 8 at a time: lane q reads W_n[j0 + q, i0..i0+7] (two vec4 when W4) and
// subgroupShuffle hands it to every lane, so a gather brings 8 rows' weights instead of one.
// Same summation order as layer_bwd_tile (one j at a time). Needs a subgroup of at least 8
// invocations, all active, and uniform control flow.
fn layer_bwd_tile_sg(lp: MlpLayerParams, i0: u32, b4: u32, lane: u32, emb: bool, w4: bool) {
  let row4 = lp.bs / 4u;
  let db = lp.dnext_off / 4u + min(b4, row4 - 1u);   // lanes past the batch compute a valid column, not stored
  var c: array<vec4<f32>, 8>;
  // Whole chunks of 8 without guards (a guard inside the chunk costs masked updates of every
  // accumulator on CPU drivers), then the remainder with guards.
  let jfull = lp.in_dim & ~7u;                   // in_dim holds the next layer's output count
  for (var j0 = 0u; j0 < jfull; j0 += 8u) { layer_bwd_chunk_sg(&c, lp, i0, db, j0, 8u, lane, w4); }
  if (jfull < lp.in_dim) { layer_bwd_chunk_sg(&c, lp, i0, db, jfull, lp.in_dim - jfull, lane, w4); }
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
    if (i0 + r < lp.out_dim && b4 < row4) { layer_bwd_store(lp, i0 + r, b4, a, s, emb); }
  }
}

// Adds the next layer's outputs j0..j0+n-1 (n <= 8) to the 8 features' sums c. Lane q loads
// W_n[j0 + q, i0..i0+7], subgroupShuffle(wa/wb, i) hands output i's to every lane. The loops have
// constant trip counts and small bodies, so drivers unroll them (constant lanes) and keep c in
// registers (as grads_dw in shaders/lib/mlp_grads_job.wgsl); the guard `i >= n` folds away where n
// is the literal 8. On lavapipe this ran as fast as the 8 lanes written out for subgroupBroadcast,
// with the same bits (docs/training.md, "Layer kernel shapes").
fn layer_bwd_chunk_sg(c: ptr<function, array<vec4<f32>, 8>>, lp: MlpLayerParams, i0: u32, db: u32, j0: u32, n: u32, lane: u32, w4: bool) {
  let row4 = lp.bs / 4u;
  let width = lp.out_dim;
  let jl = min(j0 + lane, lp.in_dim - 1u);    // lanes past the outputs read valid weights, never used
  var wa: vec4<f32>;
  var wb: vec4<f32>;
  if (w4) {
    let ia = i0 / 4u;
    let ib = min(ia + 1u, max(width / 4u, 1u) - 1u);   // clamped: columns past the width are never stored
    let wr = lp.w_off / 4u + jl * (width / 4u);
    wa = params4[wr + ia]; wb = params4[wr + ib];
  } else {
    let wr = lp.w_off + jl * width;
    let last = width - 1u;
    wa = vec4<f32>(param(wr + min(i0, last)), param(wr + min(i0 + 1u, last)), param(wr + min(i0 + 2u, last)), param(wr + min(i0 + 3u, last)));
    wb = vec4<f32>(param(wr + min(i0 + 4u, last)), param(wr + min(i0 + 5u, last)), param(wr + min(i0 + 6u, last)), param(wr + min(i0 + 7u, last)));
  }
  for (var i = 0u; i < 8u; i++) {
    if (i >= n) { break; }
    let d = acts[db + (j0 + i) * row4];
    let a = subgroupShuffle(wa, i);
    let b = subgroupShuffle(wb, i);
    for (var r = 0u; r < 4u; r++) { (*c)[r] += a[r] * d; (*c)[r + 4u] += b[r] * d; }
  }
}
#endif
