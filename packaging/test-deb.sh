#!/usr/bin/env bash
# Installs the package build-deb.sh made, starts the installed client on spare ports and checks
# that its dashboard answers, then stops and removes it. Run as root on Debian 12 (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."

deb=$(ls target/package/sidestep_*.deb)
# The package's menu entry goes where a desktop keeps them; a bare CI image has no such folder.
mkdir -p /usr/share/applications /usr/share/desktop-directories
apt-get install -y -q "./$deb"
state=$(mktemp -d)
/opt/sidestep/bin/sidestep run --http 127.0.0.1:18080 --socks 127.0.0.1:11080 --state "$state" \
  >"$state/log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; apt-get purge -y -q sidestep >/dev/null' EXIT
for _ in $(seq 1 60); do
  if curl -fsS -H 'Host: localhost:18080' http://127.0.0.1:18080/api/status >"$state/status" 2>/dev/null; then
    break
  fi
  sleep 1
done
grep -q '"relays"' "$state/status" || { cat "$state/log"; echo "dashboard did not answer" >&2; exit 1; }
# Into a file first: `curl | grep -q` fails under pipefail when grep stops reading early (curl 23).
curl -fsS http://localhost:18080/ >"$state/page"
grep -q 'sidestep-token' "$state/page" || { echo "dashboard page has no token" >&2; exit 1; }
echo "installed package runs; dashboard answers on 127.0.0.1:18080"
