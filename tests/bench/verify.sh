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
# With TOKENDESK_BENCH_DATABASE=postgres://… the authority is in that PostgreSQL database, and
# SERVERS=2 starts a second server on it: each wrk run is then two wrk processes at once, one per
# server, half the connections each; req/s is their sum, p50/p99 the worse of the two.
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
pids=$!
trap 'kill -TERM $pids 2>/dev/null; wait $pids 2>/dev/null; rm -rf "$dir"' EXIT
# Seeding 100,000 tokens into PostgreSQL takes a few minutes on this machine.
for _ in $(seq 1 9000); do [ -s "$dir/token.txt" ] && curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
bases=("$base")
servers=${SERVERS:-1}
if [ "$servers" = 2 ]; then
  [ -n "${TOKENDESK_BENCH_DATABASE:-}" ] || { echo "SERVERS=2 needs TOKENDESK_BENCH_DATABASE" >&2; exit 2; }
  port2=$((port + 1)); bases+=("http://127.0.0.1:$port2")
  "$server" "$dir" "127.0.0.1:$port2" 0 2>"$dir/server2.log" &
  pids="$pids $!"
  for _ in $(seq 1 300); do curl -sf "${bases[1]}/healthz" >/dev/null && break; sleep 0.1; done
fi
token=$(cat "$dir/token.txt")
for b in "${bases[@]}"; do
  curl -sf -H "Authorization: Bearer $token" "$b/api/users/me" >/dev/null || { echo "the token does not verify on $b" >&2; exit 1; }
done
grep -h seeded "$dir/server.log" || true
active=$(wc -l < "$dir/tokens.txt")
lua=tests/bench/random_token.lua

# This machine is noisy (wrk shares the 2 cores): alternate the runs and take medians.
rounds=${ROUNDS:-3}
ms() { sed -E 's/([0-9.]+)us/\1 0.001/; s/([0-9.]+)ms/\1 1/; s/([0-9.]+)s$/\1 1000/' | awk '{printf "%.3f\n", $1*$2}'; }
run() { # name, path, extra wrk args... (one wrk per server, at once)
  local name=$1 path=$2; shift 2
  local k=0 wpids="" opts=() script=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  script=("$@") # "--" and the Lua script's arguments, which follow the URL
  for b in "${bases[@]}"; do
    wrk -t$((2 / servers)) -c$((conns / servers)) -d"${secs}s" --latency "${opts[@]}" "$b$path" "${script[@]}" > "$dir/$name.$k.txt" &
    wpids="$wpids $!"; k=$((k + 1))
  done
  wait $wpids
  cat "$dir/$name".*.txt | awk '/Requests\/sec/ {s += $2} END {print s}' >> "$dir/$name.rps"
  cat "$dir/$name".*.txt | awk '$1=="50%" {print $2}' | ms | sort -g | tail -1 | sed 's/$/ms/' >> "$dir/$name.p50"
  cat "$dir/$name".*.txt | awk '$1=="99%" {print $2}' | ms | sort -g | tail -1 | sed 's/$/ms/' >> "$dir/$name.p99"
  cat "$dir/$name".*.txt | awk '/Non-2xx/ {s += $NF} END {print s + 0}' >> "$dir/$name.non2xx"
  rm -f "$dir/$name".*.txt
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "tokens stored: $count ($active active); $servers server(s); wrk -t2 -c$conns -d${secs}s in total on $(nproc) cores; $rounds alternating rounds, medians"
me=/api/users/me
for _ in $(seq 1 "$rounds"); do
  run healthz /healthz
  run hot $me -H "Authorization: Bearer $token"
  run healthz-lua /healthz -s "$lua" -- "$dir/tokens.txt" 10000
  run 10k $me -s "$lua" -- "$dir/tokens.txt" 10000
  touch "$dir/create.on"
  run 10k+writes $me -s "$lua" -- "$dir/tokens.txt" 10000
  rm -f "$dir/create.on"
  run all $me -s "$lua" -- "$dir/tokens.txt" "$active"
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
if grep -qi error "$dir"/server*.log; then echo "server errors:"; grep -i error "$dir"/server*.log; fi
