#!/usr/bin/env bash
# The OpenAPI document proven by a third-party fuzzer: schemathesis (pinned, installed into
# .venv-fuzz by .ci/setup.sh) runs all its checks against a live `tokendesk serve` on 127.0.0.1,
# once per kind of caller token (owner, member, read-only scopes, introspect scope), and the
# operations that can end tokens (revoking, passwords, users, roles, settings) in a group of their
# own, last, so they cannot end the other runs. Bounded by the
# number of examples (about 3 minutes on 2 cores). Needs a Secret Service: `make test-fuzz` runs
# it through .ci/with-keyring.sh. Configuration: tests/fuzz/schemathesis.toml.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-target/debug/tokendesk}
ST=.venv-fuzz/bin/st
EXAMPLES=${FUZZ_EXAMPLES:-25}
[ -x "$ST" ] || { echo "schemathesis is missing: run 'bash .ci/setup.sh test'" >&2; exit 1; }

tmp=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export TOKENDESK_DATA_DIR=$tmp/data

"$BIN" serve --bind 127.0.0.1:0 2>"$tmp/serve.log" &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$tmp/serve.log" && break; sleep 0.1; done
addr=$(grep -o 'listening on http://[0-9.:]*' "$tmp/serve.log" | sed 's/listening on //')
[ -n "$addr" ] || { cat "$tmp/serve.log" >&2; exit 1; }

token() { python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'; }
"$BIN" users create --name Mia --email mia@example.org --role member >/dev/null
printf 'mia password 1\n' | "$BIN" users set-password mia@example.org >/dev/null
owner=$("$BIN" tokens create --name fuzz-owner --json | token)
revoker=$("$BIN" tokens create --name fuzz-revoker --json | token)
reader=$("$BIN" tokens create --name fuzz-reader --scope tokens:read --scope users:read \
  --scope audit:read --json | token)
introspector=$("$BIN" tokens create --name fuzz-introspect --scope introspect --json | token)
member=$(printf 'mia password 1\n' | "$BIN" --as mia@example.org tokens create --name fuzz-member --json | token)

failed=0
run() { # name token [st options...]
  local name=$1 tok=$2
  shift 2
  echo "== schemathesis: $name"
  local started=$SECONDS
  if ! "$ST" --config-file tests/fuzz/schemathesis.toml run "$addr/openapi.json" \
      -H "Authorization: Bearer $tok" --checks all --max-examples "$EXAMPLES" --workers 1 \
      --seed 9 --continue-on-failure --request-timeout 15 --no-color "$@" >"$tmp/$name.out" 2>&1; then
    cat "$tmp/$name.out"
    failed=1
  else
    grep -E "generated|passed in" "$tmp/$name.out" | sed 's/^ */   /'

  fi
  echo "   ($((SECONDS - started)) s)"
}
# Operations that could end the caller's or the other callers' tokens (revoking, passwords,
# disabling and removing users, roles losing API access, "owners only", rotating without grace,
# retiring legacy keys, bulk revoke) run last, on their own.
ending=(revoke_token revoke update_role update_settings set_user_active remove_user set_password
  change_own_password rotate_token retire_legacy_key bulk_revoke)
keep_caller=(); last=()
for op in "${ending[@]}"; do keep_caller+=(--exclude-operation-id "$op"); last+=(--include-operation-id "$op"); done
run owner "$owner" "${keep_caller[@]}"
run member "$member" "${keep_caller[@]}"
run read-only "$reader"
run introspect "$introspector"
run ending "$revoker" "${last[@]}"

if ! kill -0 "$server" 2>/dev/null; then
  echo "the server died during the run:" >&2
  cat "$tmp/serve.log" >&2
  exit 1
fi
if grep -q "request failed" "$tmp/serve.log"; then
  echo "the server answered 5xx:" >&2
  grep "request failed" "$tmp/serve.log" >&2
  failed=1
fi
[ "$failed" = 0 ] && echo "schemathesis: no failures"
exit "$failed"
