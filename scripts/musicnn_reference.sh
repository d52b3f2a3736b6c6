#!/usr/bin/env bash
# Regenerates crates/mer-musicnn/tests/fixtures/ with the original musicnn 0.1.0 graph.
# Usage: scripts/musicnn_reference.sh [SHARED_DATA_DIR [MODEL...]]
#   (default: $MER_DATA or ../shared/data, all four models)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/musicnn_venv.sh"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec "$MUSICNN_PY" scripts/musicnn_reference.py "${1:-${MER_DATA:-../shared/data}}" "${@:2}"
