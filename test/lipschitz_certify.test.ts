// The branch-and-bound certificate of the network's L_s (src/lipschitz/certify.ts): point values and
// second derivatives against float64 references, soundness against dense grids on random networks,
// and networks with a known answer (a linear map, a Gaussian's score).
import { describe, expect, it } from 'vitest';
import { boxBound, certifyBox, lambdaMax, NetworkAtTime } from '../src/lipschitz/certify.js';
import { paperEstimate, paperGrid } from '../src/lipschitz/paper.js';
import { linearMapLipschitz, symmetricPartMax } from '../src/lipschitz/exact.js';
import { mlpLayout, type MlpSpec } from '../src/model/layout.js';
import { mlpScoreJacobian, randomParams } from './reference/mlp_tangent.js';

const specs: MlpSpec[] = [
  { dim: 2, hidden: [16, 16], activation: 'softplus', time: { kind: 'step', steps: 4 }, output: 'eps' },
  { dim: 2, hidden: [12, 10], activation: 'silu', time: { kind: 'fourier', features: 2 }, output: 'x0' },
  { dim: 3, hidden: [10], activation: 'tanh', time: { kind: 'none' }, output: 'velocity' },
  { dim: 1, hidden: [9, 7], activation: 'softplus', time: { kind: 'none' }, output: 'score' },
];
const T = { alpha: 0.8, sigma: 0.6, step: 2, tau: 0.3 };

describe('certificate: float64 network values', () => {
  it('λ_max(S) at points equals the forward-mode reference', () => {
    specs.forEach((spec, si) => {
      const layout = mlpLayout(spec);
      const p = randomParams(layout, 11 + si);
      const net = new NetworkAtTime(layout, p, T);
      for (let q = 0; q < 5; q++) {
        const x = Array.from({ length: spec.dim }, (_, i) => Math.sin(3 * q + i) * 0.9);
        const ref = symmetricPartMax(mlpScoreJacobian(layout, p, x, T).jacobian, spec.dim);
        expect(net.lambdaAt(x)).toBeAllclose(ref, { rtol: 1e-10, atol: 1e-10 });
      }
    });
  });

  it("the score at points equals the reference, and the paper's estimator is the max secant quotient on its grid", () => {
    const spec: MlpSpec = { dim: 2, hidden: [16, 16], activation: 'softplus', time: { kind: 'step', steps: 4 }, output: 'eps' };
    const layout = mlpLayout(spec);
    const p = randomParams(layout, 12);
    const net = new NetworkAtTime(layout, p, T);
    const g = paperGrid(2);
    expect(g.length).toBe(100);
    expect(g[99]).toBeAllclose([0.9, 0.9], { rtol: 1e-15 });
    const s = g.map((x) => mlpScoreJacobian(layout, p, x, T).score);
    for (let q = 0; q < 100; q += 17) expect(Array.from(net.score(g[q]!))).toBeAllclose(s[q]!, { rtol: 1e-12, atol: 1e-12 });
    let best = -Infinity;
    for (let j = 0; j < 100; j++)
      for (let k = 0; k < 100; k++) {
        if (j === k) continue;
        const dx = [g[j]![0]! - g[k]![0]!, g[j]![1]! - g[k]![1]!];
        best = Math.max(best, ((s[j]![0]! - s[k]![0]!) * dx[0]! + (s[j]![1]! - s[k]![1]!) * dx[1]!) / (dx[0]! ** 2 + dx[1]! ** 2));
      }
    expect(paperEstimate(net).value).toBeAllclose(best, { rtol: 1e-12 });
    // Each secant quotient is a mean of λ-type values along the segment: never above the certificate.
    expect(paperEstimate(net).value).toBeLessThanOrEqual(certifyBox(net, { lo: [0, 0], hi: [0.9, 0.9], tol: 0.05, timeBudgetMs: 1500 }).upper);
  });

  it('∂_k S at a point matches central differences of S', () => {
    specs.forEach((spec, si) => {
      const layout = mlpLayout(spec);
      const d = spec.dim;
      const net = new NetworkAtTime(layout, randomParams(layout, 21 + si), T);
      const x = Array.from({ length: d }, (_, i) => 0.3 - 0.2 * i);
      const { dLo } = net.enclose(x, x, true);
      const h = 1e-5;
      for (let k = 0; k < d; k++) {
        const xp = x.slice();
        const xm = x.slice();
        xp[k] = xp[k]! + h;
        xm[k] = xm[k]! - h;
        const sp = net.enclose(xp, xp, false).sLo;
        const sm = net.enclose(xm, xm, false).sLo;
        const fd = Array.from(sp, (v, i) => (v - sm[i]!) / (2 * h));
        // Central differences: O(h²) truncation, O(ε/h) rounding ≈ 1e-10 relative to |S|.
        expect(Array.from(dLo.subarray(k * d * d, (k + 1) * d * d))).toBeAllclose(fd, { rtol: 1e-5, atol: 1e-6 });
      }
    });
  });
});

describe('certificate: soundness and known answers', () => {
  it('never below a dense grid maximum on random networks (softplus, SiLU, tanh, ReLU)', () => {
    const cases: MlpSpec[] = [...specs, { dim: 2, hidden: [10, 10], activation: 'relu', time: { kind: 'none' }, output: 'score' }];
    cases.forEach((spec, si) => {
      const layout = mlpLayout(spec);
      const d = spec.dim;
      const p = randomParams(layout, 31 + si, 2);
      const net = new NetworkAtTime(layout, p, T);
      const lo = new Array<number>(d).fill(-1);
      const hi = new Array<number>(d).fill(1);
      const cert = certifyBox(net, { lo, hi, tol: 0.02, timeBudgetMs: 1500 });
      const side = d === 1 ? 2001 : d === 2 ? 101 : 21;
      let grid = -Infinity;
      for (let q = 0; q < side ** d; q++) {
        let r = q;
        const x = Array.from({ length: d }, () => {
          const v = -1 + (2 * (r % side)) / (side - 1);
          r = Math.floor(r / side);
          return v;
        });
        grid = Math.max(grid, net.lambdaAt(x));
      }
      expect(cert.upper).toBeGreaterThanOrEqual(grid);
      expect(cert.upper).toBeGreaterThanOrEqual(cert.lower);
      // The search's lower value is a real value at a point in the box.
      expect(net.lambdaAt(cert.argmax)).toBeAllclose(cert.lower, { rtol: 1e-12, atol: 1e-12 });
      if (cert.converged) expect(cert.upper - cert.lower).toBeLessThanOrEqual(Math.max(0.02 * Math.abs(cert.lower), 1e-3) * (1 + 1e-6) + 1e-9 * Math.max(1, Math.abs(cert.upper)));
    });
  });

  it('each box bound is above every value inside its box (random boxes of many sizes)', () => {
    [specs[0]!, specs[1]!, specs[2]!].forEach((spec, si) => {
      const layout = mlpLayout(spec);
      const d = spec.dim;
      const net = new NetworkAtTime(layout, randomParams(layout, 41 + si, 2), T);
      let s = 99 + si;
      const u = () => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return s / 2 ** 32;
      };
      for (let b = 0; b < 24; b++) {
        const w = 2 ** (-6 * u());
        const lo = Array.from({ length: d }, () => 2 * u() - 1);
        const hi = lo.map((v) => v + w);
        const { upper } = boxBound(net, lo, hi);
        const side = d === 3 ? 7 : 15;
        for (let q = 0; q < side ** d; q++) {
          let r = q;
          const x = lo.map((l, i) => {
            const v = l + ((hi[i]! - l) * (r % side)) / (side - 1);
            r = Math.floor(r / side);
            return v;
          });
          expect(upper).toBeGreaterThanOrEqual(net.lambdaAt(x));
        }
      }
    });
  });

  it('closes on a linear map (ReLU, every unit active, score output): λ_max(½(A + Aᵀ))', () => {
    const spec: MlpSpec = { dim: 2, hidden: [6], activation: 'relu', time: { kind: 'none' }, output: 'score' };
    const layout = mlpLayout(spec);
    const p = randomParams(layout, 5);
    const l0 = layout.layers[0]!;
    const l1 = layout.layers[1]!;
    // Biases large enough that every unit stays active on the box: the network is affine, J = W₁W₀.
    for (let j = 0; j < l0.out; j++) p[l0.bOffset + j] = 10;
    const A = new Array<number>(4).fill(0);
    for (let i = 0; i < 2; i++) for (let k = 0; k < 2; k++) for (let j = 0; j < l0.out; j++) A[i * 2 + k] = A[i * 2 + k]! + p[l1.wOffset + i * l1.in + j]! * p[l0.wOffset + j * l0.in + k]!;
    const net = new NetworkAtTime(layout, p, T);
    const cert = certifyBox(net, { lo: [-1, -1], hi: [1, 1], tol: 1e-9, atol: 1e-9, timeBudgetMs: 2000 });
    expect(cert.converged).toBe(true);
    expect(cert.upper).toBeAllclose(linearMapLipschitz(A, 2), { rtol: 1e-8 });
    expect(cert.lower).toBeAllclose(linearMapLipschitz(A, 2), { rtol: 1e-12 });
  });

  it("closes on a Gaussian's score (x0 output with a constant head: s = (α·b − x)/σ², L_s = −1/σ²)", () => {
    const spec: MlpSpec = { dim: 2, hidden: [8, 8], activation: 'softplus', time: { kind: 'none' }, output: 'x0' };
    const layout = mlpLayout(spec);
    const p = randomParams(layout, 9);
    const head = layout.layers[2]!;
    for (let i = 0; i < head.in * head.out; i++) p[head.wOffset + i] = 0;
    const net = new NetworkAtTime(layout, p, T);
    const cert = certifyBox(net, { lo: [-2, -2], hi: [2, 2], tol: 1e-9, atol: 1e-12, timeBudgetMs: 2000 });
    expect(cert.converged).toBe(true);
    expect(cert.upper).toBeAllclose(-1 / (T.sigma * T.sigma), { rtol: 1e-8 });
  });

  it('the gap shrinks to the target on a smooth network', () => {
    const layout = mlpLayout(specs[0]!);
    const net = new NetworkAtTime(layout, randomParams(layout, 77), T);
    const cert = certifyBox(net, { lo: [-1, -1], hi: [1, 1], tol: 1e-3, atol: 1e-6, timeBudgetMs: 8000 });
    expect(cert.converged).toBe(true);
    expect(cert.relGap).toBeLessThanOrEqual(1e-3 * (1 + 1e-6) + 1e-8);
    expect(lambdaMax([1, 0, 0, 3], 2)).toBe(3);
  });
});
