#!/usr/bin/env bash
# The main job: a small real reproduction on the default adapter (without a GPU: lavapipe when
# scripts/setup.sh installed it, else SwiftShader; `wasserflow info` says which and why).
#  1. report the adapter;
#  2. train the paper's score model (2→64→64→64→2, per-step embedding, softplus, ε-prediction,
#     DDPM sigmoid schedule n = 10, AdamW, clip 1.0, batch 128) on the 4-cluster data, on the GPU:
#     $STEPS steps with the learning rate annealed (cosine, lr $LR → lr/100) and no weight decay:
#     AdamW's default decay 0.01 (the paper's) and lr ≤ 0.005 leave the two smallest-noise DDPM
#     steps unlearned (held-out loss 0.42-0.43, 35% above J*: the network outputs ε ≈ 0 there, where
#     the exact ε* has slope ~30-40 in x); lr 0.01 without decay learns step 2 and reaches ~13%
#     above J* (docs/training.md, "Reaching J*"). The summary compares the final weights' held-out
#     float64 loss (and the training reads) with the optimum J* ≈ 0.314 (the DSM loss of the exact score);
#  3. sample q0 with the paper's ancestral DDPM sampler from the forward-noised data (q_T = p_T),
#     once with the learned network and twice with the exact mixture score (independent seeds);
#  4. measure W2 between network and exact samples, and between the two exact samples (the
#     sampling floor: what W2 reads for a perfect network at this sample size);
#  5. SUMMARY.md: final loss against J*, W2 against its floor (scripts/reproduce-summary.mjs);
#  6. the paper's Fig. 2 on the 4 clusters: train from a bad model (the first steps maximise the
#     loss) and at every checkpoint measure W2(p0, q0) next to the bound with the estimated L_s(t)
#     and J_DSM (`wasserflow experiment loglog`): JSON, SVG and SUMMARY.md.
# Outputs go to ${OUT:-out/reproduce}.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out/reproduce}
STEPS=${STEPS:-10000}
LR=${LR:-0.01}
N=${N:-2000}
mkdir -p "$OUT"
npx wasserflow info
npx wasserflow train --dataset clusters4 --paper --steps "$STEPS" --lr "$LR" --lr-decay cosine --weight-decay 0 --seed 1 --out "$OUT" --overwrite
npx wasserflow sample --checkpoint "$OUT/checkpoint.wfck" --sampler ddpm --from-data clusters4 --n "$N" --seed 1 --out "$OUT/q0_network.csv"
npx wasserflow sample --exact clusters4 --process ddpm --sampler ddpm --from-data clusters4 --n "$N" --seed 2 --out "$OUT/q0_exact.csv"
npx wasserflow sample --exact clusters4 --process ddpm --sampler ddpm --from-data clusters4 --n "$N" --seed 3 --out "$OUT/q0_exact2.csv"
npx wasserflow w2 "$OUT/q0_network.csv" "$OUT/q0_exact.csv" --json | tee "$OUT/w2.json"
npx wasserflow w2 "$OUT/q0_exact2.csv" "$OUT/q0_exact.csv" --json | tee "$OUT/w2_floor.json"
node scripts/reproduce-summary.mjs "$OUT"
npx wasserflow experiment loglog --data clusters4 --seed 1 --out "$OUT/loglog" 2>&1 | grep -v "checkpoint at step"
cat "$OUT/loglog/SUMMARY.md"
echo "reproduce: done; loss curve, checkpoint, samples, W2 and the loglog experiment (W2 vs the bound) in $OUT"
