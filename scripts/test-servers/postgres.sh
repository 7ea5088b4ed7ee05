#!/usr/bin/env bash
# A throwaway PostgreSQL server for the catalog tests, listening on 127.0.0.1 only.
#
#   scripts/test-servers/postgres.sh start DIR   initdb in DIR/data (if new), start on a free loopback port,
#                                                 write DIR/env; prints the URL
#   scripts/test-servers/postgres.sh stop DIR    fast shutdown (pg_ctl -m fast); DIR is kept
#
# DIR/env, for `source DIR/env`:
#   export SESSIONVAULT_TEST_POSTGRES_URL=postgres://vault@127.0.0.1:PORT/postgres
#   export SESSIONVAULT_TEST_POSTGRES_DATA=DIR/data   (the data directory, pg_wal included: erasure attack tests search it)
# The superuser is `vault`, trust authentication (loopback only), no password. The unix socket
# and the server log (DIR/log) are in DIR. fsync is left on, as in production.
#
# With SESSIONVAULT_TEST_PG_TLS_CERT and SESSIONVAULT_TEST_PG_TLS_KEY set (PEM files), the server
# also speaks TLS with that certificate (copied into DIR; the key mode 0600, as the server demands).
#
# Uses Debian's `postgresql` package, installed with apt-get only if missing. As root (CI), the
# server runs as the `postgres` user, which must be able to reach DIR; otherwise as the caller.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)

pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# Runs a server binary as the `postgres` user when we are root (initdb refuses root), else as ourselves.
as_server() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() { [ -f "$dir/data/postmaster.pid" ] && as_server "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; }

write_env() {
  echo "export SESSIONVAULT_TEST_POSTGRES_URL=postgres://vault@127.0.0.1:$1/postgres" > "$dir/env"
  echo "export SESSIONVAULT_TEST_POSTGRES_DATA=$dir/data" >> "$dir/env"
  echo "PostgreSQL on 127.0.0.1:$1 (data $dir/data, log $dir/log); source $dir/env"
}

case "$cmd" in
start)
  PGBIN=$(pgbin)
  if [ -z "$PGBIN" ]; then
    echo "Installing postgresql (Debian package)..."
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    PGBIN=$(pgbin)
    [ -n "$PGBIN" ] || { echo "postgresql installed but no /usr/lib/postgresql/*/bin found" >&2; exit 1; }
  fi
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$dir"
    runuser -u postgres -- test -w "$dir" || {
      echo "the postgres user cannot write $dir (a parent directory is not searchable?); use a directory under /tmp" >&2; exit 1; }
  fi
  if running; then
    port=$(sed -n 4p "$dir/data/postmaster.pid")
    write_env "$port"
    exit 0
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_server "$PGBIN/initdb" -D "$dir/data" -A trust -U vault -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2; exit 1; }
  fi
  close_inherited_fds
  tls=()
  if [ -n "${SESSIONVAULT_TEST_PG_TLS_CERT:-}" ]; then
    cp "$SESSIONVAULT_TEST_PG_TLS_CERT" "$dir/server.crt"
    cp "${SESSIONVAULT_TEST_PG_TLS_KEY:?SESSIONVAULT_TEST_PG_TLS_KEY must name the key of the certificate}" "$dir/server.key"
    chmod 600 "$dir/server.key"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir/server.crt" "$dir/server.key"; fi
    tls=(-c ssl=on -c "ssl_cert_file=$dir/server.crt" -c "ssl_key_file=$dir/server.key")
  fi
  # A free port (common.sh); pg_ctl fails if it was taken meanwhile, so try a few.
  for attempt in 1 2 3 4 5 6 7 8; do
    port=$(free_ports 1)
    if as_server "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start \
         -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 ${tls[*]:-}" >/dev/null; then
      write_env "$port"
      exit 0
    fi
    echo "start on port $port failed (attempt $attempt); last log lines:" >&2
    tail -3 "$dir/log" >&2 || true
  done
  echo "could not start PostgreSQL; see $dir/log" >&2
  exit 1
  ;;
stop)
  PGBIN=$(pgbin)
  [ -n "$PGBIN" ] || { echo "no PostgreSQL installed; nothing to stop"; exit 0; }
  if running; then
    as_server "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    echo "PostgreSQL in $dir stopped"
  else
    echo "no PostgreSQL running in $dir"
  fi
  ;;
*) usage ;;
esac
