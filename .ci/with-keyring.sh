#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring whose files live
# in a throwaway XDG_DATA_HOME, so tests use a real Secret Service and never the developer's own.
# TOKENDESK_KEYRING_HOME=DIR keeps those files in DIR instead (kept afterwards, for tests that
# look into them), so several sessions can run side by side like separate computers.
set -euo pipefail
if [ -n "${TOKENDESK_KEYRING_HOME:-}" ]; then
  tmp=$TOKENDESK_KEYRING_HOME
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
fi
export XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
exec dbus-run-session -- bash -c '
  echo tokendesk-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"' bash "$@"
