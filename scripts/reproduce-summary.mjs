// The main job's summary (scripts/reproduce.sh): how far training got and how far the model's
// samples are from the exact score's. Reads OUT/loss.csv, OUT/train.json, OUT/w2.json and
// OUT/w2_floor.json and OUT/checkpoint.wfck; writes OUT/SUMMARY.md and prints it.
//   training loss  mean of the last 5 loss reads (each the mean float32 minibatch DSM loss over 100 steps)
//   held-out loss  the final weights' DSM loss in float64 on fresh draws, paired with the exact score's
//                loss on the same draws (src/train/heldout.ts): J* + gap, the gap with its paired error
//   J*           the DSM loss of the exact score (src/train/optimum.ts: float64 Monte Carlo over the
//                exact 4-cluster mixture's marginals at the 10 DDPM steps, with its standard error)
//   W2           between network samples and exact-score samples (same sampler, same start)
//   floor        between two independent exact-score samples of the same size: what W2 reads for a
//                perfect network, so only W2 well above it says the network is off
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DdpmSigmoid, checkpointWeights, datasetMixture, dsmCoefficients, dsmHeldOut, dsmOptimum, parseCheckpoint } from '../dist/lib/index.js';

const out = process.argv[2] ?? 'out/reproduce';
const rows = readFileSync(join(out, 'loss.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
const last = rows.slice(-5);
const finalLoss = last.reduce((a, r) => a + r[1], 0) / last.length;
const steps = rows.at(-1)[0];
const table = dsmCoefficients(new DdpmSigmoid({ steps: 10 }), 'paper');
const jstar = dsmOptimum(table, datasetMixture('clusters4'), 50_000, 7);
const ck = parseCheckpoint(new Uint8Array(readFileSync(join(out, 'checkpoint.wfck'))), 'checkpoint.wfck');
const held = dsmHeldOut(ck.header.spec, checkpointWeights(ck), table, datasetMixture('clusters4'), 5000, 11);
const heldLoss = jstar.value + held.gap;
const heldGap = heldLoss / jstar.value - 1;
const w2 = JSON.parse(readFileSync(join(out, 'w2.json'), 'utf8'));
const floor = JSON.parse(readFileSync(join(out, 'w2_floor.json'), 'utf8'));
const w2Of = (r) => (typeof r.w2 === 'number' ? r.w2 : Number(r.W2 ?? r.value));
const gap = finalLoss / jstar.value - 1;
const lines = [
  '# Main job: the paper model on 4 clusters',
  '',
  `- training: ${steps} steps; final training loss ${finalLoss.toFixed(4)} (mean of the last ${last.length} reads of the float32 minibatch loss), ` +
    `${(100 * gap).toFixed(1)}% above J*`,
  `- J* = ${jstar.value.toFixed(4)} ± ${jstar.stderr.toFixed(4)}: the DSM loss of the exact score, the floor no network goes below ` +
    `(float64 Monte Carlo over the exact mixture's marginals, ${jstar.samples} samples per DDPM step)`,
  `- held-out loss of the final weights ${heldLoss.toFixed(4)} ± ${Math.hypot(held.gapStderr, jstar.stderr).toFixed(4)} (float64, ${held.samples} fresh draws per step: ` +
    `J* + the paired gap ${held.gap.toFixed(4)} ± ${held.gapStderr.toFixed(4)} to the exact score on the same draws)`,
  `- final loss is ${(100 * heldGap).toFixed(1)}% above J* (${Math.abs(heldGap) <= 0.15 ? 'within' : 'NOT within'} 15%: ${Math.abs(heldGap) <= 0.15 ? 'converged' : 'not converged'}); ` +
    `per DDPM step, model / exact: ${held.perStep.map((r) => `${r.model.toFixed(3)}/${r.exact.toFixed(3)}`).join(', ')}`,
  `- W2(network samples, exact-score samples) = ${w2Of(w2).toFixed(4)}; sampling floor W2(exact, exact) = ${w2Of(floor).toFixed(4)} ` +
    `(two independent exact-score samples of the same size)`,
  '',
];
writeFileSync(join(out, 'SUMMARY.md'), lines.join('\n'));
console.log(lines.join('\n'));

