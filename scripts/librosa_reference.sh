#!/usr/bin/env bash
# Makes the librosa reference fixtures for mer-features' log-mel test.
# Creates its own venv (scripts/.venv-librosa) with pinned versions, then runs
# librosa_reference.py. Usage: scripts/librosa_reference.sh [SHARED_DATA_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv-librosa"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "librosa==0.11.0" "soundfile==0.13.1" "soxr==0.5.0.post1" "numpy==2.2.6" "scipy==1.15.3"
fi
data="${1:-${MER_DATA:-$here/../../shared/data}}"
"$venv/bin/python" "$here/librosa_reference.py" "$data" "$here/../crates/mer-features/tests/fixtures/librosa"
