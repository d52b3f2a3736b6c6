#!/usr/bin/env bash
# mer-kernels' matrix products (portable and AVX-512; f32, bf16, int8) vs the gemm crate's f32
# (what burn's Flex backend runs), on musicnn's layer shapes, one core, in one run: GMAC/s and
# the ratio to gemm per shape, min over REPEATS batches. Prints the load beside the numbers.
# Usage: bench/kernels_bench.sh [REPEATS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -q -p mer-kernels --example kernels_bench
echo "# $(uptime)"
echo "# $(grep -m1 'model name' /proc/cpuinfo)"
taskset -c 0 target/release/examples/kernels_bench "${1:-15}"
echo "# $(uptime)"
