/** Float64 CPU references for the benchmark kernels (shaders/bench_matmul.wgsl, bench_exp.wgsl). */

/** C = A·B in float64, row-major; also Σ_k |A_ik||B_kj| per element (for error bounds). */
export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, k: number): { c: Float64Array; absSum: Float64Array } {
  const c = new Float64Array(m * n);
  const absSum = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      for (let j = 0; j < n; j++) {
        const bv = b[p * n + j]!;
        c[i * n + j]! += av * bv;
        absSum[i * n + j]! += Math.abs(av * bv);
      }
    }
  }
  return { c, absSum };
}

/** What bench_exp writes for invocation i: Σ_t Σ_chains Σ_lanes exp(x) over `steps` steps (4 per kernel iteration), in float64. */
export function expSumRef(i: number, steps: number): number {
  let s = 0;
  const base = -1e-4 * (i & 1023);
  for (let chain = 0; chain < 4; chain++) {
    for (let lane = 0; lane < 4; lane++) {
      const x0 = base - 0.25 * lane - chain;
      for (let t = 0; t < steps; t++) s += Math.exp(x0 - 1e-3 * t);
    }
  }
  return s;
}

/** What bench_fma writes for invocation i: Σ_chains Σ_lanes x after `steps` steps x ← a·x + b (4 per kernel iteration), in float64 (a, b rounded to f32 as the kernel builds them). */
export function fmaSumRef(i: number, steps: number): number {
  const f = Math.fround;
  let s = 0;
  for (let lane = 0; lane < 4; lane++) {
    const a = f(f([0.999, 0.998, 0.997, 0.996][lane]!) - f(1e-7 * (i & 1023)));
    const b = f([1e-3, 2e-3, 3e-3, 4e-3][lane]!);
    for (let chain = 0; chain < 8; chain++) {
      let x = (i & 7) + chain;
      for (let t = 0; t < steps; t++) x = a * x + b;
      s += x;
    }
  }
  return s;
}
