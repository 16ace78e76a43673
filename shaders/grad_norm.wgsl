// Global gradient norm over the flat gradient buffer (first n floats), summed in a fixed order
// (bit-reproducible), and the clipping factor min(1, max_norm / (norm + 1e-6)) of torch.nn.utils.clip_grad_norm_.
// stats[0] = norm, stats[1] = factor (1 when max_norm <= 0). One workgroup of 256.

// Bindings: declared in src/kernels/grad_norm.ts.

var<workgroup> part: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var a = 0.0;
  for (var i = lid; i < np.n / 4u; i += 256u) { let g = grads[i]; a += dot(g, g); }
  part[lid] = a;
  for (var w = 128u; w > 0u; w >>= 1u) {
    workgroupBarrier();
    if (lid < w) { part[lid] += part[lid + w]; }
  }
  if (lid == 0u) {
    let norm = sqrt(part[0]);
    stats[0] = norm;
    stats[1] = select(1.0, min(1.0, np.max_norm / (norm + 1e-6)), np.max_norm > 0.0);
  }
}
