#!/usr/bin/env bash
# Load benchmark (not a timed test): wrk on loopback, 64 connections, random 1 MiB ranges of a
# 1 GiB recording, against `sessionvault serve` (decrypting only the chunks each range touches)
# and against nginx serving the same bytes unencrypted from disk, in one run.
# Target: sessionvault >= 0.7x nginx's throughput, p99 latency < 50 ms.
#
#   bash Benchmarks/load.sh                 # defaults below
#   SIZE_MIB=256 DURATION=10s bash Benchmarks/load.sh
#
# Everything listens on 127.0.0.1 with free ports and is stopped by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MIB=${SIZE_MIB:-1024}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
CHUNK=${CHUNK:-1MiB}
SCRATCH=${SCRATCH:-.build-bench}

missing=""
for p in wrk nginx-light; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"; done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi

# BIN=path/to/sessionvault skips the release build (e.g. to smoke-test this script with a debug build).
if [ -z "${BIN:-}" ]; then
  swift build -c release --scratch-path "$SCRATCH" --product sessionvault
  BIN="$SCRATCH/release/sessionvault"
fi

WORK=$(mktemp -d)
SERVE_PID=""; NGINX_PID=""
cleanup() {
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

echo "== preparing a ${SIZE_MIB} MiB recording (random bytes, chunk ${CHUNK})"
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
sync

SV_PORT=$(free_port)
"$BIN" serve --listen "127.0.0.1:$SV_PORT" --max-streams 1024 --log-level warning 2>"$WORK/serve.log" &
SERVE_PID=$!

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
nginx -c "$WORK/nginx.conf" &
NGINX_PID=$!

for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$SV_PORT/healthz" >/dev/null 2>&1 && curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:$NG_PORT/recording.bin" && break
  sleep 0.2
done

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

echo "== nginx (plain file, sendfile)"
# CPU time (user + system, clock ticks) of a process and its threads; nginx: master and workers.
ticks() { local t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
NG_PIDS="$NGINX_PID $(cat /proc/"$NGINX_PID"/task/*/children)"
HZ=$(getconf CLK_TCK)
t0=$(ticks $NG_PIDS)
NG=$(BENCH_TOKEN="" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/ranges.lua" "http://127.0.0.1:$NG_PORT/recording.bin" | grep RESULT)
NG="$NG cpu_s=$(awk -v a="$(ticks $NG_PIDS)" -v b="$t0" -v hz="$HZ" 'BEGIN { printf "%.2f", (a - b) / hz }')"
echo "$NG"
echo "== sessionvault serve (decrypting, audited)"
t0=$(ticks "$SERVE_PID")
SV=$(BENCH_TOKEN="$TOKEN" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/ranges.lua" "http://127.0.0.1:$SV_PORT/api/recordings/$ID/content" | grep RESULT)
SV="$SV cpu_s=$(awk -v a="$(ticks "$SERVE_PID")" -v b="$t0" -v hz="$HZ" 'BEGIN { printf "%.2f", (a - b) / hz }')"
echo "$SV"

python3 - "$NG" "$SV" <<'PY'
import sys
def parse(line): return {k: float(v) for k, v in (kv.split("=") for kv in line.split()[1:])}
ng, sv = parse(sys.argv[1]), parse(sys.argv[2])
for name, r in (("nginx", ng), ("sessionvault", sv)):
    if r["non2xx"] or r["errors"]:
        sys.exit(f"{name}: {int(r['non2xx'])} non-2xx answers, {int(r['errors'])} socket errors: the run is not valid")
ratio = sv["MiB/s"] / ng["MiB/s"] if ng["MiB/s"] else 0
for name, r in (("nginx", ng), ("sessionvault", sv)):
    print(f"{name}: {1000 * r['cpu_s'] / max(r['requests'], 1):.2f} ms of CPU per request ({r['cpu_s']:.1f} s in all)")
print(f"throughput ratio sessionvault/nginx = {ratio:.2f} (target >= 0.70); sessionvault p99 = {sv['p99_ms']:.1f} ms (target < 50 ms)")
PY
