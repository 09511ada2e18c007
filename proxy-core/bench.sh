#!/usr/bin/env bash
# Rules engine benchmark: decisions per second over 100,000 mixed rules, load time,
# and the heap the loaded rules keep (checked under -Xmx64m).
#   proxy-core/bench.sh                 short run (about 1 minute)
#   proxy-core/bench.sh -i 5 -r 10s     extra options go to JMH
# Host names come from Citizen Lab's test lists: -Dsidestep.testLists=DIR in JAVA_OPTS
# (default ../shared/data/test-lists beside the repository); without them the names are synthetic.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl proxy-core -am test-compile
mvn -B -q -pl proxy-core dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
cp="proxy-core/target/test-classes:proxy-core/target/classes:$(cat proxy-core/target/bench.classpath)"
echo "== load time and heap (-Xmx64m)"
java ${JAVA_OPTS:-} -Xmx64m -cp "$cp" io.sidestep.core.rules.bench.RulesFootprint
echo "== JMH: decisions per second (one thread) and load time"
java ${JAVA_OPTS:-} -cp "$cp" org.openjdk.jmh.Main 'io.sidestep.core.rules.bench.RulesBench' \
  -wi 2 -i 3 -f 1 -w 2s -r 3s -t 1 -jvmArgs "-Xmx1g ${JAVA_OPTS:-}" "$@"
