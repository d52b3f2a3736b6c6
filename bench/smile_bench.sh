#!/usr/bin/env bash
# mer-smile vs openSMILE (Python package, pinned), ComParE LLDs, same WAV files, one run.
# Usage: bash bench/smile_bench.sh     (MER_DATA overrides ../shared/data)
# Uses `mer features --kind smile-lld` when the CLI has that kind, else the equivalent
# `smile_features` example of mer-smile (same code path: mer_smile::compute_file + write_table).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
py="$(bash "$root/scripts/smile_venv.sh" | tail -n 1)"
cd "$root"
cargo build --release -q -p mer
if "$target/release/mer" features --help 2>/dev/null | grep -q smile-lld; then
  cmd="$target/release/mer features"
else
  cargo build --release -q -p mer-smile --example smile_features
  cmd="$target/release/examples/smile_features"
fi
echo "mer command: $cmd"
"$py" "$root/bench/smile_bench.py" "$cmd"
