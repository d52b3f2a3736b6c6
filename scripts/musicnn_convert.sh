#!/usr/bin/env bash
# Regenerates crates/mer-musicnn/weights/{msd_musicnn.safetensors,LICENSE-musicnn}
# from the pinned PyPI wheel musicnn==0.1.0 (see musicnn_convert.py).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/musicnn_venv.sh"
exec "$MUSICNN_PY" "$(dirname "${BASH_SOURCE[0]}")/musicnn_convert.py" "$@"
