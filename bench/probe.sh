#!/usr/bin/env bash
# How long `probe` takes over every host of Citizen Lab's Kazakhstan list (kz.csv), on loopback:
# a fake DNS server (the probe's --dns), a relay started in-process that resolves every name to
# 127.0.0.1, and origins and censor boxes on 127.0.0.x planting a mix of outcomes (open, NXDOMAIN,
# reset after the ClientHello, silence after it, down everywhere). Nothing leaves loopback.
#
#   bench/probe.sh [RUNS=3] [PARALLEL=32] [SAMPLE=4]
#
# Prints the hosts, the parallelism, the wall time of probing the whole list (median of RUNS), the
# verdict counts, and the serial baseline measured in the same run (--parallel 1 over SAMPLE hosts
# of each outcome, extrapolated to the list by outcome) with the speed-up. Every verdict is checked
# against what was planted; a mismatch makes the script fail. The list comes from
# ../shared/data/test-lists beside the repository (set SIDESTEP_TEST_LISTS to another folder).
# Needs Maven and a JDK 17+; builds the client's test classes (never installs anything).
set -euo pipefail
runs=${1:-3}
parallel=${2:-32}
sample=${3:-4}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

mvn -B -q -pl client -am test-compile \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
cp="client/target/test-classes:client/target/classes:$(cat client/target/bench.classpath)"

props=(-Dsidestep.log.level=WARN)  # the relay's one line per connection is not what is measured
if [ -n "${SIDESTEP_TEST_LISTS:-}" ]; then props+=("-Dsidestep.testLists=$SIDESTEP_TEST_LISTS"); fi
exec java -Xmx512m "${props[@]}" -cp "$cp" io.sidestep.client.probe.ProbeBench \
  --runs "$runs" --parallel "$parallel" --sample "$sample"
