#!/usr/bin/env bash
# Regenerates crates/mer-smile/tests/fixtures from the pinned openSMILE Python package.
# Usage: bash scripts/smile_reference.sh   (MER_DATA overrides ../shared/data)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
py="$(bash "$here/smile_venv.sh" | tail -n 1)"
"$py" "$here/smile_reference.py" "$@"
