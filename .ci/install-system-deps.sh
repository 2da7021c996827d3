#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Tokendesk needs to build, run and test, but only the missing
# ones, so a second run costs a few pkg-config calls. Usage: install-system-deps.sh [run|test]
set -euo pipefail
mode=${1:-test}

missing=()
need_pc() { pkg-config --exists "$1" 2>/dev/null || missing+=("$2"); }
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }

need_cmd pkg-config pkg-config
need_cmd cc build-essential
need_pc webkit2gtk-4.1 libwebkit2gtk-4.1-dev
need_pc gtk+-3.0 libgtk-3-dev
need_pc libsoup-3.0 libsoup-3.0-dev
need_pc librsvg-2.0 librsvg2-dev
need_pc ayatana-appindicator3-0.1 libayatana-appindicator3-dev
need_pc dbus-1 libdbus-1-dev
need_cmd dbus-run-session dbus
need_cmd dbus-launch dbus-x11
need_cmd gnome-keyring-daemon gnome-keyring
need_cmd secret-tool libsecret-tools
if [ "$mode" = test ]; then
  need_cmd xvfb-run xvfb
  need_cmd WebKitWebDriver webkit2gtk-driver
  need_cmd xclip xclip
  need_cmd xdotool xdotool
  # The expiry-alert E2E test watches notifications on a mock notification server (Debian's
  # python3, not whatever python3 comes first on PATH).
  /usr/bin/python3 -c 'import dbusmock' >/dev/null 2>&1 || missing+=(python3-dbusmock)
  # The team E2E test makes a throwaway CA and server certificate.
  need_cmd openssl openssl
  # Team-mode tests run a throwaway PostgreSQL cluster (.ci/with-postgres.sh).
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  # The API fuzzer (schemathesis) and PyJWT (the JWT verifier tests) live in virtualenvs.
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi

echo "system packages: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
