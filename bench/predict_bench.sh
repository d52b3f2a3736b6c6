#!/usr/bin/env bash
# mer predict (default and fast models) vs vibenet 0.1.0, end to end per file (decode,
# features, model), one thread each (taskset to one CPU, `mer -j 1`, onnxruntime 1 thread),
# in one run, on a 30 s clip (4Q, 22.05 kHz mono MP3) and a 5-minute 44.1 kHz stereo MP3
# (DEAM sample clips concatenated with LAME). Prints seconds per file and the ratios.
#
# Usage: bench/predict_bench.sh [DATA]   (needs lame; creates scripts/.venv-vibenet)
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
cargo build --release -p mer --quiet
MER="$CARGO_TARGET_DIR/release/mer"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CLIP="$DATA/4q/audio/$(ls "$DATA/4q/audio" | head -1)"
[ -f "$CLIP" ] || CLIP=$(find "$DATA/4q" -name '*.mp3' | sort | head -1)
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

time_mer() { # model file -> seconds per file, one process per file (model load included)
  local model=$1 f=$2
  taskset -c 0 "$MER" predict -j 1 --model "$model" "$f" > /dev/null # warm-up
  local t0 t1
  t0=$(date +%s.%N)
  for _ in $(seq "$REPEATS"); do taskset -c 0 "$MER" predict -j 1 --model "$model" "$f" > /dev/null; done
  t1=$(date +%s.%N)
  python3 -c "print(f'{($t1 - $t0) / $REPEATS:.4f}')"
}
time_mer_warm() { # model file -> seconds per file with the model loaded once per process, as
  # vibenet is timed: (time of 1 + 4·REPEATS copies − time of 1 copy) / (4·REPEATS)
  local model=$1 f=$2 n=$((4 * REPEATS)) files=() t0 t1 t2
  for _ in $(seq $((n + 1))); do files+=("$f"); done
  taskset -c 0 "$MER" predict -j 1 --model "$model" "$f" > /dev/null # warm-up
  t0=$(date +%s.%N)
  taskset -c 0 "$MER" predict -j 1 --model "$model" "$f" > /dev/null
  t1=$(date +%s.%N)
  taskset -c 0 "$MER" predict -j 1 --model "$model" "${files[@]}" > /dev/null
  t2=$(date +%s.%N)
  python3 -c "print(f'{(($t2 - $t1) - ($t1 - $t0)) / $n:.4f}')"
}
echo "files: 30 s clip $CLIP; 5-minute track (DEAM clips, 44.1 kHz stereo 192 kbit/s)"
declare -A T
for label in clip long; do
  f=$CLIP; [ $label = long ] && f=$LONG
  T[default-$label]=$(time_mer default "$f")
  T[fast-$label]=$(time_mer fast "$f")
  T[default-warm-$label]=$(time_mer_warm default "$f")
  T[fast-warm-$label]=$(time_mer_warm fast "$f")
  T[vibenet-$label]=$(taskset -c 0 "$VENV/bin/python" bench/predict_vibenet.py "$REPEATS" "$f" | awk '{print $3}')
done
echo "seconds per file; 'process' = one mer process per file (start-up and model load included),"
echo "'loaded' = model loaded once, as vibenet is timed (its load and warm-up excluded)"
printf "%-16s %12s %12s\n" "" "30 s clip" "5 min track"
for m in default default-warm fast fast-warm vibenet; do
  label=$m; label=${label/-warm/ (loaded)}; [ $m = default ] || [ $m = fast ] && label="$m (process)"
  printf "%-16s %11ss %11ss\n" "$label" "${T[$m-clip]}" "${T[$m-long]}"
done
python3 - "${T[default-clip]}" "${T[fast-clip]}" "${T[vibenet-clip]}" "${T[default-long]}" "${T[fast-long]}" "${T[vibenet-long]}" \
  "${T[default-warm-clip]}" "${T[fast-warm-clip]}" "${T[default-warm-long]}" "${T[fast-warm-long]}" <<'PY'
import sys
dc, fc, vc, dl, fl, vl, dwc, fwc, dwl, fwl = map(float, sys.argv[1:])
print(f"vibenet / mer default, loaded: {vc/dwc:.2f}x (30 s clip), {vl/dwl:.2f}x (5 min)  [target >= 2x]")
print(f"vibenet / mer fast,    loaded: {vc/fwc:.2f}x (30 s clip), {vl/fwl:.2f}x (5 min)  [target >= 10x]")
print(f"vibenet / mer default, process: {vc/dc:.2f}x (30 s clip), {vl/dl:.2f}x (5 min)")
print(f"vibenet / mer fast,    process: {vc/fc:.2f}x (30 s clip), {vl/fl:.2f}x (5 min)")
PY
