// Arithmetic peak of the adapter: the FLOP ceiling of the benchmarks next to the register-blocked
// matmul (a fused kernel that keeps its operands in registers can beat any matmul at thin shapes,
// never this). Invocation i runs ITERS iterations of 4 steps of 8 independent vec4 fma chains (so
// latency does not hide throughput: 4 · 32 fmas = 256 FLOP per iteration) and writes their sum,
// which keeps the work alive. The 4 steps are a constant-trip inner loop that compilers unroll: with
// one step per iteration, lavapipe spent most of its time on loop bookkeeping (18 GFLOP/s on 2
// cores; 4 steps: 41–51, one 8-wide fma per cycle per core; a fused sampler reached 104% of the old
// figure). The chains contract toward a fixed point (|a| < 1), so nothing overflows. Params
// (ThroughputParams: n) come from src/kernels/bench_throughput.ts (the owner: src/kernels/bench_fma.ts).

override WG: u32 = 256u;
override ITERS: u32 = 1024u;

// Bindings: declared in src/kernels/bench_throughput.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let a = vec4<f32>(0.999, 0.998, 0.997, 0.996) - vec4<f32>(1e-7 * f32(i & 1023u));
  let b = vec4<f32>(1e-3, 2e-3, 3e-3, 4e-3);
  var x0 = vec4<f32>(f32(i & 7u));
  var x1 = x0 + 1.0;
  var x2 = x0 + 2.0;
  var x3 = x0 + 3.0;
  var x4 = x0 + 4.0;
  var x5 = x0 + 5.0;
  var x6 = x0 + 6.0;
  var x7 = x0 + 7.0;
  for (var t = 0u; t < ITERS; t++) {
    for (var u = 0u; u < 4u; u++) {
      x0 = fma(x0, a, b);
      x1 = fma(x1, a, b);
      x2 = fma(x2, a, b);
      x3 = fma(x3, a, b);
      x4 = fma(x4, a, b);
      x5 = fma(x5, a, b);
      x6 = fma(x6, a, b);
      x7 = fma(x7, a, b);
    }
  }
  out[i] = dot(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7, vec4<f32>(1.0));
}
