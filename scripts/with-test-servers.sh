#!/usr/bin/env bash
# Runs a command with a private PostgreSQL and a private SeaweedFS (S3 with Object Lock) started
# for it on 127.0.0.1, random free ports, and stops both afterwards whatever happens.
#
#   scripts/with-test-servers.sh swift test --skip-build
#
# The command sees SESSIONVAULT_TEST_POSTGRES_URL (and the server's data directory in
# SESSIONVAULT_TEST_POSTGRES_DATA), SESSIONVAULT_TEST_S3_ENDPOINT,
# SESSIONVAULT_TEST_S3_ACCESS_KEY, SESSIONVAULT_TEST_S3_SECRET_KEY and SESSIONVAULT_TEST_S3_REGION,
# and SESSIONVAULT_REQUIRE_SERVERS=1, so suites that need a server fail (rather than skip)
# if one is missing. Server logs stay in the printed directory when the command fails.
#
# The OpenID Provider of the sign-in tests (scripts/test-servers/oidc-provider.sh) is installed
# here, once; each of those tests starts and stops a provider of its own.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ "$#" -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }

work="$(mktemp -d /tmp/sessionvault-servers.XXXXXX)"
chmod 755 "$work"
mkdir -p "$work/pg" "$work/s3"
started=()
stop_all() {
    local status=$?
    for name in "${started[@]}"; do
        bash "$here/test-servers/$name.sh" stop "$work/$( [ "$name" = postgres ] && echo pg || echo s3 )" || true
    done
    if [ "$status" -eq 0 ]; then rm -rf "$work"; else echo "with-test-servers: server logs kept in $work" >&2; fi
    exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

echo "with-test-servers: starting PostgreSQL and SeaweedFS on 127.0.0.1 (in $work)" >&2
bash "$here/test-servers/postgres.sh" start "$work/pg"; started+=(postgres)
bash "$here/test-servers/seaweedfs.sh" start "$work/s3"; started+=(seaweedfs)
# shellcheck disable=SC1091
source "$work/pg/env"
# shellcheck disable=SC1091
source "$work/s3/env"
bash "$here/test-servers/oidc-provider.sh" install
export SESSIONVAULT_REQUIRE_SERVERS=1
"$@"
