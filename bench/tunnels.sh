#!/usr/bin/env bash
# The Sidestep relay link side by side with the tunnels people use, on loopback, in one run:
# stunnel4, shadowsocks-libev, trojan and squid, against one nginx origin.
#
#   bench/tunnels.sh [SIZE_MIB=1024] [RUNS=5] [REQUESTS=2000] [MAX_SECONDS=30] [IDLE=1000,10000]
#
# Needs: built jars (mvn -B -q package -DskipTests), a JDK 17+, nginx, openssl, python3; installs
# stunnel4, shadowsocks-libev, trojan and squid with apt-get if they are missing (as root).
# Everything listens on 127.0.0.1 (and 127.0.0.2 for the HTTP door's DIRECT path) only.
# SIDESTEP_BENCH_JAVA_OPTS is passed to both Sidestep JVMs, SIDESTEP_BENCH_CLIENT_OPTS to the
# client's only (e.g. -XX:StartFlightRecording=filename=client.jfr to profile it), and
# SIDESTEP_BENCH_CLIENT_ARGS to its run command (e.g. --tls-hello chrome); SIDESTEP_BENCH_LOG_LEVEL
# sets the client's log level (default WARN) and SIDESTEP_BENCH_KEEP=1 keeps the work directory
# with every process's log. SIDESTEP_BENCH_PATHS, a regular
# expression, keeps only the paths whose names match (e.g. 'http-direct|squid-connect').
# SIDESTEP_BENCH_BASE=DIR adds the paths socks-base and http-base through a second relay and client
# run from DIR's jars (another build, to compare with in the same run). SIDESTEP_BENCH_JFR=DIR
# records each Sidestep JVM with Java Flight Recorder into DIR/NAME.jfr, with the settings
# SIDESTEP_BENCH_JFC names (default: profile; a copy of the JDK's profile.jfc with a 1 ms
# jdk.ExecutionSample period sees short per-connection work better).
#
# Paths (every tunnel carries plain HTTP from bench/TunnelBench.java to the origin):
#   direct         the origin itself, no tunnel
#   socks-relay    Sidestep SOCKS door -> relay (TLS) -> origin
#   http-relay     Sidestep HTTP door, CONNECT -> relay (TLS) -> origin
#   http-direct    Sidestep HTTP door, CONNECT, a DIRECT rule -> origin
#   stunnel        stunnel client -> stunnel server (TLS) -> origin (a fixed destination, no handshake)
#   ss-libev       ss-local SOCKS5 -> ss-server (chacha20-ietf-poly1305) -> origin
#   trojan         trojan client SOCKS5 -> trojan server (TLS) -> origin
#   squid-connect  squid forward proxy, CONNECT -> origin
#   squid-plain    squid forward proxy, absolute-form GET -> origin
# Per path, in rounds that take the paths in turn after two warm-up passes over all paths (each
# path run as it is measured), with half a second of rest before each measurement: bulk MB/s
# (10^6 bytes/s)
# of one SIZE_MIB download (median of RUNS); CPU seconds per GiB of that download, client plus
# relay processes (utime + stime from /proc, children included); a new connection per 1 KiB
# request, one at a time (conn/s1, with the CPU microseconds per connection, client plus relay) and
# four at a time (conn/s4), REQUESTS each or MAX_SECONDS,
# whichever ends first: requests per second (median of RUNS) and time to the first response byte
# from the start of the connect (p50 and p99 over all requests; one at a time, the p50 is also split
# at the door's answer: connect plus SOCKS or CONNECT handshake, then the rest); then, once per
# count in IDLE,
# memory per idle tunnel: RSS growth of client plus relay processes while that many tunnels through
# the path are held open to an origin that keeps them idle, divided by the count.
set -euo pipefail
size_mib=${1:-1024}
runs=${2:-5}
requests=${3:-2000}
max_seconds=${4:-30}
idle=${5:-1000,10000}
root=$(cd "$(dirname "$0")/.." && pwd)

need=()
command -v stunnel4 > /dev/null || need+=(stunnel4)
command -v ss-server > /dev/null || need+=(shadowsocks-libev)
command -v trojan > /dev/null || need+=(trojan)
command -v squid > /dev/null || need+=(squid)
command -v nginx > /dev/null || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  # Keep the packages' own services down (policy-rc.d exit 101: "action forbidden").
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${need[@]}" >&2 ||
    { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${need[@]}" >&2; }
  [ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
fi

# Each idle tunnel costs every process on its path one descriptor per socket it holds: one in
# Sidestep's client and relay (the relay link is one connection for all), two in a peer's
# processes that accept and connect per tunnel (stunnel, ss-local, trojan, squid). Counts over
# what a peer fits fail for that peer only, and say so; give SIDESTEP_BENCH_PATHS to skip them.
ulimit -n 65536 2> /dev/null || ulimit -n "$(ulimit -Hn)"
fds=$(ulimit -n)
max_idle=$((fds - 512))
idle_counts=()
for n in ${idle//,/ }; do
  if [ "$n" -gt "$max_idle" ]; then
    echo "open files limit $fds: $n idle tunnels do not fit, measuring $max_idle instead" >&2
    n=$max_idle
  fi
  idle_counts+=("$n")
done
idle=$(IFS=,; echo "${idle_counts[*]}")

work=$(mktemp -d /tmp/sidestep-tunnels.XXXXXX)
chmod 755 "$work"  # nginx and squid workers run unprivileged
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ -n "${SIDESTEP_BENCH_KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

jfr() { # name: the JVM option recording that JVM, if asked for
  [ -z "${SIDESTEP_BENCH_JFR:-}" ] || echo "-XX:StartFlightRecording=filename=$SIDESTEP_BENCH_JFR/$1.jfr,settings=${SIDESTEP_BENCH_JFC:-profile}"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # [host] port
  local host=127.0.0.1; [ $# -gt 1 ] && { host=$1; shift; }
  for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "port $host:$1 never opened" >&2; exit 1
}

origin=$(free_port); hold=$(free_port)
relay=$(free_port); http=$(free_port); socks=$(free_port)
base_relay=$(free_port); base_http=$(free_port); base_socks=$(free_port)
st_web=$(free_port); st_hold=$(free_port); st_srv_web=$(free_port); st_srv_hold=$(free_port)
ss_srv=$(free_port); ss_local=$(free_port)
tj_srv=$(free_port); tj_client=$(free_port)
squid_port=$(free_port)

# Origin: nginx serving the download and the small file.
mkdir -p "$work/www" "$work/relay" "$work/client"
truncate -s "${size_mib}M" "$work/www/big.bin"
head -c 1024 /dev/zero > "$work/www/small.bin"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  server { listen 127.0.0.1:$origin; listen 127.0.0.2:$origin; root $work/www; }
}
CONF
nginx -c "$work/nginx.conf"
# Idle origin: holds every connection, answers its first byte with one byte.
java -Xmx256m "$root/bench/TunnelBench.java" hold "127.0.0.1:$hold" "127.0.0.2:$hold" > "$work/hold.log" 2>&1 &
pids+=($!)

# One self-signed certificate for the TLS peers (stunnel, trojan); the clients verify it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2> /dev/null

# Sidestep relay and client. 127.0.0.2 is the DIRECT destination, everything else is relayed.
java -jar "$root/server/target/sidestep-server.jar" users add bench --state "$work/relay" --address "127.0.0.1:$relay" > "$work/key.txt"
SIDESTEP_RELAY=$(tail -n 1 "$work/key.txt"); export SIDESTEP_RELAY
# Every client tunnel comes from 127.0.0.1, so the relay's per-source limits (made for strangers,
# 100 new connections a second by default) are lifted here, as an operator would for a known NAT.
# shellcheck disable=SC2086  # options are words
java ${SIDESTEP_BENCH_JAVA_OPTS:-} $(jfr relay) -Dsidestep.log.level=WARN -jar "$root/server/target/sidestep-server.jar" run \
  --listen "127.0.0.1:$relay" --state "$work/relay" --allow-destination 127.0.0.0/8 \
  --accepts-per-second-per-source 1000000 --max-unauthenticated-per-source 1000000 > "$work/relay.log" 2>&1 &
pids+=($!); relay_pid=$!
cat > "$work/client/rules.txt" <<RULES
IP-CIDR,127.0.0.2/32,DIRECT
MATCH,RELAY
RULES
# shellcheck disable=SC2086
java ${SIDESTEP_BENCH_JAVA_OPTS:-} ${SIDESTEP_BENCH_CLIENT_OPTS:-} $(jfr client) -Dsidestep.log.level="${SIDESTEP_BENCH_LOG_LEVEL:-WARN}" -jar "$root/client/target/sidestep-client.jar" run \
  --http "127.0.0.1:$http" --socks "127.0.0.1:$socks" --state "$work/client" --rules "$work/client/rules.txt" \
  ${SIDESTEP_BENCH_CLIENT_ARGS:-} > "$work/client.log" 2>&1 &
pids+=($!); client_pid=$!
unset SIDESTEP_RELAY
base_paths=""
if [ -n "${SIDESTEP_BENCH_BASE:-}" ]; then
  base=$(cd "$SIDESTEP_BENCH_BASE" && pwd)
  mkdir -p "$work/base-relay" "$work/base-client"
  cp "$work/client/rules.txt" "$work/base-client/rules.txt"
  java -jar "$base/server/target/sidestep-server.jar" users add bench --state "$work/base-relay" \
    --address "127.0.0.1:$base_relay" > "$work/base-key.txt"
  # shellcheck disable=SC2086
  java ${SIDESTEP_BENCH_JAVA_OPTS:-} $(jfr base-relay) -Dsidestep.log.level=WARN -jar "$base/server/target/sidestep-server.jar" run \
    --listen "127.0.0.1:$base_relay" --state "$work/base-relay" --allow-destination 127.0.0.0/8 \
    --accepts-per-second-per-source 1000000 --max-unauthenticated-per-source 1000000 > "$work/base-relay.log" 2>&1 &
  pids+=($!); base_relay_pid=$!
  # shellcheck disable=SC2086
  SIDESTEP_RELAY=$(tail -n 1 "$work/base-key.txt") java ${SIDESTEP_BENCH_JAVA_OPTS:-} $(jfr base-client) -Dsidestep.log.level=WARN \
    -jar "$base/client/target/sidestep-client.jar" run --http "127.0.0.1:$base_http" --socks "127.0.0.1:$base_socks" \
    --state "$work/base-client" --rules "$work/base-client/rules.txt" > "$work/base-client.log" 2>&1 &
  pids+=($!); base_client_pid=$!
  wait_port "$base_relay"; wait_port "$base_http"; wait_port "$base_socks"
  base_paths="socks-base    socks5  127.0.0.1:$base_socks 127.0.0.1:$origin  127.0.0.1:$base_socks 127.0.0.1:$hold $base_client_pid $base_relay_pid
http-base     connect 127.0.0.1:$base_http  127.0.0.1:$origin   127.0.0.1:$base_http  127.0.0.1:$hold $base_client_pid $base_relay_pid"
fi

# stunnel: one service to the origin, one to the idle origin (it forwards to a fixed address). Its
# server logs "No trusted certificates found": it asks for no client certificate.
cat > "$work/stunnel-server.conf" <<CONF
foreground = yes
pid =
debug = err
output = $work/stunnel-server.log
[web]
accept = 127.0.0.1:$st_srv_web
connect = 127.0.0.1:$origin
cert = $work/cert.pem
key = $work/key.pem
[hold]
accept = 127.0.0.1:$st_srv_hold
connect = 127.0.0.1:$hold
cert = $work/cert.pem
key = $work/key.pem
CONF
cat > "$work/stunnel-client.conf" <<CONF
foreground = yes
pid =
debug = err
output = $work/stunnel-client.log
[web]
client = yes
accept = 127.0.0.1:$st_web
connect = 127.0.0.1:$st_srv_web
verifyPeer = yes
CAfile = $work/cert.pem
[hold]
client = yes
accept = 127.0.0.1:$st_hold
connect = 127.0.0.1:$st_srv_hold
verifyPeer = yes
CAfile = $work/cert.pem
CONF
stunnel4 "$work/stunnel-server.conf" & pids+=($!); st_srv_pid=$!
stunnel4 "$work/stunnel-client.conf" & pids+=($!); st_client_pid=$!

# shadowsocks-libev: an AEAD cipher, TCP_NODELAY as trojan and Sidestep set it, and an idle timeout
# (default 60 s) longer than opening the idle tunnels takes.
ss_opts=(-k bench-password -m chacha20-ietf-poly1305 --no-delay -n "$fds" -t 600)
ss-server -s 127.0.0.1 -p "$ss_srv" "${ss_opts[@]}" > "$work/ss-server.log" 2>&1 & pids+=($!); ss_srv_pid=$!
ss-local -s 127.0.0.1 -p "$ss_srv" -b 127.0.0.1 -l "$ss_local" "${ss_opts[@]}" > "$work/ss-local.log" 2>&1 &
pids+=($!); ss_local_pid=$!

# trojan: the server's own fallback (remote_*) is the origin; the client verifies the certificate.
cat > "$work/trojan-server.json" <<CONF
{ "run_type": "server", "local_addr": "127.0.0.1", "local_port": $tj_srv,
  "remote_addr": "127.0.0.1", "remote_port": $origin, "password": ["bench-password"], "log_level": 3,
  "ssl": { "cert": "$work/cert.pem", "key": "$work/key.pem", "alpn": ["http/1.1"] },
  "tcp": { "no_delay": true, "keep_alive": true } }
CONF
cat > "$work/trojan-client.json" <<CONF
{ "run_type": "client", "local_addr": "127.0.0.1", "local_port": $tj_client,
  "remote_addr": "127.0.0.1", "remote_port": $tj_srv, "password": ["bench-password"], "log_level": 3,
  "ssl": { "verify": true, "verify_hostname": false, "cert": "$work/cert.pem", "sni": "127.0.0.1",
           "alpn": ["h2", "http/1.1"], "reuse_session": true },
  "tcp": { "no_delay": true, "keep_alive": true } }
CONF
trojan -c "$work/trojan-server.json" > "$work/trojan-server.log" 2>&1 & pids+=($!); tj_srv_pid=$!
trojan -c "$work/trojan-client.json" > "$work/trojan-client.log" 2>&1 & pids+=($!); tj_client_pid=$!

# squid: a forward proxy with no cache, CONNECT to any port.
mkdir -p "$work/squid"; chmod 777 "$work/squid"
cat > "$work/squid.conf" <<CONF
http_port 127.0.0.1:$squid_port
http_access allow all
cache deny all
cache_mem 8 MB
access_log none
cache_log $work/squid/cache.log
pid_filename $work/squid/squid.pid
coredump_dir $work/squid
max_filedescriptors $fds
visible_hostname localhost
shutdown_lifetime 0 seconds
CONF
squid -N -f "$work/squid.conf" > "$work/squid/stdout.log" 2>&1 & pids+=($!); squid_pid=$!

for p in "$origin" "$hold" "$relay" "$http" "$socks" "$st_web" "$st_hold" "$ss_local" "$tj_client" "$squid_port"; do
  wait_port "$p"
done

# name mode entry target hold-entry hold-target client-pids relay-pids
cat > "$work/paths.txt" <<PATHS
direct        plain   127.0.0.1:$origin     -                   127.0.0.1:$hold      -                -               -
socks-relay   socks5  127.0.0.1:$socks      127.0.0.1:$origin   127.0.0.1:$socks     127.0.0.1:$hold  $client_pid     $relay_pid
http-relay    connect 127.0.0.1:$http       127.0.0.1:$origin   127.0.0.1:$http      127.0.0.1:$hold  $client_pid     $relay_pid
http-direct   connect 127.0.0.1:$http       127.0.0.2:$origin   127.0.0.1:$http      127.0.0.2:$hold  $client_pid     -
stunnel       plain   127.0.0.1:$st_web     -                   127.0.0.1:$st_hold   -                $st_client_pid  $st_srv_pid
ss-libev      socks5  127.0.0.1:$ss_local   127.0.0.1:$origin   127.0.0.1:$ss_local  127.0.0.1:$hold  $ss_local_pid   $ss_srv_pid
trojan        socks5  127.0.0.1:$tj_client  127.0.0.1:$origin   127.0.0.1:$tj_client 127.0.0.1:$hold  $tj_client_pid  $tj_srv_pid
squid-connect connect 127.0.0.1:$squid_port 127.0.0.1:$origin   127.0.0.1:$squid_port 127.0.0.1:$hold $squid_pid      -
squid-plain   absolute 127.0.0.1:$squid_port 127.0.0.1:$origin  -                    -                $squid_pid      -
$base_paths
PATHS
if [ -n "${SIDESTEP_BENCH_PATHS:-}" ]; then
  awk -v keep="^(${SIDESTEP_BENCH_PATHS})$" '$1 ~ keep' "$work/paths.txt" > "$work/paths.kept"
  mv "$work/paths.kept" "$work/paths.txt"
fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
java -Xmx1g "$root/bench/TunnelBench.java" run "$work/paths.txt" "$size_mib" "$runs" "$requests" "$max_seconds" "$idle"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "versions: $(nginx -v 2>&1 | sed 's/.*: //'), $(stunnel4 -version 2>&1 | awk '/^stunnel/ {print $1, $2; exit}'),"\
  "shadowsocks-libev $(ss-server -h 2>&1 | awk '/shadowsocks-libev/ {print $2; exit}'),"\
  "$(trojan -v 2>&1 | awk '/trojan/ {print $3, $4; exit}'), $(squid -v | awk '/Version/ {print "squid", $4; exit}')"
echo "load average (1, 5, 15 min) on $(nproc) CPUs: before $load_before, after $load_after"
