#!/usr/bin/env bash
# The server on PostgreSQL: starts a throwaway PostgreSQL cluster on 127.0.0.1 (installing
# Debian's postgresql package if it is missing), then runs the storage tests, the upgrades
# from every earlier schema (server/tests/upgrade.rs) and the end-to-end tests against it
# (the path of a report, and disputes).
# The cluster and its files are removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "installing PostgreSQL (Debian package postgresql)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

# PostgreSQL refuses to run as root: run the cluster as its own user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
dir=$(mktemp -d)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT

as_pg "$bin/initdb" -D "$dir/data" --auth=trust -U postgres >/dev/null
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" start >/dev/null
as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres storage_test
as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres e2e_test
url="postgres://postgres@127.0.0.1:$port"

cargo build --quiet -p ringfence-server -p ringfence
# Every ignored test of the server: src/storage/postgres.rs and tests/upgrade.rs.
RINGFENCE_TEST_POSTGRES="$url/storage_test" cargo test --quiet -p ringfence-server -- --ignored
RINGFENCE_TEST_POSTGRES="$url/e2e_test" cargo test --quiet -p ringfence-e2e --test postgres -- --ignored
as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres disputes_test
RINGFENCE_TEST_POSTGRES="$url/disputes_test" cargo test --quiet -p ringfence-e2e --test disputes -- --ignored
# Three server processes on one database, the publisher killed again and again.
as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres multi_test
RINGFENCE_TEST_POSTGRES="$url/multi_test" RINGFENCE_TEST_PSQL="$bin/psql" \
  cargo test --quiet -p ringfence-e2e --test multiprocess -- --ignored
