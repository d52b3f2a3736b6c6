#!/usr/bin/env bash
# Regenerates the IS13_ComParE fixtures (crates/mer-smile/tests/fixtures/*.is13.*) from the
# pinned openSMILE Python package, on the committed fixture WAVs (no shared data needed).
# Usage: bash scripts/smile_reference_is13.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
py="$(bash "$here/smile_venv.sh" | tail -n 1)"
"$py" "$here/smile_reference_is13.py" "$@"
