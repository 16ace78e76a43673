// One vec4 element i (row j = i / row4 of the head output, 4 samples) of the DSM loss, its output
// gradient and the running loss sum (the maths in shaders/dsm_loss.wgsl). Shared by
// shaders/dsm_loss.wgsl and shaders/dsm_step_fused.wgsl, whose includer declares `lp: DsmLossParams`,
// `st: StepParams`, `acts: array<vec4<f32>>` and `loss_acc: array<vec4<f32>>`.

fn dsm_loss_elem(i: u32) {
  let row4 = lp.bs / 4u;
  let q = i % row4;
  let r = acts[lp.out_off / 4u + i] - acts[lp.tgt_off / 4u + i];
  let lam = acts[lp.lam_off / 4u + q];
  acts[lp.dout_off / 4u + i] = (st.sign * 2.0 / f32(lp.batch)) * lam * r;
  loss_acc[i] += lam * r * r;
}
