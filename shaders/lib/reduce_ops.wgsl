// Reduction states as vec4<f32>, combinable in any order (so trees of any shape give the same
// answer up to rounding):
//   OP 0 sum:      (sum, 0, 0, 0)
//   OP 1 max:      (max, 0, 0, 0)
//   OP 2 logsumexp:(max, Σ exp(x - max), 0, 0)
//   OP 3 meanvar:  (count, mean, M2, 0)   (Chan et al. pairwise update)
const NEG_INF_BITS: u32 = 0xff800000u;

// -inf at run time (a WGSL constant expression may not be infinite).
fn neg_inf() -> f32 {
  var bits = NEG_INF_BITS;
  return bitcast<f32>(bits);
}

fn red_identity(op: u32) -> vec4<f32> {
  let ninf = neg_inf();
  if (op == 1u) { return vec4<f32>(ninf, 0.0, 0.0, 0.0); }
  if (op == 2u) { return vec4<f32>(ninf, 0.0, 0.0, 0.0); }
  return vec4<f32>(0.0);
}

fn red_lift(op: u32, x: f32) -> vec4<f32> {
  if (op == 2u) { return vec4<f32>(x, 1.0, 0.0, 0.0); }
  if (op == 3u) { return vec4<f32>(1.0, x, 0.0, 0.0); }
  return vec4<f32>(x, 0.0, 0.0, 0.0);
}

fn red_combine(op: u32, a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  if (op == 0u) { return vec4<f32>(a.x + b.x, 0.0, 0.0, 0.0); }
  if (op == 1u) { return vec4<f32>(max(a.x, b.x), 0.0, 0.0, 0.0); }
  if (op == 2u) {
    let m = max(a.x, b.x);
    if (m == neg_inf()) { return a; }
    return vec4<f32>(m, a.y * exp(a.x - m) + b.y * exp(b.x - m), 0.0, 0.0);
  }
  let n = a.x + b.x;
  if (n == 0.0) { return a; }
  let d = b.y - a.y;
  return vec4<f32>(n, a.y + d * (b.x / n), a.z + b.z + d * d * (a.x * b.x / n), 0.0);
}

// The reduced value: sum, max, logsumexp, or (mean, population variance) in .xy for OP 3.
fn red_finalize(op: u32, s: vec4<f32>) -> vec2<f32> {
  if (op == 2u) { return vec2<f32>(s.x + log(s.y), 0.0); }
  if (op == 3u) { return vec2<f32>(s.y, s.z / max(s.x, 1.0)); }
  return vec2<f32>(s.x, 0.0);
}
