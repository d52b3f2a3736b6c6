#!/usr/bin/env bash
# Regenerates crates/mer-musicnn/weights/{msd,mtt}_{musicnn,vgg}.safetensors and LICENSE-musicnn
# from the pinned PyPI wheel musicnn==0.1.0 (see musicnn_convert.py).
# Usage: scripts/musicnn_convert.sh [MODEL...]   (default: all four)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/musicnn_venv.sh"
exec "$MUSICNN_PY" "$(dirname "${BASH_SOURCE[0]}")/musicnn_convert.py" "$@"
