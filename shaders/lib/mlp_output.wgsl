// Score from the MLP head's output o at x_t = x, with x_t = α x_0 + σ ε (src/model/layout.ts):
// kind (OUTPUT_CODE) 0 'eps' (o = ε), 1 'score', 2 'x0' (o = x_0), 3 'velocity' (o = α ε - σ x_0).
fn score_from_output(kind: u32, o: f32, x: f32, alpha: f32, sigma: f32) -> f32 {
  switch kind {
    case 0u: { return -o / sigma; }
    case 1u: { return o; }
    case 2u: { return (alpha * o - x) / (sigma * sigma); }
    default: { return -((sigma * x + alpha * o) / (alpha * alpha + sigma * sigma)) / sigma; }
  }
}

// (a, b) with ∂score/∂x = a·∂o/∂x + b·I for output kind `kind` (the twin of scoreAffine in
// src/lipschitz/certified.ts), from score_from_output above.
fn score_affine(kind: u32, alpha: f32, sigma: f32) -> vec2<f32> {
  switch kind {
    case 0u: { return vec2<f32>(-1.0 / sigma, 0.0); }
    case 1u: { return vec2<f32>(1.0, 0.0); }
    case 2u: { return vec2<f32>(alpha / (sigma * sigma), -1.0 / (sigma * sigma)); }
    default: {
      let q = alpha * alpha + sigma * sigma;
      return vec2<f32>(-alpha / (q * sigma), -1.0 / q);
    }
  }
}
