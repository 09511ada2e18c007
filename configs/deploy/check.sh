#!/usr/bin/env bash
# Checks everything in configs/deploy, offline but for package installs:
#  1. sidestep-relay.service with `systemd-analyze verify`;
#  2. the relay started the way the unit does (start-as-unit.sh): its user, its command line, only
#     CAP_NET_BIND_SERVICE, on 127.0.0.1:443 in a fresh network namespace, answering TLS;
#  3. the Containerfile with dockerfilelint;
#  4. the Kubernetes manifests against Kubernetes' published schemas: types, enums and required
#     fields (kubernetes-models), and no unknown fields (@kubernetes/client-node's field lists).
# Each validator is also shown a copy with a known mistake, which it must reject.
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

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# systemd-analyze verify exits 0 on a bad value or an unknown key and only says so: any word
# about the unit itself fails the check.
verify_unit() {
  local out
  out="$(systemd-analyze verify "$1" 2>&1)" || { echo "$out" >&2; return 1; }
  if grep -F "$(basename "$1")" <<<"$out" >&2; then
    return 1
  fi
}

step "systemd unit: systemd-analyze verify"
verify_unit "$here/sidestep-relay.service"
# The check itself must catch a typo.
sed 's/^ProtectSystem=/ProtectSistem=/' "$here/sidestep-relay.service" >"$scratch/sidestep-relay.service"
if verify_unit "$scratch/sidestep-relay.service" 2>/dev/null; then
  echo "deploy-check: FAIL: systemd-analyze verify missed an unknown key" >&2; exit 1
fi

step "linters: npm ci"
npm ci --prefix "$here/tools" --no-audit --no-fund --loglevel=error >/dev/null

step "Containerfile: dockerfilelint"
"$here/tools/node_modules/.bin/dockerfilelint" "$here/Containerfile"

step "Kubernetes manifests: schemas"
node "$here/tools/validate-kubernetes.mjs" "$here"/kubernetes/*.yaml

# Each linter must fail on a known mistake, or it checks nothing.
sed 's/^FROM \(.*\):bookworm-slim/FROM \1/' "$here/Containerfile" >"$scratch/Containerfile"
if "$here/tools/node_modules/.bin/dockerfilelint" "$scratch/Containerfile" >/dev/null; then
  echo "deploy-check: FAIL: dockerfilelint missed an untagged base image" >&2; exit 1
fi
sed 's/containerPort: 443/containerPort: "443"/; s/type: Recreate/type: Recreated/' \
  "$here/kubernetes/relay.yaml" >"$scratch/relay.yaml"
if node "$here/tools/validate-kubernetes.mjs" "$scratch/relay.yaml" >/dev/null 2>&1; then
  echo "deploy-check: FAIL: the schema check missed a string port and a bad strategy" >&2; exit 1
fi
sed 's/  readinessProbe:/  readinesProbe:/' "$here/kubernetes/relay.yaml" >"$scratch/relay.yaml"
if node "$here/tools/validate-kubernetes.mjs" "$scratch/relay.yaml" >/dev/null 2>&1; then
  echo "deploy-check: FAIL: the schema check missed an unknown field" >&2; exit 1
fi

step "relay jar: mvn package"
(cd "$root" && mvn -B -q -pl server -am package -DskipTests)

step "relay started as the unit does"
"$here/start-as-unit.sh" "$root/server/target/sidestep-server.jar"

step "all deploy checks ok in ${SECONDS}s"
