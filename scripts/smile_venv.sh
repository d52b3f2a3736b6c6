#!/usr/bin/env bash
# Creates scripts/.venv-smile with the pinned openSMILE Python package (reference only;
# never a runtime dependency of mer). Usage: bash scripts/smile_venv.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv-smile"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  opensmile==2.6.0 soundfile==0.14.0 numpy==2.4.6
echo "$venv/bin/python"
