#!/usr/bin/env bash
# review-at-ingest.sh: what making the review copy during ingest costs (issue #18 item 3).
#
# One 60 s 720p30 WebM (VP8 + Opus, made once with ffmpeg's testsrc2 and cached in WORK_DIR),
# ingested under class `supervision` into fresh vaults:
#   alone     [review] at_ingest = []            (the original only)
#   at-ingest [review] at_ingest = ["supervision"] (the copy transcoded from the same stream and
#             stored before `ingest` returns)
#   after     ingest alone, then `review ID --as supervisor --store` (the way before: a second
#             decryption of the stored original into the transcoder)
# and the same two through the service (`serve`, `POST /api/recordings`), which answers the upload
# at the original's commit and finishes the copy in the background:
#   upload-alone      [review] at_ingest = []
#   upload-at-ingest  [review] at_ingest = ["supervision"] (timed to the answer; then the script
#                     waits for the copy through `GET /review` and reports when it was served)
# One untimed warm-up of each, then REPEAT (default 5) timed rounds, the modes taking turns in each;
# medians are reported (ratios from the same rounds); `uptime` before and after, since the machine
# is shared. Target: at-ingest / alone <= 1.3.
#
# SESSIONVAULT_BIN: the binary to time (default .build/release/sessionvault; build it with
# `swift build -c release --product sessionvault`). WORK_DIR: where the input and vaults go.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${SESSIONVAULT_BIN:-$root/.build/release/sessionvault}
work=${WORK_DIR:-${TMPDIR:-/tmp}/sessionvault-review-at-ingest}
mkdir -p "$work"
input=$work/input-720p30-60s.webm
if [[ ! -s $input ]]; then
  ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 \
    -t 60 -c:v libvpx -b:v 2M -deadline realtime -cpu-used 8 -c:a libopus -ac 2 "$input"
fi
export SESSIONVAULT_PASSPHRASE=${SESSIONVAULT_PASSPHRASE:-benchmark passphrase}

# new_vault DIR AT_INGEST: a vault whose session S has supervision consent.
new_vault() {
  rm -rf "$1"
  SESSIONVAULT_DIR=$1 "$bin" init --kdf interactive >/dev/null 2>&1
  sed -i "s/^at_ingest = .*/at_ingest = $2/" "$1/config.toml"
  for role in clinician records-officer supervisor; do SESSIONVAULT_DIR=$1 "$bin" role add "$role" >/dev/null 2>&1; done
  SESSIONVAULT_DIR=$1 "$bin" consent record --session S --patient 0000000000 --scope supervision >/dev/null 2>&1
}
now() { date +%s.%N; }
captured=$(date -u -d '-7 days' +%F)   # recent, so that neither the original nor its copy is already due
ingest() { SESSIONVAULT_DIR=$1 "$bin" ingest "$input" --session S --clinician bench --class supervision --captured "$captured" --json 2>/dev/null; }
field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# upload VAULT MODE: serves VAULT, uploads the input once with curl, prints the seconds until the
# answer; for upload-at-ingest, also waits for the copy (GET /review) and writes when it came.
upload() {
  local vault=$1 mode=$2 port token pid start end id
  token=$(SESSIONVAULT_DIR=$vault "$bin" user add bench --role clinician --patient 0000000000 2>/dev/null)
  SESSIONVAULT_DIR=$vault "$bin" user add sup --role supervisor --patient 0000000000 >"$work/sup-token" 2>/dev/null
  port=$(free_port)
  SESSIONVAULT_DIR=$vault "$bin" serve --listen "127.0.0.1:$port" --log-level warning 2>"$work/serve-$mode.log" &
  pid=$!
  for _ in $(seq 1 150); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
  start=$(now)
  curl -sf -X POST -H "Authorization: Bearer $token" -H "Expect:" --data-binary "@$input" -H "Content-Type: video/webm" \
    "http://127.0.0.1:$port/api/recordings?session=S&class=supervision&captured=$captured" > "$work/summary-$mode.json"
  end=$(now)
  if [[ $mode == upload-at-ingest ]]; then
    id=$(field "$work/summary-$mode.json" "d['id']")
    [[ $(field "$work/summary-$mode.json" "d.get('reviewCopyPending')") == True ]] || { echo "the upload did not leave its copy in progress" >&2; exit 1; }
    curl -sf -D "$work/review-headers" -o /dev/null -H "Authorization: Bearer $(cat "$work/sup-token")" "http://127.0.0.1:$port/api/recordings/$id/review"
    echo "$(now) - $start" | bc > "$work/copy-served-after"
    grep -qi "x-review-source: derived" "$work/review-headers" || { echo "GET /review did not serve the copy made at upload" >&2; exit 1; }
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$end - $start" | bc
}

# run MODE: prints the seconds one ingest (and, for `after`, the review --store) took.
run() {
  local vault=$work/vault-$1
  case $1 in
    alone) new_vault "$vault" '[]' ;;
    *-ingest) new_vault "$vault" '["supervision"]' ;;
    after) new_vault "$vault" '[]' ;;
    upload-alone) new_vault "$vault" '[]' ;;
  esac
  sync
  if [[ $1 == upload-* ]]; then
    upload "$vault" "$1"
    rm -rf "$vault"
    return
  fi
  local start end id
  start=$(now)
  ingest "$vault" > "$work/summary-$1.json"
  id=$(field "$work/summary-$1.json" "d['id']")
  if [[ $1 == after ]]; then SESSIONVAULT_DIR=$vault "$bin" review "$id" --as supervisor --store >/dev/null; fi
  end=$(now)
  if [[ $1 == at-ingest ]]; then
    local listing
    listing=$(SESSIONVAULT_DIR=$vault "$bin" ls --class review-copy --json)
    [[ $listing == *"$id"* ]] || { echo "no review copy was stored at ingest" >&2; exit 1; }
  fi
  rm -rf "$vault"
  echo "$end - $start" | bc
}

echo "input: $input ($(stat -c %s "$input") bytes)"
echo "load before: $(uptime)"
modes="alone at-ingest after upload-alone upload-at-ingest"
for mode in $modes; do run "$mode" >/dev/null; done   # warm-up
rm -f "$work"/times-*
for _ in $(seq 1 "${REPEAT:-5}"); do
  for mode in $modes; do run "$mode" >> "$work/times-$mode"; done
  cat "$work/copy-served-after" >> "$work/times-copy-served"
done
median() { sort -g "$work/times-$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
alone=$(median alone)
at=$(median at-ingest)
after=$(median after)
up_alone=$(median upload-alone)
up_at=$(median upload-at-ingest)
echo "medians of ${REPEAT:-5} rounds"
echo "load after:  $(uptime)"
printf 'ingest alone:                      %6.2f s\n' "$alone"
printf 'ingest with review at ingest:      %6.2f s  (%.2fx ingest alone; target <= 1.3x)\n' "$at" "$(echo "$at / $alone" | bc -l)"
printf '  of which until the original was committed: %.2f s, the copy stored: %.2f s (ingest --json)\n' \
  "$(field "$work/summary-at-ingest.json" "d['seconds']")" "$(field "$work/summary-at-ingest.json" "d['reviewCopy']['seconds']")"
printf 'ingest, then review --store:       %6.2f s  (%.2fx ingest alone)\n' "$after" "$(echo "$after / $alone" | bc -l)"
printf 'upload through the service, alone:  %6.2f s
' "$up_alone"
printf 'upload with review at ingest:       %6.2f s  (%.2fx upload alone; target <= 1.3x); the copy was served by GET /review %.2f s after the upload began
' \
  "$up_at" "$(echo "$up_at / $up_alone" | bc -l)" "$(median copy-served)"
