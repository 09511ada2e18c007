#!/usr/bin/env bash
# Throughput of a large download on loopback: direct, through the client's doors routed DIRECT,
# and through client + relay (RELAY), all measured in the same run against one nginx origin.
#
#   bench/throughput.sh [SIZE_MIB=1024] [RUNS=5]
#
# Needs: built jars (mvn -B -q package -DskipTests), nginx, curl. Prints the median rate of each
# path and its ratio to the direct baseline, the CPU time the client and the relay spent per
# download, their resident memory after the run, and the machine's load before and after.
# Everything listens on 127.0.0.1 only. SIDESTEP_BENCH_JAVA_OPTS is passed to both JVMs (for
# example -Dsidestep.tls.engine=jdk to measure the JDK's TLS instead of OpenSSL).
#
# Paths: direct (curl to nginx), socks-direct (SOCKS door, a DIRECT rule), http-relay (HTTP door,
# an absolute-form GET, relayed), http-connect-relay (HTTP door, a CONNECT tunnel as browsers use
# for https, relayed), socks-relay (SOCKS door, relayed).
set -euo pipefail
size_mib=${1:-1024}
runs=${2:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/sidestep-bench.XXXXXX)
chmod 755 "$work"  # nginx workers run unprivileged
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

origin_port=$(free_port); relay_port=$(free_port); http_port=$(free_port); socks_port=$(free_port)
mkdir -p "$work/www" "$work/relay" "$work/client"
truncate -s "${size_mib}M" "$work/www/big.bin"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 64; }
http {
  access_log off;
  sendfile on;
  server { listen 127.0.0.1:$origin_port; root $work/www; }
}
CONF
nginx -c "$work/nginx.conf"
wait_port "$origin_port"

java -jar "$root/server/target/sidestep-server.jar" users add bench --state "$work/relay" --address "127.0.0.1:$relay_port" > "$work/key.txt"
key=$(tail -n 1 "$work/key.txt")
# shellcheck disable=SC2086  # options are words
java ${SIDESTEP_BENCH_JAVA_OPTS:-} -jar "$root/server/target/sidestep-server.jar" run --listen "127.0.0.1:$relay_port" --state "$work/relay" \
  --allow-destination 127.0.0.0/8 > "$work/relay.log" 2>&1 &
pids+=($!); relay_pid=$!
# Two names for the same origin: one the rules send direct, one through the relay.
cat > "$work/client/rules.txt" <<RULES
DOMAIN,direct.localhost.test,DIRECT
IP-CIDR,127.0.0.1/32,DIRECT
MATCH,RELAY
RULES
# shellcheck disable=SC2086
java ${SIDESTEP_BENCH_JAVA_OPTS:-} -jar "$root/client/target/sidestep-client.jar" run --http "127.0.0.1:$http_port" --socks "127.0.0.1:$socks_port" \
  --relay "$key" --state "$work/client" --rules "$work/client/rules.txt" > "$work/client.log" 2>&1 &
pids+=($!); client_pid=$!
wait_port "$relay_port"; wait_port "$http_port"; wait_port "$socks_port"

url_ip="http://127.0.0.1:$origin_port/big.bin"
# The relay resolves "localhost" itself; the client never does (MATCH,RELAY).
url_relay="http://localhost:$origin_port/big.bin"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user + system, in clock ticks
tick=$(getconf CLK_TCK)
rss_mib() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

paths=(direct socks-direct http-relay http-connect-relay socks-relay)
download() { # path: prints bytes per second
  local args
  case $1 in
    direct) args=("$url_ip") ;;
    socks-direct) args=(--socks5-hostname "127.0.0.1:$socks_port" "$url_ip") ;;
    http-relay) args=(-x "http://127.0.0.1:$http_port" "$url_relay") ;;
    # A tunnel through the HTTP door (CONNECT, as browsers do for https), plain HTTP inside it.
    http-connect-relay) args=(--proxytunnel -x "http://127.0.0.1:$http_port" "$url_relay") ;;
    socks-relay) args=(--socks5-hostname "127.0.0.1:$socks_port" "$url_relay") ;;
  esac
  curl -sf -o /dev/null --max-time 600 -w '%{speed_download}' "${args[@]}" || { echo "download failed: $1" >&2; exit 1; }
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# One warm-up download per path (the JIT compiles the hot paths, and its CPU time is not counted),
# then RUNS rounds that take the paths in turn, so that the machine's load falls on all alike.
for p in "${paths[@]}"; do download "$p" > /dev/null; done
for _ in $(seq 1 "$runs"); do
  for p in "${paths[@]}"; do
    c0=$(cpu_ticks "$client_pid"); r0=$(cpu_ticks "$relay_pid")
    rate=$(download "$p")
    echo "$p $rate $(($(cpu_ticks "$client_pid") - c0)) $(($(cpu_ticks "$relay_pid") - r0))"
  done
done > "$work/samples.txt"
for p in "${paths[@]}"; do
  awk -v p="$p" -v t="$tick" '$1 == p {print $2, $3, $4}' "$work/samples.txt" | sort -n |
    awk -v p="$p" -v t="$tick" '{a[NR]=$1; c+=$2; r+=$3} END {printf "%s %.0f %.2f %.2f\n", p, a[int((NR+1)/2)], c/t/NR, r/t/NR}'
done > "$work/results.txt"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

base=$(awk '$1=="direct"{print $2}' "$work/results.txt")
echo "download of ${size_mib} MiB on loopback, median of $runs runs per path (taken in turn) after one warm-up each"
printf '%-18s %10s %10s %12s %12s\n' path rate "vs direct" "client CPU" "relay CPU"
# CPU: seconds the process spent (user + system) per download; the direct paths do not use the relay.
awk -v b="$base" '{printf "%-18s %5.0f MiB/s %8.2f x %10.2f s %10.2f s\n", $1, $2/1048576, $2/b, $3, $4}' "$work/results.txt"
echo "resident memory after the run: client $(rss_mib "$client_pid") MiB, relay $(rss_mib "$relay_pid") MiB"
echo "load average (1, 5, 15 min) on $(nproc) CPUs: before $load_before, after $load_after"
