#!/usr/bin/env bash
# vault-review.sh PROFILE INPUT OUTPUT: makes a review copy the way SessionVault does in
# production, from the encrypted store: INPUT is ingested once into a benchmark vault (cached by
# path), then `sessionvault review ID --as clinician --profile PROFILE -o OUTPUT` decrypts it as a
# stream into the transcoder. Used by compare-ffmpeg.sh; the timed part is the review command.
set -euo pipefail
profile=$1 input=$2 output=$3
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${SESSIONVAULT_BIN:-$root/.build/release/sessionvault}
vault=${BENCH_VAULT:-${TMPDIR:-/tmp}/sessionvault-bench/vault}
export SESSIONVAULT_DIR=$vault SESSIONVAULT_PASSPHRASE=${SESSIONVAULT_PASSPHRASE:-benchmark passphrase}
if [[ ! -f $vault/config.toml ]]; then
  "$bin" init --kdf interactive >/dev/null
  "$bin" role add clinician >/dev/null
  "$bin" role add records-officer >/dev/null
  "$bin" consent record --session BENCH --patient 0000000000 --scope care >/dev/null
fi
ids=$vault/ingested.tsv
touch "$ids"
id=$(awk -F'\t' -v p="$input" '$1 == p { print $2 }' "$ids" | tail -1)
if [[ -z $id ]]; then
  id=$("$bin" ingest "$input" --session BENCH --clinician bench --class care)
  printf '%s\t%s\n' "$input" "$id" >> "$ids"
fi
rm -f "$output"
exec "$bin" review "$id" --as clinician --profile "$profile" -o "$output"
