// One MLP layer for many points at once, for the Jacobian products of the Lipschitz power
// iteration at any dimension (src/lipschitz/power_iteration.ts drives it; src/model/layout.ts has
// the network). Buffers are point-major: row p of an input or output holds that point's features.
// Each invocation computes a block of 4 points × 4 features in 16 registers; nothing it keeps
// depends on d or the layer widths, so d = 784 or 4096 compiles and runs like d = 2.
//
// Modes (lp.mode), with W the layer's weights (out × in, row-major), s its scale, e its per-step
// embedding row (when lp.emb), g the layer's stored slopes:
//   0 forward, hidden:  u = s·(W h) + b, v = u·e, y = act(v), slopes = act'(v)·e·s
//                       (layer 0: h = [x, Fourier features of τ]; the x part comes from xin)
//   1 forward, head:    o = s·(W h) + b, y = the score from o at the point (pts), per output kind
//   2 JVP:              y = g ⊙ (W a)  (head: s·W a); layer 0 uses only its d data columns
//   3 VJP:              y = Wᵀ (g ⊙ a) (head: s·Wᵀ a), restricted to the first in_cols inputs
//   4 gradient:         y = Wᵀ (g ⊙ a + κ), κ = c ⊙ z ⊙ act''(v)·(e·s)² (hidden layers; the first
//                       step, layer L−1, has a = 0)
// so a chain of mode-2 dispatches computes J_out·v, a chain of mode-3 dispatches J_outᵀ·w, and a
// chain of mode-4 dispatches ∇_x (wᵀ J_out(x) v): the sum over hidden layers l of the input-gradient
// of the l-th slope diagonal contracted with c_l (the VJP's cotangent on h_l) and z_l = W_l t_{l−1}
// (the JVP's pre-slope tangent); see src/lipschitz/search.ts.
// With run.plane > 0 each point's slope row (stride run.sumh) holds four planes of run.plane floats:
// slopes, curvatures act''(v)·(e·s)², z (written by JVP) and c (written by VJP, lp.store_off).
#include "activations"
#include "mlp_output"

override WG: u32 = 64u;
override ACT: u32 = 0u;
override LEAKY: f32 = 0.01;
override OUT_KIND: u32 = 0u;

// Bindings (run, lp, mlp, times, xin, pts, slopes, yout): TangentLayerBindings in src/kernels/tangent_layer.ts.

fn time_of(p: u32) -> vec4<f32> {
  return times[run.time_offset + p / run.per_time];
}

fn in_row(p: u32, width: u32) -> u32 {
  return min(p, run.points - 1u) * width;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * WG;
  let P = run.points;
  let transposed = lp.mode >= 3u;
  // Outputs per point, and the length of the reduction.
  let nout = select(lp.out_dim, lp.in_cols, transposed);
  let nred = select(lp.in_cols, lp.out_dim, transposed);
  let np4 = (P + 3u) / 4u;
  let nj4 = (nout + 3u) / 4u;
  if (idx >= np4 * nj4) { return; }
  // Neighbouring invocations share the feature block (the same weights) and step through points.
  let p0 = (idx % np4) * 4u;
  let j0 = (idx / np4) * 4u;
  let xw = select(lp.in_cols, lp.out_dim, transposed); // row width of xin
  let x0 = in_row(p0, xw);
  let x1 = in_row(p0 + 1u, xw);
  let x2 = in_row(p0 + 2u, xw);
  let x3 = in_row(p0 + 3u, xw);
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  let last = nout - 1u;
  if (!transposed) {
    // c_q[r] = Σ_i W[j0 + r][i] x_q[i]
    let r0 = lp.w_off + min(j0, last) * lp.in_dim;
    let r1 = lp.w_off + min(j0 + 1u, last) * lp.in_dim;
    let r2 = lp.w_off + min(j0 + 2u, last) * lp.in_dim;
    let r3 = lp.w_off + min(j0 + 3u, last) * lp.in_dim;
    for (var i = 0u; i < nred; i++) {
      let w = vec4<f32>(mlp[r0 + i], mlp[r1 + i], mlp[r2 + i], mlp[r3 + i]);
      c0 += xin[x0 + i] * w;
      c1 += xin[x1 + i] * w;
      c2 += xin[x2 + i] * w;
      c3 += xin[x3 + i] * w;
    }
  } else {
    // c_q[r] = Σ_j W[j][j0 + r] g_q[j] a_q[j]
    let i0 = min(j0, last);
    let i1 = min(j0 + 1u, last);
    let i2 = min(j0 + 2u, last);
    let i3 = min(j0 + 3u, last);
    let g0 = min(p0, P - 1u) * run.sumh + lp.slope_off;
    let g1 = min(p0 + 1u, P - 1u) * run.sumh + lp.slope_off;
    let g2 = min(p0 + 2u, P - 1u) * run.sumh + lp.slope_off;
    let g3 = min(p0 + 3u, P - 1u) * run.sumh + lp.slope_off;
    let pl = run.plane;
    for (var j = 0u; j < nred; j++) {
      let row = lp.w_off + j * lp.in_dim;
      let w = vec4<f32>(mlp[row + i0], mlp[row + i1], mlp[row + i2], mlp[row + i3]);
      var a = vec4<f32>(0.0);
      if (lp.first == 0u) { a = vec4<f32>(xin[x0 + j], xin[x1 + j], xin[x2 + j], xin[x3 + j]); }
      if (lp.has_slopes != 0u) { a *= vec4<f32>(slopes[g0 + j], slopes[g1 + j], slopes[g2 + j], slopes[g3 + j]); }
      if (lp.mode == 4u) {
        // κ = curvature ⊙ z ⊙ c (planes 1, 2, 3).
        a += vec4<f32>(slopes[g0 + pl + j] * slopes[g0 + 2u * pl + j] * slopes[g0 + 3u * pl + j],
                       slopes[g1 + pl + j] * slopes[g1 + 2u * pl + j] * slopes[g1 + 3u * pl + j],
                       slopes[g2 + pl + j] * slopes[g2 + 2u * pl + j] * slopes[g2 + 3u * pl + j],
                       slopes[g3 + pl + j] * slopes[g3 + 2u * pl + j] * slopes[g3 + 3u * pl + j]);
      }
      c0 += a.x * w;
      c1 += a.y * w;
      c2 += a.z * w;
      c3 += a.w * w;
    }
  }
  let s = mlp[lp.scale_idx];
  for (var q = 0u; q < 4u; q++) {
    let p = p0 + q;
    if (p >= P) { break; }
    var acc = c0;
    switch q {
      case 1u: { acc = c1; }
      case 2u: { acc = c2; }
      case 3u: { acc = c3; }
      default: {}
    }
    let tm = time_of(p);
    for (var r = 0u; r < 4u; r++) {
      let j = j0 + r;
      if (j >= nout) { break; }
      var y = acc[r];
      switch lp.mode {
        case 0u, 1u: {
          // Fourier time features of layer 0 (inputs d .. d + 2F − 1): sin, then cos, ω_k = π·2^k.
          for (var k = 0u; k < lp.fourier; k++) {
            let wk = 3.14159265358979 * f32(1u << k);
            y += mlp[lp.w_off + j * lp.in_dim + lp.in_cols + k] * sin(wk * tm.w);
            y += mlp[lp.w_off + j * lp.in_dim + lp.in_cols + lp.fourier + k] * cos(wk * tm.w);
          }
          let u = s * y + mlp[lp.b_off + j];
          if (lp.mode == 1u) {
            y = score_from_output(OUT_KIND, u, pts[p * lp.out_dim + j], tm.x, tm.y);
          } else {
            var e = 1.0;
            if (lp.emb != 0u) { e = mlp[lp.e_off + u32(tm.z) * lp.out_dim + j]; }
            let v = u * e;
            y = act_fwd(ACT, v, LEAKY);
            slopes[p * run.sumh + lp.slope_off + j] = act_grad(ACT, v, LEAKY) * e * s;
            if (run.plane != 0u) { slopes[p * run.sumh + run.plane + lp.slope_off + j] = act_curv(ACT, v, LEAKY) * (e * s) * (e * s); }
          }
        }
        case 2u: {
          if (lp.has_slopes != 0u) {
            if (run.plane != 0u) { slopes[p * run.sumh + 2u * run.plane + lp.slope_off + j] = y; }
            y *= slopes[p * run.sumh + lp.slope_off + j];
          } else { y *= s; }
        }
        case 3u: {
          if (lp.has_slopes == 0u) { y *= s; }
          // The cotangent on the previous hidden layer's output, for the gradient chain.
          if (run.plane != 0u && lp.store != 0u) { slopes[p * run.sumh + 3u * run.plane + lp.store_off + j] = y; }
        }
        default: {}
      }
      yout[p * nout + j] = y;
    }
  }
}
