// The epilogue every Sinkhorn softmin kernel shares (streamed dense, block-sparse, stored-cost):
// from the shifted row sums of 4 rows, the log-sum-exp (rows whose sum left [LO, HI] are redone
// exactly by the including shader's `fn redo_row(t: Task, i: u32, r: f32) -> f32`), the relaxed
// potential and the L1 marginal error. The including shader declares `struct Task` (fields out_pot,
// row_logw, err_off, self_term) and group 0 as SoftminMainBindings (params, logw, pot, err).

const ROWS: u32 = 4u;
// Accept the fast sum when it lies here: far from f32 underflow (terms under ~1e-38 are flushed, so
// a sum near 1e-20 loses at most ~M·1e-18 of relative mass) and from overflow.
const LO: f32 = 1e-20;
const HI: f32 = 1e30;

/** From the rows' sums: lse (exact redo where the fast sum left [LO, HI]), the relaxed potential and the error. */
fn finish_rows(t: Task, first: u32, last: u32, rows: vec4<u32>, r: vec4<f32>, acc: vec4<f32>) {
  let omega = select(params.omega_cross, params.omega_self, t.self_term == 1u);
  var lse = log(acc);
  // `!(a >= LO && a <= HI)` is also true for NaN.
  if (!all((acc >= vec4<f32>(LO)) & (acc <= vec4<f32>(HI)))) {
    for (var k = 0u; k < ROWS; k++) {
      if (!(acc[k] >= LO && acc[k] <= HI)) { lse[k] = redo_row(t, rows[k], r[k]); }
    }
  }
  // Rows past n (the last group is padded to 4) write their potential into the padding and a zero error.
  let valid = vec4<u32>(first, first + 1u, first + 2u, first + 3u) <= vec4<u32>(last);
  pot[(t.out_pot + first) >> 2u] = r - omega * params.eps * lse;
  let a = exp(logw[(t.row_logw + first) >> 2u]);
  err[(t.err_off + first) >> 2u] = select(vec4<f32>(0.0), a * min(abs(exp(lse) - 1.0), vec4<f32>(1e30)), valid);
}
