#!/usr/bin/env bash
# Runs one benchmark program (grid-plugin/src/test/java/io/bambus/grid/bench, or
# management-ui/src/test/java/io/bambus/ui/bench for SessionsPage) with the test class path.
# Uses BAMBUS_TEST_JDBC_URL's server or the embedded one; Peer starts a server of its own (with the
# binary log, which Debezium reads) and runs both pipelines against it.
#
#   bench/run.sh Throughput|Ceiling|Peer|FailoverPauses|Pause|Latency|Scale|Claims|RecordCodec|SessionsPage [ARGS...]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -ge 1 ] || { echo "usage: bench/run.sh Throughput|Ceiling|Peer|FailoverPauses|Pause|Latency|Scale|Claims|RecordCodec|SessionsPage [args]" >&2; exit 2; }
NAME="$1"; shift
MODULE=grid-plugin PACKAGE=io.bambus.grid.bench
if [ "$NAME" = SessionsPage ]; then
  MODULE=management-ui PACKAGE=io.bambus.ui.bench
fi
cd "$ROOT"
mvn -q -B -DskipTests install
mvn -q -B -pl "$MODULE" dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
source "$ROOT/scripts/lib.sh"
# through Launch, which ends the JVM when the program returns (the embedded server's stop hook needs it)
exec java "${HAZELCAST_OPENS[@]}" -Xmx1g "-Dlog4j2.configurationFile=$ROOT/grid-plugin/src/test/resources/log4j2-test.xml" \
  -cp "$ROOT/$MODULE/target/test-classes:$ROOT/$MODULE/target/classes:$(cat "$ROOT/$MODULE/target/bench.classpath")" \
  io.bambus.grid.bench.Launch "$PACKAGE.$NAME" "$@"
