#!/usr/bin/env bash
# Resampler benchmark: mer's resampler (FFT blocks), the same FIR by rubato's sinc resampler
# (mer's engine before; still used for irregular rate pairs) and libsoxr "HQ" (python-soxr
# 0.5.0, what librosa.load resamples with) in one run, one thread each, on the same samples.
# Pairs: 44.1 -> 16 kHz (musicnn), 44.1 -> 22.05 kHz, 48 -> 16 kHz, 32 -> 22.05 kHz; signals:
# a committed 10 s clip at the source rate (mer-audio/tests/fixtures/clips), decoded by mer and
# repeated to 30 s and to 5 min (the speed does not depend on the content). Times are the
# minimum of REPEAT runs, streamed in 4608-sample pieces (mer) / one call (soxr.resample).
# Usage: bench/resample_bench.sh [REPEAT]   (creates scripts/.venv-soxr: numpy, soxr pinned)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
repeat="${1:-7}"
venv="$root/scripts/.venv-soxr"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "soxr==0.5.0.post1" "numpy==2.2.6"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
clips="$root/crates/mer-audio/tests/fixtures/clips"
cargo build --release -q -p mer-audio --example resample_bench --manifest-path "$root/Cargo.toml"
bin="$root/target/release/examples/resample_bench"

echo "# $(uptime)"
printf '%-16s %6s %10s %12s %10s %9s %11s\n' pair signal "mer ms" "rubato ms" "soxr ms" mer/soxr rubato/mer
for spec in "deam2-3_44k_stereo.mp3 16000" "deam2-3_44k_stereo.mp3 22050" \
            "deam10_48k_mono.mp3 16000" "deam10_32k_mono.mp3 22050"; do
  read -r clip rate_out <<<"$spec"
  for seconds in 30 300; do
    # mer: one JSON line {rate_in, rate_out, seconds, mer_ms, rubato_ms}; writes the input.
    mer=$("$bin" time "$clips/$clip" "$seconds" "$rate_out" "$repeat" "$work/x.f32")
    "$venv/bin/python" - "$work/x.f32" "$rate_out" "$repeat" "$mer" <<'PY'
import json, sys, time
import numpy as np, soxr
path, rate_out, repeat, mer = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
x = np.fromfile(path, dtype=np.float32)
best = float("inf")
for i in range(repeat + 1):  # one warm-up
    t = time.perf_counter()
    y = soxr.resample(x, mer["rate_in"], rate_out, quality="HQ")
    if i > 0:
        best = min(best, time.perf_counter() - t)
soxr_ms = best * 1e3
pair = f"{mer['rate_in'] / 1000:g}->{rate_out / 1000:g}k"
sig = f"{mer['seconds']:g} s"
print(f"{pair:<16} {sig:>6} {mer['mer_ms']:>10.2f} {mer['rubato_ms']:>12.2f} {soxr_ms:>10.2f} "
      f"{mer['mer_ms'] / soxr_ms:>9.2f} {mer['rubato_ms'] / mer['mer_ms']:>11.1f}")
PY
  done
done
echo "# $(uptime)"
