// What every Sinkhorn softmin kernel shares (streamed dense, block-sparse, stored-cost): the
// potentials in two f32 parts and the pair exponent built from them without rounding, and the
// epilogue: from the shifted row sums of 4 rows, the log-sum-exp (rows whose sum left [LO, HI] are
// redone exactly by the including shader's `fn redo_row(t: Task, i: u32, r: f32) -> f32`), the
// relaxed potential and the L1 marginal error. The including shader declares `struct Task` (fields
// col_pot, old_pot, out_pot, col_logw, row_logw, err_off, self_term) and group 0 as
// SoftminMainBindings (params, logw, pot, err).
//
// Two-part potentials. Each potential is hi + lo: hi = pot[k] on the grid GRID = 2^-20 (a power of 2)
// and lo = pot[params.lo_off + k] the small rest (|lo| <= GRID/2 after an update, with 24 bits of its
// own). With f32 potentials alone, rounding each to its neighbour moves its row's mass by up to
// exp(ulp(f)/2ε): at ε/diameter² ~ 1e-6 that floors the L1 marginal error at 1e-3–1e-2. The pair
// exponent f_i + g_j - C_ij is formed as ((F_i + G_j) - C_ij) + (s_i + t_j): F, G the high parts,
// exact to add (multiples of GRID under 2^24·GRID = 16 in size: the solver's potentials, in units
// of the unit diameter, stay near 1), s, t the rests. The one rounding left is of the result (~2^-24 of
// the exponent itself, not of the potentials), and the cost C_ij is the same f32 number in the row
// and the column updates (a fixed perturbation of the cost, not noise). An update adds its step to
// lo and moves the grid part of lo into hi: every operation exact, so no compensated sum (TwoSum)
// that a driver's optimiser could reassociate away (measured on lavapipe: a TwoSum's error term
// came out 0). Readers of the whole potential add the two parts.

const ROWS: u32 = 4u;
// Accept the fast sum when it lies here: far from f32 underflow (terms under ~1e-38 are flushed, so
// a sum near 1e-20 loses at most ~M·1e-18 of relative mass) and from overflow.
const LO: f32 = 1e-20;
const HI: f32 = 1e30;

const GRID: f32 = 9.5367431640625e-7; // 2^-20
const INV_GRID: f32 = 1048576.0;

/** The part of v on the grid (multiples of GRID). */
fn on_grid(v: vec4<f32>) -> vec4<f32> { return round(v * INV_GRID) * GRID; }

/** Column potentials of 4 columns as (high parts) + (rests with the log-weights ε log b_j). */
struct Split { g: vec4<f32>, s: vec4<f32> }

/** The previous potentials of 4 rows: high parts (on the grid) and rests. */
struct RowPot { g: vec4<f32>, s: vec4<f32> }

fn row_pot(t: Task, first: u32) -> RowPot {
  return RowPot(pot[(t.old_pot + first) >> 2u], pot[(params.lo_off + t.old_pot + first) >> 2u]);
}

/** Column potentials j..j+3 (j a multiple of 4) as h_j = g_j + ε log b_j, split (the log-weight joins the rest). */
fn col_split4(t: Task, j: u32) -> Split {
  return Split(pot[(t.col_pot + j) >> 2u], fma(vec4<f32>(params.eps), logw[(t.col_logw + j) >> 2u], pot[(params.lo_off + t.col_pot + j) >> 2u]));
}

/** Column potential j alone (the tail of a run of columns), split like col_split4. */
fn col_split1(t: Task, j: u32) -> vec2<f32> {
  let k = t.col_pot + j;
  let l = params.lo_off + k;
  return vec2<f32>(pot[k >> 2u][k & 3u], fma(params.eps, logw[(t.col_logw + j) >> 2u][(t.col_logw + j) & 3u], pot[l >> 2u][l & 3u]));
}

/**
 * v itself, hidden from the optimiser: a driver may compile float adds with reassociation allowed
 * (lavapipe does: a TwoSum's error term came out 0, and with the exponent's sums free to reorder the
 * marginal error of a 3-D 900 vs 700 problem froze at 1e-3), which would undo the exact (F + G) - C.
 */
fn opaque(v: vec4<f32>) -> vec4<f32> { return bitcast<vec4<f32>>(bitcast<vec4<u32>>(v) | vec4<u32>(params.zero)); }

/** (f_i + h_j - C_ij)/ε for the 4 rows against one column (its grid part g, rest s, cost c of each row). */
fn pair_arg(r: RowPot, g: f32, s: f32, c: vec4<f32>) -> vec4<f32> {
  return (opaque(opaque(r.g + g) - c) + (r.s + s)) * params.inv_eps;
}

/** From the rows' sums: lse (exact redo where the fast sum left [LO, HI]), the relaxed potential and the error. */
fn finish_rows(t: Task, first: u32, last: u32, rows: vec4<u32>, rp: RowPot, acc: vec4<f32>) {
  let r = rp.g;
  let omega = select(params.omega_cross, params.omega_self, t.self_term == 1u);
  // Near convergence acc = 1 + u with u small: log(1 + u) by its series (error < u^5/5 < 3e-11), as a
  // driver's log may be a polynomial with ~1e-6 absolute error near 1 (measured: with log() alone the
  // marginal error stuck at 1.2e-5 on a problem that converges in a few iterations), and the row's
  // marginal violation exp(lse) - 1 is u itself (exact: acc - 1 has no rounding for acc in [1/2, 2]).
  let u = acc - 1.0;
  var lse = select(log(acc), u * (1.0 - u * (0.5 - u * (1.0 / 3.0 - u * 0.25))), abs(u) < vec4<f32>(0.01));
  var viol = u;
  // `!(a >= LO && a <= HI)` is also true for NaN.
  if (!all((acc >= vec4<f32>(LO)) & (acc <= vec4<f32>(HI)))) {
    for (var k = 0u; k < ROWS; k++) {
      if (!(acc[k] >= LO && acc[k] <= HI)) {
        lse[k] = redo_row(t, rows[k], r[k]);
        viol[k] = exp(lse[k]) - 1.0;
      }
    }
  }
  // Rows past n (the last group is padded to 4) write their potential into the padding and a zero error.
  let valid = vec4<u32>(first, first + 1u, first + 2u, first + 3u) <= vec4<u32>(last);
  // (hi + lo) - ω ε lse as a new (hi, lo): the step joins the rest, whose grid part moves to hi
  // (exact: multiples of GRID; and step - on_grid(step) is exact, the two within a factor 2 or the
  // grid part 0).
  let step = rp.s - omega * params.eps * lse;
  let moved = on_grid(step);
  pot[(t.out_pot + first) >> 2u] = r + moved;
  pot[(params.lo_off + t.out_pot + first) >> 2u] = step - moved;
  let a = exp(logw[(t.row_logw + first) >> 2u]);
  err[(t.err_off + first) >> 2u] = select(vec4<f32>(0.0), a * min(abs(viol), vec4<f32>(1e30)), valid);
}
