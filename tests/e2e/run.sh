#!/usr/bin/env bash
# Runs the end-to-end tests in a real Tokendesk window: Xvfb display, private D-Bus session with
# an unlocked throwaway gnome-keyring, tauri-driver + WebKitWebDriver; a throwaway PostgreSQL
# cluster for the team-server test (team.test.mjs).
set -euo pipefail
cd "$(dirname "$0")/../.."
export TOKENDESK_APP="$PWD/target/debug/tokendesk"
export E2E_SCREENSHOTS="$PWD/tests/e2e/screenshots"
export GDK_BACKEND=x11
# GPU compositing, as WebKit would choose it: WebKitWebDriver's screenshots never return under
# Xvfb when the app draws without it (its default). rendering.test.mjs runs the app as shipped.
export TOKENDESK_GPU=1
mkdir -p "$E2E_SCREENSHOTS"
# Arguments: test files to run (default: all).
[ $# -gt 0 ] || set -- tests/e2e/*.test.mjs
exec xvfb-run -a -s "-screen 0 1400x900x24" bash .ci/with-keyring.sh bash .ci/with-postgres.sh \
  node --test --test-concurrency=1 --test-timeout=180000 "$@"
