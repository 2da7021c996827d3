#!/usr/bin/env bash
# HTTP benchmark (figures reported, not asserted): 100,000 tokens seeded, then wrk measures
# GET /api/users/me with a valid token against GET /healthz on the same server.
# Usage: tests/bench/verify.sh [connections=64] [seconds=10] [tokens=100000]
set -euo pipefail
cd "$(dirname "$0")/../.."
conns=${1:-64}; secs=${2:-10}; count=${3:-100000}
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p tokendesk-core --example bench_server
dir=$(mktemp -d); port=$((20000 + RANDOM % 20000)); base="http://127.0.0.1:$port"
target/release/examples/bench_server "$dir" "127.0.0.1:$port" "$count" 2>"$dir/server.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 600); do [ -s "$dir/token.txt" ] && curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
token=$(cat "$dir/token.txt")
curl -sf -H "Authorization: Bearer $token" "$base/api/users/me" >/dev/null || { echo "the token does not verify" >&2; exit 1; }

run() { # name, extra wrk args...
  local name=$1; shift
  wrk -t2 -c"$conns" -d"${secs}s" --latency "$@" > "$dir/$name.txt"
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$dir/$name.txt")
  p50=$(awk '$1=="50%" {print $2}' "$dir/$name.txt")
  p99=$(awk '$1=="99%" {print $2}' "$dir/$name.txt")
  printf '%-14s %12s req/s   p50 %-9s p99 %s\n' "$name" "$rps" "$p50" "$p99"
  echo "$rps" > "$dir/$name.rps"
}
echo "tokens stored: $count; wrk -t2 -c$conns -d${secs}s on $(nproc) cores"
run healthz "$base/healthz"
run users_me -H "Authorization: Bearer $token" "$base/api/users/me"
awk -v a="$(cat "$dir/users_me.rps")" -v b="$(cat "$dir/healthz.rps")" 'BEGIN { printf "ratio users/me : healthz = %.2f\n", a / b }'
