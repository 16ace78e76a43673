// Exp throughput of the adapter, the second ceiling of the benchmarks (the Sinkhorn softmin costs
// one exp per point pair). Invocation i runs ITERS iterations of 4 steps of 16 exps in four
// independent vec4 chains (so latency does not hide throughput) and writes the sum, which keeps the
// work alive. The 4 steps are a constant-trip inner loop that compilers unroll (lavapipe: 2.6 → 3.5
// Gexp/s on 2 cores; loop bookkeeping hid part of the peak). Arguments stay in [-8, 0]: no overflow. Params (ThroughputParams: n) come from
// src/kernels/bench_throughput.ts (the owner: src/kernels/bench_exp.ts).

override WG: u32 = 256u;
override ITERS: u32 = 64u;

// Bindings: declared in src/kernels/bench_throughput.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  var x0 = vec4<f32>(-1e-4 * f32(i & 1023u)) - vec4<f32>(0.0, 0.25, 0.5, 0.75);
  var x1 = x0 - 1.0;
  var x2 = x0 - 2.0;
  var x3 = x0 - 3.0;
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  var s3 = vec4<f32>(0.0);
  for (var t = 0u; t < ITERS; t++) {
    for (var u = 0u; u < 4u; u++) {
      s0 += exp(x0);
      s1 += exp(x1);
      s2 += exp(x2);
      s3 += exp(x3);
      x0 -= 1e-3;
      x1 -= 1e-3;
      x2 -= 1e-3;
      x3 -= 1e-3;
    }
  }
  out[i] = dot(s0 + s1 + s2 + s3, vec4<f32>(1.0));
}
