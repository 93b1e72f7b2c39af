#!/usr/bin/env bash
# Runs one benchmark program (grid-plugin/src/test/java/io/bambus/grid/bench) with the test
# class path. Uses BAMBUS_TEST_JDBC_URL's server or the embedded one.
#
#   bench/run.sh Throughput|FailoverPauses|Latency|Scale [ARGS...]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -ge 1 ] || { echo "usage: bench/run.sh Throughput|FailoverPauses|Latency|Scale [args]" >&2; exit 2; }
NAME="$1"; shift
cd "$ROOT"
mvn -q -B -DskipTests install
mvn -q -B -pl grid-plugin dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
source "$ROOT/scripts/lib.sh"
exec java "${HAZELCAST_OPENS[@]}" -Xmx1g "-Dlog4j2.configurationFile=$ROOT/grid-plugin/src/test/resources/log4j2-test.xml" \
  -cp "$ROOT/grid-plugin/target/test-classes:$ROOT/grid-plugin/target/classes:$(cat "$ROOT/grid-plugin/target/bench.classpath")" \
  "io.bambus.grid.bench.$NAME" "$@"
