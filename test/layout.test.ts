// MLP parameter layout: aligned, non-overlapping blocks; the paper's model has the expected size;
// bad specs are rejected with an InputError naming the field; scoreFromOutput inverts each
// parameterisation on an exact example.
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/gpu/errors.js';
import { mlpLayout, parameterCount, scoreFromOutput, type MlpSpec } from '../src/model/layout.js';

const paper: MlpSpec = { dim: 2, hidden: [64, 64, 64], activation: 'softplus', time: { kind: 'step', steps: 10 }, output: 'eps' };

describe('mlpLayout', () => {
  it('lays out the paper model (2→64→64→64→2, 10-step embedding) in aligned, disjoint blocks', () => {
    const L = mlpLayout(paper);
    // 3·(W + b + 10-step embedding) + head: (2·64 + 64 + 640) + 2·(4096 + 64 + 640) + (128 + 2).
    expect(parameterCount(L)).toBe(832 + 2 * 4800 + 130);
    expect(L.layers.map((l) => [l.in, l.out, l.hidden])).toEqual([[2, 64, true], [64, 64, true], [64, 64, true], [64, 2, false]]);
    const blocks: [number, number][] = [];
    for (const l of L.layers) {
      blocks.push([l.wOffset, l.in * l.out], [l.bOffset, l.out]);
      if (l.hidden) blocks.push([l.eOffset, 10 * l.out]);
      else expect(l.eOffset).toBe(-1);
    }
    blocks.push([L.scaleOffset, L.layers.length]);
    blocks.sort((a, b) => a[0] - b[0]);
    for (const [off] of blocks) expect(off % 4).toBe(0);
    for (let i = 1; i < blocks.length; i++) expect(blocks[i]![0]).toBeGreaterThanOrEqual(blocks[i - 1]![0] + blocks[i - 1]![1]);
    expect(L.trainable).toBe(L.scaleOffset);
    expect(L.size % 4).toBe(0);
    expect(L.size).toBeGreaterThanOrEqual(L.scaleOffset + 4);
  });

  it('adds 2F Fourier features to the input and no embedding tables', () => {
    const L = mlpLayout({ dim: 3, hidden: [5, 7], activation: 'silu', time: { kind: 'fourier', features: 4 }, output: 'score' });
    expect(L.inputFeatures).toBe(11);
    expect(L.layers.every((l) => l.eOffset === -1)).toBe(true);
    expect(parameterCount(L)).toBe(11 * 5 + 5 + 5 * 7 + 7 + 7 * 3 + 3);
  });

  it('rejects bad specs by name', () => {
    expect(() => mlpLayout({ ...paper, hidden: [] })).toThrow(InputError);
    expect(() => mlpLayout({ ...paper, hidden: [64, 2049] })).toThrow(/hidden\[1\]/);
    expect(() => mlpLayout({ ...paper, dim: 0 })).toThrow(/dim/);
    expect(() => mlpLayout({ ...paper, activation: 'gelu' as never })).toThrow(/activation/);
    expect(() => mlpLayout({ ...paper, time: { kind: 'step', steps: 0 } })).toThrow(/steps/);
  });

  it('scoreFromOutput agrees across parameterisations for one (x0, ε)', () => {
    const [alpha, sigma, x0, eps] = [0.8, 0.6, 0.3, -1.2];
    const x = alpha * x0 + sigma * eps;
    const want = -eps / sigma;
    expect(scoreFromOutput('eps', eps, x, alpha, sigma)).toBeAllclose(want, { rtol: 1e-12 });
    expect(scoreFromOutput('score', want, x, alpha, sigma)).toBeAllclose(want, { rtol: 1e-12 });
    expect(scoreFromOutput('x0', x0, x, alpha, sigma)).toBeAllclose(want, { rtol: 1e-12 });
    expect(scoreFromOutput('velocity', alpha * eps - sigma * x0, x, alpha, sigma)).toBeAllclose(want, { rtol: 1e-12 });
  });
});
