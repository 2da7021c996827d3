#!/usr/bin/env bash
# Installs the freshly built .deb the way a user would (apt-get resolves its dependencies), runs
# the installed program headless from /usr/bin, and removes the package again, whatever happens.
# Usage: package-check.sh DEB
set -euo pipefail
deb=$(realpath "$1")
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# Never replace or remove a Tokendesk someone installed on this machine for real.
if dpkg-query -W -f='${Status}' tokendesk 2>/dev/null | grep -q 'install ok installed'; then
  echo "package check: a tokendesk package is already installed here; not touching it" >&2
  exit 1
fi
work=$(mktemp -d)
cleanup() {
  $sudo apt-get purge -y -qq tokendesk >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "package check: installing $(basename "$deb") ($(du -h "$deb" | cut -f1))"
$sudo apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
dpkg-query -W -f='installed ${Package} ${Version} (${Installed-Size} KiB)\n' tokendesk
for f in /usr/bin/tokendesk /usr/share/applications/Tokendesk.desktop \
         /usr/share/icons/hicolor/128x128/apps/tokendesk.png; do
  [ -e "$f" ] || { echo "package check: $f is missing from the package" >&2; dpkg -L tokendesk >&2; exit 1; }
done
[ "$(command -v tokendesk)" = /usr/bin/tokendesk ]

version=$(/usr/bin/tokendesk --version)
echo "package check: $version"
[[ $version == "tokendesk $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)" ]]

# A headless authority (SQLite + key file, no keyring, no window) run from the installed path.
db="sqlite:$work/data" key="$work/authority.key"
echo 'a long enough password' | /usr/bin/tokendesk server init --owner-email root@example.org \
  --database "$db" --key-file "$key" >/dev/null
token=$(/usr/bin/tokendesk tokens create --name package-check --expires 1d --json \
  --database "$db" --key-file "$key" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
echo "$token" | /usr/bin/tokendesk verify - --database "$db" --key-file "$key" >/dev/null
id=$(/usr/bin/tokendesk tokens list --json --database "$db" --key-file "$key" \
  | python3 -c 'import json,sys; print([t["id"] for t in json.load(sys.stdin) if t["name"]=="package-check"][0])')
/usr/bin/tokendesk tokens revoke "$id" --database "$db" --key-file "$key" >/dev/null
if echo "$token" | /usr/bin/tokendesk verify - --database "$db" --key-file "$key" >/dev/null; then
  echo "package check: a revoked token still verifies" >&2
  exit 1
fi
echo "package check: the installed tokendesk created, verified and revoked a token"
