# Shared by the scripts: paths, the build, and Hazelcast's Java 17 flags.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${BAMBUS_RUN_DIR:-$ROOT/run}"
PLUGIN_JAR="$ROOT/grid-plugin/target/bambus-grid-plugin.jar"
MEMBER_CLASSPATH_FILE="$ROOT/grid-plugin/target/member.classpath"
# what Hazelcast's own start script passes on Java 9+
HAZELCAST_OPENS=(--add-modules java.se
  --add-exports java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED
  --add-opens java.base/java.nio=ALL-UNNAMED
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.management/sun.management=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED)

die() { echo "error: $*" >&2; exit 1; }

# Builds the plugin jar when it is missing (one Maven run; quiet unless it fails).
ensure_built() {
  if [ ! -f "$PLUGIN_JAR" ] || [ ! -f "$MEMBER_CLASSPATH_FILE" ]; then
    echo "building (mvn -DskipTests install) ..."
    (cd "$ROOT" && mvn -q -B -DskipTests install) || die "the build failed; run 'mvn -DskipTests install' to see why"
  fi
}

# pid_alive PID
pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
