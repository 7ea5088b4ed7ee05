#!/usr/bin/env bash
# Sweep at scale: a catalog of TOTAL recordings (default 1,000,000) of which DUE are due.
#   - times `sessionvault sweep --dry-run --json` (DRY_RUNS runs, median)
#   - times `sessionvault sweep --json` once (destroys every due recording: one small chunk each,
#     filesystem store) with /usr/bin/time -v for peak RSS
#   - checks with SQL that exactly DUE were destroyed with destruction records, the rest still live,
#     and that the due recordings' chunk files are gone.
# It runs once per entry of DUE_LIST (default "100000 10000") on a fresh vault each time, so the
# peak RSS of the two sweeps shows whether memory grows with the number due.
#
# Targets (retention issue): dry run < 2 s, sweep of 100,000 < 60 s on a 2-core machine, memory
# independent of the number due.
#
# Environment:
#   TOTAL=1000000  DUE_LIST="100000 10000"  DRY_RUNS=5
#   SAME_DUE_DATE=1          every due recording due on the same day (worst case for the batch query)
#   SESSIONVAULT_BIN=PATH    use this binary instead of building `swift build -c release`
#   KEEP=1                   keep the vaults (printed) instead of deleting them
# Needs: swift (unless SESSIONVAULT_BIN), python3, sqlite3, GNU time (installed from Debian if missing).
# Figures, causes and fixes: Benchmarks/README.md, "Sweep at scale".
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

TOTAL=${TOTAL:-1000000}
DUE_LIST=${DUE_LIST:-"100000 10000"}
DRY_RUNS=${DRY_RUNS:-5}
SAME_DUE_DATE=${SAME_DUE_DATE:-0}

missing=""
command -v sqlite3 >/dev/null || missing="$missing sqlite3"
[ -x /usr/bin/time ] || missing="$missing time"
command -v python3 >/dev/null || missing="$missing python3"
if [ -n "$missing" ]; then
  echo "Installing:$missing" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi

if [ -z "${SESSIONVAULT_BIN:-}" ]; then
  swift build -c release --product sessionvault >&2
  SESSIONVAULT_BIN="$(swift build -c release --show-bin-path)/sessionvault"
fi
BIN=$SESSIONVAULT_BIN
[ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sweep-bench.XXXXXX")
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# About 1.1 GB of catalog per million recordings, plus the chunk files; one vault at a time.
need_kb=$(( TOTAL / 1000 * 1600 + 500000 ))
avail_kb=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
if [ "$avail_kb" -lt "$need_kb" ]; then
  echo "need about $((need_kb / 1024)) MiB free in $WORK, have $((avail_kb / 1024)) MiB" >&2; exit 1
fi

export SESSIONVAULT_PASSPHRASE="sweep benchmark passphrase"
unset SESSIONVAULT_DIR
TODAY=$(date -u +%F)
q() { sqlite3 "$VAULT/catalog.sqlite" "$@"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Wall seconds and peak RSS (KiB) from a `/usr/bin/time -v` report.
wall_of() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$1"; }
rss_of() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }

echo "binary: $BIN" >&2
echo "machine: $(nproc) cores, $(uname -r), SQLite $(sqlite3 --version | cut -d' ' -f1), today $TODAY" >&2
echo "disk: $(df -P "$WORK" | awk 'NR == 2 { print $1 }') mounted $(awk -v d="$(df -P "$WORK" | awk 'NR == 2 { print $6 }')" '$2 == d { print $4 }' /proc/mounts)" >&2
# The machine is shared: every timing line carries the load average and CPU/IO pressure at its start.
load() { printf 'load %s, cpu-psi %s, io-psi %s' "$(cut -d' ' -f1 /proc/loadavg)" \
  "$(awk 'NR == 1 { print $2 }' /proc/pressure/cpu 2>/dev/null || echo -)" "$(awk 'NR == 1 { print $2 }' /proc/pressure/io 2>/dev/null || echo -)"; }
RESULTS=$WORK/results.tsv
first=1
for DUE in $DUE_LIST; do
  VAULT=$WORK/vault-$DUE
  echo >&2
  echo "== $TOTAL recordings, $DUE due" >&2
  "$BIN" init --vault "$VAULT" --kdf interactive >/dev/null
  for role in clinician records-officer supervisor; do "$BIN" role add "$role" --vault "$VAULT" >/dev/null; done
  "$BIN" consent record --vault "$VAULT" --session S-BENCH-1 --patient "943 476 5919" --scope supervision --evidence "form S-1" >/dev/null

  # One real recording through the CLI, to show the rows and blobs a one-chunk recording has;
  # the seeded rows copy its shape. It is due in the future, so it stays live.
  head -c 100 /dev/urandom > "$WORK/small.bin"
  REAL=$("$BIN" ingest "$WORK/small.bin" --vault "$VAULT" --session S-BENCH-1 --clinician dr-bench --class supervision)
  if [ "$first" = 1 ]; then
    echo "-- a real one-chunk recording ($REAL):" >&2
    q -line "SELECT state, class, disposition, due_on, chunk_count, byte_count, length(manifest) AS manifest_bytes,
               length(manifest_tag) AS tag_bytes, retention_rule FROM recordings" >&2
    q "SELECT CAST(manifest AS TEXT) FROM recordings" >&2
    q "SELECT 'chunk', idx, sealed_size, length(digest) FROM chunks UNION ALL SELECT 'wrap', role, key_id, length(wrapped) FROM wraps" >&2
    (cd "$VAULT/blobs" && find . -type f -printf '%P %s bytes\n') >&2
  fi

  python3 "$REPO/Benchmarks/seed_catalog.py" "$VAULT" "$TOTAL" "$DUE" "$TODAY" $([ "$SAME_DUE_DATE" = 1 ] && echo --same-due-date)
  echo "catalog: $(du -sh "$VAULT/catalog.sqlite" | cut -f1); chunk files: $(find "$VAULT/blobs/chunks" -type f | wc -l)" >&2

  # Dry run: DRY_RUNS timed runs after one warm-up.
  "$BIN" sweep --vault "$VAULT" --dry-run --json --now "$TODAY" > "$WORK/dry.json"
  grep -q "\"count\" : $DUE," "$WORK/dry.json" || { echo "dry run did not report $DUE due:" >&2; cat "$WORK/dry.json" >&2; exit 1; }
  echo "dry runs start: $(load)" >&2
  : > "$WORK/dry.times"
  for _ in $(seq "$DRY_RUNS"); do
    /usr/bin/time -v -o "$WORK/dry.time" "$BIN" sweep --vault "$VAULT" --dry-run --json --now "$TODAY" >/dev/null
    echo "$(wall_of "$WORK/dry.time") $(rss_of "$WORK/dry.time")" >> "$WORK/dry.times"
  done
  dry_median=$(cut -d' ' -f1 "$WORK/dry.times" | median)
  dry_rss=$(cut -d' ' -f2 "$WORK/dry.times" | median)
  echo "dry run: $(cut -d' ' -f1 "$WORK/dry.times" | tr '\n' ' ')s -> median ${dry_median} s, RSS ${dry_rss} KiB" >&2
  # One more with the catalog evicted from the page cache (posix_fadvise DONTNEED on this file only,
  # after a sync), as after a reboot: the dry run then reads its pages from the disk.
  sync
  python3 -c 'import os, sys
for p in sys.argv[1:]:
    if os.path.exists(p):
        fd = os.open(p, os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' \
    "$VAULT/catalog.sqlite" "$VAULT/catalog.sqlite-wal"
  /usr/bin/time -v -o "$WORK/cold.time" "$BIN" sweep --vault "$VAULT" --dry-run --json --now "$TODAY" >/dev/null
  dry_cold=$(wall_of "$WORK/cold.time")
  echo "dry run, catalog not in the page cache: ${dry_cold} s" >&2

  # The sweep, once.
  sync
  sweep_load=$(load)
  echo "sweep starts: $sweep_load" >&2
  /usr/bin/time -v -o "$WORK/sweep.time" "$BIN" sweep --vault "$VAULT" --json --now "$TODAY" > "$WORK/sweep.json"
  sweep_s=$(wall_of "$WORK/sweep.time")
  sweep_rss=$(rss_of "$WORK/sweep.time")
  grep -E '"(destroyed|seconds)"' "$WORK/sweep.json" | tr -d ' ,' | tr '\n' ' ' >&2; echo >&2
  grep -E 'Elapsed|Maximum resident|User time|System time|context switches' "$WORK/sweep.time" | sed 's/^\s*/  /' >&2

  # Checks.
  live_expected=$(( TOTAL - DUE + 1 ))
  read -r destroyed live records shredded chunks_left wraps_left audit_destroy < <(q -separator ' ' "
    SELECT (SELECT count(*) FROM recordings WHERE state = 'destroyed'),
           (SELECT count(*) FROM recordings WHERE state = 'live'),
           (SELECT count(*) FROM destructions d JOIN recordings r ON r.id = d.recording_id AND r.state = 'destroyed'),
           (SELECT count(*) FROM audit WHERE action = 'destroy.shred'),
           (SELECT count(*) FROM chunks c JOIN recordings r ON r.id = c.recording_id WHERE r.state = 'destroyed'),
           (SELECT count(*) FROM wraps w JOIN recordings r ON r.id = w.recording_id WHERE r.state = 'destroyed'),
           (SELECT count(*) FROM audit WHERE action = 'destroy')")
  files_left=$(find "$VAULT/blobs/chunks" -type f | wc -l)
  ok=yes
  [ "$destroyed" = "$DUE" ] || ok=no
  [ "$records" = "$DUE" ] || ok=no
  [ "$shredded" = "$DUE" ] || ok=no
  [ "$audit_destroy" = "$DUE" ] || ok=no
  [ "$live" = "$live_expected" ] || ok=no
  [ "$chunks_left" = 0 ] || ok=no
  [ "$wraps_left" = 0 ] || ok=no
  [ "$files_left" = 1 ] || ok=no   # the real recording's chunk
  echo "check: destroyed $destroyed (want $DUE), destruction records $records, shred+destroy audit entries $shredded+$audit_destroy," \
       "live $live (want $live_expected), chunk rows/wraps of destroyed $chunks_left/$wraps_left, chunk files left $files_left (want 1): $ok" >&2
  rate=$(awk -v n="$DUE" -v s="$sweep_s" 'BEGIN { printf "%.0f", n / s }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$TOTAL" "$DUE" "$dry_median" "$dry_cold" "$dry_rss" "$sweep_s" "$rate" "$sweep_rss" "$ok" "$sweep_load" >> "$RESULTS"
  [ "$ok" = yes ] || { echo "CHECK FAILED" >&2; KEEP=1; exit 1; }
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$VAULT"; fi
  first=0
done

echo
echo "| recordings | due | dry run (median of $DRY_RUNS) | dry run, cold catalog | dry-run RSS | sweep | recordings destroyed/s | sweep peak RSS | checks | at sweep start |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
while IFS=$'\t' read -r total due dry cold dryrss sweep rate rss ok at; do
  printf '| %s | %s | %s s | %s s | %s MiB | %s s | %s | %s MiB | %s | %s |\n' "$total" "$due" "$dry" "$cold" "$((dryrss / 1024))" "$sweep" "$rate" "$((rss / 1024))" "$ok" "$at"
done < "$RESULTS"
