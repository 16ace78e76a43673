// Anderson acceleration (type II, memory MEM) of the alternating Sinkhorn iteration at the final ε,
// on the X potentials of each cross problem: the state is f, the fixed-point map G(f) = K alternating
// updates (y rows then x rows, K = ANDERSON_EVERY in src/transport/sinkhorn/solver.ts). Dispatched
// right after every K-th x-row softmin, which has written G(f_k) in place of f_k, so one workgroup
// per problem (workgroup_id.x) sees f' = G(f_k) and:
//
//   r_k   = f' - f_k, centred (a-weighted mean 0: G(f + c) = G(f) + c, the constant is no error)
//   ΔR    = r_k - r_{k-1},  ΔG = G(f_k) - G(f_{k-1})   pushed into a ring of MEM columns
//   γ     = argmin |r_k - ΔR γ|²  by the normal equations (ΔRᵀΔR + λ I) γ = ΔRᵀ r_k, λ = REG·tr/h
//   f_k+1 = f' - ΔG γ            written back over f' (two-part, as shaders/lib/softmin_finish.wgsl)
//
// (Walker & Ni 2011, "Anderson acceleration for fixed-point iterations", Alg. AA with the
// differences form.) All state stays on the GPU: the count of iterations since the last reset is
// state[p] (the host clears it to restart), so encoding many iterations needs no readback. Measured
// in float64 numpy from the solver's iterate at the start of the final level of 2-D uniform 900 vs
// 800 points in ±3 at blur 0.01: with K = 1, 631 iterations to a 1e-4 marginal error with these f32
// normal equations, where over-relaxation (ω = 1.95) was still at 3.4e-3 after 1500.
//
// Buffer `hist` (elements, T = params.total, indexed by point like the potentials):
//   [0, T) f_k high parts, [T, 2T) its rests, [2T, 3T) G(f_{k-1}) high, [3T, 4T) rest,
//   [4T, 5T) r_{k-1}, then MEM columns of ΔR, then MEM columns of ΔG.
//
// Bindings: declared in src/kernels/sinkhorn_anderson.ts.

override WG: u32 = 64u;
const MEM: u32 = 8u;
/** Packed lower triangle of the MEM×MEM Gram matrix, then the MEM right-hand sides. */
const NQ: u32 = 44u; // MEM·(MEM + 1)/2 + MEM
const GRID: f32 = 9.5367431640625e-7; // 2^-20, as shaders/lib/softmin_finish.wgsl
const INV_GRID: f32 = 1048576.0;
/** Tikhonov weight of the normal equations, relative to their mean diagonal (f32: a few ulps). */
const REG: f32 = 1e-7;
/** A step with |γ| past this is not trusted (ΔR nearly dependent): that iteration is left unmixed. */
const GAMMA_MAX: f32 = 1e4;

var<workgroup> part: array<f32, 2816>; // NQ · WG (WG <= 64)
var<workgroup> gam: array<f32, MEM>;
var<workgroup> count: u32;

fn tri(a: u32, b: u32) -> u32 { return a * (a + 1u) / 2u + b; }

/** Sum part[q·WG + 0..WG) into part[q·WG] for q < nq (every invocation calls it). */
fn reduce(lid: u32, nq: u32) {
  for (var w = WG / 2u; w > 0u; w >>= 1u) {
    workgroupBarrier();
    if (lid < w) {
      for (var q = 0u; q < nq; q++) { part[q * WG + lid] += part[q * WG + lid + w]; }
    }
  }
  workgroupBarrier();
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let pr = problems[wid.x];
  let xs = pr.x;
  let n = pr.y;
  let T = params.total;
  let cur = params.cross + xs;
  let lo = params.lo_off;
  if (lid == 0u) { count = state[wid.x]; }
  let c = workgroupUniformLoad(&count);
  if (c == 0u) {
    // After a reset: f' becomes f_k (no residual yet).
    for (var i = lid; i < n; i += WG) {
      hist[xs + i] = pot[cur + i];
      hist[T + xs + i] = pot[lo + cur + i];
    }
    if (lid == 0u) { state[wid.x] = 1u; }
    return;
  }
  // 1. The a-weighted mean of r_k.
  var sr = 0.0;
  var sa = 0.0;
  for (var i = lid; i < n; i += WG) {
    let r = (pot[cur + i] - hist[xs + i]) + (pot[lo + cur + i] - hist[T + xs + i]);
    let a = exp(logw[xs + i]);
    sr += a * r;
    sa += a;
  }
  part[lid] = sr;
  part[WG + lid] = sa;
  reduce(lid, 2u);
  let mean = part[0] / max(part[WG], 1e-30);
  workgroupBarrier();
  // 2. Push ΔR, ΔG (from the second residual on) and accumulate the normal equations.
  let push = c >= 2u;
  let slot = (c - 2u) % MEM;
  let h = min(c - 1u, MEM);
  var acc: array<f32, NQ>;
  for (var q = 0u; q < NQ; q++) { acc[q] = 0.0; }
  for (var i = lid; i < n; i += WG) {
    let p = xs + i;
    let fh = pot[cur + i];
    let fl = pot[lo + cur + i];
    let r = (fh - hist[p]) + (fl - hist[T + p]) - mean;
    if (push) {
      hist[(5u + slot) * T + p] = r - hist[4u * T + p];
      hist[(5u + MEM + slot) * T + p] = (fh - hist[2u * T + p]) + (fl - hist[3u * T + p]);
    }
    hist[4u * T + p] = r;
    hist[2u * T + p] = fh;
    hist[3u * T + p] = fl;
    for (var a = 0u; a < h; a++) {
      let da = hist[(5u + a) * T + p];
      acc[MEM * (MEM + 1u) / 2u + a] += da * r;
      for (var b = 0u; b <= a; b++) { acc[tri(a, b)] += da * hist[(5u + b) * T + p]; }
    }
  }
  for (var q = 0u; q < NQ; q++) { part[q * WG + lid] = acc[q]; }
  reduce(lid, NQ);
  // 3. Solve (ΔRᵀΔR + λI) γ = ΔRᵀ r by Cholesky (h <= MEM unknowns, one invocation).
  if (lid == 0u) {
    var L: array<f32, 36>;
    var y: array<f32, MEM>;
    var tr = 0.0;
    for (var a = 0u; a < h; a++) { tr += part[tri(a, a) * WG]; }
    let lam = REG * tr / f32(max(h, 1u));
    var ok = h > 0u && tr > 0.0;
    for (var a = 0u; a < h; a++) {
      for (var b = 0u; b <= a; b++) {
        var s = part[tri(a, b) * WG] + select(0.0, lam, a == b);
        for (var k = 0u; k < b; k++) { s -= L[tri(a, k)] * L[tri(b, k)]; }
        if (a == b) {
          ok = ok && s > 0.0;
          L[tri(a, a)] = sqrt(max(s, 1e-38));
        } else {
          L[tri(a, b)] = s / L[tri(b, b)];
        }
      }
    }
    for (var a = 0u; a < h; a++) {
      var s = part[(MEM * (MEM + 1u) / 2u + a) * WG];
      for (var k = 0u; k < a; k++) { s -= L[tri(a, k)] * y[k]; }
      y[a] = s / L[tri(a, a)];
    }
    for (var a = 0u; a < MEM; a++) { gam[a] = 0.0; }
    for (var a = i32(h) - 1; a >= 0; a--) {
      var s = y[a];
      for (var k = u32(a) + 1u; k < h; k++) { s -= L[tri(k, u32(a))] * gam[k]; }
      gam[a] = s / L[tri(u32(a), u32(a))];
      // NaN fails this comparison too.
      ok = ok && abs(gam[a]) <= GAMMA_MAX;
    }
    if (!ok) {
      for (var a = 0u; a < MEM; a++) { gam[a] = 0.0; }
    }
    state[wid.x] = c + 1u;
  }
  workgroupBarrier();
  // 4. f_k+1 = f' - ΔG γ, the step joining the rest and its grid part moving to the high part.
  for (var i = lid; i < n; i += WG) {
    let p = xs + i;
    var d = 0.0;
    for (var a = 0u; a < h; a++) { d -= gam[a] * hist[(5u + MEM + a) * T + p]; }
    let step = pot[lo + cur + i] + d;
    let moved = round(step * INV_GRID) * GRID;
    let fh = pot[cur + i] + moved;
    let fl = step - moved;
    pot[cur + i] = fh;
    pot[lo + cur + i] = fl;
    hist[p] = fh;
    hist[T + p] = fl;
  }
}
