#!/bin/sh
# Renders an experiment report (results/NAME/report.html) in headless Chromium and writes
# results/NAME/report.png beside it, to look at the report as a reader sees it.
#   scripts/experiment_screenshot.sh results/reviewers-shared [WIDTH HEIGHT]
# Needs Debian's chromium (`apt-get install -y chromium`) or MER_CHROMIUM=/path/to/chromium.
set -eu
dir=${1:?usage: $0 results/NAME [WIDTH HEIGHT]}
width=${2:-1280}
height=${3:-5200}
chromium=${MER_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$chromium" ] || { echo "no chromium: apt-get install -y chromium" >&2; exit 1; }
html=$(cd "$dir" && pwd)/report.html
[ -f "$html" ] || { echo "$html: no such file (run mer experiment first)" >&2; exit 1; }
# --no-sandbox: CI runs as root; the page is local and self-contained (no network).
"$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size="$width,$height" --screenshot="$dir/report.png" "file://$html" 2>/dev/null
echo "wrote $dir/report.png"
