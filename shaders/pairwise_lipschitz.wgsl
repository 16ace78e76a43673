// The paper's pairwise estimator of the one-sided Lipschitz constant: for each point i of a time
// segment, max over the other points j of the same segment of (s_i − s_j)·(x_i − x_j)/|x_i − x_j|².
// O(N²) per segment (the paper uses a 10×10 grid); the per-point maxima are then reduced per segment.
// Pairs closer than sqrt(min_dist2) are skipped (the quotient is then dominated by rounding).

override WG: u32 = 64u;
override D: u32 = 2u;

// Bindings: declared in src/kernels/pairwise_lipschitz.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.points) { return; }
  let start = (i / params.per_time) * params.per_time;
  var ninf_bits = 0xff800000u;
  var m = bitcast<f32>(ninf_bits);
  for (var j = start; j < start + params.per_time; j++) {
    if (j == i) { continue; }
    var num = 0.0;
    var den = 0.0;
    for (var k = 0u; k < D; k++) {
      let dx = xs[i * D + k] - xs[j * D + k];
      num += (scores[i * D + k] - scores[j * D + k]) * dx;
      den += dx * dx;
    }
    if (den > params.min_dist2) { m = max(m, num / den); }
  }
  best[i] = m;
}
