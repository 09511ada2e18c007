#!/usr/bin/env bash
# Starts the relay the way sidestep-relay.service does, without systemd: the unit's ExecStart,
# as the unit's user (made from sidestep.sysusers), with only CAP_NET_BIND_SERVICE (ambient,
# bounding set of one, no new privileges), listening on 127.0.0.1:443 in a fresh network
# namespace; then checks that it answers TLS there. Also checks the other way round: without
# the capability the same command cannot bind 443, so the capability is what makes it work.
# Needs root (to create the user and the namespace), java, setpriv, unshare, openssl.
# Usage: start-as-unit.sh path/to/sidestep-server.jar
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$(realpath "${1:?usage: start-as-unit.sh SIDESTEP_SERVER_JAR}")"
unit="$here/sidestep-relay.service"

systemd-sysusers "$here/sidestep.sysusers"
user="$(sed -n 's/^User=//p' "$unit")"
id "$user" >/dev/null

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir -m 755 "$work/opt"
install -m 644 "$jar" "$work/opt/sidestep-server.jar"
# What StateDirectory= and StateDirectoryMode= make.
install -d -m 700 -o "$user" -g "$user" "$work/state"

# The unit's command line, with this run's jar and state and the loopback address; options from
# /etc/default/sidestep-relay are none here.
exec_start="$(sed -n 's/^ExecStart=//p' "$unit")"
cmd="${exec_start//\/opt\/sidestep\/sidestep-server.jar/$work/opt/sidestep-server.jar}"
cmd="${cmd//\/var\/lib\/sidestep/$work/state}"
cmd="${cmd//0.0.0.0:443/127.0.0.1:443}"
cmd="${cmd//\$SIDESTEP_OPTS/}"
limit_nofile="$(sed -n 's/^LimitNOFILE=//p' "$unit")"
# systemd raises the hard limit too; here (a container, maybe) it can only go as high as ours.
if (( $(ulimit -Hn) < limit_nofile )) && ! (ulimit -Hn "$limit_nofile") 2>/dev/null; then
  echo "start-as-unit: LimitNOFILE=$limit_nofile is above this shell's hard limit; using $(ulimit -Hn)"
  limit_nofile="$(ulimit -Hn)"
fi
umask_unit="$(sed -n 's/^UMask=//p' "$unit")"
echo "start-as-unit: as $user: $cmd"

as_unit=(setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs
         --bounding-set=-all,+net_bind_service --inh-caps=-all,+net_bind_service
         --ambient-caps=-all,+net_bind_service)
without_cap=(setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs
             --bounding-set=-all --inh-caps=-all)

export cmd work limit_nofile umask_unit
export as_unit_s="${as_unit[*]}" without_cap_s="${without_cap[*]}"
unshare --net bash -euo pipefail -c '
  ip link set lo up
  cd "$work/state"
  # Without the capability: the bind must fail.
  if (ulimit -n "$limit_nofile"; umask "$umask_unit"; exec $without_cap_s -- $cmd) \
      >"$work/nocap.log" 2>&1; then
    echo "start-as-unit: FAIL: the relay ran without CAP_NET_BIND_SERVICE" >&2; exit 1
  fi
  grep -qi "443" "$work/nocap.log" || { cat "$work/nocap.log" >&2; exit 1; }
  echo "start-as-unit: without the capability: refused, as expected: $(grep -i -m1 "443" "$work/nocap.log")"

  (ulimit -n "$limit_nofile"; umask "$umask_unit"; exec $as_unit_s -- $cmd) >"$work/relay.log" 2>&1 &
  relay=$!
  trap "kill $relay 2>/dev/null || true; wait $relay 2>/dev/null || true" EXIT
  for i in $(seq 1 150); do
    if out="$(openssl s_client -connect 127.0.0.1:443 -servername relay.example.net \
                -brief </dev/null 2>&1)" && grep -q "Protocol version" <<<"$out"; then
      echo "start-as-unit: TLS on 127.0.0.1:443: $(grep -m1 "Protocol version" <<<"$out")"
      owner="$(stat -c %U "$work/state/relay-key.pem")"
      proc_user="$(ps -o user= -p "$(pgrep -f -n "$work/opt/sidestep-server.jar")")"
      caps="$(grep CapEff /proc/$(pgrep -f -n "$work/opt/sidestep-server.jar")/status)"
      echo "start-as-unit: process user $proc_user, key owned by $owner, $caps"
      [[ "$proc_user" != root && "$owner" != root ]] || exit 1
      [[ "$caps" == *0000000000000400 ]] || { echo "start-as-unit: FAIL: $caps" >&2; exit 1; }
      exit 0
    fi
    kill -0 "$relay" 2>/dev/null || break
    sleep 0.2
  done
  echo "start-as-unit: FAIL: no TLS on 127.0.0.1:443" >&2
  cat "$work/relay.log" >&2
  exit 1
'
echo "start-as-unit: ok"
