#!/usr/bin/env bash
# The cost of one erasure on the embedded default with 1M recordings (3M wraps, so 3M leaves):
# release build of the erasure-bench target, tree on $TMPDIR's disk. Usage:
#   bash Benchmarks/erasure-bench.sh [LEAVES] [ERASURES]
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-release}
swift build -c "$CONFIG" -Xcc -DNDEBUG --product erasure-bench >&2
"$(swift build -c "$CONFIG" --show-bin-path)/erasure-bench" "${1:-3000000}" "${2:-200}"
