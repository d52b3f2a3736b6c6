#!/usr/bin/env bash
# Creates (once) the Python venv used by every musicnn reference tool:
# scripts/.venv-musicnn (gitignored). Python is never a run-time dependency of mer.
#
# Pinned: TensorFlow 2.15.1 (CPU) runs musicnn's TF1 graph through tf.compat.v1,
# librosa 0.10.2.post1 is the front end musicnn calls, musicnn 0.1.0 (PyPI wheel, ISC).
# Usage: source scripts/musicnn_venv.sh   (sets $MUSICNN_PY)
set -euo pipefail
SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$SCRIPTS_DIR/.venv-musicnn"
PYTHON="${PYTHON:-python3.11}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import musicnn, tensorflow, librosa, safetensors" 2>/dev/null; then
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet tensorflow-cpu==2.15.1 "numpy<2" librosa==0.10.2.post1 safetensors==0.4.5
    # musicnn 0.1.0 pins old numpy/librosa/tensorflow in its metadata: install it alone.
    "$VENV/bin/pip" install --quiet --no-deps musicnn==0.1.0
fi
export MUSICNN_PY="$VENV/bin/python"
export TF_CPP_MIN_LOG_LEVEL=2
