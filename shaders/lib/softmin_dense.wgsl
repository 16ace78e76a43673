// What the dense softmin kernels share (sinkhorn_softmin: 4 rows per invocation streaming every
// column; sinkhorn_softmin_tiled: column tiles in workgroup memory, columns split into chunks;
// sinkhorn_softmin_combine: the chunks' partial sums added and finished): the task of one row block
// against one column block, the accumulation and epilogue of softmin_rows, and the exact redo of a
// row over all the task's columns. The including shader declares the task bindings (group 1).

struct Task {
  row_off: u32,   // first row point (index into `pts`, in points; a multiple of 4)
  n: u32,         // number of rows
  col_off: u32,   // first column point (a multiple of 4)
  m: u32,         // number of columns
  col_pot: u32,   // offset of the column potential g in `pot` (a multiple of 4)
  old_pot: u32,   // offset of the previous output potential (shift and relaxation)
  out_pot: u32,   // offset of the output potential
  col_logw: u32,  // offset of the column log-weights log b in `logw`
  row_logw: u32,  // offset of the row log-weights log a
  err_off: u32,   // offset in `err`
  self_term: u32, // 1: OT(α, α)-type task, relaxed with omega_self
  split: u32,     // column chunks S of the tiled kernel (the same for every task of a table; others ignore it)
}

#include "softmin_rows"

// Exact log-sum-exp of one row with a max pass: only for rows whose shifted sum left [LO, HI].
fn redo_row(t: Task, i: u32, r: f32) -> f32 {
  let x = row_point(t, i);
  let mx = row_max(t, x, r, 0u, t.m, -3.0e38);
  return mx + log(row_sum(t, x, r, 0u, t.m, mx));
}
