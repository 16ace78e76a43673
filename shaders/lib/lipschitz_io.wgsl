// Bindings and point generation shared by the Lipschitz kernels (power_iter_step, sym_jacobian_eig).
// Point p (0 ≤ p < P) of a dispatch belongs to table row m = time_offset + p / per_time; its global
// index is g = time_offset·per_time + p. Its location is source row g mod sources (or, with a
// stride, row (g / per_time)·stride + g mod per_time: block m of the source for time m),
// plus σ_m·ε when `noise` is set (so samples of p_t come from data samples x_0: x_t = α x_0 + σ ε;
// a grid or given samples of q_t are used as they are).
#include "random"

// Bindings (params, mlp, times, sources, lam, xs, scores): LipschitzBindings in src/kernels/mlp_tangent.ts.

fn point_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// Standard normal vector for global point index p from Philox stream `stream` (counter (p, 4·chunk + stream)).
fn normal_vec(p: u32, stream: u32) -> array<f32, D> {
  var o: array<f32, D>;
  let seed = vec2<u32>(params.seed_lo, params.seed_hi);
  for (var c = 0u; c * 4u < D; c++) {
    let z = normal4(p, 4u * c + stream, seed);
    for (var k = 0u; k < 4u; k++) {
      if (4u * c + k < D) { o[4u * c + k] = z[k]; }
    }
  }
  return o;
}

fn time_row(p: u32) -> vec4<f32> {
  return times[params.time_offset + p / params.per_time];
}

fn global_index(p: u32) -> u32 {
  return params.time_offset * params.per_time + p;
}

fn point_location(p: u32, tm: vec4<f32>) -> array<f32, D> {
  var x: array<f32, D>;
  let g = global_index(p);
  // A strided source (trajectory frames) gives time m its own block of rows: m·stride + i.
  var src = g % params.sources;
  if (params.src_stride != 0u) { src = ((g / params.per_time) * params.src_stride + g % params.per_time) % params.sources; }
  let row = src * D;
  var z: array<f32, D>;
  if (params.noise != 0u) { z = normal_vec(g, 0u); }
  for (var i = 0u; i < D; i++) {
    x[i] = sources[row + i];
    if (params.noise != 0u) { x[i] = tm.x * x[i] + tm.y * z[i]; }
  }
  return x;
}

// Record the point and the score s = a·out + b·x there.
fn store_point(p: u32, x: array<f32, D>, out: array<f32, D>, tm: vec4<f32>) {
  for (var i = 0u; i < D; i++) {
    xs[p * D + i] = x[i];
    scores[p * D + i] = score_from_output(OUT_KIND, out[i], x[i], tm.x, tm.y);
  }
}
