#!/usr/bin/env bash
# The main job: a small real reproduction on the default adapter (SwiftShader when there is no GPU).
#  1. report the adapter;
#  2. train the paper's score model (2→64→64→64→2, per-step embedding, softplus, ε-prediction,
#     DDPM sigmoid schedule n = 10, AdamW, clip 1.0, batch 128) on the 4-cluster data, on the GPU;
#  3. sample q0 with the paper's ancestral DDPM sampler from the forward-noised data (q_T = p_T),
#     once with the learned network and once with the exact mixture score (the reference process);
#  4. measure W2 between the two with the GPU Sinkhorn divergence;
#  5. the paper's Fig. 2 on the 4 clusters: train from a bad model (the first steps maximise the
#     loss) and at every checkpoint measure W2(p0, q0) next to the bound with the estimated L_s(t)
#     and J_DSM (`wasserflow experiment loglog`): JSON, SVG and SUMMARY.md.
# Outputs go to ${OUT:-out/reproduce}. Takes about 7 minutes on a 2-core machine without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out/reproduce}
STEPS=${STEPS:-1500}
N=${N:-2000}
mkdir -p "$OUT"
npx wasserflow info
npx wasserflow train --dataset clusters4 --paper --steps "$STEPS" --seed 1 --out "$OUT"
npx wasserflow sample --checkpoint "$OUT/checkpoint.wfck" --sampler ddpm --from-data clusters4 --n "$N" --seed 1 --out "$OUT/q0_network.csv"
npx wasserflow sample --exact clusters4 --process ddpm --sampler ddpm --from-data clusters4 --n "$N" --seed 2 --out "$OUT/q0_exact.csv"
npx wasserflow w2 "$OUT/q0_network.csv" "$OUT/q0_exact.csv" --json | tee "$OUT/w2.json"
npx wasserflow experiment loglog --data clusters4 --seed 1 --out "$OUT/loglog" 2>&1 | grep -v "checkpoint at step"
cat "$OUT/loglog/SUMMARY.md"
echo "reproduce: done; loss curve, checkpoint, samples, W2 and the loglog experiment (W2 vs the bound) in $OUT"
