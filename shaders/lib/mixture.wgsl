// Exact score and log-density of a Gaussian mixture under a linear forward SDE (src/scores/mixture.ts):
// p_t = Σ w_k N(α μ_k, C_k), C_k = α² Σ_k + σ² I, with Σ_k = Q_k diag(λ_k) Q_kᵀ precomputed in float64.
// The including shader declares `mixture: array<vec4<f32>>` (7 vec4 per component: μ, λ, Q's columns,
// (log w, 0, 0, 0)) and `override DIM: u32` (the dimension, 1..4). Points are vec4 with zero padding;
// padded coordinates have λ = 1 and identity columns, so they contribute nothing to the score.
// The posterior weights r_k are accumulated with an online log-sum-exp (one pass, no overflow).

struct MixEval {
  score: vec4<f32>,
  logp: f32,
}

fn mixture_eval(x: vec4<f32>, alpha: f32, sigma2: f32) -> MixEval {
  let K = arrayLength(&mixture) / 7u;
  let a2 = alpha * alpha;
  let mask = select(vec4<f32>(0.0), vec4<f32>(1.0), vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(DIM));
  var m = -3.0e38;
  var s = 0.0;
  var acc = vec4<f32>(0.0);
  for (var k = 0u; k < K; k++) {
    let b = 7u * k;
    let mu = mixture[b];
    let lam = mixture[b + 1u];
    let q = mat4x4<f32>(mixture[b + 2u], mixture[b + 3u], mixture[b + 4u], mixture[b + 5u]);
    let logw = mixture[b + 6u].x;
    let y = (x - alpha * mu) * q;           // Qᵀ (x − α μ)
    let c = a2 * lam + sigma2;               // eigenvalues of C_k
    let z = y / c;
    // log det C_k as two logs of pair products (padded coordinates count as 1) instead of four logs:
    // a pair product stays a normal f32 for eigenvalues down to 1e-18.
    let cm = select(vec4<f32>(1.0), c, mask > vec4<f32>(0.0));
    let l = logw - 0.5 * dot(y, z) - 0.5 * (log(cm.x * cm.y) + log(cm.z * cm.w));
    let g = -(q * z);                        // −C_k⁻¹ (x − α μ)
    if (l > m) {
      let r = exp(m - l);
      s = s * r + 1.0;
      acc = acc * r + g;
      m = l;
    } else {
      let r = exp(l - m);
      s = s + r;
      acc = acc + r * g;
    }
  }
  return MixEval(acc / s, m + log(s) - 0.9189385332046727 * f32(DIM));
}
