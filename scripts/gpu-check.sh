#!/usr/bin/env bash
# The GPU check: run on a machine with a real GPU that has Node (>= 20) and the Vulkan loader, and
# nothing else of this project's set-up. It runs, on the GPU's Vulkan driver:
#   1. wasserflow info --json             the adapter, its features and limits
#   2. wasserflow selfcheck --json        kernels against CPU references (RNG, reductions)
#   3. the benchmark suite                dist/bench/node.js, with PyTorch CUDA peers when this
#                                          machine's python3 has torch with CUDA (else no peers)
#   4. the README's main job              scripts/reproduce.sh
# and writes one report, $OUT/REPORT.md, beside each step's log and JSON.
#
# Build first where npm is (npm ci; npm run build; npm run bench's build step), then bring dist/,
# bin/, scripts/, bench/peers/, package.json and node_modules/{webgpu,wgsl-preprocessor}.
#
# Usage: bash scripts/gpu-check.sh [--adapter NAME|ICD.json] [--out DIR] [--quick] [--filter ID] [--no-job] [--no-peers]
#                                  [--step-limit SECONDS]   (each step is stopped after this long; the report is still written)
# Exit status: 0 when every step passed, 1 otherwise (the report says which failed).
set -uo pipefail
cd "$(dirname "$0")/.."

OUT=out/gpu-check
QUICK=()
FILTER=()
JOB=1
PEERS=1
ADAPTER=${WASSERFLOW_ADAPTER:-}
LIMIT=0
while [ $# -gt 0 ]; do
  case "$1" in
    --adapter) ADAPTER=$2; shift ;;
    --out) OUT=$2; shift ;;
    --quick) QUICK=(--quick) ;;
    --filter) FILTER=(--filter "$2"); shift ;;
    --no-job) JOB=0 ;;
    --no-peers) PEERS=0 ;;
    --step-limit) LIMIT=$2; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "gpu-check: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

NODE=${NODE:-node}
command -v "$NODE" >/dev/null || { echo "gpu-check: no node on PATH (set NODE=/path/to/node)" >&2; exit 2; }
for f in dist/lib/cli.js dist/bench/node.js node_modules/webgpu/package.json; do
  [ -e "$f" ] || { echo "gpu-check: $f is missing: build where npm is (npm ci && npm run build && npm run bench -- --filter none)" >&2; exit 2; }
done

# The adapter: the NVIDIA ICD manifest when one is installed, else the Vulkan loader's own choice.
if [ -z "$ADAPTER" ]; then
  ADAPTER=system
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    [ -f "$icd" ] && { ADAPTER=$icd; break; }
  done
fi
export WASSERFLOW_ADAPTER=$ADAPTER XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}

# Peers: PyTorch on CUDA when this python3 has it (bench/peers/peer_timing.py reads the variable).
PEER_ARGS=()
PEER_LINE="none (--no-peers)"
if [ "$PEERS" = 1 ]; then
  PY=$(command -v python3 || true)
  if [ -n "$PY" ] && "$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    export WASSERFLOW_PYTHON=$PY WASSERFLOW_TORCH_DEVICE=cuda
    PEER_LINE=$("$PY" -c 'import torch; print(f"PyTorch {torch.__version__} CUDA on {torch.cuda.get_device_name(0)}")')
  else
    PEER_ARGS=(--no-peers)
    PEER_LINE="none (python3 without CUDA torch)"
  fi
else
  PEER_ARGS=(--no-peers)
fi

mkdir -p "$OUT"
# scripts/reproduce.sh calls `npx wasserflow`; a machine with only node gets a shim for it.
SHIM=$(mktemp -d)
printf '#!/usr/bin/env bash\n[ "$1" = wasserflow ] && shift\nexec %q %q "$@"\n' "$NODE" "$PWD/bin/wasserflow.js" > "$SHIM/npx"
chmod +x "$SHIM/npx"
command -v npx >/dev/null || export PATH="$SHIM:$PATH"

STATUS=()
step() { # step NAME LOGFILE COMMAND...
  local name=$1 log=$2; shift 2
  local t0=$SECONDS
  echo "gpu-check: $name ..." >&2
  if [ "$LIMIT" -gt 0 ]; then timeout "$LIMIT" "$@" > "$log" 2> "$log.err"; else "$@" > "$log" 2> "$log.err"; fi
  local rc=$?
  local what="FAILED (exit $rc)"
  [ $rc = 0 ] && what=ok
  [ $rc = 124 ] && what="STOPPED at the $LIMIT s step limit (partial results in $(basename "$log").err)"
  STATUS+=("| $name | $what | $((SECONDS - t0)) s | \`$(basename "$log")\` |")
  echo "gpu-check: $name: exit $rc, $((SECONDS - t0)) s" >&2
  return $rc
}

CLI=("$NODE" bin/wasserflow.js)
step info "$OUT/info.json" "${CLI[@]}" info --json
step selfcheck "$OUT/selfcheck.json" "${CLI[@]}" selfcheck --json
step bench "$OUT/bench.log" "$NODE" dist/bench/node.js --out "$OUT" --name gpu "${QUICK[@]}" "${FILTER[@]}" "${PEER_ARGS[@]}"
[ "$JOB" = 1 ] && step "main job" "$OUT/reproduce.log" env OUT="$OUT/reproduce" bash scripts/reproduce.sh

{
  echo "# GPU check ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "Adapter: \`$ADAPTER\`. Peers: $PEER_LINE. Node $("$NODE" --version)."
  command -v nvidia-smi >/dev/null && echo && echo "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null)"
  echo
  echo "| step | result | time | log |"
  echo "|---|---|---|---|"
  printf '%s\n' "${STATUS[@]}"
  echo
  echo "## Self-check"
  echo
  "$NODE" -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));for(const c of r.checks)console.log(`- ${c.ok?"ok":"FAIL"}: ${c.name} (${c.detail})`)' "$OUT/selfcheck.json" 2>/dev/null || echo "(no selfcheck output: see selfcheck.json.err)"
  echo
  echo "## Benchmarks"
  echo
  if [ -f "$OUT/gpu.md" ]; then cat "$OUT/gpu.md"; else echo "(no full report; the rows measured before the step ended:)"; echo; grep -E '^  .*\[.*\]: ' "$OUT/bench.log.err" 2>/dev/null | sed 's/^  /- /'; fi
  if [ "$JOB" = 1 ]; then
    echo
    echo "## Main job"
    echo
    cat "$OUT/reproduce/w2.json" 2>/dev/null | head -40
    cat "$OUT/reproduce/loglog/SUMMARY.md" 2>/dev/null || echo "(no summary: see reproduce.log.err)"
  fi
} > "$OUT/REPORT.md"
rm -rf "$SHIM"
echo "gpu-check: wrote $OUT/REPORT.md" >&2
for s in "${STATUS[@]}"; do case "$s" in *FAILED*) exit 1 ;; esac; done
exit 0
