#!/usr/bin/env bash
# A throw-away OpenID Provider on 127.0.0.1 for the sign-in tests: PyPI's django-oidc-provider,
# unchanged, under Django's own server, configured by the files in oidc-provider/.
#
#   scripts/test-servers/oidc-provider.sh install           installs Django and django-oidc-provider into
#                                                          .build-tools/oidc-venv (skipped when present)
#   scripts/test-servers/oidc-provider.sh start DIR         starts a provider whose database, log and PID
#                                                          live in DIR and writes DIR/env
#   scripts/test-servers/oidc-provider.sh ctl DIR ARGS...   administers it (oidc-provider/opctl.py: client,
#                                                          user, ungroup, rotate-key)
#   scripts/test-servers/oidc-provider.sh stop DIR          stops the provider started in DIR
#
# DIR/env exports SESSIONVAULT_TEST_OIDC_ISSUER (http://127.0.0.1:PORT/openid). OIDC_OP_IDTOKEN_EXPIRE
# (seconds, default 600) sets the lifetime of the ID tokens it issues.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/scripts/test-servers/oidc-provider"
VENV="$ROOT/.build-tools/oidc-venv"
PY="$VENV/bin/python"
source "$ROOT/scripts/test-servers/common.sh"
# Versions tried together here; django-oidc-provider 0.9 supports Django 4.2 to 5.2.
PACKAGES=("django-oidc-provider==0.9.0" "django>=4.2,<5.3")

usage() {
    echo "usage: $0 install | start DIR | ctl DIR ARGS... | stop DIR" >&2
    exit 2
}

install() {
    if [ -x "$PY" ] && "$PY" -c "import django, oidc_provider" 2>/dev/null; then return 0; fi
    echo "oidc-provider.sh: installing ${PACKAGES[*]} into $VENV" >&2
    mkdir -p "$ROOT/.build-tools"
    [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PACKAGES[@]}"
    "$PY" -c "import django, oidc_provider" || { echo "oidc-provider.sh: the install did not give django and oidc_provider" >&2; exit 1; }
}

op_env() {
    local dir="$1"
    # shellcheck disable=SC1091
    source "$dir/op.conf"
    export OIDC_OP_DIR="$dir" OIDC_OP_SITE_URL="http://127.0.0.1:$PORT" OIDC_OP_IDTOKEN_EXPIRE="$EXPIRE" DJANGO_SETTINGS_MODULE=settings
    export PYTHONPATH="$HERE"
}

ctl() {
    local dir="$1"
    shift
    op_env "$dir"
    "$PY" "$HERE/opctl.py" "$@"
}

start() {
    local dir="$1"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [ -f "$dir/op.pid" ] && kill -0 "$(cat "$dir/op.pid")" 2>/dev/null; then
        echo "oidc-provider.sh: a provider is already running from $dir (PID $(cat "$dir/op.pid"))" >&2
        exit 1
    fi
    install
    close_inherited_fds
    local port
    port="$(free_ports 1)"
    (umask 077; python3 -c "import secrets; print(secrets.token_hex(32))" >"$dir/django-secret")
    echo "PORT=$port EXPIRE=${OIDC_OP_IDTOKEN_EXPIRE:-600}" >"$dir/op.conf"
    ctl "$dir" init
    op_env "$dir"
    setsid "$PY" -m django runserver "127.0.0.1:$port" --noreload >"$dir/op.log" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$dir/op.pid"
    local deadline=$((SECONDS + 60))
    until curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$port/openid/.well-known/openid-configuration"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "oidc-provider.sh: the provider exited during start-up; last lines of $dir/op.log:" >&2
            tail -20 "$dir/op.log" >&2
            exit 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            echo "oidc-provider.sh: port $port did not answer within 60 s; see $dir/op.log" >&2
            stop "$dir"
            exit 1
        fi
        sleep 0.3
    done
    echo "export SESSIONVAULT_TEST_OIDC_ISSUER=http://127.0.0.1:$port/openid" >"$dir/env"
    echo "oidc-provider.sh: OpenID Provider at http://127.0.0.1:$port/openid (PID $pid); source $dir/env"
}

stop() {
    local dir="$1"
    local pidfile="$dir/op.pid"
    [ -f "$pidfile" ] || { echo "oidc-provider.sh: no $pidfile, nothing to stop" >&2; return 0; }
    local pid
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        local waited=0
        while kill -0 "$pid" 2>/dev/null && [ $waited -lt 20 ]; do
            sleep 0.5
            waited=$((waited + 1))
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

[ $# -ge 1 ] || usage
case "$1" in
    install) install ;;
    start) [ $# -eq 2 ] || usage; start "$2" ;;
    ctl) [ $# -ge 3 ] || usage; shift; ctl "$@" ;;
    stop) [ $# -eq 2 ] || usage; stop "$2" ;;
    *) usage ;;
esac
