// MLP activations and their derivatives, by code (src/model/layout.ts ACTIVATION_CODE):
// 0 softplus, 1 SiLU, 2 ReLU, 3 LeakyReLU (slope), 4 tanh. Pass an `override` constant as `kind`
// so the switch folds away. Written to stay finite for any finite input.

fn act_sigmoid(v: f32) -> f32 {
  // exp of a non-positive number only: no overflow.
  let e = exp(-abs(v));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0);
}

fn act_fwd(kind: u32, v: f32, slope: f32) -> f32 {
  switch kind {
    case 0u: { return max(v, 0.0) + log(1.0 + exp(-abs(v))); }
    case 1u: { return v * act_sigmoid(v); }
    case 2u: { return max(v, 0.0); }
    case 3u: { return select(slope * v, v, v >= 0.0); }
    default: { return tanh(clamp(v, -15.0, 15.0)); }
  }
}

// d act / d v at v.
fn act_grad(kind: u32, v: f32, slope: f32) -> f32 {
  switch kind {
    case 0u: { return act_sigmoid(v); }
    case 1u: { let s = act_sigmoid(v); return s + v * s * (1.0 - s); }
    case 2u: { return select(0.0, 1.0, v > 0.0); }
    case 3u: { return select(slope, 1.0, v >= 0.0); }
    default: { let y = tanh(clamp(v, -15.0, 15.0)); return 1.0 - y * y; }
  }
}

// d² act / d v² at v (0 for ReLU and LeakyReLU away from the kink).
fn act_curv(kind: u32, v: f32, slope: f32) -> f32 {
  switch kind {
    case 0u: { let s = act_sigmoid(v); return s * (1.0 - s); }
    case 1u: { let s = act_sigmoid(v); return s * (1.0 - s) * (2.0 + v * (1.0 - 2.0 * s)); }
    case 4u: { let y = tanh(clamp(v, -15.0, 15.0)); return -2.0 * y * (1.0 - y * y); }
    default: { return 0.0; }
  }
}
