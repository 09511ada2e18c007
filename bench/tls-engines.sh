#!/usr/bin/env bash
# The relay link's TLS engines side by side: one nginx origin, one relay, and two clients that
# differ only in sidestep.tls.engine (openssl or jdk: the hello of run --tls-hello fast; chrome:
# that of --tls-hello chrome), downloading in turn through their SOCKS doors, in one run.
#
#   bench/tls-engines.sh [SIZE_MIB=256] [RUNS=5] [A=openssl] [B=chrome] [REQUESTS=300]
#
# Needs: built jars (mvn -B -q package -DskipTests), nginx, curl, python3. Prints per engine the
# median rate of a SIZE_MIB download, the CPU seconds per download, and the median rate of new
# tunnels (one at a time, each a SOCKS5 connect and a 1 KiB GET, REQUESTS per run), with B's rates
# as ratios of A's. The relay is the same process for both. Everything listens on 127.0.0.1 only.
set -euo pipefail
size_mib=${1:-256}
runs=${2:-5}
engine_a=${3:-openssl}
engine_b=${4:-chrome}
requests=${5:-300}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/sidestep-tls-ab.XXXXXX)
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
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tick=$(getconf CLK_TCK)

origin_port=$(free_port); relay_port=$(free_port)
mkdir -p "$work/www" "$work/relay"
truncate -s "${size_mib}M" "$work/www/big.bin"
head -c 1024 /dev/zero > "$work/www/small.bin"
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
# Every tunnel comes from 127.0.0.1: lift the per-source limits, made for strangers, or new tunnels
# past 100 a second are refused.
java -jar "$root/server/target/sidestep-server.jar" run --listen "127.0.0.1:$relay_port" --state "$work/relay" \
  --allow-destination 127.0.0.0/8 \
  --accepts-per-second-per-source 1000000 --max-unauthenticated-per-source 1000000 > "$work/relay.log" 2>&1 &
pids+=($!); relay_pid=$!
printf 'MATCH,RELAY\n' > "$work/rules.txt"
declare -A socks client
for e in "$engine_a" "$engine_b"; do
  socks[$e]=$(free_port); mkdir -p "$work/client-$e"
  java "-Dsidestep.tls.engine=$e" -jar "$root/client/target/sidestep-client.jar" run --http "127.0.0.1:$(free_port)" \
    --socks "127.0.0.1:${socks[$e]}" --relay "$key" --state "$work/client-$e" --rules "$work/rules.txt" \
    > "$work/client-$e.log" 2>&1 &
  pids+=($!); client[$e]=$!
done
wait_port "$relay_port"; wait_port "${socks[$engine_a]}"; wait_port "${socks[$engine_b]}"

url="http://localhost:$origin_port/big.bin"
download() { curl -sf -o /dev/null --max-time 600 -w '%{speed_download}' --socks5-hostname "127.0.0.1:${socks[$1]}" "$url" ||
  { echo "download failed: $1" >&2; exit 1; }; }

# New tunnels per second, one at a time: SOCKS5 with a host name, GET of 1 KiB, read to the close.
tunnels() { python3 - "${socks[$1]}" "$origin_port" "$requests" <<'PY'
import socket, struct, sys, time
socks_port, origin_port, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
req = b"GET /small.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
start = time.perf_counter()
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", socks_port))
    s.sendall(b"\x05\x01\x00"); s.recv(2)
    s.sendall(b"\x05\x01\x00\x03" + bytes([9]) + b"localhost" + struct.pack(">H", origin_port))
    r = s.recv(10)
    assert r[1] == 0, r
    s.sendall(req)
    while s.recv(65536):
        pass
    s.close()
print(n / (time.perf_counter() - start))
PY
}

for e in "$engine_a" "$engine_b"; do download "$e" > /dev/null; tunnels "$e" > /dev/null; done  # warm-up
for _ in $(seq 1 "$runs"); do
  for e in "$engine_a" "$engine_b"; do
    c0=$(cpu_ticks "${client[$e]}"); r0=$(cpu_ticks "$relay_pid")
    rate=$(download "$e")
    echo "$e $rate $(($(cpu_ticks "${client[$e]}") - c0)) $(($(cpu_ticks "$relay_pid") - r0)) $(tunnels "$e")"
  done
done > "$work/samples.txt"
echo "download of ${size_mib} MiB through the SOCKS door and the relay, median of $runs runs per engine (in turn)"
printf '%-10s %12s %12s %12s %12s\n' engine rate "client CPU" "relay CPU" "tunnels/s"
for e in "$engine_a" "$engine_b"; do
  awk -v p="$e" '$1 == p {print $2, $3, $4}' "$work/samples.txt" | sort -n |
    awk -v e="$e" -v t="$tick" '{a[NR]=$1; c+=$2; r+=$3} END {printf "%s %.0f %.2f %.2f\n", e, a[int((NR+1)/2)], c/t/NR, r/t/NR}' |
    paste -d' ' - <(awk -v p="$e" '$1 == p {print $5}' "$work/samples.txt" | sort -n | awk '{a[NR]=$1} END {printf "%.0f\n", a[int((NR+1)/2)]}')
done > "$work/results.txt"
awk '{printf "%-10s %6.0f MiB/s %10.2f s %10.2f s %12.0f\n", $1, $2/1048576, $3, $4, $5}' "$work/results.txt"
awk -v a="$engine_a" -v b="$engine_b" '$1==a{ra=$2; ta=$5} $1==b{rb=$2; tb=$5}
  END {printf "%s / %s: bulk %.2f, new tunnels %.2f\n", b, a, rb/ra, tb/ta}' "$work/results.txt"
grep -h "TLS engine" "$work"/client-*.log "$work/relay.log" 2>/dev/null | head -3 || true
