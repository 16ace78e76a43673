/**
 * Independent float64 optimiser for the exact mixture score's L_s (test oracle for
 * src/lipschitz/mixture_sup.ts): a dense grid over a box, then repeated zooming — around each of the
 * best points a finer grid of half-width two cells, the cell shrunk 4× per level — until the cell
 * is below 1e-11 of the box. It knows nothing of the means, segments or posteriors; it evaluates
 * λ_max(½(J + Jᵀ)) with MixtureMarginal's Jacobian (checked against finite differences in
 * test/lipschitz.test.ts). d = 1 or 2.
 */
import { MixtureMarginal, symmetricPartMax, type GaussianMixture } from '../../src/lipschitz/exact.js';

export function referenceMixtureSupremum(mixture: GaussianMixture, alpha: number, sigma: number, box: { lo: number[]; hi: number[] }, opts: { side?: number; keep?: number } = {}): { value: number; argmax: number[] } {
  const mm = new MixtureMarginal(mixture, alpha, sigma);
  const d = mixture.dim;
  if (d !== 1 && d !== 2) throw new Error('reference optimiser: d = 1 or 2');
  const f = (x: number[]) => symmetricPartMax(mm.scoreAndJacobian(x).jacobian, d);
  const side = opts.side ?? (d === 1 ? 20001 : 401);
  const keep = opts.keep ?? 24;
  let pts: { x: number[]; f: number }[] = [];
  const cell = box.hi.map((h, i) => (h - box.lo[i]!) / (side - 1));
  // An irrational offset so that no grid line falls on a symmetry axis of the test mixtures.
  const off = 0.318309886;
  const n = d === 1 ? side : side * side;
  for (let q = 0; q < n; q++) {
    const x = d === 1 ? [box.lo[0]! + (q + off) * cell[0]!] : [box.lo[0]! + ((q % side) + off) * cell[0]!, box.lo[1]! + (Math.floor(q / side) + off) * cell[1]!];
    pts.push({ x, f: f(x) });
  }
  let h = cell.slice();
  const size = Math.max(...box.hi.map((v, i) => v - box.lo[i]!));
  while (Math.max(...h) > 1e-11 * size) {
    pts.sort((a, b) => b.f - a.f);
    const top = pts.slice(0, keep);
    const next: { x: number[]; f: number }[] = [...top];
    const fine = h.map((v) => v / 4);
    for (const p of top) {
      const R = 8; // half-width two coarse cells = 8 fine cells
      if (d === 1) for (let a = -R; a <= R; a++) { const x = [p.x[0]! + a * fine[0]!]; next.push({ x, f: f(x) }); }
      else
        for (let a = -R; a <= R; a++)
          for (let b = -R; b <= R; b++) {
            const x = [p.x[0]! + a * fine[0]!, p.x[1]! + b * fine[1]!];
            next.push({ x, f: f(x) });
          }
    }
    pts = next;
    h = fine;
  }
  pts.sort((a, b) => b.f - a.f);
  return { value: pts[0]!.f, argmax: pts[0]!.x };
}
