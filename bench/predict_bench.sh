#!/usr/bin/env bash
# mer predict (default model at its CPU-chosen precisions, and in f32; fast model) vs
# vibenet 0.1.0, end to end per file, one thread each (taskset to one CPU, RAYON_NUM_THREADS=1,
# onnxruntime 1 thread), in one run, on CLIPS 30 s clips (4Q, 22.05 kHz mono MP3, one per
# quadrant first) and a 5-minute 44.1 kHz stereo MP3 (DEAM sample clips concatenated with
# LAME). For each model, with the model loaded once (as vibenet is timed), the breakdown (examples/time_stages.rs): decode alone (the
# floor), resample, features (log-mel), network (+ head); and `mer predict` per process (start-up
# and model load included). Prints seconds per file and the ratios to vibenet and to the floor.
# "default f32" is the default with MER_MUSICNN_PRECISION=f32 (the reference path, as before
# bf16); "default" is what mer runs by default on this CPU when the series are wanted (JSON,
# --dynamic, --plot, or --all-patches: musicnn on every 0.5 s patch); "default-static" is what
# `mer predict` runs for a table or CSV without --dynamic (song-level values only: one patch in
# STATIC_PATCH_STRIDE = 6, issue 18). On a CPU with AVX512_VNNI the static-only default multiplies
# the timbral convolutions in int8 (`mer_musicnn::static_precision`); "default-static-bf16" is the
# static path with bf16 everywhere (MER_MUSICNN_PRECISION=bf16, as before int8 timbral).
#
# Usage: bench/predict_bench.sh [DATA]   (needs lame; creates scripts/.venv-vibenet)
# Env: REPEATS (3), CLIPS (4). All times are CPU seconds of the process (all threads; mer with
# one rayon thread, vibenet with one onnxruntime thread), so that a loaded machine inflates them
# less than wall time would (shared caches and memory bandwidth still do).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-${MER_DATA:-../shared/data}}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
REPEATS=${REPEATS:-3}
VENV=scripts/.venv-vibenet
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q vibenet==0.1.0
fi
CLIPS=${CLIPS:-4}
# The workspace's feature set (as CI builds it), so that burn is not rebuilt for a `-p` subset.
cargo build --release --workspace --bins --examples --quiet
MER="$CARGO_TARGET_DIR/release/mer"
STAGES="$CARGO_TARGET_DIR/release/examples/time_stages"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# CLIPS 4Q clips: the first of each quadrant, then the second of each, ...
mapfile -t CLIP_FILES < <(for q in 1 2 3 4; do ls "$DATA/4q/audio/Q$q"/*.mp3 | sort | sed -n "1,$(((CLIPS + 3) / 4))p" | nl -v0 | sed "s/^ */$q /"; done | sort -k2,2n -k1,1n | awk '{print $3}' | sed -n "1,${CLIPS}p")
# 5-minute track: DEAM clips decoded, concatenated, encoded as 44.1 kHz stereo 192 kbit/s.
for id in 2 3 4 5 7 8 10 12; do lame --quiet --decode "$DATA/deam-sample/audio/$id.mp3" "$TMP/$id.wav"; done
python3 - "$TMP" <<'PY'
import sys, wave
d = sys.argv[1]
out = wave.open(f"{d}/long.wav", "wb")
params, frames = None, 0
for i in [2, 3, 4, 5, 7, 8, 10, 12] * 2:
    w = wave.open(f"{d}/{i}.wav", "rb")
    if params is None:
        params = w.getparams(); out.setparams(params)
    need = 300 * params.framerate - frames
    if need <= 0: break
    data = w.readframes(min(need, w.getnframes()))
    out.writeframes(data); frames += len(data) // (params.sampwidth * params.nchannels)
out.close()
PY
lame --quiet -b 192 "$TMP/long.wav" "$TMP/track-5min.mp3"
LONG="$TMP/track-5min.mp3"

export RAYON_NUM_THREADS=1
one() { taskset -c 0 "$@"; }
stages() { # label env-precision model file -> "decode resample features network total"
  local prec=$2 model=$3 f=$4
  MER_MUSICNN_PRECISION=$prec one "$STAGES" "$model" "$f" "$REPEATS" | awk '{print $3, $5, $7, $9, $11}'
}
process() { # env-precision model file -> CPU seconds per `mer predict` process (load included)
  local prec=$1 model=$2 f=$3 extra=--all-patches
  # The table output: static-only unless --all-patches.
  [ "$model" = default-static ] && model=default && extra=--format=table
  MER_MUSICNN_PRECISION=$prec one "$MER" predict -j 1 --model "$model" $extra "$f" > /dev/null # warm-up
  MER_MUSICNN_PRECISION=$prec python3 - "$REPEATS" "$MER" predict -j 1 --model "$model" $extra "$f" <<'PY'
import resource, subprocess, sys
n = int(sys.argv[1])
for _ in range(n):
    subprocess.run(["taskset", "-c", "0"] + sys.argv[2:], stdout=subprocess.DEVNULL, check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{(r.ru_utime + r.ru_stime) / n:.4f}")
PY
}
echo "files: ${#CLIP_FILES[@]} 30 s 4Q clips (${CLIP_FILES[*]##*/}); 5-minute track (DEAM clips, 44.1 kHz stereo 192 kbit/s)"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-); load: $(cut -d' ' -f1-3 /proc/loadavg)"
RES="$TMP/results"
: > "$RES"
for model in "default-f32 f32 default" "default - default" "default-static - default-static" "default-static-bf16 bf16 default-static" "fast - fast"; do
  read -r label prec name <<< "$model"
  [ "$prec" = - ] && prec=""
  for f in "${CLIP_FILES[@]}"; do
    echo "$label clip $(stages "$label" "$prec" "$name" "$f") $(process "$prec" "$name" "$f")" >> "$RES"
  done
  echo "$label long $(stages "$label" "$prec" "$name" "$LONG") $(process "$prec" "$name" "$LONG")" >> "$RES"
done
for f in "${CLIP_FILES[@]}"; do
  echo "vibenet clip - - - - $(one "$VENV/bin/python" bench/predict_vibenet.py "$REPEATS" "$f" | awk '{print $3}') -" >> "$RES"
done
echo "vibenet long - - - - $(one "$VENV/bin/python" bench/predict_vibenet.py "$REPEATS" "$LONG" | awk '{print $3}') -" >> "$RES"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$RES" <<'PY'
import sys
from collections import defaultdict
rows = defaultdict(list)
for line in open(sys.argv[1]):
    label, kind, *vals = line.split()
    rows[(label, kind)].append([float(v) if v != "-" else None for v in vals])
def mean(label, kind, i):
    v = [r[i] for r in rows[(label, kind)] if r[i] is not None]
    return sum(v) / len(v) if v else None
cols = ["decode", "resample", "features", "network", "total", "process"]
print("CPU seconds per file (mean over files), one thread; total = predict_file with the model loaded;")
print("process = one `mer predict` process per file (start-up and model load included)")
for kind, name in [("clip", "30 s clip"), ("long", "5 min track")]:
    print(f"\n{name}:")
    print(f"{'model':<20}" + "".join(f"{c:>10}" for c in cols) + f"{'vibenet/x':>11}{'x/floor':>9}")
    floor = mean("fast", kind, 0) + mean("fast", kind, 1)  # decode + resample, fast model's rate
    vib = mean("vibenet", kind, 4)
    for label in ["default-f32", "default", "default-static", "default-static-bf16", "fast", "vibenet"]:
        vals = [mean(label, kind, i) for i in range(6)]
        cells = "".join(f"{v:>10.4f}" if v is not None else f"{'-':>10}" for v in vals)
        print(f"{label:<20}{cells}{vib / vals[4]:>10.2f}x{vals[4] / floor:>8.2f}x")
    print(f"floor (decode + resample for the fast model) {floor:.4f} s; decode only {mean('fast', kind, 0):.4f} s")
    print(f"default vs f32: {mean('default-f32', kind, 4) / mean('default', kind, 4):.2f}x faster")
    print(f"default-static vs default-static-bf16: {mean('default-static-bf16', kind, 4) / mean('default-static', kind, 4):.2f}x faster")
    print(f"default-static vs default: {mean('default', kind, 4) / mean('default-static', kind, 4):.2f}x faster")
print("\ntargets (issue 18): default >= 0.5x vibenet's speed; fast >= 5x; both within 1.3x of the floor")
PY
