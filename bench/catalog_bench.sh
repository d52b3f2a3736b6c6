#!/usr/bin/env bash
# mer catalog throughput: N real files (links to the shared 4Q and MUSIFEAST-17 clips, 30 s
# each, in nested folders: repK/<set>/<quadrant or genre>/...), each model with 1 and 2
# worker threads (-j), in one run. Prints files/s, the 2-thread speed-up (target >= 1.8x on
# 2 free cores) and the time per file against `mer predict` on one file (a process per file,
# model load included, as a user runs it), with the machine's load average before and after
# (the cores are shared: a loaded machine lowers the speed-up).
#
# Usage: bench/catalog_bench.sh [DATA]
#   N=1000 (files)  MODELS="fast default"  REPEATS=3 (mer predict runs)
#
# 2026-12-02, N=896 MODELS=fast (every 4Q + MUSIFEAST-17 clip once, 2 cores, load ~3-5):
#   -j 1 52.2 files/s, -j 2 90.0 files/s (1.73x); 0.0192 s/file at -j 1 vs 0.0377 s for a
#   `mer predict` process on one file (0.51x). N=200 (load ~4-6): 39.6 / 55.3 files/s (1.39x).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-${MER_DATA:-../shared/data}}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}
N=${N:-1000}
MODELS=${MODELS:-fast default}
REPEATS=${REPEATS:-3}
cargo build --release -p mer --quiet
MER="$CARGO_TARGET_DIR/release/mer"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The library: links (hard if the file system allows, else symbolic) to real clips.
mapfile -t CLIPS < <(find "$DATA/4q/audio" "$DATA/musifeast17" -name '*.mp3' | sort)
[ "${#CLIPS[@]}" -gt 0 ] || { echo "no clips under $DATA" >&2; exit 1; }
LIB="$TMP/lib"
i=0
while [ "$i" -lt "$N" ]; do
  c=${CLIPS[$((i % ${#CLIPS[@]}))]}
  rel=${c#"$DATA"/}
  dst="$LIB/rep$((i / ${#CLIPS[@]}))/$rel"
  mkdir -p "$(dirname "$dst")"
  ln "$c" "$dst" 2>/dev/null || ln -s "$(realpath "$c")" "$dst"
  i=$((i + 1))
done
echo "library: $N files ($(find "$LIB" -type d | wc -l) folders) from ${#CLIPS[@]} clips; $(nproc) cores"

secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$@"; }

for model in $MODELS; do
  declare -A RATE=()
  for j in 1 2; do
    out="$TMP/cat-$model-$j.csv"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    t0=$(date +%s.%N)
    "$MER" catalog "$LIB" -o "$out" --model "$model" -j "$j" 2> "$TMP/err"
    t1=$(date +%s.%N)
    rows=$(($(wc -l < "$out") - 1))
    errors=$(python3 -c "import csv,sys; print(sum(1 for r in csv.DictReader(open(sys.argv[1])) if r['error']))" "$out")
    t=$(secs "$t0" "$t1")
    RATE[$j]=$(python3 -c "print(f'{$rows / $t:.3f}')")
    echo "mer catalog --model $model -j $j: $rows rows ($errors errors) in $t s: ${RATE[$j]} files/s, $(python3 -c "print(f'{$t / $rows:.4f}')") s/file; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  done
  echo "speed-up 2 vs 1 thread, $model: $(python3 -c "print(f'{${RATE[2]} / ${RATE[1]}:.2f}')")x (target >= 1.8x)"
  one=${CLIPS[0]}
  "$MER" predict -j 1 --model "$model" "$one" > /dev/null # warm-up
  t0=$(date +%s.%N)
  for _ in $(seq "$REPEATS"); do "$MER" predict -j 1 --model "$model" "$one" > /dev/null; done
  t1=$(date +%s.%N)
  p=$(python3 -c "print(f'{($t1 - $t0) / $REPEATS:.4f}')")
  echo "mer predict --model $model -j 1 on one file: $p s/file; catalog -j 1 per file / predict: $(python3 -c "print(f'{1 / ${RATE[1]} / $p:.2f}')")x"
  unset RATE
done
