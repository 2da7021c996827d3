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

# This machine is noisy (wrk shares the 2 cores): alternate the two runs and take medians.
rounds=${ROUNDS:-3}
run() { # name, extra wrk args...
  local name=$1; shift
  wrk -t2 -c"$conns" -d"${secs}s" --latency "$@" > "$dir/$name.txt"
  awk '/Requests\/sec/ {print $2}' "$dir/$name.txt" >> "$dir/$name.rps"
  awk '$1=="50%" {print $2}' "$dir/$name.txt" >> "$dir/$name.p50"
  awk '$1=="99%" {print $2}' "$dir/$name.txt" >> "$dir/$name.p99"
}
ms() { sed -E 's/([0-9.]+)us/\1 0.001/; s/([0-9.]+)ms/\1 1/; s/([0-9.]+)s$/\1 1000/' | awk '{printf "%.3f\n", $1*$2}'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "tokens stored: $count; wrk -t2 -c$conns -d${secs}s on $(nproc) cores; $rounds alternating rounds, medians"
for _ in $(seq 1 "$rounds"); do
  run healthz "$base/healthz"
  run users_me -H "Authorization: Bearer $token" "$base/api/users/me"
done
for name in healthz users_me; do
  printf '%-9s %10.0f req/s   p50 %6.3f ms   p99 %6.3f ms   (runs: %s)\n' "$name" \
    "$(median < "$dir/$name.rps")" "$(ms < "$dir/$name.p50" | median)" "$(ms < "$dir/$name.p99" | median)" \
    "$(paste -sd' ' "$dir/$name.rps")"
done
awk -v a="$(median < "$dir/users_me.rps")" -v b="$(median < "$dir/healthz.rps")" 'BEGIN { printf "ratio users/me : healthz = %.2f\n", a / b }'
