// The per-point vector work of the power iteration for λ_max(S), S = ½(J + Jᵀ) the symmetric part
// of the MLP score's Jacobian J = a·J_out + b·I (score_affine), at many points at once. One
// workgroup per point loops over the d coordinates and reduces in workgroup memory, so any d
// works. J_out·v and J_outᵀ·v come from chains of tangent_layer dispatches
// (src/lipschitz/power_iteration.ts). Modes (vp.mode):
//   0 points:    xs = the point (a source row, plus σ_t·ε when `noise`: samples of p_t)
//   1 start:     v = a standard normal vector (Philox stream vp.stream), normalised
//   2 step:      w = S v (+ c·v with c = 1.05·ρ + 1e-6 when vp.shift), v = w/|w|; unshifted steps
//                record ρ = |S v| (→ the spectral radius)
//   3 rayleigh:  lam = vᵀ S v / vᵀ v, a lower estimate of λ_max(S) at the point
// Power iteration converges to the eigenvalue of largest magnitude, usually the most negative one
// for a score, hence the shift: S + c·I has top eigenvalue λ_max + c and all others in [0, …).
#include "random"
#include "mlp_output"

override OUT_KIND: u32 = 0u;
override D: u32 = 2u;
const WGP: u32 = 64u;

// Bindings (run, vp, times, sources, xs, v, jv, jtv, rho, lam): PowerIterBindings in src/kernels/power_iter_step.ts.

var<workgroup> red: array<f32, WGP>;

fn wg_sum(lid: u32, x: f32) -> f32 {
  red[lid] = x;
  workgroupBarrier();
  for (var s = WGP / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn time_row(p: u32) -> vec4<f32> {
  return times[run.time_offset + p / run.per_time];
}

@compute @workgroup_size(WGP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let p = wid.x + wid.y * nwg.x;
  if (p >= run.points) { return; }
  let tm = time_row(p);
  let g = run.time_offset * run.per_time + p;
  let seed = vec2<u32>(run.seed_lo, run.seed_hi);
  let base = p * D;
  switch vp.mode {
    case 0u: {
      // Source row: g mod sources, or block m of a strided source (trajectory frames).
      var src = g % run.sources;
      if (run.src_stride != 0u) { src = ((g / run.per_time) * run.src_stride + g % run.per_time) % run.sources; }
      for (var c = lid; 4u * c < D; c += WGP) {
        var z = vec4<f32>(0.0);
        if (run.noise != 0u) { z = normal4(g, 4u * c, seed); }
        for (var k = 0u; k < 4u; k++) {
          let i = 4u * c + k;
          if (i < D) {
            var x = sources[src * D + i];
            if (run.noise != 0u) { x = tm.x * x + tm.y * z[k]; }
            xs[base + i] = x;
          }
        }
      }
    }
    case 1u: {
      var n2 = 0.0;
      for (var c = lid; 4u * c < D; c += WGP) {
        let z = normal4(g, 4u * c + vp.stream, seed);
        for (var k = 0u; k < 4u; k++) {
          if (4u * c + k < D) { v[base + 4u * c + k] = z[k]; n2 += z[k] * z[k]; }
        }
      }
      let n = sqrt(wg_sum(lid, n2));
      let inv = select(0.0, 1.0 / n, n > 0.0);
      for (var i = lid; i < D; i += WGP) { v[base + i] *= inv; }
    }
    case 2u: {
      let ab = score_affine(OUT_KIND, tm.x, tm.y);
      var c = 0.0;
      if (vp.shift != 0u) { c = 1.05 * rho[p] + 1e-6; }
      var n2 = 0.0;
      for (var i = lid; i < D; i += WGP) {
        let w = ab.x * 0.5 * (jv[base + i] + jtv[base + i]) + (ab.y + c) * v[base + i];
        n2 += w * w;
      }
      let n = sqrt(wg_sum(lid, n2));
      if (vp.shift == 0u && lid == 0u) { rho[p] = n; }
      if (n > 0.0) {
        for (var i = lid; i < D; i += WGP) {
          v[base + i] = (ab.x * 0.5 * (jv[base + i] + jtv[base + i]) + (ab.y + c) * v[base + i]) / n;
        }
      }
    }
    default: {
      let ab = score_affine(OUT_KIND, tm.x, tm.y);
      var vjv = 0.0;
      var vv = 0.0;
      for (var i = lid; i < D; i += WGP) {
        vjv += v[base + i] * jv[base + i];
        vv += v[base + i] * v[base + i];
      }
      let q = wg_sum(lid, vjv);
      let n = wg_sum(lid, vv);
      if (lid == 0u) { lam[p] = select(ab.y, ab.x * q / n + ab.y, n > 0.0); }
    }
  }
}
