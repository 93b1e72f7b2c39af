#!/usr/bin/env bash
# Checks the plugin in the official Hazelcast distribution, as an operator installs it:
# downloads com.hazelcast:hazelcast-distribution:VERSION (zip, ~480 MB) from Maven Central,
# copies the plugin jar into its lib/, starts a member with the distribution's own 'bin/hz start',
# writes events into two sources and checks that both sessions run and move them.
#
#   scripts/check-distribution.sh [VERSION]        (default 5.5.0)
#
# Uses the embedded MariaDB (port 3308) unless BAMBUS_DEMO_JDBC_URL names a server.
# Exit status 0 when the check passed. Not run by CI: the download is large.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
VERSION="${1:-5.5.0}"
ensure_built

WORK="$RUN_DIR/distribution-$VERSION"
ZIP="$HOME/.m2/repository/com/hazelcast/hazelcast-distribution/$VERSION/hazelcast-distribution-$VERSION.zip"
if [ ! -f "$ZIP" ]; then
  echo "downloading hazelcast-distribution $VERSION (~480 MB) ..."
  mvn -q -B dependency:get "-Dartifact=com.hazelcast:hazelcast-distribution:$VERSION:zip" -Dtransitive=false \
    || die "could not download com.hazelcast:hazelcast-distribution:$VERSION:zip"
fi
rm -rf "$WORK" && mkdir -p "$WORK"
unzip -q "$ZIP" -d "$WORK"
HZ_HOME="$WORK/hazelcast-$VERSION"
[ -x "$HZ_HOME/bin/hz" ] || die "no bin/hz in the $VERSION distribution"
cp "$PLUGIN_JAR" "$HZ_HOME/lib/"

demo_java_init
PIDS=()
cleanup() {
  # member first (it stops its sessions gracefully), then the producer, then the database
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do
    kill "${PIDS[$i]}" 2>/dev/null || true
    wait "${PIDS[$i]}" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM

start_demo_database "$WORK/bus" 3308 "$WORK/database.log"
PIDS+=("$DB_PID")
"${JAVA_DEMO[@]}" io.bambus.grid.demo.DemoProducer "$WORK/bus/bus.yaml" 20 > "$WORK/producer.log" 2>&1 &
PIDS+=($!)

echo "starting Hazelcast $VERSION with its bin/hz start and the plugin in lib/ ..."
HAZELCAST_CONFIG="$ROOT/scripts/config/hazelcast.yaml" \
JAVA_OPTS="-Dbambus.cluster=bambus-dist -Dbambus.host=127.0.0.1 -Dbambus.port=5811 -Dbambus.client.port=5911 -Dbambus.members=127.0.0.1:5811 -Dbambus.config=$WORK/bus/bus.yaml" \
  "$HZ_HOME/bin/hz" start > "$WORK/member.log" 2>&1 &
PIDS+=($!)
wait_for_line "$!" "$WORK/member.log" "BAM event bus started" 90 "the Hazelcast member with the plugin"
grep -m1 "Hazelcast Platform $VERSION\|Hazelcast $VERSION" "$WORK/member.log" || true

"${JAVA_DEMO[@]}" io.bambus.grid.demo.DemoStatus "$WORK/bus/bus.yaml" bambus-dist 127.0.0.1:5911 2 30 check
