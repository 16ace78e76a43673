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
