#!/usr/bin/env bash
# Throughput of a large download on loopback: direct, through the client's doors routed DIRECT,
# and through client + relay (RELAY), all measured in the same run against one nginx origin.
#
#   bench/throughput.sh [SIZE_MIB=1024] [RUNS=5]
#
# Needs: built jars (mvn -B -q package -DskipTests), nginx, curl. Prints the median rate of each
# path and its ratio to the direct baseline. Everything listens on 127.0.0.1 only.
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
java -jar "$root/server/target/sidestep-server.jar" run --listen "127.0.0.1:$relay_port" --state "$work/relay" \
  --allow-destination 127.0.0.0/8 > "$work/relay.log" 2>&1 &
pids+=($!)
# Two names for the same origin: one the rules send direct, one through the relay.
cat > "$work/client/rules.txt" <<RULES
DOMAIN,direct.localhost.test,DIRECT
IP-CIDR,127.0.0.1/32,DIRECT
MATCH,RELAY
RULES
java -jar "$root/client/target/sidestep-client.jar" run --http "127.0.0.1:$http_port" --socks "127.0.0.1:$socks_port" \
  --relay "$key" --state "$work/client" --rules "$work/client/rules.txt" > "$work/client.log" 2>&1 &
pids+=($!)
wait_port "$relay_port"; wait_port "$http_port"; wait_port "$socks_port"

url_ip="http://127.0.0.1:$origin_port/big.bin"
# The relay resolves "localhost" itself; the client never does (MATCH,RELAY).
url_relay="http://localhost:$origin_port/big.bin"

measure() { # label, curl args... (one warm-up run, then RUNS measured runs)
  local label=$1; shift
  local rates=() r
  for i in $(seq 0 "$runs"); do
    r=$(curl -sf -o /dev/null --max-time 600 -w '%{speed_download}' "$@") || { echo "download failed: $label" >&2; exit 1; }
    ((i > 0)) && rates+=("$r")
  done
  printf '%s\n' "${rates[@]}" | sort -n | awk -v l="$label" '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%s %.0f\n", l, m}'
}

{
  measure direct "$url_ip"
  measure socks-direct --socks5-hostname "127.0.0.1:$socks_port" "$url_ip"
  measure http-relay -x "http://127.0.0.1:$http_port" "$url_relay"
  measure socks-relay --socks5-hostname "127.0.0.1:$socks_port" "$url_relay"
} > "$work/results.txt"

base=$(awk '$1=="direct"{print $2}' "$work/results.txt")
echo "download of ${size_mib} MiB on loopback, median of $runs runs after one warm-up"
awk -v b="$base" '{printf "%-14s %8.0f MiB/s  %5.2f x direct\n", $1, $2/1048576, $2/b}' "$work/results.txt"
