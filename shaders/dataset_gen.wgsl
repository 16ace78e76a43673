// Toy datasets drawn on the GPU from the seeded Philox RNG (src/data/datasets.ts documents each).
// Point i uses counters (i, 0, 0xda7a, 0) for uniforms and (i, 1, 0xda7a, 0) for four normals.
//   KIND 0: Gaussian mixture (≤ 16 components, d ≤ 4): component by cumulative weight, then
//           x = μ_k + L_k z (L_k the Cholesky factor), optionally clamped to [-clip, clip].
//   KIND 1: two moons (sklearn make_moons: angle evenly spaced per moon) + N(0, noise²), times scale.
//   KIND 2: swiss roll: s = 1.5π(1 + 2u), (s cos s, s sin s) + N(0, noise²), times scale.
//   KIND 3: checkerboard: x ∈ [-2, 2)², cells with floor(x) + floor(y) even, times scale.
#include "random"

override WG: u32 = 64u;
override KIND: u32 = 0u;

struct Component { mean: vec4<f32>, l0: vec4<f32>, l1: vec4<f32>, l2: vec4<f32>, l3: vec4<f32>, cum: vec4<f32> }

// Bindings: declared in src/kernels/dataset_gen.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= gp.n) { return; }
  let key = vec2<u32>(gp.seed_lo, gp.seed_hi);
  let w = philox4x32(vec4<u32>(i, 0u, 0xda7au, 0u), key);
  let wn = philox4x32(vec4<u32>(i, 1u, 0xda7au, 0u), key);
  let z = vec4<f32>(box_muller(wn.x, wn.y), box_muller(wn.z, wn.w));
  var x = vec4<f32>(0.0);
  switch KIND {
    case 0u: {
      let u = u01(w.x);
      var k = 0u;
      for (var c = 0u; c + 1u < gp.ncomp; c++) { if (u >= comps[c].cum.x) { k = c + 1u; } }
      let m = comps[k];
      x = m.mean + z.x * m.l0 + z.y * m.l1 + z.z * m.l2 + z.w * m.l3;   // l_j: column j of L
      if (gp.clip > 0.0) { x = clamp(x, vec4<f32>(-gp.clip), vec4<f32>(gp.clip)); }
    }
    case 1u: {
      let half = (gp.n + 1u) / 2u;          // sklearn: n_out = ceil(n/2) outer points, the rest inner
      let outer = i < half;
      let j = select(i - half, i, outer);
      let cnt = select(gp.n - half, half, outer);
      let th = 3.141592653589793 * f32(j) / f32(max(cnt, 2u) - 1u);
      let p = select(vec2<f32>(1.0 - cos(th), 0.5 - sin(th)), vec2<f32>(cos(th), sin(th)), outer);
      x = vec4<f32>((p + gp.noise * z.xy) * gp.scale, 0.0, 0.0);
    }
    case 2u: {
      let s = 4.71238898038469 * (1.0 + 2.0 * u01(w.x));
      x = vec4<f32>((vec2<f32>(s * cos(s), s * sin(s)) + gp.noise * z.xy) * gp.scale, 0.0, 0.0);
    }
    default: {
      let a = 4.0 * u01(w.x) - 2.0;
      let b0 = 4.0 * u01(w.y) - 2.0;
      // Move b up one cell (cyclically in [-2, 2)) when floor a + floor b is odd: each black cell
      // receives exactly one white cell, so the result is uniform on the black cells.
      let odd = (i32(floor(a)) + i32(floor(b0)) + 4) % 2 == 1;
      var b = b0;
      if (odd) { b = b0 + 1.0; if (b >= 2.0) { b = b - 4.0; } }
      x = vec4<f32>(vec2<f32>(a, b) * gp.scale, 0.0, 0.0);
    }
  }
  for (var j = 0u; j < gp.dim; j++) { out[i * gp.dim + j] = x[j]; }
}
