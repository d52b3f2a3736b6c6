#!/usr/bin/env bash
# Creates scripts/.venv-torch with pinned PyTorch + numpy for bench/crnn_torch.py
# and scripts/model_metrics_ref.py (reference tools only; never a runtime dependency).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv-torch"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --upgrade pip==24.3.1
"$venv/bin/pip" install --quiet torch==2.15.0 numpy==2.2.6
"$venv/bin/python" -c "import torch, numpy; print('torch', torch.__version__, 'numpy', numpy.__version__)"
