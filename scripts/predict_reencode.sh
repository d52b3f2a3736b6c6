#!/usr/bin/env bash
# Builds the encoding-invariance fixtures of mer-predict: DEAM sample clips (44.1 kHz stereo
# MP3 as published) re-encoded the way the 4Q / MUSIFEAST-17 copies were made: mono,
# 22.05 kHz, 56 kbit/s CBR MP3. The test compares mer predict on the original and the
# re-encode (issue 6: r >= 0.95 between the two dynamic series, mean |diff| <= 0.05).
#
# Needs LAME 3.100 (Debian: apt-get install -y lame). Usage: scripts/predict_reencode.sh [DATA]
set -euo pipefail
DATA=${1:-${MER_DATA:-$(dirname "$0")/../../shared/data}}
OUT=$(dirname "$0")/../crates/mer-predict/tests/fixtures/reencoded
mkdir -p "$OUT"
lame --version | head -1
for id in 2 10 12; do
  lame --quiet --mp3input -m m --resample 22.05 --cbr -b 56 \
    "$DATA/deam-sample/audio/$id.mp3" "$OUT/deam-$id-22k-mono-56k.mp3"
done
ls -l "$OUT"
