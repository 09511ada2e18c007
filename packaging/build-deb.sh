#!/usr/bin/env bash
# Builds the client as a Debian package with its own Java runtime (jlink), so that the user needs
# no Java: target/package/sidestep_VERSION_ARCH.deb, installing /opt/sidestep/bin/sidestep and a
# desktop entry that starts the client and opens its dashboard. Needs a JDK 17 (jlink, jpackage),
# Maven, fakeroot and dpkg-deb. Run from anywhere; the jar is built first unless SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n '0,/<version>/s:.*<version>\([0-9.]*\).*</version>.*:\1:p' pom.xml)
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  mvn -B -q -pl client -am package -DskipTests
fi
out=target/package
rm -rf "$out"
mkdir -p "$out/input"
cp client/target/sidestep-client.jar "$out/input/"

# The modules the jar needs (jdeps), and the EC ciphers TLS to the relays uses.
modules=$(jdeps --ignore-missing-deps --print-module-deps --multi-release 17 \
  "$out/input/sidestep-client.jar")
jlink --add-modules "$modules,jdk.crypto.ec" --strip-debug --no-header-files --no-man-pages \
  --compress=2 --output "$out/runtime"

jpackage --type deb --dest "$out" \
  --name sidestep --app-version "$version" \
  --vendor "Sidestep" --description "Sidestep: a local proxy that routes blocked sites through a relay" \
  --input "$out/input" --main-jar sidestep-client.jar \
  --main-class io.sidestep.client.cli.ClientMain \
  --runtime-image "$out/runtime" \
  --arguments run --arguments --open \
  --linux-package-name sidestep --linux-app-category net \
  --linux-shortcut --linux-menu-group Network
ls -l "$out"/*.deb
