#!/usr/bin/env bash
# Front-end benchmark (issue 3): mer vs librosa 0.11 in one run, one thread each.
#   mer:     decode (symphonia) [+ resample (rubato)] + log-mel, and decode-only (the floor)
#   librosa: librosa.load (libsndfile/mpg123 [+ soxr]) + melspectrogram + log
# Files: the 10 deam-sample clips (45 s, 44.1 kHz stereo MP3), a 32 kHz stereo MP3 made from a
# 4Q clip (resampling), and a 5-minute 44.1 kHz stereo MP3 made by joining DEAM clips' frames.
# Usage: bench/frontend_bench.sh [REPEAT]   (needs scripts/.venv-librosa: scripts/librosa_reference.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data="${MER_DATA:-$root/../shared/data}"
repeat="${1:-5}"
venv="$root/scripts/.venv-librosa"
[ -x "$venv/bin/python" ] || "$root/scripts/librosa_reference.sh" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 32 kHz stereo MP3 from a 4Q clip (libsndfile's MP3 encoder, through soundfile).
"$venv/bin/python" - "$data/4q/audio/Q2" "$work/4q_32k_stereo.mp3" <<'PY'
import sys, glob, librosa, numpy as np, soundfile as sf
src = sorted(glob.glob(sys.argv[1] + "/*.mp3"))[0]
y, sr = librosa.load(src, sr=32000, mono=True)
sf.write(sys.argv[2], np.stack([y, 0.8 * y], axis=1), 32000, format="MP3")
PY
# 5-minute 44.1 kHz stereo MP3: MPEG frames of 7 DEAM clips joined (ID3 and Info tags stripped).
"$venv/bin/python" - "$data/deam-sample/audio" "$work/deam_5min_stereo.mp3" <<'PY'
import sys
def frames(path):
    d = open(path, "rb").read()
    if d[:3] == b"ID3":
        size = 0
        for b in d[6:10]:
            size = (size << 7) | (b & 0x7F)
        d = d[10 + size:]
    # Drop the first frame when it is a Xing/Info tag: its frame count is the clip's, not the
    # joined file's (decoders would stop after the first clip).
    sync = d[:2]
    if b"Info" in d[:64] or b"Xing" in d[:64]:
        d = d[d.index(sync, 4):]
    return d
ids = ["2", "4", "5", "7", "8", "10", "12"]
open(sys.argv[2], "wb").write(b"".join(frames(f"{sys.argv[1]}/{i}.mp3") for i in ids))
PY

files=("$data"/deam-sample/audio/*.mp3 "$work/4q_32k_stereo.mp3" "$work/deam_5min_stereo.mp3")
cargo build --release -q -p mer-features --example frontend_bench --manifest-path "$root/Cargo.toml"
"$root/target/release/examples/frontend_bench" "$repeat" "${files[@]}" > "$work/mer.jsonl"
"$venv/bin/python" "$root/bench/frontend_librosa.py" "$repeat" "${files[@]}" > "$work/librosa.jsonl"
"$venv/bin/python" - "$work/mer.jsonl" "$work/librosa.jsonl" <<'PY'
import json, sys, os
mer = [json.loads(l) for l in open(sys.argv[1])]
lib = [json.loads(l) for l in open(sys.argv[2])]
print(f"{'file':<24} {'dur s':>6} {'mer s':>8} {'decode s':>8} {'librosa s':>9} {'lib/mer':>7} {'mer/decode':>10}")
for m, l in zip(mer, lib):
    name = os.path.basename(m["path"])
    print(f"{name:<24} {m['duration_s']:>6.1f} {m['seconds']:>8.4f} {m['decode_seconds']:>8.4f} "
          f"{l['seconds']:>9.4f} {l['seconds']/m['seconds']:>7.2f} {m['seconds']/m['decode_seconds']:>10.3f}")
deam = [(m, l) for m, l in zip(mer, lib) if "deam-sample" in m["path"]]
tm = sum(m["seconds"] for m, _ in deam); tl = sum(l["seconds"] for _, l in deam)
print(f"deam-sample total: mer {tm:.3f} s, librosa {tl:.3f} s, librosa/mer {tl/tm:.2f}x")
PY
