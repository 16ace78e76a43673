// MonoFlow with the exact log density ratio, for an affine generator x = μ + L z (z ~ N(0, I),
// d ≤ 4) and a Gaussian target p = N(m, Σ). Per particle i, with z from Philox counter (i, iter):
//   D(x)  = log p(x) − log q(x) = −½ (x−m)ᵀ Σ⁻¹ (x−m) − ½ log det Σ + ½ |z|² + log |det L|
//   ∇D(x) = −Σ⁻¹ (x − m) + L⁻ᵀ z                  (q's score at x = μ + L z is −L⁻ᵀ z)
//   v     = h'(D) ∇D                              (MonoFlow's particle velocity ∇h(D(x)))
// and writes x and the terms of the generator loss ℓ(θ) = −(1/n) Σ h(D(g_θ(z_i))), D frozen at
// the current θ:
//   c < d:            −v_c              (∂/∂μ_c)
//   c = d + a·d + b:  −v_a z_b          (∂/∂L_ab)
//   c = d + d²:       D(x)              (−mean D = KL(q || p) estimate)
// Invocation j handles particles j·PER .. j·PER + PER − 1 and writes its partial sums of the terms
// to partial[c·G + j] (G = invocation count): summing in registers avoids the workgroup barriers
// of a tree reduction, which are slow on CPU drivers (DESIGN.md); flow_param_update sums the G
// partials of each row.
// L⁻ᵀ z and log |det L| come from an in-register LU of L with partial pivoting (d ≤ 4, so each
// invocation re-factors 16 floats: cheaper than another dispatch).
// H (override) picks h: 0 identity, 1 log σ, 2 arcsinh, 3 softplus(· + C), 4 exp.
#include "random"

override WG: u32 = 64u;
override H: u32 = 0u;
// The dimension is a pipeline constant so that every loop below has a fixed trip count and the
// small arrays stay in registers (a runtime bound makes SwiftShader spill them to memory).
override DIM: u32 = 2u;
override PER: u32 = 16u;

@group(0) @binding(0) var<uniform> params: GaussRatioParams;
@group(0) @binding(1) var<storage, read> target_: array<f32>;   // m (d), Σ⁻¹ (d×d), log det Σ
@group(0) @binding(2) var<storage, read> theta: array<f32>;     // μ (d), L (d×d row-major)
@group(0) @binding(3) var<storage, read> iter: array<u32>;      // RNG stream (iteration counter)
@group(0) @binding(4) var<storage, read_write> x_out: array<f32>;
@group(0) @binding(5) var<storage, read_write> partial: array<f32>;

fn sigmoid(u: f32) -> f32 {
  if (u >= 0.0) { return 1.0 / (1.0 + exp(-u)); }
  let e = exp(u);
  return e / (1.0 + e);
}

// h'(D) for the chosen h; exp is capped at D = 80 to stay finite in f32.
fn h_prime(dd: f32) -> f32 {
  if (H == 1u) { return sigmoid(-dd); }
  if (H == 2u) { return inverseSqrt(1.0 + dd * dd); }
  if (H == 3u) { return sigmoid(dd + params.shift); }
  if (H == 4u) { return exp(min(dd, 80.0)); }
  return 1.0;
}

override ROWS: u32 = DIM + DIM * DIM + 1u;

// Adds particle i's terms to acc.
fn particle(i: u32, acc: ptr<function, array<f32, 21>>) {
  let d = DIM;
  let z4 = normal4(i, iter[0], vec2<u32>(params.seed_lo, params.seed_hi));
  var z: array<f32, 4>;
  for (var a = 0u; a < 4u; a++) { z[a] = select(0.0, z4[a], a < d); }

  // x = μ + L z
  var x: array<f32, 4>;
  for (var a = 0u; a < d; a++) {
    var s = theta[a];
    for (var b = 0u; b < d; b++) { s += theta[d + a * d + b] * z[b]; }
    x[a] = s;
    x_out[i * d + a] = s;
  }

  // Solve Lᵀ w = z by LU of Lᵀ with partial pivoting; log |det L| from the pivots.
  var m: array<f32, 16>;
  for (var a = 0u; a < d; a++) {
    for (var b = 0u; b < d; b++) { m[a * 4u + b] = theta[d + b * d + a]; }
  }
  var w = z;
  var logdet = 0.0;
  for (var c = 0u; c < d; c++) {
    var p = c;
    for (var r = c + 1u; r < d; r++) { if (abs(m[r * 4u + c]) > abs(m[p * 4u + c])) { p = r; } }
    if (p != c) {
      for (var b = 0u; b < d; b++) { let t = m[c * 4u + b]; m[c * 4u + b] = m[p * 4u + b]; m[p * 4u + b] = t; }
      let t = w[c]; w[c] = w[p]; w[p] = t;
    }
    let piv = m[c * 4u + c];
    logdet += log(abs(piv));
    for (var r = c + 1u; r < d; r++) {
      let f = m[r * 4u + c] / piv;
      for (var b = c; b < d; b++) { m[r * 4u + b] -= f * m[c * 4u + b]; }
      w[r] -= f * w[c];
    }
  }
  for (var cc = 0u; cc < d; cc++) {
    let c = d - 1u - cc;
    var s = w[c];
    for (var b = c + 1u; b < d; b++) { s -= m[c * 4u + b] * w[b]; }
    w[c] = s / m[c * 4u + c];
  }

  // D and ∇D
  var quad = 0.0;
  var zz = 0.0;
  var grad: array<f32, 4>;
  for (var a = 0u; a < d; a++) {
    var pa = 0.0;
    for (var b = 0u; b < d; b++) { pa += target_[d + a * d + b] * (x[b] - target_[b]); }
    quad += (x[a] - target_[a]) * pa;
    zz += z[a] * z[a];
    grad[a] = -pa + w[a];
  }
  let dd = -0.5 * quad - 0.5 * target_[d + d * d] + 0.5 * zz + logdet;
  let hp = h_prime(dd);
  for (var a = 0u; a < d; a++) {
    let va = hp * grad[a];
    (*acc)[a] -= va;
    for (var b = 0u; b < d; b++) { (*acc)[d + a * d + b] -= va * z[b]; }
  }
  (*acc)[d + d * d] += dd;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gid.x + gid.y * nwg.x * WG;
  let groups = (params.n + PER - 1u) / PER;
  if (j >= groups) { return; }
  var acc: array<f32, 21>;
  for (var c = 0u; c < ROWS; c++) { acc[c] = 0.0; }
  let end = min(params.n, (j + 1u) * PER);
  for (var i = j * PER; i < end; i++) { particle(i, &acc); }
  for (var c = 0u; c < ROWS; c++) { partial[c * groups + j] = acc[c]; }
}
