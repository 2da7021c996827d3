#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster: initdb in a temp dir, listening on
# 127.0.0.1 only at a free port, stopped and deleted afterwards. The command finds it in
# TOKENDESK_TEST_POSTGRES (a URL of the `postgres` database; tests create their own databases).
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL not found: run .ci/install-system-deps.sh test" >&2; exit 1; }
tmp=$(mktemp -d)
as=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$tmp"
  as=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop() {
  "${as[@]}" "$bin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap stop EXIT
"${as[@]}" "$bin/initdb" -D "$tmp/data" -U tokendesk --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# fsync off: a test cluster is thrown away, and durability is PostgreSQL's own, not under test.
"${as[@]}" "$bin/pg_ctl" -D "$tmp/data" -l "$tmp/log" -w start \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $tmp -c fsync=off -c max_connections=300" >/dev/null
export TOKENDESK_TEST_POSTGRES="postgres://tokendesk@127.0.0.1:$port/postgres"
export TOKENDESK_TEST_PG_CTL="${as[*]} $bin/pg_ctl -D $tmp/data" TOKENDESK_TEST_PG_DATA="$tmp/data"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
