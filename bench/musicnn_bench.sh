#!/usr/bin/env bash
# mer-musicnn vs musicnn's own TensorFlow graph, same clips, same 2 Hz patches, one thread each,
# in one run. Prints seconds per minute of audio (front end, network, total) and the ratios.
# Usage: bench/musicnn_bench.sh [SHARED_DATA_DIR]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DATA="${1:-${MER_DATA:-../shared/data}}"
source scripts/musicnn_venv.sh
CLIPS=(
    "$DATA/4q/audio/Q1/MT0000040632.mp3"
    "$DATA/4q/audio/Q3/MT0000004637.mp3"
    "$DATA/deam-sample/audio/2.mp3"
    "$DATA/musifeast17/stimuli/Electronic_MED_19.mp3"
)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-musicnn}"
cargo build --release -q -p mer-musicnn --example musicnn_bench
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT
RAYON_NUM_THREADS=1 "$CARGO_TARGET_DIR/release/examples/musicnn_bench" "${CLIPS[@]}" | tee -a "$OUT"
# TF: intra/inter-op threads 1 (set in the script); OMP for oneDNN.
OMP_NUM_THREADS=1 "$MUSICNN_PY" bench/musicnn_bench_tf.py "${CLIPS[@]}" 2>/dev/null | tee -a "$OUT"
"$MUSICNN_PY" - "$OUT" <<'PY'
import sys
tot = {}
for line in open(sys.argv[1]):
    who, _, *kv = line.split()
    d = dict(x.split("=") for x in kv)
    t = tot.setdefault(who, [0.0, 0.0, 0.0, 0])
    t[0] += float(d["audio_s"]); t[1] += float(d["frontend_s"]); t[2] += float(d["network_s"]); t[3] += int(d["patches"])
print(f"\n{'':6} {'audio min':>9} {'patches':>7} {'front end s/min':>15} {'network s/min':>13} {'total s/min':>11}")
per = {}
for who, (a, f, n, p) in tot.items():
    m = a / 60
    per[who] = (f / m, n / m, (f + n) / m)
    print(f"{who:6} {m:9.2f} {p:7d} {f / m:15.3f} {n / m:13.3f} {(f + n) / m:11.3f}")
o, t = per["OURS"], per["TF"]
print(f"\nspeed-up (TF time / our time), one thread: front end {t[0] / o[0]:.2f}x, "
      f"network {t[1] / o[1]:.2f}x, total {t[2] / o[2]:.2f}x")
PY
