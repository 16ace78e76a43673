// The network's L_s supremum as `lipschitz --checkpoint` and engine.lipschitzSupremum report it
// (src/lipschitz/network_sup.ts): the GPU search beats the samples-only value where the supremum
// sits between clusters (known answer), the certificate is never below any value found and never
// below a dense grid over its box, the box grows while the argmax sits on its edge and says so when
// it still does, and above d = 3 no certificate is printed (null, with the reason). The default region
// is 'plane' (all of ℝ^d) at d ≤ 2 — in networkSupremum and engine.lipschitzSupremum — and 'box' at d = 3.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/api/engine.js';
import { NetworkAtTime } from '../src/lipschitz/certify.js';
import { defaultRegion, networkSupremum, onBoxEdge, secantMidpoints, type SupremumPhase } from '../src/lipschitz/network_sup.js';
import type { TangentTime } from '../src/kernels/mlp_tangent.js';
import { mlpLayout, type MlpLayout, type MlpSpec } from '../src/model/layout.js';
import { useGpu } from './gpu.js';
import { randomParams } from './reference/mlp_tangent.js';

/** One hidden layer, score output (J_s = W₂ diag(σ′(W₁x + b₁)) W₁), weights given. */
function oneLayer(activation: 'tanh' | 'softplus', w1: number[], b1: number[], w2: number[]): { spec: MlpSpec; layout: MlpLayout; params: Float32Array } {
  const spec: MlpSpec = { dim: 2, hidden: [b1.length], activation, time: { kind: 'none' }, output: 'score' };
  const layout = mlpLayout(spec);
  const params = new Float32Array(layout.size);
  const [h, o] = layout.layers as [MlpLayout['layers'][number], MlpLayout['layers'][number]];
  params.set(w1, h.wOffset);
  params.set(b1, h.bOffset);
  params.set(w2, o.wOffset);
  for (let l = 0; l < layout.layers.length; l++) params[layout.scaleOffset + l] = 1;
  return { spec, layout, params };
}

/** Samples around the four cluster centres (±0.5, ±0.5), spread 0.02 (deterministic). */
function clusterSamples(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 4;
    out.push((c & 1 ? 0.5 : -0.5) + 0.02 * Math.sin(7.1 * i), (c & 2 ? 0.5 : -0.5) + 0.02 * Math.cos(3.3 * i));
  }
  return out;
}

describe('lipschitz: the network supremum (search + certificate)', () => {
  const gpu = useGpu();
  const t0: TangentTime = { alpha: 1, sigma: 1 };

  it('supremum between clusters (known answer 10 at x₁ = 0): the search finds it, the samples see ~0, certified closes on it', async () => {
    // s = (tanh(10 x₁), −tanh(x₂)): λ_max(J) = 10 sech²(10 x₁) (the other eigenvalue is ≤ 0): sup 10 on
    // the line x₁ = 0, between the clusters; at the samples (|x₁| ≈ 0.5) it is 10 sech²(5) ≈ 1.8e-3.
    const { layout, params } = oneLayer('tanh', [10, 0, 0, 1], [0, 0], [1, 0, 0, -1]);
    const samples = clusterSamples(64);
    const rep = await networkSupremum(gpu(), layout, params, [t0], { samples: [samples], secondsPerTime: 5, tol: 0.01, sampleStarts: 32, gridStarts: 0, randomStarts: 0, secantStarts: 8, steps: 20, paper: false });
    const r = rep.rows[0]!;
    expect(r.lsSamples!).toBeLessThan(0.01);
    // The search alone (no grid, no random starts: samples and their secant midpoints) reaches the
    // valley: within 1e-3 of 10 (float64 re-evaluation at an f32 argmax, |x₁| ≲ 1e-4 there).
    expect(r.lsSearch).toBeAllclose(10, { rtol: 1e-3 });
    expect(Math.abs(r.lsSearchArgmax[0]!)).toBeLessThan(0.01);
    expect(r.ls).toBeGreaterThanOrEqual(r.lsSearch);
    expect(r.certified!).toBeGreaterThanOrEqual(r.ls);
    // Closes to the target gap on a known answer (10·(1 + 0.01), plus the 1e-9 rounding inflation).
    expect(r.certified!).toBeLessThanOrEqual(10 * 1.01 + 1e-6);
    expect(r.edge).toBe(false);
    expect(r.box).toBe(1.5);
    // No region asked for at d = 2: the certificate covers all of ℝ² (the valley x₁ = 0 runs to
    // infinity along x₂, so the outside part holds the supremum too), closed at the target.
    expect(r.certifiedRegion).toBe('R^2');
    expect(r.converged).toBe(true);
    expect(r.certInner!.halfWidth).toBe(1.5);
    expect(r.certOutside!.radius).toBe(1.5);
    expect(r.certOutside!.upper).toBeGreaterThanOrEqual(10);
    expect(rep.starts).toBeGreaterThan(0);
    expect(rep.startKinds.secant).toBe(8);
  });

  it('progress (onPhase): the search round, then each certificate part as it ends; an abort between parts rejects', async () => {
    const { layout, params } = oneLayer('tanh', [10, 0, 0, 1], [0, 0], [1, 0, 0, -1]);
    const times = [t0, t0];
    const opts = { samples: [clusterSamples(16), clusterSamples(16)], boxesPerTime: 200, sampleStarts: 8, gridStarts: 0, randomStarts: 4, secantStarts: 4, steps: 5, paper: false };
    const phases: SupremumPhase[] = [];
    const rep = await networkSupremum(gpu(), layout, params, times, { ...opts, onPhase: (e) => phases.push(e) });
    expect(phases.map((e) => (e.phase === 'search' ? `search ${e.round} ${e.times}` : `${e.part} ${e.time}/${e.times}`))).toEqual(['search 0 2', 'box 0/2', 'box 1/2', 'outside 0/2', 'outside 1/2']);
    const last = phases.at(-1)!;
    expect(last.phase === 'certificate' && last.upper).toBe(rep.rows[1]!.certOutside!.upper);
    // The same digits with and without the callback (a binding box cap makes them repeatable).
    const again = await networkSupremum(gpu(), layout, params, times, opts);
    expect(again.rows.map((r) => [r.ls, r.certified, r.certifiedLoose])).toEqual(rep.rows.map((r) => [r.ls, r.certified, r.certifiedLoose]));
    // Cancelled after the first certificate part: the event loop runs between parts, the abort is seen there.
    const stop = new AbortController();
    const run = networkSupremum(gpu(), layout, params, times, { ...opts, signal: stop.signal, onPhase: (e) => e.phase === 'certificate' && stop.abort() });
    await expect(run).rejects.toThrow('L_s supremum cancelled');
  });

  it('secant midpoints: the pairs straddling the valley come first', () => {
    const { layout, params } = oneLayer('tanh', [10, 0, 0, 1], [0, 0], [1, 0, 0, -1]);
    const mids = secantMidpoints(new NetworkAtTime(layout, params, t0), clusterSamples(16), 4);
    expect(mids.length).toBe(8);
    for (let i = 0; i < 4; i++) expect(Math.abs(mids[2 * i]!)).toBeLessThan(0.05);
  });

  it('argmax on the box edge / above the box outside it: the box grows to hold it, and a value outside every box nulls certified', async () => {
    // s = (tanh(x₁ − 1), 0): λ_max = max(sech²(x₁ − 1), 0), sup 1 at x₁ = 1. With the first box
    // [−0.5, 0.5]² the argmax sits on the edge x₁ = 0.5: the box doubles to 1 (argmax on its edge
    // again: 1 is the peak), then to 2, where the peak x₁ = 1 is inside.
    const { layout, params } = oneLayer('tanh', [1, 0, 0, 0], [-1, 0], [1, 0, 0, 0]);
    const rep = await networkSupremum(gpu(), layout, params, [t0], { region: 'box', box: 0.5, grow: 3, secondsPerTime: 2, tol: 0.01, sampleStarts: 0, gridStarts: 16, randomStarts: 8, secantStarts: 0, steps: 20, paper: false });
    const r = rep.rows[0]!;
    expect(r.grown).toBeGreaterThanOrEqual(1);
    expect(r.box).toBeGreaterThanOrEqual(1);
    expect(r.ls).toBeAllclose(1, { rtol: 1e-6 });
    expect(r.certified!).toBeGreaterThanOrEqual(r.ls);
    expect(r.certified!).toBeLessThanOrEqual(1.01 + 1e-6);
    // grow: 0 keeps the first box: the edge is reported, and the sphere probe's value outside it
    // (1 at x₁ = 1 lies on the sphere of radius 1) exceeds the box's bound sech²(0.5) ≈ 0.79:
    // certified is null with the reason, the box's bound in certifiedInBox.
    const r0 = (await networkSupremum(gpu(), layout, params, [t0], { region: 'box', box: 0.5, grow: 0, secondsPerTime: 1, sampleStarts: 0, gridStarts: 16, randomStarts: 8, secantStarts: 0, steps: 10, paper: false })).rows[0]!;
    expect(r0.box).toBe(0.5);
    expect(r0.lsOutside!).toBeAllclose(1, { rtol: 1e-6 });
    expect(r0.certified).toBeNull();
    expect(r0.certifiedReason).toMatch(/outside the largest box tried/);
    expect(r0.certifiedInBox!).toBeGreaterThanOrEqual(1 / Math.cosh(0.5) ** 2);
    expect(r0.certifiedInBox!).toBeLessThan(1);
  });

  it('a supremum approached at infinity (softplus): the probe outside the box finds values above the box, the box grows to hold them', async () => {
    // s = (softplus(x₁), 0): λ_max = σ(x₁) → 1 as x₁ → ∞. Box [−1.5, 1.5]² bounds it by σ(1.5) ≈ 0.82;
    // the sphere probe finds 1 (σ(x) rounds to 1 in float64 from x ≈ 37 on: the first sphere there is
    // radius 48) and the box grows to hold that point.
    const { layout, params } = oneLayer('softplus', [1, 0, 0, 0], [0, 0], [1, 0, 0, 0]);
    const r = (await networkSupremum(gpu(), layout, params, [t0], { region: 'box', grow: 1, secondsPerTime: 1, tol: 0.01, sampleStarts: 0, gridStarts: 16, randomStarts: 8, secantStarts: 0, steps: 10, paper: false })).rows[0]!;
    expect(r.lsOutside!).toBeAllclose(1, { rtol: 1e-9 });
    expect(r.box).toBeGreaterThan(37);
    expect(r.grown).toBe(1);
    expect(r.ls).toBeAllclose(1, { rtol: 1e-9 });
    expect(r.certified!).toBeGreaterThanOrEqual(r.ls);
    expect(r.certifiedRegion).toBe(`box [-${r.box}, ${r.box}]^2`);
    // Region 'plane': the same supremum certified over all of ℝ² without growing the box — the
    // outside of the ball of radius 1.5 is covered by cells reaching infinity.
    const p = (await networkSupremum(gpu(), layout, params, [t0], { region: 'plane', grow: 0, secondsPerTime: 5, tol: 0.01, sampleStarts: 0, gridStarts: 16, randomStarts: 8, secantStarts: 0, steps: 10, paper: false })).rows[0]!;
    expect(p.certifiedRegion).toBe('R^2');
    expect(p.converged).toBe(true);
    expect(p.ls).toBeAllclose(1, { rtol: 1e-9 });
    expect(p.certified!).toBeGreaterThanOrEqual(1);
    expect(p.certified!).toBeLessThanOrEqual(1.01 + 1e-6);
    expect(p.certOutside!.radius).toBe(1.5);
    expect(p.certInner!.halfWidth).toBe(1.5);
  });

  it('soundness on random small networks: certified ≥ ls ≥ lsSamples, ≥ a dense grid over the box and (region plane) ≥ random points at radius 1e3–1e6', async () => {
    for (const region of ['box', 'plane'] as const)
      for (const [k, act] of (['softplus', 'tanh', 'silu'] as const).entries()) {
        const spec: MlpSpec = { dim: 2, hidden: [10, 10], activation: act, time: { kind: 'step', steps: 3 }, output: 'eps' };
        const layout = mlpLayout(spec);
        const params = randomParams(layout, 40 + k, 2);
        const times: TangentTime[] = [{ alpha: 0.9, sigma: Math.sqrt(1 - 0.81), step: 0 }, { alpha: 0.5, sigma: Math.sqrt(0.75), step: 2 }];
        const samples = times.map(() => clusterSamples(40));
        const rep = await networkSupremum(gpu(), layout, params, times, { region, samples, box: 1, grow: 1, secondsPerTime: 1, tol: 0.05, sampleStarts: 20, gridStarts: 16, randomStarts: 8, secantStarts: 4, steps: 10, paper: false });
        rep.rows.forEach((r, m) => {
          const net = new NetworkAtTime(layout, params, times[m]!);
          // Region 'plane' prints certified only when it closed; the open bound is certifiedLoose, with the reason.
          const upper = r.certified ?? r.certifiedLoose;
          if (region === 'box') expect(r.certified).not.toBeNull();
          else if (r.certified === null) {
            expect(r.converged).toBe(false);
            expect(r.certifiedReason).toMatch(/did not close within the budget/);
          } else expect(r.converged).toBe(true);
          expect(r.certifiedRegion).toBe(region === 'box' ? `box [-${r.box}, ${r.box}]^2` : 'R^2');
          expect(upper!).toBeGreaterThanOrEqual(r.ls);
          expect(r.ls).toBeGreaterThanOrEqual(r.lsSamples!);
          expect(r.ls).toBeGreaterThanOrEqual(r.lsSearch);
          const B = r.box;
          let grid = -Infinity;
          for (let i = 0; i <= 60; i++) for (let j = 0; j <= 60; j++) grid = Math.max(grid, net.lambdaAt([-B + (2 * B * i) / 60, -B + (2 * B * j) / 60]));
          expect(upper!).toBeGreaterThanOrEqual(grid);
          if (region === 'plane') {
            let far = -Infinity;
            for (let q = 0; q < 3000; q++) {
              const th = 2.399963 * q;
              const rho = 10 ** (3 + (3 * ((q * 0.618034) % 1)));
              far = Math.max(far, net.lambdaAt([rho * Math.cos(th), rho * Math.sin(th)]));
            }
            expect(upper!).toBeGreaterThanOrEqual(far);
          }
        });
      }
  });

  it('default region: ℝ^d at d ≤ 2, the box at d = 3 (no outside certificate there; asking for the plane is refused)', async () => {
    expect(defaultRegion(1)).toBe('plane');
    expect(defaultRegion(2)).toBe('plane');
    expect(defaultRegion(3)).toBe('box');
    // d = 1: a small random network; the default certificate covers ℝ.
    const spec1: MlpSpec = { dim: 1, hidden: [6], activation: 'tanh', time: { kind: 'none' }, output: 'score' };
    const l1 = mlpLayout(spec1);
    const r1 = (await networkSupremum(gpu(), l1, randomParams(l1, 5, 1), [t0], { secondsPerTime: 2, sampleStarts: 0, gridStarts: 8, randomStarts: 4, secantStarts: 0, steps: 10, paper: false })).rows[0]!;
    expect(r1.certifiedRegion).toBe('R^1');
    expect(r1.certOutside).toBeDefined();
    expect((r1.certified ?? r1.certifiedLoose)!).toBeGreaterThanOrEqual(r1.ls);
    // d = 3: the box, named as such — a value over the box, not ℝ³.
    const spec3: MlpSpec = { dim: 3, hidden: [6], activation: 'tanh', time: { kind: 'none' }, output: 'score' };
    const l3 = mlpLayout(spec3);
    const p3 = randomParams(l3, 6, 1);
    const r3 = (await networkSupremum(gpu(), l3, p3, [t0], { grow: 0, secondsPerTime: 1, sampleStarts: 0, gridStarts: 8, randomStarts: 4, secantStarts: 0, steps: 10, paper: false })).rows[0]!;
    expect(r3.certOutside).toBeUndefined();
    if (r3.certified !== null) expect(r3.certifiedRegion).toBe('box [-1.5, 1.5]^3');
    else expect(r3.certifiedReason).toMatch(/outside the largest box tried/);
    await expect(networkSupremum(gpu(), l3, p3, [t0], { region: 'plane' })).rejects.toThrow(/region 'plane' .* exists up to d = 2/);
  });

  it('d = 5: the search gives ls at its argmax, certified is null with the reason (never a sample max named otherwise)', async () => {
    const spec: MlpSpec = { dim: 5, hidden: [12, 12], activation: 'silu', time: { kind: 'fourier', features: 2 }, output: 'eps' };
    const layout = mlpLayout(spec);
    const params = randomParams(layout, 9, 2);
    const times: TangentTime[] = [{ alpha: 0.8, sigma: 0.6, tau: 0.3 }];
    const samples = [Array.from({ length: 5 * 24 }, (_, i) => 0.6 * Math.sin(1.7 * i + 0.3))];
    const rep = await networkSupremum(gpu(), layout, params, times, { samples, randomStarts: 8, secantStarts: 4, steps: 15 });
    const r = rep.rows[0]!;
    expect(r.certified).toBeNull();
    expect(r.certifiedReason).toMatch(/no certificate above d = 3/);
    expect(r.paper).toBeUndefined();
    expect(r.lsArgmax.length).toBe(5);
    // lsSamples is the GPU power iteration's f32 value at the same samples: the search starts there
    // and climbs; allow f32 rounding of O(|λ|).
    expect(r.ls).toBeGreaterThanOrEqual(r.lsSamples! - 1e-3 * Math.abs(r.lsSamples!) - 1e-4);
  });

  it('engine.lipschitzSupremum: the same report from plain arrays, bad input named', async () => {
    const engine = await createEngine({ device: gpu().device });
    try {
      const { spec, params } = oneLayer('tanh', [10, 0, 0, 1], [0, 0], [1, 0, 0, -1]);
      const rep = await engine.lipschitzSupremum({ spec, params }, { times: [t0], samples: [clusterSamples(32)], secondsPerTime: 2, tol: 0.02, sampleStarts: 16, gridStarts: 16, randomStarts: 4, secantStarts: 4, steps: 10 });
      expect(rep.rows[0]!.ls).toBeAllclose(10, { rtol: 1e-3 });
      // The engine's default region at d = 2 is all of ℝ² (the certificate printed only when it closed).
      // (Closed or, on a loaded machine, open within the 2 s per part: the bound reached is sound either way.)
      expect(rep.rows[0]!.certifiedRegion).toBe('R^2');
      expect(rep.rows[0]!.certOutside).toBeDefined();
      expect((rep.rows[0]!.certified ?? rep.rows[0]!.certifiedLoose)!).toBeGreaterThanOrEqual(rep.rows[0]!.ls);
      // 'box' stays available on request: the box alone, named as such.
      const box = await engine.lipschitzSupremum({ spec, params }, { times: [t0], region: 'box', secondsPerTime: 1, tol: 0.02, sampleStarts: 0, gridStarts: 16, randomStarts: 4, secantStarts: 0, steps: 10 });
      expect(box.rows[0]!.certifiedRegion).toBe(`box [-${box.rows[0]!.box}, ${box.rows[0]!.box}]^2`);
      expect(box.rows[0]!.certOutside).toBeUndefined();
      await expect(engine.lipschitzSupremum({ spec, params }, { times: [] })).rejects.toThrow(/times/);
      await expect(engine.lipschitzSupremum({ spec, params }, { times: [t0], samples: [[1, 2, 3]] })).rejects.toThrow(/samples\[0\]/);
      await expect(engine.lipschitzSupremum({ spec, params }, { times: [t0], box: -1 })).rejects.toThrow(/box half-width/);
    } finally {
      engine.destroy();
    }
  });
});
