#!/usr/bin/env bash
# Checks everything in configs/deploy, offline but for package installs:
#  1. sidestep-relay.service with `systemd-analyze verify`;
#  2. the relay started the way the unit does (start-as-unit.sh): its user, its command line, only
#     CAP_NET_BIND_SERVICE, on 127.0.0.1:443 in a fresh network namespace, answering TLS;
#  3. the Containerfile with dockerfilelint;
#  4. the Kubernetes manifests against Kubernetes' published schemas (kubernetes-models).
# Building and starting the container image is container-check.sh's job (optional: it needs
# podman and a few minutes). Needs root. Usage: configs/deploy/check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
step() { echo "deploy-check: $* (at ${SECONDS}s)"; }

export DEBIAN_FRONTEND=noninteractive
need=()
for tool in systemd-analyze:systemd systemd-sysusers:systemd setpriv:util-linux \
            unshare:util-linux ip:iproute2 openssl:openssl node:nodejs npm:npm \
            java:openjdk-17-jdk-headless mvn:maven; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if ((${#need[@]})); then
  apt-get update -q
  apt-get install -y -q "${need[@]}"
fi

step "systemd unit: systemd-analyze verify"
systemd-analyze verify "$here/sidestep-relay.service"

step "linters: npm ci"
npm ci --prefix "$here/tools" --no-audit --no-fund --loglevel=error >/dev/null

step "Containerfile: dockerfilelint"
"$here/tools/node_modules/.bin/dockerfilelint" "$here/Containerfile"

step "Kubernetes manifests: schemas"
node "$here/tools/validate-kubernetes.mjs" "$here"/kubernetes/*.yaml

step "relay jar: mvn package"
(cd "$root" && mvn -B -q -pl server -am package -DskipTests)

step "relay started as the unit does"
"$here/start-as-unit.sh" "$root/server/target/sidestep-server.jar"

step "all deploy checks ok in ${SECONDS}s"
