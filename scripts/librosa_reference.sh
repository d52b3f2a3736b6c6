#!/usr/bin/env bash
# Makes the librosa reference fixtures of mer-features' log-mel tests, and the small MP3 clips
# they read (committed, so the tests run without the shared data).
#
# 1. Clips (crates/mer-audio/tests/fixtures/clips): 10 s excerpts (15-25 s) of shared clips,
#    cut by libsndfile (soundfile, below) and encoded by LAME 3.100 (Debian: apt-get install
#    lame=3.100-6): a 44.1 kHz stereo clip (DEAM 2 left, DEAM 3 right), a 22.05 kHz mono clip
#    at 56 kbit/s like the 4Q copies (first Q2 clip), and DEAM 10 resampled by LAME to 32 kHz
#    (128 kbit/s: LAME keeps everything up to the 16 kHz Nyquist) and 48 kHz (160 kbit/s);
#    and the first 0.25 s of the stereo excerpt as FLAC 1.4.2 (Debian: apt-get install flac=1.4.2+ds-2),
#    a seed for mer-audio's fuzz test.
# 2. References: scripts/librosa_reference.py for the clips and for the shared DEAM/4Q clips.
#
# Creates its own venv (scripts/.venv-librosa) with pinned versions.
# Usage: scripts/librosa_reference.sh [SHARED_DATA_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv-librosa"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "librosa==0.11.0" "soundfile==0.13.1" "soxr==0.5.0.post1" "numpy==2.2.6" "scipy==1.15.3"
fi
data="${1:-${MER_DATA:-$here/../../shared/data}}"
clips="$here/../crates/mer-audio/tests/fixtures/clips"
fixtures="$here/../crates/mer-features/tests/fixtures"

lame_version=$(lame --version | head -n 1)
case "$lame_version" in
  *"LAME 64bits version 3.100 "*|*"LAME 32bits version 3.100 "*) ;;
  *) echo "need LAME 3.100 (apt-get install lame=3.100-6), found: $lame_version" >&2; exit 1 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" - "$data" "$work" <<'PY'
import glob, sys
import numpy as np, soundfile as sf
data, work = sys.argv[1], sys.argv[2]
def cut(path, a=15.0, b=25.0):
    y, sr = sf.read(path, dtype="float32", always_2d=True)
    return y[int(a * sr):int(b * sr)].mean(axis=1), sr
l, sr = cut(f"{data}/deam-sample/audio/2.mp3")
r, _ = cut(f"{data}/deam-sample/audio/3.mp3")
sf.write(f"{work}/stereo_44k.wav", np.stack([l, r], axis=1), sr, subtype="PCM_16")
sf.write(f"{work}/stereo_44k_250ms.wav", np.stack([l, r], axis=1)[:sr // 4], sr, subtype="PCM_16")
q2 = sorted(glob.glob(f"{data}/4q/audio/Q2/*.mp3"))[0]
y, sr = cut(q2)
sf.write(f"{work}/mono_22k.wav", y, sr, subtype="PCM_16")
y, sr = cut(f"{data}/deam-sample/audio/10.mp3")
sf.write(f"{work}/mono_44k.wav", y, sr, subtype="PCM_16")
PY
mkdir -p "$clips"
lame --quiet -m j -b 128 "$work/stereo_44k.wav" "$clips/deam2-3_44k_stereo.mp3"
lame --quiet -m m -b 56 "$work/mono_22k.wav" "$clips/4q_22k_mono.mp3"
lame --quiet -m m --resample 32 -b 128 "$work/mono_44k.wav" "$clips/deam10_32k_mono.mp3"
lame --quiet -m m --resample 48 -b 160 "$work/mono_44k.wav" "$clips/deam10_48k_mono.mp3"
flac_version=$(flac --version)
[ "$flac_version" = "flac 1.4.2" ] || { echo "need flac 1.4.2 (apt-get install flac=1.4.2+ds-2), found: $flac_version" >&2; exit 1; }
flac --silent --best --force -o "$clips/deam2-3_44k_stereo_250ms.flac" "$work/stereo_44k_250ms.wav"
printf '%s\n%s\n' "$lame_version" "$flac_version" > "$clips/VERSIONS.txt"
ls -l "$clips"

"$venv/bin/python" "$here/librosa_reference.py" clips "$clips" "$fixtures/librosa-clips"
"$venv/bin/python" "$here/librosa_reference.py" shared "$data" "$fixtures/librosa"
