// A whole DSM training step's forward and backward work in one dispatch (the trainer's fused path,
// src/train/trainer.ts): workgroup w owns samples [w·SPW, (w+1)·SPW) of the minibatch and, with a
// storage barrier between phases (each phase only reads columns this workgroup wrote),
//   1. draws them (shaders/lib/dsm_draw.wgsl),
//   2. runs every layer forward on them (8×8 tiles, shaders/lib/mlp_layer_fwd.wgsl),
//   3. the DSM loss, its output gradient and the running loss sum (shaders/lib/dsm_loss_elem.wgsl),
//   4. every hidden layer backward (shaders/lib/mlp_layer_bwd.wgsl),
//   5. every parameter gradient summed over its own samples only (shaders/lib/mlp_grads_job.wgsl),
//      into its slice w of `grads` (fp.part_stride floats apart).
// adam_step (PARTS > 0) then adds the slices in order, clips by the global norm and updates: two
// dispatches per step instead of 2L + 6, with the same per-element arithmetic as the per-layer
// kernels except the order of the batch sum in the weight gradients (slices added last).
// Workgroups share nothing, so no cross-workgroup synchronisation is needed.
#include "mlp_layer_fwd"
#include "mlp_layer_bwd"
#include "mlp_grads_job"
#include "dsm_draw"
#include "dsm_loss_elem"

override WG: u32 = 64u;
override ACT: u32 = 0u;
override DISCRETE: bool = true;
override ANTITHETIC: bool = false;
override OUT: u32 = 0u;

// Bindings: DsmStepFusedBindings in src/kernels/dsm_step_fused.ts.

fn param(i: u32) -> f32 { return params4[i >> 2u][i & 3u]; }
fn step_of(b: u32) -> u32 { return tidx[b]; }
fn step4_of(q: u32) -> vec4<u32> { return vec4<u32>(tidx[4u * q], tidx[4u * q + 1u], tidx[4u * q + 2u], tidx[4u * q + 3u]); }
fn put_act(i: u32, v: f32) { acts[i >> 2u][i & 3u] = v; }
fn set_step(b: u32, k: u32) { tidx[b] = k; }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x;
  let spw = fp.spw;
  let nsq = spw / 8u;                 // 8-sample tiles of this workgroup
  let b_first = w * spw;
  let row4 = fp.bs / 4u;
  let q0 = b_first / 4u;
  let nq = spw / 4u;
  let emb = fp.emb != 0u;

  for (var b = b_first + lid; b < b_first + spw; b += WG) { dsm_draw(b); }
  storageBarrier();

  for (var l = 0u; l < fp.nlayers; l++) {
    let ly = layers[l];
    let hidden = l + 1u < fp.nlayers;
    let ntiles = ((ly.out_dim + 7u) / 8u) * nsq;
    for (var t = lid; t < ntiles; t += WG) {
      layer_fwd_tile(ly, (t / nsq) * 8u, (w * nsq + t % nsq) * 2u, hidden, hidden && emb, ly.in_dim % 4u == 0u);
    }
    storageBarrier();
  }

  for (var e = lid; e < fp.dim * nq; e += WG) { dsm_loss_elem((e / nq) * row4 + q0 + e % nq); }
  storageBarrier();

  // Hidden layer h = l - 1 takes its backward parameters from slot nlayers + h.
  for (var l = fp.nlayers - 1u; l > 0u; l--) {
    let ly = layers[fp.nlayers + l - 1u];
    let ntiles = ((ly.out_dim + 7u) / 8u) * nsq;
    for (var t = lid; t < ntiles; t += WG) {
      layer_bwd_tile(ly, (t / nsq) * 8u, (w * nsq + t % nsq) * 2u, emb, ly.out_dim % 4u == 0u);
    }
    storageBarrier();
  }

  for (var job = lid; job < fp.njobs; job += WG) {
    var s = 0u;
    for (var k = 1u; k < fp.nsegments; k++) {
      if (plan[k].start <= job) { s = k; }
    }
    grads_job(plan[s], job - plan[s].start, row4, q0, q0 + nq, w * fp.part_stride);
  }
}
