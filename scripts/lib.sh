# Shared by the scripts: paths, the build, and Hazelcast's Java 17 flags.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${BAMBUS_RUN_DIR:-$ROOT/run}"
mkdir -p "$RUN_DIR" # pid files and logs; a fresh clone has none (scripts/chaos.sh wrote its log there first)
PLUGIN_JAR="$ROOT/grid-plugin/target/bambus-grid-plugin.jar"
MEMBER_CLASSPATH_FILE="$ROOT/grid-plugin/target/member.classpath"
UI_JAR="$ROOT/management-ui/target/bambus-management-ui-0.1.0-SNAPSHOT.jar"
UI_CLASSPATH_FILE="$ROOT/management-ui/target/ui.classpath"
CLI_JAR="$ROOT/cli/target/bambus-cli-0.1.0-SNAPSHOT.jar"
CLI_CLASSPATH_FILE="$ROOT/cli/target/cli.classpath"
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
  if [ ! -f "$PLUGIN_JAR" ] || [ ! -f "$MEMBER_CLASSPATH_FILE" ] || [ ! -f "$UI_JAR" ] || [ ! -f "$UI_CLASSPATH_FILE" ] \
      || [ ! -f "$CLI_JAR" ] || [ ! -f "$CLI_CLASSPATH_FILE" ]; then
    echo "building (mvn -DskipTests install) ..."
    (cd "$ROOT" && mvn -q -B -DskipTests install) || die "the build failed; run 'mvn -DskipTests install' to see why"
  fi
}

# The management UI's programs: JAVA_UI runs a class with the UI's class path.
ui_java_init() {
  JAVA_UI=(java -Xmx256m "-Dlog4j2.configurationFile=$ROOT/scripts/config/log4j2.xml" -Dhazelcast.logging.type=log4j2
    -cp "$UI_JAR:$(cat "$UI_CLASSPATH_FILE")")
}

# pid_alive PID
pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# The demo programs (database, producer, status): JAVA_DEMO runs a class with their class path.
demo_java_init() {
  local cp="$ROOT/grid-plugin/target/classes:$(cat "$ROOT/grid-plugin/target/demo.classpath"):$(cat "$MEMBER_CLASSPATH_FILE")"
  JAVA_DEMO=(java "${HAZELCAST_OPENS[@]}" -Xmx256m "-Dlog4j2.configurationFile=$ROOT/scripts/config/log4j2.xml" -cp "$cp")
}

# wait_for_line PID LOG PATTERN SECONDS WHAT: waits until LOG holds PATTERN; dies if PID exits or time runs out.
wait_for_line() {
  local pid="$1" log="$2" pattern="$3" seconds="$4" what="$5"
  for _ in $(seq 1 $((seconds * 10))); do
    grep -q "$pattern" "$log" 2>/dev/null && return 0
    pid_alive "$pid" || { tail -n 30 "$log" >&2; die "$what exited; see $log"; }
    sleep 0.1
  done
  die "$what did not start within ${seconds}s; see $log"
}

# start_demo_database DIR PORT LOG: the demo's database and bus configuration in DIR; sets DB_PID.
start_demo_database() {
  "${JAVA_DEMO[@]}" io.bambus.grid.demo.DemoDatabase "$1" "$2" > "$3" 2>&1 &
  DB_PID=$!
  wait_for_line "$DB_PID" "$3" "^READY" 120 "the demo database"
}
