#!/usr/bin/env bash
# Optional check (not in .ci/run: a few minutes on a cold machine): builds the Containerfile with
# podman from a Debian base made by debootstrap (no image registry needed) and starts it:
#  1. as the Containerfile says: unprivileged user, the runtime's default capabilities; answers
#     TLS on 443, and `users add` prints an access key;
#  2. as the Kubernetes manifest runs it: no new privileges, all capabilities dropped but
#     NET_BIND_SERVICE, read-only root, ip_unprivileged_port_start=443; answers TLS;
#  3. with every capability dropped: must not start (the image's java carries a file capability).
# Needs root. Usage: configs/deploy/container-check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
base=localhost/sidestep-debian
image=localhost/sidestep-relay:check
step() { echo "container-check: $* (at ${SECONDS}s)"; }

export DEBIAN_FRONTEND=noninteractive
need=()
for tool in podman:podman runc:runc debootstrap:debootstrap nsenter:util-linux openssl:openssl; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if ((${#need[@]})); then
  apt-get update -q
  apt-get install -y -q "${need[@]}"
fi

# runc: crun refuses hosts with hybrid cgroups. Limits no higher than this shell's, which a
# container host may not let podman raise.
nofile="$(ulimit -Hn)"
((nofile > 65536)) && nofile=65536
podman=(podman --runtime runc)
run=("${podman[@]}" run --network none --ulimit "nofile=$nofile:$nofile"
     --ulimit "nproc=4096:4096")

if ! podman image exists "$base:bookworm-slim"; then
  step "base image: debootstrap (minbase, bookworm)"
  mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
  rootfs="$(mktemp -d)"
  debootstrap --variant=minbase bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" \
    >/dev/null
  tar -C "$rootfs" -c . | podman import - "$base:bookworm-slim" >/dev/null
  rm -rf "$rootfs"
fi

if [[ ! -f "$root/server/target/sidestep-server.jar" ]]; then
  step "relay jar: mvn package"
  (cd "$root" && mvn -B -q -pl server -am package -DskipTests)
fi

step "build"
podman build -q --isolation chroot --build-arg "BASE=$base" -f "$here/Containerfile" \
  -t "$image" "$root/server/target" >/dev/null
podman image inspect -f 'container-check: image size {{.Size}} bytes' "$image"

names=()
cleanup() { for n in "${names[@]}"; do podman rm -f "$n" >/dev/null 2>&1 || true; done; }
trap cleanup EXIT

# Starts a container named $1 with the options after it; waits until it answers TLS on 443.
start_and_probe() {
  local name="$1"; shift
  names+=("$name")
  "${run[@]}" -d --name "$name" "$@" "$image" >/dev/null
  local pid out
  for _ in $(seq 1 100); do
    pid="$(podman inspect -f '{{.State.Pid}}' "$name")"
    if [[ "$pid" != 0 ]] && out="$(nsenter -t "$pid" -n openssl s_client -connect 127.0.0.1:443 \
        -brief </dev/null 2>&1)" && grep -q "Protocol version" <<<"$out"; then
      local java
      java="$(pgrep -P "$pid" java || echo "$pid")"
      echo "container-check: $name: TLS on 443 after ${SECONDS}s;" \
        "uid $(awk '/^Uid/ {print $2}' "/proc/$java/status")," \
        "$(grep CapEff "/proc/$java/status" | tr -s '\t' ' ')"
      return 0
    fi
    sleep 0.2
  done
  echo "container-check: FAIL: $name does not answer TLS on 443" >&2
  podman logs "$name" >&2 || true
  return 1
}

step "1. as the Containerfile says"
start_and_probe sidestep-check-default
key="$(podman exec sidestep-check-default /opt/jre/bin/java -jar \
  /opt/sidestep/sidestep-server.jar users add alice --state /var/lib/sidestep \
  --address relay.example.net:443 | tail -1)"
[[ "$key" == sidestep://alice:*@relay.example.net:443\?pin=sha256/* ]] \
  || { echo "container-check: FAIL: users add printed '$key'" >&2; exit 1; }
echo "container-check: users add: ${key%%:*}://alice:<token>@${key#*@}"

step "2. as the Kubernetes manifest runs it"
start_and_probe sidestep-check-k8s --security-opt no-new-privileges --cap-drop ALL \
  --cap-add NET_BIND_SERVICE --read-only --tmpfs /tmp \
  --sysctl net.ipv4.ip_unprivileged_port_start=443

step "3. without any capability"
if out="$("${run[@]}" --rm --cap-drop ALL "$image" 2>&1)"; then
  echo "container-check: FAIL: started without capabilities: $out" >&2; exit 1
fi
echo "container-check: without capabilities: refused: $(tail -1 <<<"$out")"

step "container checks ok in ${SECONDS}s"
