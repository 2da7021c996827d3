#!/usr/bin/env bash
# All set-up for `make run` (mode run) and `make test` (mode test) on Debian/Ubuntu: system
# packages, npm packages, and for tests tauri-driver. Each step is skipped when already done.
set -euo pipefail
mode=${1:-test}
cd "$(dirname "$0")/.."

bash .ci/install-system-deps.sh "$mode"

command -v cargo >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs" >&2; exit 1; }
command -v npm >/dev/null || { echo "npm not found: install Node.js 20 or newer" >&2; exit 1; }

npm_ci() { # dir
  local dir=$1
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "npm: installing packages in $dir"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  fi
}
npm_ci ui
if [ "$mode" = test ]; then
  npm_ci tests/e2e
  npm_ci tests/verifiers
  if ! command -v tauri-driver >/dev/null; then
    echo "installing tauri-driver"
    cargo install tauri-driver --locked --version 2.1.0 --quiet
  fi
  # schemathesis, the OpenAPI fuzzer `make test-fuzz` runs, pinned, in a virtualenv of its own.
  if ! .venv-fuzz/bin/st --version 2>/dev/null | grep -q 4.32.5; then
    echo "installing schemathesis into .venv-fuzz"
    rm -rf .venv-fuzz
    python3 -m venv .venv-fuzz
    .venv-fuzz/bin/pip install --quiet --disable-pip-version-check 'schemathesis==4.32.5'
  fi
  # PyJWT and standardwebhooks, third-party verifiers of signed tokens and webhook signatures
  # (`make test-verifiers`), pinned.
  if ! .venv-verifiers/bin/python -c 'import jwt, standardwebhooks, sys; from importlib.metadata import version; sys.exit(jwt.__version__ != "2.15.1" or version("standardwebhooks") != "1.1.0")' 2>/dev/null; then
    echo "installing PyJWT and standardwebhooks into .venv-verifiers"
    rm -rf .venv-verifiers
    python3 -m venv .venv-verifiers
    .venv-verifiers/bin/pip install --quiet --disable-pip-version-check -r tests/verifiers/requirements.txt
  fi
  if ! command -v cargo-clippy >/dev/null || ! command -v rustfmt >/dev/null; then
    rustup component add clippy rustfmt
  fi
fi
