#!/usr/bin/env bash
# Scale-out throughput, side by side in one run on this machine:
#   - `sessionvault ingest` / `get` on SeaweedFS (S3) + PostgreSQL, with encryption on;
#   - the same on the embedded default (filesystem + SQLite);
#   - the peer: a plain S3 upload / download of the same file to the same SeaweedFS with boto3
#     (PyPI, in the benchmark's venv), using its default transfer manager (8 MiB multipart parts,
#     10 threads), no encryption.
# Target (scale-out issue): vault ingest on S3 at least 0.8x the peer's raw upload throughput.
#
#   bash Benchmarks/compare-s3.sh
#
# Environment: SIZE_MIB=512  RUNS=3  SESSIONVAULT_BIN=path (else a release build)  CHUNK=4MiB
# It starts its own PostgreSQL and SeaweedFS on 127.0.0.1 (scripts/with-test-servers.sh).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [[ "${1:-}" != "--inner" ]]; then
    if [[ -z ${SESSIONVAULT_BIN:-} ]]; then
        echo "compare-s3: building release (swift build -c release --product sessionvault)" >&2
        (cd "$REPO" && swift build -c release -Xcc -DNDEBUG --product sessionvault >&2)
        SESSIONVAULT_BIN="$(cd "$REPO" && swift build -c release -Xcc -DNDEBUG --show-bin-path)/sessionvault"
    fi
    export SESSIONVAULT_BIN
    exec bash "$REPO/scripts/with-test-servers.sh" bash "$0" --inner
fi

command -v bc >/dev/null || { apt-get install -y -qq bc >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq bc; }; }
SIZE_MIB=${SIZE_MIB:-512}
RUNS=${RUNS:-3}
CHUNK=${CHUNK:-4MiB}
BIN=$SESSIONVAULT_BIN
VENV="$REPO/.build-tools/venv"
[[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
"$VENV/bin/python" -c "import boto3" 2>/dev/null || "$VENV/bin/pip" install -q boto3 >&2

WORK=$(mktemp -d "${TMPDIR:-/tmp}/compare-s3.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
head -c $((SIZE_MIB << 20)) /dev/urandom > "$WORK/input"
BYTES=$((SIZE_MIB << 20))

export SESSIONVAULT_PASSPHRASE="benchmark passphrase"
export SESSIONVAULT_S3_ACCESS_KEY=$SESSIONVAULT_TEST_S3_ACCESS_KEY SESSIONVAULT_S3_SECRET_KEY=$SESSIONVAULT_TEST_S3_SECRET_KEY
PG_BASE=${SESSIONVAULT_TEST_POSTGRES_URL%/*}
psql "$SESSIONVAULT_TEST_POSTGRES_URL" -q -c "CREATE DATABASE bench" >/dev/null

setup_vault() { # dir catalog blobs
    "$BIN" init --vault "$1" --chunk-size "$CHUNK" --kdf interactive --catalog "$2" --blobs "$3" >/dev/null
    for role in clinician records-officer; do "$BIN" role add "$role" --vault "$1" >/dev/null; done
    "$BIN" consent record --vault "$1" --session S1 --patient 9434765919 --scope care >/dev/null
}
setup_vault "$WORK/s3vault" "$PG_BASE/bench" "s3://vault-bench?endpoint=$SESSIONVAULT_TEST_S3_ENDPOINT&region=us-east-1&style=path&lock=none"
setup_vault "$WORK/fsvault" "sqlite:catalog.sqlite" "file:blobs"

cat > "$WORK/peer.py" <<'PY'
import os, sys, boto3
from boto3.s3.transfer import TransferConfig
s3 = boto3.client("s3", endpoint_url=os.environ["SESSIONVAULT_TEST_S3_ENDPOINT"], region_name="us-east-1",
                  aws_access_key_id=os.environ["SESSIONVAULT_TEST_S3_ACCESS_KEY"],
                  aws_secret_access_key=os.environ["SESSIONVAULT_TEST_S3_SECRET_KEY"])
op, path, key = sys.argv[1:4]
if op == "mkbucket":
    s3.create_bucket(Bucket="peer-bench")
elif op == "up":
    s3.upload_file(path, "peer-bench", key, Config=TransferConfig())
else:
    s3.download_file("peer-bench", key, path, Config=TransferConfig())
PY
"$VENV/bin/python" "$WORK/peer.py" mkbucket - -

now() { date +%s.%N; }
declare -A T
run() { # name command...
    sync
    local s e
    s=$(now); "${@:2}" >"$WORK/out"; e=$(now)
    T[$1]="${T[$1]:-} $(echo "$e - $s" | bc -l)"
}
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

for i in $(seq 0 "$RUNS"); do
    run peer_up "$VENV/bin/python" "$WORK/peer.py" up "$WORK/input" "obj$i"
    run s3_ingest "$BIN" ingest "$WORK/input" --vault "$WORK/s3vault" --session S1 --clinician bench --class care
    S3ID=$(cat "$WORK/out")
    run fs_ingest "$BIN" ingest "$WORK/input" --vault "$WORK/fsvault" --session S1 --clinician bench --class care
    FSID=$(cat "$WORK/out")
    run peer_down "$VENV/bin/python" "$WORK/peer.py" down "$WORK/down" "obj$i"
    cmp -s "$WORK/down" "$WORK/input" || { echo "compare-s3: the peer's download differs from the input" >&2; exit 1; }
    rm -f "$WORK/down"
    run s3_get "$BIN" get "$S3ID" --as clinician --vault "$WORK/s3vault" -o "$WORK/down"
    cmp -s "$WORK/down" "$WORK/input" || { echo "compare-s3: the S3 vault's get differs from the input" >&2; exit 1; }
    rm -f "$WORK/down"
    run fs_get "$BIN" get "$FSID" --as clinician --vault "$WORK/fsvault" -o "$WORK/down"
    cmp -s "$WORK/down" "$WORK/input" || { echo "compare-s3: the filesystem vault's get differs from the input" >&2; exit 1; }
    rm -f "$WORK/down"
    if [[ $i -eq 0 ]]; then for k in "${!T[@]}"; do T[$k]=""; done; fi   # run 0 is the warm-up
done

rate() { echo "scale=3; $BYTES / $1 / 1000000000" | bc -l; }
printf "compare-s3: %d MiB, %d runs (medians), chunk %s, load %s\n" "$SIZE_MIB" "$RUNS" "$CHUNK" "$(cut -d' ' -f1-3 /proc/loadavg)"
for k in peer_up s3_ingest fs_ingest peer_down s3_get fs_get; do
    m=$(median "${T[$k]}")
    printf "  %-10s %7.2f s  %6.3f GB/s\n" "$k" "$m" "$(rate "$m")"
done
up=$(median "${T[peer_up]}"); si=$(median "${T[s3_ingest]}"); fi=$(median "${T[fs_ingest]}")
down=$(median "${T[peer_down]}"); sg=$(median "${T[s3_get]}"); fg=$(median "${T[fs_get]}")
printf "  ingest on S3+PostgreSQL: %.2fx the peer's raw upload (target >= 0.8x); %.2fx the filesystem+SQLite ingest\n" \
    "$(echo "$up / $si" | bc -l)" "$(echo "$fi / $si" | bc -l)"
printf "  get on S3+PostgreSQL:    %.2fx the peer's raw download;               %.2fx the filesystem+SQLite get\n" \
    "$(echo "$down / $sg" | bc -l)" "$(echo "$fg / $sg" | bc -l)"
