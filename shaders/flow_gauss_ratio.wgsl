// MonoFlow with the exact log density ratio, for an affine generator x = g_θ(z) = μ + L z
// (z ~ N(0, I), d ≤ 4) and a Gaussian target p = N(m, Σ). The ratio is frozen at the round's start
// θ_t = (μ_t, L_t) (buffer `frozen`): q_t = N(μ_t, L_t L_tᵀ), and with z_t = L_t⁻¹ (x − μ_t)
//   D(x)  = log p(x) − log q_t(x) = −½ (x−m)ᵀ Σ⁻¹ (x−m) − ½ log det Σ + ½ |z_t|² + log |det L_t|
//   ∇D(x) = −Σ⁻¹ (x − m) + L_t⁻ᵀ z_t
//   v(x)  = h'(D(x)) ∇D(x)                        (MonoFlow's particle velocity ∇h(D(x)))
// Per particle i (z from Philox counter (i, iter)) it writes x = g_θ(z) and the terms of the
// generator loss, LOSS (override):
//   0 'gan':        ℓ(θ) = −(1/n) Σ h(D(g_θ(z_i)))                     terms −v(x), −v(x) zᵀ
//   1 'regression': ℓ(θ) = (1/2n) Σ ‖g_θ(z_i) − x̃_i‖², x̃ = g_θt(z) + ε v(g_θt(z))  terms r, r zᵀ
// (r = g_θ(z) − x̃; rows c < d: ∂/∂μ_c, c = d + a·d + b: ∂/∂L_ab) and D (at x for 'gan', at
// g_θt(z) for 'regression') in row d + d², so −mean D estimates KL(q || p) when θ = θ_t.
// Invocation j handles particles j·PER .. j·PER + PER − 1 and writes its partial sums of the terms
// to partial[c·G + j] (G = invocation count): summing in registers avoids the workgroup barriers
// of a tree reduction, which are slow on CPU drivers (DESIGN.md); flow_param_update sums the G
// partials of each row.
// L_t⁻¹ and log |det L_t| come from an in-register Gauss–Jordan elimination with partial pivoting
// (d ≤ 4: re-done per particle, cheaper than another dispatch).
// H (override) picks h: 0 identity, 1 log σ, 2 arcsinh, 3 softplus(· + C), 4 exp.
#include "random"

override WG: u32 = 64u;
override H: u32 = 0u;
// The dimension is a pipeline constant so that every loop below has a fixed trip count and the
// small arrays stay in registers (a runtime bound makes SwiftShader spill them to memory).
override DIM: u32 = 2u;
override PER: u32 = 16u;
override LOSS: u32 = 0u;

// Bindings (params, target_, theta, iter, x_out, partial, frozen): GaussRatioBindings in src/kernels/flow_gauss_ratio.ts.

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

  // L_t⁻¹ by Gauss–Jordan with partial pivoting; log |det L_t| from the pivots.
  var m: array<f32, 16>;
  var li: array<f32, 16>;
  for (var a = 0u; a < d; a++) {
    for (var b = 0u; b < d; b++) {
      m[a * 4u + b] = frozen[d + a * d + b];
      li[a * 4u + b] = select(0.0, 1.0, a == b);
    }
  }
  var logdet = 0.0;
  for (var c = 0u; c < d; c++) {
    var p = c;
    for (var r = c + 1u; r < d; r++) { if (abs(m[r * 4u + c]) > abs(m[p * 4u + c])) { p = r; } }
    if (p != c) {
      for (var b = 0u; b < d; b++) {
        let t = m[c * 4u + b]; m[c * 4u + b] = m[p * 4u + b]; m[p * 4u + b] = t;
        let u = li[c * 4u + b]; li[c * 4u + b] = li[p * 4u + b]; li[p * 4u + b] = u;
      }
    }
    let piv = m[c * 4u + c];
    logdet += log(abs(piv));
    for (var b = 0u; b < d; b++) { m[c * 4u + b] /= piv; li[c * 4u + b] /= piv; }
    for (var r = 0u; r < d; r++) {
      if (r == c) { continue; }
      let f = m[r * 4u + c];
      for (var b = 0u; b < d; b++) { m[r * 4u + b] -= f * m[c * 4u + b]; li[r * 4u + b] -= f * li[c * 4u + b]; }
    }
  }

  // The generator's sample x = μ + L z, and the point where the velocity is taken: x itself for
  // 'gan', the frozen generator's sample g_θt(z) for 'regression'.
  var x: array<f32, 4>;
  var y: array<f32, 4>;
  for (var a = 0u; a < d; a++) {
    var s = theta[a];
    var st = frozen[a];
    for (var b = 0u; b < d; b++) { s += theta[d + a * d + b] * z[b]; st += frozen[d + a * d + b] * z[b]; }
    x[a] = s;
    y[a] = select(s, st, LOSS == 1u);
    x_out[i * d + a] = s;
  }

  // z_t = L_t⁻¹ (y − μ_t) and w = L_t⁻ᵀ z_t
  var zt: array<f32, 4>;
  var zz = 0.0;
  for (var a = 0u; a < d; a++) {
    var s = 0.0;
    for (var b = 0u; b < d; b++) { s += li[a * 4u + b] * (y[b] - frozen[b]); }
    zt[a] = s;
    zz += s * s;
  }
  var grad: array<f32, 4>;
  var quad = 0.0;
  for (var a = 0u; a < d; a++) {
    var w = 0.0;
    for (var b = 0u; b < d; b++) { w += li[b * 4u + a] * zt[b]; }
    var pa = 0.0;
    for (var b = 0u; b < d; b++) { pa += target_[d + a * d + b] * (y[b] - target_[b]); }
    quad += (y[a] - target_[a]) * pa;
    grad[a] = -pa + w;
  }
  let dd = -0.5 * quad - 0.5 * target_[d + d * d] + 0.5 * zz + logdet;
  let hp = h_prime(dd);
  for (var a = 0u; a < d; a++) {
    let va = hp * grad[a];
    var g = -va;
    if (LOSS == 1u) { g = x[a] - (y[a] + params.eps * va); }
    (*acc)[a] += g;
    for (var b = 0u; b < d; b++) { (*acc)[d + a * d + b] += g * z[b]; }
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
