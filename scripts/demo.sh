#!/usr/bin/env bash
# A narrated tour of SessionVault on a fresh demo vault (the embedded default: filesystem + SQLite).
set -euo pipefail
BIN=${SESSIONVAULT_BIN:-.build/debug/sessionvault}
# The tour sets every variable it needs: what the caller's shell holds (an officer, another vault,
# a passphrase) must not steer it.
for name in $(compgen -e | grep '^SESSIONVAULT_'); do unset "$name"; done
DEMO=${DEMO_DIR:-demo-vault}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

export SESSIONVAULT_DIR="$DEMO"
export SESSIONVAULT_PASSPHRASE="demo passphrase - use a passphrase file in real life"

say()  { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run()  { printf '\033[2m$ %s\033[0m\n' "$*" >&2; "$@"; }

rm -rf "$DEMO"
say "1. Create a vault (config, SQLite catalog, blob directory, keyring)"
run "$BIN" init

say "2. Create roles: each gets an X25519 key pair, its secret sealed under a passphrase (Argon2id)"
for role in clinician records-officer supervisor; do run "$BIN" role add "$role"; done
run "$BIN" role ls

say "2b. The first officer: Rita, records officer, with her own signing key (privileged acts need her proof from now on)"
run "$BIN" user add rita --role records-officer --officer-key > /dev/null
export SESSIONVAULT_OFFICER=rita
set +e
SESSIONVAULT_OFFICER= "$BIN" hold ls > /dev/null; SESSIONVAULT_OFFICER= "$BIN" role add trainer
echo "without an officer's proof a privileged act is refused (exit code: $?)"
set -e

say "3. Record the patient's consent: care only (no supervision, no training)"
run "$BIN" consent record --session S-2026-001 --patient "943 476 5919" --scope care --evidence "form C-17 signed"

say "4. A sample recording: 10 s of VP8 video + Opus audio in WebM, as a browser would record"
SAMPLE="$WORK/session.webm"
if command -v ffmpeg >/dev/null; then
  ffmpeg -v error -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 \
    -t 10 -c:v libvpx -b:v 800k -c:a libopus "$SAMPLE"
else
  head -c 5000000 /dev/urandom > "$SAMPLE"
fi
ls -l "$SAMPLE"

say "5. Ingest it: chunked, sealed in parallel, durable, committed in one transaction"
ID=$(run "$BIN" ingest "$SAMPLE" --session S-2026-001 --clinician dr-okafor --class care --chunk-size 256KiB)
echo "recording id: $ID"

say "6. List recordings (patients appear only as pseudonyms)"
run "$BIN" ls

say "7. Retrieve it as the treating clinician and compare with the original"
run "$BIN" get "$ID" --as clinician -o "$WORK/back.webm"
sha256sum "$SAMPLE" "$WORK/back.webm"
cmp "$SAMPLE" "$WORK/back.webm" && echo "identical"

say "8. A byte range touches only the chunks it needs"
run "$BIN" get "$ID" --as clinician --range 1000-1015 | od -An -tx1

say "9. The supervisor is refused: the patient did not consent to supervision, so no key was wrapped for that role"
set +e
"$BIN" get "$ID" --as supervisor > /dev/null
echo "exit code: $?"
set -e

say "10. Retention: the patient is discharged today; the care recording is now due 20 years on (for a records officer's review)"
run "$BIN" patient event "943 476 5919" --discharged "$(date -u +%F)"
run "$BIN" ls

say "11. A second session recorded for supervision: the supervisor can decrypt it"
run "$BIN" consent record --session S-2026-002 --patient "943 476 5919" --scope care --scope supervision
SUP=$(run "$BIN" ingest "$SAMPLE" --session S-2026-002 --clinician dr-okafor --class supervision)
run "$BIN" get "$SUP" --as supervisor --range 0-3 | od -An -tx1

say "12. The patient withdraws consent to supervision: the supervisor's key is deleted at once"
run "$BIN" consent withdraw --session S-2026-002 --scope supervision
set +e
"$BIN" get "$SUP" --as supervisor > /dev/null
echo "exit code: $?"
set -e

say "13. Two supervision sessions recorded 120 days ago and uploaded late (--captured): both are past their 90 days"
run "$BIN" consent record --session S-2026-003 --patient "943 476 5919" --scope care --scope supervision
CAPTURED=$(date -u -d '120 days ago' +%F)
OLD1=$(run "$BIN" ingest "$SAMPLE" --session S-2026-003 --clinician dr-okafor --class supervision --captured "$CAPTURED")
OLD2=$(run "$BIN" ingest "$SAMPLE" --session S-2026-003 --clinician dr-okafor --class supervision --captured "$CAPTURED")

say "14. A legal hold on one of them, then today's sweep: the held one is kept, the other destroyed"
run "$BIN" hold place --recording "$OLD1" --reason "complaint under investigation" --ref C-2026-17
run "$BIN" sweep --dry-run --now 2050-01-01
set +e
"$BIN" sweep --now 2050-01-01 > /dev/null
echo "a sweep as of another day than today is refused (exit code: $?): time cannot be borrowed"
set -e
run "$BIN" sweep
run "$BIN" destroyed ls
run "$BIN" ls

say "15. Scrub every stored chunk without any key"
run "$BIN" verify

say "16. Clean up after interrupted ingests (none here)"
run "$BIN" gc --grace 0

say "Done. The demo vault is in ./$DEMO; try \`$BIN --help\`."
