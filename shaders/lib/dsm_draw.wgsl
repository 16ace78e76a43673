// Draw sample b of a DSM minibatch (the maths and RNG counters in shaders/dsm_batch.wgsl), or zero
// a padding sample (b >= batch). Shared by shaders/dsm_batch.wgsl and shaders/dsm_step_fused.wgsl.
// The including shader declares `bp: DsmBatchParams`, `st: StepParams`, `data: array<f32>`,
// `coef: array<vec4<f32>>`, `fn put_act(i: u32, v: f32)` (workspace float i),
// `fn set_step(b: u32, k: u32)`, and `override DISCRETE`, `ANTITHETIC`, `OUT`.
#include "random"

fn eps_at(b: u32, j: u32, first: vec2<f32>) -> f32 {
  if (j < 2u) { return first[j]; }
  let w = philox4x32(vec4<u32>(b, st.step, 2u + (j - 2u) / 4u, 0u), vec2<u32>(bp.seed_lo, bp.seed_hi));
  let v = vec4<f32>(box_muller(w.x, w.y), box_muller(w.z, w.w));
  return v[(j - 2u) % 4u];
}

fn dsm_draw(b: u32) {
  let nfeat = bp.dim + 2u * bp.fourier;
  if (b >= bp.batch) {
    for (var i = 0u; i < nfeat; i++) { put_act(bp.x_off + i * bp.bs + b, 0.0); }
    for (var j = 0u; j < bp.dim; j++) { put_act(bp.tgt_off + j * bp.bs + b, 0.0); }
    put_act(bp.lam_off + b, 0.0);
    set_step(b, 0u);
    return;
  }
  let seed = vec2<u32>(bp.seed_lo, bp.seed_hi);
  let half = (bp.batch + 1u) / 2u;
  let second = ANTITHETIC && b >= half;
  let pair = select(b, b - half, second);
  var u = u01(philox4x32(vec4<u32>(pair, st.step, 1u, 0u), seed).x);
  var c: vec4<f32>;
  var k = 0u;
  if (DISCRETE) {
    k = min(u32(u * f32(bp.m_coef)), bp.m_coef - 1u);
    if (second) { k = bp.m_coef - 1u - k; }
    c = coef[k];
  } else {
    if (second) { u = 1.0 - u; }
    let pos = u * f32(bp.m_coef - 1u);
    let k0 = min(u32(pos), bp.m_coef - 2u);
    c = mix(coef[k0], coef[k0 + 1u], pos - f32(k0));
  }
  let w = philox4x32(vec4<u32>(b, st.step, 0u, 0u), seed);
  let idx = mulhi32(w.x, bp.n_points);
  let first = box_muller(w.z, w.w);
  let alpha = c.x;
  let sigma = c.y;
  for (var j = 0u; j < bp.dim; j++) {
    let x0 = data[idx * bp.dim + j];
    let e = eps_at(b, j, first);
    put_act(bp.x_off + j * bp.bs + b, alpha * x0 + sigma * e);
    var tg: f32;
    switch OUT {
      case 0u: { tg = e; }
      case 1u: { tg = -e / sigma; }
      case 2u: { tg = x0; }
      default: { tg = alpha * e - sigma * x0; }
    }
    put_act(bp.tgt_off + j * bp.bs + b, tg);
  }
  let tau = c.w * bp.inv_t;
  var om = 3.141592653589793;
  for (var f = 0u; f < bp.fourier; f++) {
    put_act(bp.x_off + (bp.dim + f) * bp.bs + b, sin(om * tau));
    put_act(bp.x_off + (bp.dim + bp.fourier + f) * bp.bs + b, cos(om * tau));
    om *= 2.0;
  }
  put_act(bp.lam_off + b, c.z);
  set_step(b, k);
}
