#!/usr/bin/env bash
# Removes everything the Sidestep censorship lab made: the network namespaces named ssl-*, every
# process running inside them, and their /etc/netns/ssl-* folders. Deleting a namespace deletes
# the veth pairs and the bridge inside it, and its iptables rules with it. Nothing outside those
# namespaces is touched. Safe to run at any time, also when there is nothing to remove.
#
# The lab runs this itself before it builds its network (to clear a crashed run) and after it
# finishes; run it by hand with `sudo lab/scripts/lab-down.sh` if a run was killed with -9.
set -u
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"
readonly prefix="ssl-"

lab_namespaces() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${prefix}[a-z0-9-]+$" || true
}

kill_all() { # signal
  local ns pids
  for ns in $(lab_namespaces); do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    if [[ -n "$pids" ]]; then
      # shellcheck disable=SC2086 # one pid per word
      kill "-$1" $pids 2>/dev/null || true
    fi
  done
}

any_pids() {
  local ns
  for ns in $(lab_namespaces); do
    [[ -n "$(ip netns pids "$ns" 2>/dev/null || true)" ]] && return 0
  done
  return 1
}

if any_pids; then
  kill_all TERM
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    any_pids || break
    sleep 0.3
  done
  kill_all KILL
fi
for ns in $(lab_namespaces); do
  ip netns delete "$ns" 2>/dev/null || echo "lab-down: could not delete namespace $ns" >&2
done
rm -rf /etc/netns/${prefix}*
left=$(lab_namespaces)
if [[ -n "$left" ]]; then
  echo "lab-down: namespaces left: $left" >&2
  exit 1
fi
exit 0
