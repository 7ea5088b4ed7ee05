#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs each for FUZZ_SECONDS (default 60) from the
# committed seed corpus (copied, so new inputs never dirty the repo). A crash leaves its input in
# Fuzz/artifacts/ and fails the run: turn it into a regression test, then add it to the corpus.
set -euo pipefail
cd "$(dirname "$0")/../Fuzz"
SECONDS_EACH=${FUZZ_SECONDS:-60}
# Let libFuzzer, not the Swift runtime's backtracer, handle crashes, so it saves the input.
export SWIFT_BACKTRACE=enable=no
swift build -Xswiftc -sanitize=fuzzer -Xcc -DNDEBUG 2>&1 | grep -vE "warning: .*(unhandled|CMakeLists)|^\s+/" | tail -3
BIN=$(swift build -Xswiftc -sanitize=fuzzer -Xcc -DNDEBUG --show-bin-path)
mkdir -p artifacts
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for target in FuzzWebM FuzzSchedule FuzzChunk FuzzRange; do
  corpus=$(echo "$target" | sed 's/^Fuzz//' | tr 'A-Z' 'a-z')
  mkdir -p "$work/$corpus"
  cp Corpus/"$corpus"/* "$work/$corpus/" 2>/dev/null || true
  log="$work/$target.log"
  if "$BIN/$target" -max_total_time="$SECONDS_EACH" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
       -artifact_prefix=artifacts/"$target"- "$work/$corpus" > "$log" 2>&1; then
    result=ok
  else
    result=CRASH; status=1
  fi
  # (|| true: a crashed run may lack these lines, and must still be reported below.)
  runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' || grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 || true)
  echo "$target: $result, ${runs:-?} executions in ${SECONDS_EACH}s, ${cov:-cov: ?}, corpus $(ls "$work/$corpus" | wc -l) inputs"
  [[ $result == ok ]] || tail -30 "$log"
done
exit $status
