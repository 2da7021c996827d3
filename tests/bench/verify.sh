#!/usr/bin/env bash
# HTTP benchmark (figures reported, not asserted): a fresh authority with 100,000 stored tokens,
# then wrk against GET /api/users/me with realistic token mixes, each compared with GET /healthz
# of the same server in the same run:
#   hot        one token, every request
#   10k        10,000 distinct tokens, picked at random per request
#   10k+writes the same while the server creates 10 tokens a second
#   all        every active stored token (about 79 % of the stored ones), at random
# The random cases build each request in wrk's Lua, which costs the client (on the same 2 cores)
# more than a fixed request: `healthz-lua` sends the same random headers to /healthz, a baseline
# with the same client cost.
# Usage: tests/bench/verify.sh [connections=64] [seconds=10] [tokens=100000]; ROUNDS=3;
# BENCH_SERVER=path runs another build of src-tauri/http/examples/bench_server.rs (e.g. an older
# commit's, for before/after figures).
set -euo pipefail
cd "$(dirname "$0")/../.."
conns=${1:-64}; secs=${2:-10}; count=${3:-100000}
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
server=${BENCH_SERVER:-target/release/examples/bench_server}
[ -n "${BENCH_SERVER:-}" ] || cargo build --release -q -p tokendesk-http --example bench_server
dir=$(mktemp -d); port=$((20000 + RANDOM % 20000)); base="http://127.0.0.1:$port"
"$server" "$dir" "127.0.0.1:$port" "$count" 2>"$dir/server.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 1200); do [ -s "$dir/token.txt" ] && curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
token=$(cat "$dir/token.txt")
curl -sf -H "Authorization: Bearer $token" "$base/api/users/me" >/dev/null || { echo "the token does not verify" >&2; exit 1; }
active=$(wc -l < "$dir/tokens.txt")
lua=tests/bench/random_token.lua

# This machine is noisy (wrk shares the 2 cores): alternate the runs and take medians.
rounds=${ROUNDS:-3}
run() { # name, extra wrk args...
  local name=$1; shift
  wrk -t2 -c"$conns" -d"${secs}s" --latency "$@" > "$dir/$name.txt"
  awk '/Requests\/sec/ {print $2}' "$dir/$name.txt" >> "$dir/$name.rps"
  awk '$1=="50%" {print $2}' "$dir/$name.txt" >> "$dir/$name.p50"
  awk '$1=="99%" {print $2}' "$dir/$name.txt" >> "$dir/$name.p99"
  awk '/Non-2xx/ {print $NF} END {print 0}' "$dir/$name.txt" >> "$dir/$name.non2xx"
}
ms() { sed -E 's/([0-9.]+)us/\1 0.001/; s/([0-9.]+)ms/\1 1/; s/([0-9.]+)s$/\1 1000/' | awk '{printf "%.3f\n", $1*$2}'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "tokens stored: $count ($active active); wrk -t2 -c$conns -d${secs}s on $(nproc) cores; $rounds alternating rounds, medians"
me="$base/api/users/me"
for _ in $(seq 1 "$rounds"); do
  run healthz "$base/healthz"
  run hot -H "Authorization: Bearer $token" "$me"
  run healthz-lua -s "$lua" "$base/healthz" -- "$dir/tokens.txt" 10000
  run 10k -s "$lua" "$me" -- "$dir/tokens.txt" 10000
  touch "$dir/create.on"
  run 10k+writes -s "$lua" "$me" -- "$dir/tokens.txt" 10000
  rm -f "$dir/create.on"
  run all -s "$lua" "$me" -- "$dir/tokens.txt" "$active"
done
base_rps=$(median < "$dir/healthz.rps")
lua_rps=$(median < "$dir/healthz-lua.rps")
for name in healthz hot healthz-lua 10k 10k+writes all; do
  rps=$(median < "$dir/$name.rps")
  ratio=$(awk -v a="$rps" -v b="$base_rps" 'BEGIN {printf "%.2f", a / b}')
  case $name in healthz|hot|healthz-lua) ;; *) ratio="$ratio ($(awk -v a="$rps" -v b="$lua_rps" 'BEGIN {printf "%.2f", a / b}') of healthz-lua)";; esac
  printf '%-11s %9.0f req/s  ratio %-22s p50 %6.3f ms  p99 %7.3f ms  non-2xx %s  (runs: %s)\n' "$name" "$rps" \
    "$ratio" \
    "$(ms < "$dir/$name.p50" | median)" "$(ms < "$dir/$name.p99" | median)" \
    "$(awk '{s += $1} END {print s + 0}' "$dir/$name.non2xx")" \
    "$(paste -sd' ' "$dir/$name.rps")"
done
if grep -qi error "$dir/server.log"; then echo "server errors:"; grep -i error "$dir/server.log"; fi
