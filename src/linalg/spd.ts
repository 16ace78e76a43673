/**
 * Dense symmetric matrices at high dimension in float64 (d up to a few thousand), row-major:
 *  - `choleskyLower`: A = L Lᵀ, d³/3 multiply-adds, inner loops over contiguous rows; the factor of
 *    what an exact mixture score needs at one time (C⁻¹ y and log det C), and the SPD test;
 *  - `solveCholesky`, `logDetCholesky`: C⁻¹ y by two triangular solves (d² each), log det C = 2 Σ log L_ii;
 *  - `eighTridiagonal`: A = V diag(w) Vᵀ by Householder tridiagonalisation and the implicit QL
 *    algorithm (the EISPACK tred2/tql2 pair as in JAMA, public domain), ~9 d³ flops against ~30 d³
 *    for cyclic Jacobi (src/linalg/eigh.ts, kept for small matrices); the reduction builds V
 *    transposed and the QL sweeps apply their rotation chains row by row, so every inner loop
 *    runs over contiguous memory.
 */

/**
 * Lower Cholesky factor (row-major, upper triangle zero) of an SPD matrix, or the first pivot that
 * is not positive. Rows are computed in blocks of CHOLESKY_ROWS: each finished row j is read once per
 * block and dotted with all the block's rows (held in cache), which divides the memory traffic of
 * the row-by-row order (d³/6 doubles streamed, memory-bound above d ≈ 1000) by the block size.
 */
export function choleskyLower(a: ArrayLike<number>, d: number): { l: Float64Array; failedAt?: undefined } | { l?: undefined; failedAt: number; pivot: number } {
  const l = new Float64Array(d * d);
  for (let i0 = 0; i0 < d; i0 += CHOLESKY_ROWS) {
    const i1 = Math.min(d, i0 + CHOLESKY_ROWS);
    // Columns left of the block: rows j < i0 are final.
    for (let j = 0; j < i0; j++) {
      const oj = j * d;
      const ljj = l[oj + j]!;
      for (let i = i0; i < i1; i++) {
        const oi = i * d;
        let s = a[oi + j]!;
        for (let k = 0; k < j; k++) s -= l[oi + k]! * l[oj + k]!;
        l[oi + j] = s / ljj;
      }
    }
    // The block's own lower triangle, row by row.
    for (let i = i0; i < i1; i++) {
      const oi = i * d;
      for (let j = i0; j <= i; j++) {
        const oj = j * d;
        let s = a[oi + j]!;
        for (let k = 0; k < j; k++) s -= l[oi + k]! * l[oj + k]!;
        if (i === j) {
          if (!(s > 0)) return { failedAt: i, pivot: s };
          l[oi + i] = Math.sqrt(s);
        } else l[oi + j] = s / l[oj + j]!;
      }
    }
  }
  return { l };
}
const CHOLESKY_ROWS = 16;

/** log det A = 2 Σ log L_ii. */
export function logDetCholesky(l: Float64Array, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += Math.log(l[i * d + i]!);
  return 2 * s;
}

/** A⁻¹ y for A = L Lᵀ (forward then backward substitution); also returns yᵀ A⁻¹ y = |L⁻¹ y|². */
export function solveCholesky(l: Float64Array, d: number, y: ArrayLike<number>): { x: Float64Array; quad: number } {
  const u = new Float64Array(d);
  let quad = 0;
  for (let i = 0; i < d; i++) {
    const oi = i * d;
    let s = y[i]!;
    for (let k = 0; k < i; k++) s -= l[oi + k]! * u[k]!;
    u[i] = s / l[oi + i]!;
    quad += u[i]! * u[i]!;
  }
  // Backward with Lᵀ: x_i = (u_i − Σ_{k>i} L_ki x_k) / L_ii, accumulated row by row of L (contiguous).
  const x = u;
  for (let i = d - 1; i >= 0; i--) {
    x[i] = x[i]! / l[i * d + i]!;
    const xi = x[i]!;
    const oi = i * d;
    for (let k = 0; k < i; k++) x[k] = x[k]! - l[oi + k]! * xi;
  }
  return { x, quad };
}

/**
 * Symmetric eigendecomposition a = V diag(w) Vᵀ, eigenvalues ascending, V's columns the
 * eigenvectors (row-major d×d like `eigh`). Householder reduction to tridiagonal form (tred2)
 * with the transformations accumulated, then the implicit QL iteration with shifts (tql2).
 */
export function eighTridiagonal(a: ArrayLike<number>, n: number): { w: Float64Array; v: Float64Array } {
  // W = Vᵀ throughout: JAMA's V[r][c] is W[c·n + r]. The input is symmetric (symmetrised here), so W starts as A.
  const W = Float64Array.from(a);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) W[i * n + j] = W[j * n + i] = 0.5 * (W[i * n + j]! + W[j * n + i]!);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // tred2.
  for (let j = 0; j < n; j++) d[j] = W[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = W[j * n + i - 1]!;
        W[j * n + i] = 0;
        W[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = d[k]! / scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        const oj = j * n;
        W[i * n + j] = f;
        g = e[j]! + W[oj + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vkj = W[oj + k]!;
          g += vkj * d[k]!;
          e[k] = e[k]! + vkj * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = e[j]! / h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        const oj = j * n;
        for (let k = j; k <= i - 1; k++) W[oj + k] = W[oj + k]! - (f * e[k]! + g * d[k]!);
        d[j] = W[oj + i - 1]!;
        W[oj + i] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    W[i * n + n - 1] = W[i * n + i]!;
    W[i * n + i] = 1;
    const h = d[i + 1]!;
    const oi1 = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = W[oi1 + k]! / h;
      for (let j = 0; j <= i; j++) {
        const oj = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += W[oi1 + k]! * W[oj + k]!;
        for (let k = 0; k <= i; k++) W[oj + k] = W[oj + k]! - g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) W[oi1 + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = W[j * n + n - 1]!;
    W[j * n + n - 1] = 0;
  }
  W[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
  // tql2 on V row-major (V = Wᵀ): each QL sweep is a chain of Givens rotations on adjacent columns
  // (i, i+1), i = m−1 … l; recorded, then applied row by row of V over the contiguous columns l..m,
  // so V is streamed once per sweep instead of once per rotation.
  const V = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) V[r * n + c] = W[c * n + r]!;
  const cs = new Float64Array(n);
  const sn = new Float64Array(n);
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error(`eighTridiagonal: no convergence at eigenvalue ${l} of ${n}`);
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          cs[i] = c;
          sn[i] = s;
        }
        for (let k = 0; k < n; k++) {
          const o = k * n;
          let hk = V[o + m]!;
          for (let i = m - 1; i >= l; i--) {
            const vk = V[o + i]!;
            V[o + i + 1] = sn[i]! * vk + cs[i]! * hk;
            hk = cs[i]! * vk - sn[i]! * hk;
          }
          V[o + l] = hk;
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  // Sort ascending and write V = Wᵀ (row-major, columns the eigenvectors).
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x]! - d[y]!);
  const w = Float64Array.from(order, (i) => d[i]!);
  const v = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    const o = r * n;
    for (let col = 0; col < n; col++) v[o + col] = V[o + order[col]!]!;
  }
  return { w, v };
}
