#!/usr/bin/env bash
# Release-mode figures of the desktop app in a real window, for docs/benchmarks.md: a release
# build, an authority with COUNT seeded tokens (and one with none), measured through WebDriver
# under Xvfb — launch to the first row, keystroke to filtered rows (the 250 ms debounce
# reported apart), sort and page change, and the memory (RSS, PSS) of the app and its web
# processes. Usage: tests/bench/ui-figures.sh [COUNT] (default 100000). Extra environment for
# the app (e.g. WEBKIT_DISABLE_DMABUF_RENDERER=1) passes through, to compare settings.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-100000}
bash .ci/setup.sh test >/dev/null
npm --prefix ui run build >/dev/null
cargo build --release -q --bin tokendesk
cargo build --release -q -p tokendesk-core --example seed_desktop
export TOKENDESK_APP="$PWD/target/release/tokendesk" TOKENDESK_SEED="$PWD/target/release/examples/seed_desktop"
export GDK_BACKEND=x11 E2E_SCREENSHOTS="$PWD/tests/e2e/screenshots"
exec xvfb-run -a -s "-screen 0 1400x900x24" bash .ci/with-keyring.sh node tests/bench/ui-figures.mjs "$count"
