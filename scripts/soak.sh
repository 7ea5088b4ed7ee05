#!/usr/bin/env bash
# Soak test of `sessionvault serve` (issue #8 item 5): runs the service for SOAK_SECONDS with
# concurrent streaming uploads, range and full downloads, consent withdrawals (CLI, against the
# same vault while the server runs), legal holds and retention sweeps; checks every answer, every
# byte (SHA-256 / exact slices of bodies regenerated from a seed), which recordings were destroyed
# and which kept, the server's memory (VmRSS every second, then a per-request leak probe of each
# request path on the warm server), a clean SIGTERM, and at the end `verify`, `fsck`,
# `audit verify` and a CLI `get` of every recording that must still exist.
#
#   make soak                                  # SOAK_SECONDS=300
#   SOAK_SECONDS=30 bash scripts/soak.sh       # the short run inside `make test`
#   SESSIONVAULT_BIN=/path/to/sessionvault SOAK_SEED=7 bash scripts/soak.sh
#
# Environment (all optional):
#   SESSIONVAULT_BIN   the CLI to test (default .build/debug/sessionvault)
#   SESSIONVAULT_SWEEP_AS_OF_BIN  the far-future sweep's driver (default: test-sweep-as-of beside the CLI)
#   SOAK_SECONDS       how long the concurrent phase runs (default 300)
#   SOAK_SEED          seed for sizes, ranges, choices and body bytes (default: random, printed)
#   SOAK_UPLOADERS     upload workers (default 2); SOAK_READERS: download workers (default 3)
#   SOAK_UPLOAD_RATE   uploads per second, all uploaders together (default 5; 0 = no limit): bounds
#                      the number of recordings the final CLI read-back has to decrypt
#   SOAK_RACE_PROBE    1 (default): also withdraw consent while an upload to that session is in
#                      flight and check the withdrawal still holds; 0 skips that probe
#   SOAK_RSS_MARGIN_MIB / SOAK_RSS_MARGIN_PCT   memory-growth allowance (default 32 MiB / 25 %,
#                      whichever is larger; see docs/RELIABILITY.md "Soak")
#   SOAK_LEAK_KIB_PER_OP  leak probe limit per request (default 4 KiB, and at least 1 MiB in all)
#   SOAK_KEEP=1        keep the temporary directory even on success
#   SOAK_BACKEND       embedded (default: SQLite and files in the vault) or scaleout: a fresh
#                      database and bucket on the PostgreSQL and S3 servers of
#                      scripts/with-test-servers.sh, e.g.
#                        SOAK_BACKEND=scaleout bash scripts/with-test-servers.sh bash scripts/soak.sh
#   SOAK_S3_LOCK       scaleout only: the bucket's Object Lock mode (none, the default; governance; compliance)
#
# Everything listens on 127.0.0.1 on a free port, in a temporary directory that is removed on
# success and kept (and printed) on failure. Exit status 0 only if every check passed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export SESSIONVAULT_BIN="${SESSIONVAULT_BIN:-.build/debug/sessionvault}"
export SOAK_SECONDS="${SOAK_SECONDS:-300}"
if [ ! -x "$SESSIONVAULT_BIN" ]; then
    echo "soak: SESSIONVAULT_BIN=$SESSIONVAULT_BIN is not an executable (run \`make build\` first)" >&2
    exit 2
fi
export SESSIONVAULT_SWEEP_AS_OF_BIN="${SESSIONVAULT_SWEEP_AS_OF_BIN:-$(dirname "$SESSIONVAULT_BIN")/test-sweep-as-of}"
if [ ! -x "$SESSIONVAULT_SWEEP_AS_OF_BIN" ]; then
    echo "soak: $SESSIONVAULT_SWEEP_AS_OF_BIN (the far-future sweep's test driver) is missing (run \`swift build --build-tests\` first)" >&2
    exit 2
fi
command -v python3 >/dev/null || { echo "soak: python3 is required" >&2; exit 2; }
# The driver owns the server process (and kills it on any exit, including a signal to this script).
exec python3 "$here/soak.py" "$@"
