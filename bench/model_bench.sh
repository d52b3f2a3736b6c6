#!/usr/bin/env bash
# Runs `mer bench` and its PyTorch twin (bench/crnn_torch.py) with the same settings, one
# after the other, and prints both JSON lines and the ratios.
# Usage: bench/model_bench.sh [--model crnn|crnn-nb] [--conv-filters 32] [--hidden 32]
#                             [--batch 32] [--seq 60] [--threads 1]
# Needs: a release build of mer (cargo build --release -p mer) and scripts/.venv-torch
# (bash scripts/model_torch_venv.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mer="${MER_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/mer}"
py="$root/scripts/.venv-torch/bin/python"
[ -x "$mer" ] || { echo "no mer binary at $mer (cargo build --release -p mer, or set MER_BIN)" >&2; exit 1; }
[ -x "$py" ] || { echo "no $py (run: bash scripts/model_torch_venv.sh)" >&2; exit 1; }
ours="$("$mer" bench "$@")"
theirs="$("$py" "$root/bench/crnn_torch.py" "$@")"
echo "mer:     $ours"
echo "pytorch: $theirs"
"$py" - "$ours" "$theirs" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"train step: mer/pytorch = {a['train_step_ms'] / b['train_step_ms']:.2f}x time (target <= 1.2)")
print(f"inference:  mer/pytorch = {a['infer_frames_per_s'] / b['infer_frames_per_s']:.2f}x frames/s (target >= 1.0)")
print(f"params:     mer {a['params']}, pytorch {b['params']}")
PY
