#!/usr/bin/env bash
# Batch-apply rate of the core against a plain JDBC loop, one thread. Uses the server named by
# BAMBUS_TEST_JDBC_URL, or starts the embedded one. Args: [instances] [batchSize]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -pl core test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -cp "core/target/test-classes:core/target/classes:$(cat core/target/bench.classpath)" io.bambus.core.bench.ApplyRate "$@"
